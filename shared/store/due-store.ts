import {
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TrackerEvent } from '../domain/event';
import type { Expected, Thread } from '../domain/types';
import { addHours } from '../domain/time';
import { LEGACY_LIST_KEYS, listingItem, toThread } from './items';
import {
  INDEX,
  THREAD_SHARDS,
  dueShardPk,
  dueSkTime,
  expectedShardPk,
  shardNumbers,
  threadIdOfPk,
  threadKey,
} from './keys';
import { outboxItems } from './outbox-store';
import { getThreadItems } from './thread-batch';
import { flaggedChanges } from '../domain/changes';

/** The two sparse, sharded due indexes: threads watched for staleness, threads awaiting their expected thing. */
export type DueIndexName = 'stale' | 'overdue';

/** A thread as a due index lists it: enough to flag it and to word its notification. */
export interface DueThread {
  threadId: string;
  scenario: string;
  status: string;
  /** When it fell due: its staleSince, or its overdueSince. */
  since: string;
  /** What it awaits (the overdue index only). */
  expected: Expected | null;
  /** Its index key as read: the flag is conditioned on it being unchanged. */
  key: string;
  /**
   * The thread's version as read (consistently, after the index listed it): the stale index's key
   * holds the hour, not the time, so a note within that hour leaves the key as it was; the flag is
   * conditioned on the version too.
   */
  version: number;
  /** The thread as read at that version: what its listing item becomes once flagged (items.ts#listingItem). */
  current: Thread;
}

/** One page of a due index: the threads due, and the items the read cost. */
export interface DuePage {
  threads: DueThread[];
  itemsRead: number;
}

/**
 * The port the stale and overdue checks work through (shared/app/stale-check.ts): read what is due,
 * flag a thread with its notification, conditioned on its due key.
 */
export interface DueThreads {
  /** Every shard of the index, up to and including `now`, a page at a time. */
  due(index: DueIndexName, now: string): AsyncIterable<DuePage>;
  /**
   * Flag the thread (stale, or overdue) and put its notification in the outbox, in one transaction
   * conditional on its due key being unchanged — and, when `settledIn` is not empty, on its kind not
   * being one of them (its status became terminal after its last write): such a thread leaves the
   * index instead. False when the flag did not land (a write, or another check, got there first).
   */
  flag(
    index: DueIndexName,
    thread: DueThread,
    event: TrackerEvent,
    now: string,
    settledIn: string[],
  ): Promise<boolean>;
}

/** Key attributes and index of each due index. */
const INDEXES = {
  stale: { name: INDEX.byDue, attr: 'GSI3', pkOf: dueShardPk },
  overdue: { name: INDEX.byExpected, attr: 'GSI11', pkOf: expectedShardPk },
} as const;

export class DueStore implements DueThreads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Keys are `<time>#<id>`; '$' sorts right after '#', so `< "<now>$"` takes every time ≤ now. */
  async *due(index: DueIndexName, now: string): AsyncIterable<DuePage> {
    const { name, attr, pkOf } = INDEXES[index];
    for (const shard of shardNumbers(THREAD_SHARDS)) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: name,
            KeyConditionExpression: `${attr}PK = :pk AND ${attr}SK < :upper`,
            ExpressionAttributeValues: { ':pk': pkOf(shard), ':upper': `${now}$` },
            ExclusiveStartKey: start,
          }),
        );
        const listed = (page.Items ?? []).map((item) => ({
          threadId: threadIdOfPk(String(item.PK)),
          key: String(item[`${attr}SK`]),
          expected: (item.expected as Expected | undefined) ?? null,
        }));
        const current = await this.current(listed, attr);
        const threads: DueThread[] = [];
        for (const t of listed) {
          const item = current.items.get(t.threadId);
          // Gone, or written since the index listed it (its key moved): not due under this key.
          if (!item || item[`${attr}SK`] !== t.key) continue;
          const thread = toThread(item);
          // The stale index lists a thread from the start of its due time's hour (items.ts): its exact
          // due time is `lastRecordedAt + staleAfterHours`; one listed early is read again next run
          // (at most an hour per thread per episode).
          const since =
            index === 'stale' ? addHours(thread.lastRecordedAt, thread.staleAfterHours) : dueSkTime(t.key);
          if (index === 'stale' && since > now) continue;
          threads.push({
            threadId: t.threadId,
            // The event tells the status and scenario of the version read, not the index's
            // (eventually consistent) copy of them.
            scenario: thread.scenario,
            status: thread.status,
            since,
            expected: index === 'overdue' ? (thread.expected ?? t.expected) : null,
            key: t.key,
            version: thread.version,
            current: thread,
          });
        }
        yield { itemsRead: (page.ScannedCount ?? 0) + current.itemsRead, threads };
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }

  /**
   * The listed threads' items, read consistently: the flag is conditioned on this version, so it
   * should be the latest, and it puts the listing item this version implies.
   */
  private async current(
    listed: readonly { threadId: string }[],
    attr: 'GSI3' | 'GSI11',
  ): Promise<{ items: Map<string, Record<string, unknown>>; itemsRead: number }> {
    const read = await getThreadItems(
      this.db,
      this.table,
      listed.map((t) => t.threadId),
      { ConsistentRead: true },
    );
    const items = new Map(
      read.filter((item) => item[`${attr}SK`] !== undefined).map((item) => [String(item.id), item] as const),
    );
    return { items, itemsRead: read.length };
  }

  async flag(
    index: DueIndexName,
    thread: DueThread,
    event: TrackerEvent,
    now: string,
    settledIn: string[],
  ): Promise<boolean> {
    const { attr } = INDEXES[index];
    const settled = settledIn.length > 0 ? kindIn(settledIn) : undefined;
    // Stale: leaves the due index, joins the sparse stale indexes (its listing item). Overdue: leaves
    // the expected-due index. Both take a version and record their change (the changes feed), like any write.
    const set =
      index === 'stale'
        ? 'SET stale = :true, staleSince = :since, updatedAt = :now, version = version + :one'
        : 'SET overdue = :true, overdueSince = :since, updatedAt = :now, version = version + :one';
    const flagged: Thread =
      index === 'stale'
        ? { ...thread.current, stale: true, staleSince: thread.since }
        : { ...thread.current, overdue: true, overdueSince: thread.since };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: threadKey(thread.threadId),
                // An older item's own list keys go: its listing item below lists it from now on.
                UpdateExpression: `${set} REMOVE ${attr}PK, ${attr}SK, ${LEGACY_LIST_KEYS.join(', ')}`,
                ConditionExpression: [
                  `${attr}SK = :seen`,
                  'version = :seenVersion',
                  ...(settled ? [`NOT ${settled.expression}`] : []),
                ].join(' AND '),
                ...(settled ? { ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
                ExpressionAttributeValues: {
                  ':true': true,
                  ':since': thread.since,
                  ':now': now,
                  ':one': 1,
                  ':seen': thread.key,
                  ':seenVersion': thread.version,
                  ...settled?.values,
                },
              },
            },
            // The lists follow: the thread as flagged (its version read is the condition above).
            { Put: { TableName: this.table, Item: listingItem(flagged) } },
            // The notification, carrying the flag's entry in the changes feed (`by` null: the scheduled check).
            ...outboxItems([event], flaggedChanges(index, thread, event.time), Date.now()).map((Item) => ({
              Put: { TableName: this.table, Item },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      // Someone got there first (an update, or another check): their write stands.
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (settled) await this.unwatch(thread, attr, settled);
      return false;
    }
  }

  /** Take a thread whose status is terminal for its kind out of a due index, so later runs do not read it again. */
  private async unwatch(
    thread: DueThread,
    attr: 'GSI3' | 'GSI11',
    settled: { expression: string; values: Record<string, string> },
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: threadKey(thread.threadId),
          UpdateExpression: `REMOVE ${attr}PK, ${attr}SK`,
          ConditionExpression: `${attr}SK = :seen AND ${settled.expression}`,
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':seen': thread.key, ...settled.values },
        }),
      );
    } catch (error) {
      // Not terminal after all, or a write moved the key: nothing to take out.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** `#kind IN (…)` over `kinds`, in groups of 100 (the most one IN takes), with their values. */
function kindIn(kinds: string[]): { expression: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const groups: string[] = [];
  for (let g = 0; g < kinds.length; g += 100) {
    const names = kinds.slice(g, g + 100).map((k, i) => {
      values[`:kind${g + i}`] = k;
      return `:kind${g + i}`;
    });
    groups.push(`#kind IN (${names.join(', ')})`);
  }
  return { expression: `(${groups.join(' OR ')})`, values };
}
