import type { TrackerEvent } from '../domain/event';
import type { Publisher } from '../events/publisher';
import { count, logger } from '../observability';
import { outboxEventsOf, type OutboxStreamRecord } from '../store/outbox-store';

export type { OutboxStreamRecord };

/**
 * The outbox relay: what carries a committed notification from the table to its consumers, off the
 * write's path. The table's stream offers every new item; the relay publishes the events of new
 * outbox items, the same code in the cloud (functions/outbox-relay.ts, an event-source mapping on
 * the stream) and locally (local/outbox-stream.ts, a poller over DynamoDB Local's stream).
 *
 * Records come in stream order, which per partition key is commit order; an outbox shard holds whole
 * threads (shared/store/keys.ts), so a thread's events leave in the order they were committed.
 */

/** What the event-source mapping retries from (ReportBatchItemFailures): the records not published. */
export interface RelayResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** One PutEvents carries at most 10 entries: a chunk is published, or retried, as one. */
export const RELAY_CHUNK = 10;

/** The events of new outbox items in these records, in order, with the record each came from. */
export function outboxEvents(
  records: readonly OutboxStreamRecord[],
): { event: TrackerEvent; sequence: string }[] {
  return records.flatMap((r) =>
    (r.eventName === 'INSERT' ? outboxEventsOf(r.dynamodb?.NewImage) : []).map((event) => ({
      event,
      sequence: r.dynamodb?.SequenceNumber ?? '',
    })),
  );
}

/**
 * Publish the events of these records, in order. At the first chunk that fails, it and every later
 * record are reported failed, so the next attempt starts there and nothing after it overtakes it; a
 * chunk published in part is published again in full, which the consumers absorb (they are
 * idempotent per event id: docs/architecture.md).
 */
export async function relayOutbox(
  ctx: { publisher: Publisher },
  records: readonly OutboxStreamRecord[],
): Promise<RelayResult> {
  const found = outboxEvents(records);
  for (let i = 0; i < found.length; i += RELAY_CHUNK) {
    const chunk = found.slice(i, i + RELAY_CHUNK);
    try {
      await ctx.publisher.publish(chunk.map((c) => c.event));
    } catch (error) {
      count('OutboxRelayFailures');
      logger.warn('outbox relay could not publish; the stream offers these records again', {
        error: String(error),
        eventIds: found.slice(i).map((c) => c.event.id),
      });
      // A record holding several events (one write's) is named once, and retried whole.
      const failed = [...new Set(found.slice(i).map((c) => c.sequence))];
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    }
  }
  return { batchItemFailures: [] };
}
