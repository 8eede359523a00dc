import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TrackerEvent } from '../domain/event';
import { outboxKey } from './keys';
import { TTL_ATTRIBUTE } from './table';

/**
 * Notifications are written to the outbox in the same transaction as the change that causes them,
 * and never touched again by the writer: the table's stream carries each new outbox item to the
 * relay (shared/app/outbox-relay.ts), which publishes its event. The item stays until DynamoDB's TTL
 * removes it, a day after the stream (24-hour retention) last could have offered it.
 *
 * The outbox is sharded by thread (`OUTBOX#<n>`, docs/data-model.md): writes to different threads
 * never queue on one partition key, and a thread's events share one partition key, so its stream
 * records arrive in the order they were committed.
 */
export const OUTBOX_PREFIX = 'OUTBOX#';

/** How long an outbox item outlives its stream record: the stream keeps records 24 hours. */
export const OUTBOX_TTL_SECONDS = 2 * 86_400;

export const outboxItem = (event: TrackerEvent, nowMs: number) => ({
  ...outboxKey(event),
  event,
  [TTL_ATTRIBUTE]: Math.floor(nowMs / 1000) + OUTBOX_TTL_SECONDS,
});

/** A stream record as both sources give it (Lambda's event, GetRecords), down to what the relay reads. */
export interface OutboxStreamRecord {
  eventName?: string | undefined;
  dynamodb?:
    | { SequenceNumber?: string | undefined; NewImage?: Record<string, AttributeValue> | undefined }
    | undefined;
}

/** The event a new outbox item holds, from its stream image (DynamoDB JSON); null for any other item. */
export function outboxEventOf(image: Record<string, AttributeValue> | undefined): TrackerEvent | null {
  const pk = image?.PK?.S;
  if (!image || pk === undefined || !pk.startsWith(OUTBOX_PREFIX) || !image.event) return null;
  // Only the event is read: numbers in it are ordinary JS numbers (ids and times are strings).
  const { event } = unmarshall({ event: image.event }) as { event: TrackerEvent };
  return typeof event?.id === 'string' ? event : null;
}
