import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { relayOutbox, type OutboxStreamRecord } from '../shared/app/outbox-relay';
import { config } from '../shared/config';
import { createPublisher } from '../shared/events/bus';
import type { Publisher } from '../shared/events/publisher';
import { count, invocation } from '../shared/observability';

type Deps = { publisher: Publisher };

const cfg = config();
/**
 * What this function uses, built once per instance (its IAM role: infra/permissions.ts): the bus
 * (EVENT_BUS_NAME), nothing of the table but its stream, which Lambda reads for it.
 */
const deps: Deps = { publisher: createPublisher(cfg) };

/**
 * The table's stream, filtered by the event-source mapping to new outbox items
 * (infra/constructs/outbox-relay.ts): their events go to the bus in stream order. Records not
 * published are reported (ReportBatchItemFailures) and offered again from the first of them.
 */
export const handlerFor =
  (appContext: () => Deps) =>
  async (event: Pick<DynamoDBStreamEvent, 'Records'>, context?: Context): Promise<DynamoDBBatchResponse> =>
    invocation('outbox relay', { context }, async () => {
      // Lambda's record type spells DynamoDB JSON its own way; the fields read are the same.
      const result = await relayOutbox(appContext(), event.Records as unknown as OutboxStreamRecord[]);
      count('OutboxEventsRelayed', event.Records.length - result.batchItemFailures.length);
      return result;
    });

export const handler = handlerFor(() => deps);
