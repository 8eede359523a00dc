import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeTime } from 'ulid';
import { newEventId, type TrackerEvent } from '../domain/event';
import { CHANGES_MAX_AGE_DAYS, type ChangeRecord } from '../domain/changes';
import { OUTBOX_SHARDS, changesScenarioPk, outboxKey, outboxShardPk, shardOf } from './keys';
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

/**
 * The changes feed rides on the outbox (docs/data-model.md, *Changes feed*): a write's changes are
 * stored on its first outbox item, which then carries the scenario's changes-index key (`GSI12PK`)
 * and is kept as long as the feed reaches back, a day more than `since` may ask for. The rest of a
 * write's outbox items keep the outbox's 2 days. A write that emits no event (a PATCH, until its
 * ThreadChanged event exists) stores them on an outbox item of its own with no `event`, which the
 * relay passes over. The global feed reads the outbox partitions themselves (`OUTBOX#<n>`, sorted by
 * event id), so it needs no index; the filter `attribute_exists(changes)` keeps to the carriers.
 */
export const CHANGES_TTL_SECONDS = (CHANGES_MAX_AGE_DAYS + 1) * 86_400;

/** The attribute holding a write's changes on its carrier item. */
export const CHANGES_ATTRIBUTE = 'changes';
/**
 * A move's second carrier, in the scenario the thread left (its feed must say the thread went):
 * beside the first in the outbox partition, its SK the first's plus this suffix, and marked so the
 * global feed, which reads the first, skips it.
 */
export const ECHO_SUFFIX = '#from';
export const ECHO_ATTRIBUTE = 'echo';

const carrier = (changes: ChangeRecord[], scenario: string, nowMs: number) => ({
  [CHANGES_ATTRIBUTE]: changes,
  GSI12PK: changesScenarioPk(scenario),
  [TTL_ATTRIBUTE]: Math.floor(nowMs / 1000) + CHANGES_TTL_SECONDS,
});

/**
 * A carrier of changes under a key of the caller's (the migration's backfill: one a thread's last
 * write would have left, keyed so that writing it twice writes one item), kept from `atMs` on.
 */
export const carrierItem = (
  key: { PK: string; SK: string },
  changes: ChangeRecord[],
  atMs: number,
): Record<string, unknown> => ({ ...key, ...carrier(changes, changes[0]!.scenario, atMs) });

/**
 * The attribute of an outbox item holding the events of the same write after its first (`event`): a
 * status change's ThreadStatusChanged rides on its UpdatePosted's item (issue 25: 2 WCU less, one item
 * and one stream record instead of two). Items of one event do not have it.
 */
export const FOLLOWING_EVENTS_ATTRIBUTE = 'followedBy';

/**
 * The outbox items of one write: one item for its events, in order (the first as `event`, the rest in
 * `followedBy`), carrying `changes` (all about one thread); a carrier of their own when there is no
 * event; and, for a move, the echo in the scenario the thread left.
 */
export function outboxItems(
  events: readonly TrackerEvent[],
  changes: readonly ChangeRecord[],
  nowMs: number,
): Record<string, unknown>[] {
  const [head, ...rest] = events;
  const items: Record<string, unknown>[] = head
    ? [{ ...outboxItem(head, nowMs), ...(rest.length ? { [FOLLOWING_EVENTS_ATTRIBUTE]: rest } : {}) }]
    : [];
  const first = changes[0];
  if (!first) return items;
  const list = [...changes];
  if (items[0]) Object.assign(items[0], carrier(list, first.scenario, nowMs));
  else
    items.push({
      PK: outboxShardPk(shardOf(first.threadId, OUTBOX_SHARDS)),
      SK: newEventId(first.at),
      ...carrier(list, first.scenario, nowMs),
    });
  const moved = changes.find((c) => c.type === 'moved' && c.previousScenario !== undefined);
  if (moved?.previousScenario !== undefined) {
    const main = items[0]!;
    items.push({
      PK: main.PK,
      SK: `${String(main.SK)}${ECHO_SUFFIX}`,
      ...carrier(list, moved.previousScenario, nowMs),
      [ECHO_ATTRIBUTE]: true,
    });
  }
  return items;
}

/**
 * A carrier of the changes feed as an import restores it (shared/app/archive.ts): the same key (the
 * outbox shard of the changes' thread, the carrier's id), the same changes, listed in the scenario's
 * feed, and never an `event` (the relay passes over it: an import notifies nobody). Its expiry counts
 * from the time in its id, the write's time, as the original's did from its commit (which came at
 * most the write budget later).
 */
export function restoredCarrier(
  id: string,
  changes: readonly ChangeRecord[],
  scenario: string,
): Record<string, unknown> {
  const echo = id.endsWith(ECHO_SUFFIX);
  return {
    PK: outboxShardPk(shardOf(changes[0]!.threadId, OUTBOX_SHARDS)),
    SK: id,
    ...carrier([...changes], scenario, decodeTime(id.slice(0, 26))),
    ...(echo ? { [ECHO_ATTRIBUTE]: true } : {}),
  };
}

/** A stream record as both sources give it (Lambda's event, GetRecords), down to what the relay reads. */
export interface OutboxStreamRecord {
  eventName?: string | undefined;
  dynamodb?:
    | { SequenceNumber?: string | undefined; NewImage?: Record<string, AttributeValue> | undefined }
    | undefined;
}

/** The events a new outbox item holds, in order, from its stream image (DynamoDB JSON); none for any other item. */
export function outboxEventsOf(image: Record<string, AttributeValue> | undefined): TrackerEvent[] {
  const pk = image?.PK?.S;
  if (!image || pk === undefined || !pk.startsWith(OUTBOX_PREFIX) || !image.event) return [];
  // Only the events are read: numbers in them are ordinary JS numbers (ids and times are strings).
  const following = image[FOLLOWING_EVENTS_ATTRIBUTE];
  const { event, followedBy } = unmarshall({
    event: image.event,
    ...(following ? { followedBy: following } : {}),
  }) as { event: TrackerEvent; followedBy?: TrackerEvent[] };
  return [event, ...(followedBy ?? [])].filter((e) => typeof e?.id === 'string');
}
