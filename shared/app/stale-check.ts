import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { nowUtc } from '../domain/time';
import { threadOverdue, threadStale, type TrackerEvent } from '../domain/event';
import type { KindRegistry } from '../domain/kinds';
import type { Expected } from '../domain/types';
import { deliver, drainOutbox } from '../events/delivery';
import {
  INDEX,
  THREAD_SHARDS,
  dueShardPk,
  expectedShardPk,
  shardNumbers,
  threadKey,
  updatedSk,
} from '../store/keys';
import { staleIndexKeys } from '../store/items';
import { OUTBOX_LEASE_MS, outboxItem } from '../store/outbox-store';
import type { AppContext } from './context';

export interface StaleCheckResult {
  now: string;
  /** The threads flagged; in a dry run, the threads that would have been (nothing was written). */
  flagged: string[];
  dryRun: boolean;
  /** The threads flagged overdue (in a dry run: that would have been). */
  overdue: string[];
  /** Items the due-index queries read (stale and overdue): grows with due threads, not with all threads. */
  itemsRead: number;
  redelivered: string[];
}

export interface StaleCheckOptions {
  /**
   * Read the due index exactly as a real run does, but write nothing: no flag, no notification, no
   * outbox drain. What `npm run stale-check -- --dry-run` prints.
   */
  dryRun?: boolean;
}

/**
 * Flag every watched thread whose `lastRecordedAt + staleAfterHours ≤ now`.
 *
 * Only watched threads are in the sparse due index (non-terminal and not yet stale), keyed by due
 * time and sharded by thread (`DUE#<n>`), so one Query per shard reads exactly the due ones. Each
 * flag is a transaction conditional on the thread's due key being unchanged: an update that lands
 * meanwhile moves the key and wins, and of two checks running at once only one can flag (and so
 * notify) a thread. The flag and its ThreadStale notification commit together through the outbox;
 * a publish that fails is retried by the next run, which first drains what earlier runs left.
 */
export async function runStaleCheck(
  ctx: AppContext,
  now: string,
  options: StaleCheckOptions = {},
): Promise<StaleCheckResult> {
  const dryRun = options.dryRun === true;
  // A status an admin made terminal after the thread's last write leaves the thread in the due
  // index: the flag is conditioned on the thread's kind not being one where its status is terminal.
  const kinds = await ctx.kinds.registry();
  const redelivered = dryRun ? [] : await drainOutbox(ctx);
  const stale = await sweepDue(
    ctx,
    { index: INDEX.byDue, pkName: 'GSI3PK', skName: 'GSI3SK', pkOf: dueShardPk },
    now,
    dryRun,
    kinds,
    flag,
  );
  const overdue = await runOverdueCheck(ctx, now, dryRun, kinds);
  const flagged = stale.flagged;
  const itemsRead = stale.itemsRead + overdue.itemsRead;
  const events = [...stale.events, ...overdue.events];
  if (!dryRun) {
    await deliver(ctx, events);
    // Flagged threads change their scenarios' stale and overdue counts.
    await ctx.recounts.request([
      ...new Set(events.flatMap((e) => (e.scenario === null ? [] : [e.scenario]))),
    ]);
  }
  return { now, flagged, dryRun, overdue: overdue.flagged, itemsRead, redelivered };
}

/**
 * Flag every thread awaiting its expected thing whose `overdueSince ≤ now`: same job, same `now`.
 *
 * Only awaiting threads are in the sparse expected-due index (GSI11: expected set, not overdue, not
 * archived, not terminal, and no live update occurred at or after `expected.at` — the thread's
 * `lastOccurredAt` is its latest live update's), keyed `<overdueSince>#<id>` and sharded like the
 * due index, so the read grows with the due threads only. Each flag is conditioned on that key being
 * unchanged (any write that changes whether or when the thread awaits moves or removes it) and
 * commits with its ThreadOverdue notification through the outbox.
 */
function runOverdueCheck(ctx: AppContext, now: string, dryRun: boolean, kinds: KindRegistry): Promise<Sweep> {
  return sweepDue(
    ctx,
    { index: INDEX.byExpected, pkName: 'GSI11PK', skName: 'GSI11SK', pkOf: expectedShardPk },
    now,
    dryRun,
    kinds,
    flagOverdue,
  );
}

interface Sweep {
  flagged: string[];
  events: TrackerEvent[];
  itemsRead: number;
}

/** A sparse, sharded index of threads keyed `<time>#<id>`: the stale check's and the overdue check's. */
interface DueIndex {
  index: string;
  pkName: string;
  skName: string;
  pkOf: (shard: number) => string;
}

/**
 * Read every shard of a due index up to `now` and flag what is due, one conditional transaction per
 * thread. Keys are `<time>#<id>`; '$' sorts right after '#', so `< "<now>$"` takes every time ≤ now.
 * A thread whose status became terminal since its last write is passed the kinds it is terminal in
 * (`settledIn`), so its flag takes it out of the index instead. A dry run reads the same way and writes nothing.
 */
async function sweepDue(
  ctx: AppContext,
  due: DueIndex,
  now: string,
  dryRun: boolean,
  kinds: KindRegistry,
  flagOne: (
    ctx: AppContext,
    item: Record<string, unknown>,
    settledIn: string[],
  ) => Promise<TrackerEvent | undefined>,
): Promise<Sweep> {
  const flagged: string[] = [];
  const events: TrackerEvent[] = [];
  let itemsRead = 0;
  for (const shard of shardNumbers(THREAD_SHARDS)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ctx.db.send(
        new QueryCommand({
          TableName: ctx.config.tableName,
          IndexName: due.index,
          KeyConditionExpression: `${due.pkName} = :pk AND ${due.skName} < :upper`,
          ExpressionAttributeValues: { ':pk': due.pkOf(shard), ':upper': `${now}$` },
          ExclusiveStartKey: start,
        }),
      );
      itemsRead += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        const settledIn = kinds.kindsTerminalIn(String(item.status));
        if (dryRun) {
          if (settledIn.length === 0) flagged.push(threadIdOf(item));
          continue;
        }
        const event = await flagOne(ctx, item, settledIn);
        if (event) {
          flagged.push(threadIdOf(item));
          events.push(event);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return { flagged, events, itemsRead };
}

/** Flag one thread overdue with its notification, unless a write moved its key first (or its status became terminal). */
async function flagOverdue(
  ctx: AppContext,
  item: Record<string, unknown>,
  settledIn: string[],
): Promise<TrackerEvent | undefined> {
  const key = String(item.GSI11SK);
  const threadId = threadIdOf(item);
  const overdueSince = key.slice(0, key.indexOf('#'));
  const wallClock = nowUtc();
  const event = threadOverdue(
    { id: threadId, scenario: String(item.scenario), status: String(item.status) },
    overdueSince,
    item.expected as Expected,
    wallClock,
  );
  const settled = settledIn.length > 0 ? kindIn(settledIn) : undefined;
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: ctx.config.tableName,
              Key: threadKey(threadId),
              // Leaves the expected-due index and moves in the update-time ones; a version like any write.
              UpdateExpression:
                'SET overdue = :true, overdueSince = :since, updatedAt = :now, version = version + :one, USK = :usk REMOVE GSI11PK, GSI11SK',
              ConditionExpression: settled
                ? `GSI11SK = :seen AND NOT ${settled.expression}`
                : 'GSI11SK = :seen',
              ...(settled ? { ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
              ExpressionAttributeValues: {
                ':true': true,
                ':since': overdueSince,
                ':now': wallClock,
                ':one': 1,
                ':seen': key,
                ':usk': updatedSk(wallClock, threadId),
                ...settled?.values,
              },
            },
          },
          { Put: { TableName: ctx.config.tableName, Item: outboxItem(event, Date.now() + OUTBOX_LEASE_MS) } },
        ],
      }),
    );
    return event;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (settled) await unwatch(ctx, threadId, 'GSI11', key, settled);
    return undefined;
  }
}

const threadIdOf = (item: Record<string, unknown>) => String(item.PK).slice('THREAD#'.length);

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

/**
 * Flag one due thread with its notification, unless a write moved its due key first; the event, or
 * undefined. `settledIn`: the kinds in which the thread's status is terminal — a thread of one of
 * those is not flagged but leaves the due index (its status became terminal after its last write).
 */
async function flag(
  ctx: AppContext,
  item: Record<string, unknown>,
  settledIn: string[],
): Promise<TrackerEvent | undefined> {
  const dueKey = String(item.GSI3SK);
  const threadId = threadIdOf(item);
  const scenario = String(item.scenario);
  const staleSince = dueKey.slice(0, dueKey.indexOf('#'));
  const wallClock = nowUtc();
  const event = threadStale({ id: threadId, scenario, status: String(item.status) }, staleSince, wallClock);
  const staleKeys = staleIndexKeys({ id: threadId, scenario });
  const settled = settledIn.length > 0 ? kindIn(settledIn) : undefined;
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: ctx.config.tableName,
              Key: threadKey(threadId),
              // Leaves the due index, joins the sparse stale indexes, moves in the update-time ones.
              UpdateExpression:
                'SET stale = :true, staleSince = :since, updatedAt = :now, version = version + :one, USK = :usk, GSI6PK = :stale6, GSI7PK = :stale7 REMOVE GSI3PK, GSI3SK',
              ConditionExpression: settled
                ? `GSI3SK = :seen AND NOT ${settled.expression}`
                : 'GSI3SK = :seen',
              ...(settled ? { ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
              ExpressionAttributeValues: {
                ':true': true,
                ':since': staleSince,
                ':now': wallClock,
                ':one': 1,
                ':seen': dueKey,
                ':usk': updatedSk(wallClock, threadId),
                ':stale6': staleKeys.GSI6PK,
                ':stale7': staleKeys.GSI7PK,
                ...settled?.values,
              },
            },
          },
          { Put: { TableName: ctx.config.tableName, Item: outboxItem(event, Date.now() + OUTBOX_LEASE_MS) } },
        ],
      }),
    );
    return event;
  } catch (error) {
    // Someone got there first (an update, or another check): their write stands.
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (settled) await unwatch(ctx, threadId, 'GSI3', dueKey, settled);
    return undefined;
  }
}

/**
 * Take a thread whose status is terminal for its kind out of a due index (`GSI3` for staleness,
 * `GSI11` for expectations), so later runs do not read it again.
 */
async function unwatch(
  ctx: AppContext,
  threadId: string,
  index: 'GSI3' | 'GSI11',
  key: string,
  settled: { expression: string; values: Record<string, string> },
): Promise<void> {
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: threadKey(threadId),
        UpdateExpression: `REMOVE ${index}PK, ${index}SK`,
        ConditionExpression: `${index}SK = :seen AND ${settled.expression}`,
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':seen': key, ...settled.values },
      }),
    );
  } catch (error) {
    // Not terminal after all, or a write moved the key: nothing to take out.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
