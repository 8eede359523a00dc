import {
  BatchGetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TrackerEvent } from '../domain/event';
import type { Expected } from '../domain/types';
import { addHours } from '../domain/time';
import { staleIndexKeys } from './items';
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
   * The thread's version as read (the stale index only): its due key holds the hour, not the time,
   * so a note within that hour leaves the key as it was; the flag is conditioned on the version too.
   */
  version?: number;
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
        const listed: DueThread[] = (page.Items ?? []).map((item) => {
          const key = String(item[`${attr}SK`]);
          return {
            threadId: threadIdOfPk(String(item.PK)),
            scenario: String(item.scenario),
            status: String(item.status),
            since: dueSkTime(key),
            expected: (item.expected as Expected | undefined) ?? null,
            key,
          };
        });
        if (index === 'overdue') yield { itemsRead: page.ScannedCount ?? 0, threads: listed };
        else {
          const exact = await this.exactlyDue(listed, now);
          yield { itemsRead: (page.ScannedCount ?? 0) + exact.itemsRead, threads: exact.threads };
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }

  /**
   * The stale index lists a thread from the start of its due time's hour (items.ts): read the
   * listed threads' exact due time (`lastRecordedAt + staleAfterHours`) and keep those due by `now`.
   * A thread listed early is read again by the next run; at most an hour per thread per episode.
   */
  private async exactlyDue(listed: DueThread[], now: string): Promise<DuePage> {
    const due: DueThread[] = [];
    let itemsRead = 0;
    for (let i = 0; i < listed.length; i += 100) {
      let keys: Record<string, unknown>[] = listed.slice(i, i + 100).map((t) => threadKey(t.threadId));
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                // Consistent: the flag is conditioned on this version, so it should be the latest,
                // and the event tells the status and scenario of that version, not the index's
                // (eventually consistent) copy of them.
                ConsistentRead: true,
                ProjectionExpression:
                  'PK, version, lastRecordedAt, staleAfterHours, GSI3SK, #scenario, #status',
                ExpressionAttributeNames: { '#scenario': 'scenario', '#status': 'status' },
              },
            },
          }),
        );
        for (const item of Responses?.[this.table] ?? []) {
          itemsRead++;
          const thread = listed.find((t) => threadIdOfPk(String(item.PK)) === t.threadId);
          if (!thread || item.GSI3SK !== thread.key) continue;
          const at = addHours(String(item.lastRecordedAt), Number(item.staleAfterHours));
          if (at <= now)
            due.push({
              ...thread,
              scenario: String(item.scenario),
              status: String(item.status),
              since: at,
              version: Number(item.version),
            });
        }
        keys = (UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    // In the index's order (by due hour, then id), as the threads were listed.
    const order = new Map(listed.map((t, n) => [t.threadId, n]));
    due.sort((a, b) => order.get(a.threadId)! - order.get(b.threadId)!);
    return { threads: due, itemsRead };
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
    // Stale: leaves the due index, joins the sparse stale indexes. Overdue: leaves the expected-due
    // index. Both take a version and record their change (the changes feed), like any write.
    const staleKeys =
      index === 'stale' ? staleIndexKeys({ id: thread.threadId, scenario: thread.scenario }) : undefined;
    const set =
      index === 'stale'
        ? 'SET stale = :true, staleSince = :since, updatedAt = :now, version = version + :one, GSI6PK = :stale6, GSI7PK = :stale7'
        : 'SET overdue = :true, overdueSince = :since, updatedAt = :now, version = version + :one';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: threadKey(thread.threadId),
                // USK: the update-time key older items still carry (GSI8/GSI9, no longer written).
                UpdateExpression: `${set} REMOVE ${attr}PK, ${attr}SK, USK`,
                ConditionExpression: [
                  `${attr}SK = :seen`,
                  ...(thread.version !== undefined ? ['version = :seenVersion'] : []),
                  ...(settled ? [`NOT ${settled.expression}`] : []),
                ].join(' AND '),
                ...(settled ? { ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
                ExpressionAttributeValues: {
                  ':true': true,
                  ':since': thread.since,
                  ':now': now,
                  ':one': 1,
                  ':seen': thread.key,
                  ...(thread.version !== undefined ? { ':seenVersion': thread.version } : {}),
                  ...(staleKeys ? { ':stale6': staleKeys.GSI6PK, ':stale7': staleKeys.GSI7PK } : {}),
                  ...settled?.values,
                },
              },
            },
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
