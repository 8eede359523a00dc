import { join } from 'node:path';
import type { AppContext } from '../shared/app/context';
import { indexRecords, type SearchStreamRecord } from '../shared/app/search-indexer';
import { OutboxStream, type RelayPositions } from './outbox-stream';

/**
 * The search indexer locally: what the cloud's event-source mapping does for
 * functions/search-indexer.ts, done by a second reader of DynamoDB Local's stream (the outbox relay's
 * poller, local/outbox-stream.ts, with the indexer as what consumes each page). It keeps its own
 * positions, as the cloud's mapping keeps its own place in the stream, and is nudged after every
 * write request, so a write is findable as soon as the pass after it has run.
 */
export const searchIndexPositionsFile = (dataDir: string) => join(dataDir, 'search-index.json');

export function searchIndexer(
  ctx: Pick<AppContext, 'config' | 'publisher' | 'search'>,
  positions?: RelayPositions,
): OutboxStream {
  if (!ctx.config.dynamodbEndpoint && !process.env.DYNAMODB_ENDPOINT)
    throw new Error('The local search indexer needs DYNAMODB_ENDPOINT: it reads that stream.');
  return new OutboxStream({
    endpoint: ctx.config.dynamodbEndpoint ?? process.env.DYNAMODB_ENDPOINT!,
    tableName: ctx.config.tableName,
    publisher: ctx.publisher,
    // GetRecords gives every record its Keys too (the outbox relay's record type leaves them out).
    consume: (records) => indexRecords(ctx, records as SearchStreamRecord[]),
    ...(positions ? { positions } : {}),
  });
}
