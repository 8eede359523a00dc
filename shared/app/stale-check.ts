import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { nowUtc } from '../domain/time';
import { threadStale, type TrackerEvent } from '../events/event';
import { deliver, drainOutbox } from '../events/delivery';
import { DUE_PK, INDEX, threadKey } from '../store/keys';
import { OUTBOX_LEASE_MS, outboxItem } from '../store/outbox-store';
import { counterBumps } from '../store/thread-store';
import type { AppContext } from './context';

export interface StaleCheckResult {
  now: string;
  /** The threads flagged; in a dry run, the threads that would have been (nothing was written). */
  flagged: string[];
  dryRun: boolean;
  /** Items the due-index query read: grows with due threads, not with all threads. */
  itemsRead: number;
  redelivered: string[];
}

/**
 * Flag every watched thread whose `lastRecordedAt + staleAfterHours ≤ now`.
 *
 * Only watched threads are in the sparse due index (non-terminal and not yet stale), keyed by due
 * time, so one Query reads exactly the due ones. Each flag is a transaction conditional on the
 * thread's due key being unchanged: an update that lands meanwhile moves the key and wins, and of
 * two checks running at once only one can flag (and so notify) a thread. The flag and its
 * ThreadStale notification commit together through the outbox; a publish that fails is retried by
 * the next run, which first drains what earlier runs left.
 */
export interface StaleCheckOptions {
  /**
   * Read the due index exactly as a real run does, but write nothing: no flag, no notification, no
   * outbox drain. What `npm run stale-check -- --dry-run` prints.
   */
  dryRun?: boolean;
}

export async function runStaleCheck(ctx: AppContext, now: string, options: StaleCheckOptions = {}): Promise<StaleCheckResult> {
  const dryRun = options.dryRun === true;
  const redelivered = dryRun ? [] : await drainOutbox(ctx);
  const { db, config } = ctx;
  const flagged: string[] = [];
  const events: TrackerEvent[] = [];
  let itemsRead = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: config.tableName,
        IndexName: INDEX.byDue,
        KeyConditionExpression: 'GSI3PK = :due AND GSI3SK < :upper',
        // Keys are `<dueAt>#<id>`; '$' sorts right after '#', so this takes every due time ≤ now.
        ExpressionAttributeValues: { ':due': DUE_PK, ':upper': `${now}$` },
        ExclusiveStartKey: start,
      }),
    );
    itemsRead += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      const dueKey = String(item.GSI3SK);
      const threadId = String(item.PK).slice('THREAD#'.length);
      const staleSince = dueKey.slice(0, dueKey.indexOf('#'));
      if (dryRun) {
        flagged.push(threadId);
        continue;
      }
      const event = threadStale({ id: threadId, scenario: String(item.scenario), status: String(item.status) }, staleSince, nowUtc());
      const wallClock = nowUtc();
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: config.tableName,
                  Key: threadKey(threadId),
                  UpdateExpression: 'SET stale = :true, staleSince = :since, updatedAt = :now, version = version + :one REMOVE GSI3PK, GSI3SK',
                  ConditionExpression: 'GSI3SK = :seen',
                  ExpressionAttributeValues: { ':true': true, ':since': staleSince, ':now': wallClock, ':one': 1, ':seen': dueKey },
                },
              },
              { Put: { TableName: config.tableName, Item: outboxItem(event, Date.now() + OUTBOX_LEASE_MS) } },
              ...counterBumps(config.tableName, String(item.scenario), wallClock),
            ],
          }),
        );
        flagged.push(threadId);
        events.push(event);
      } catch (error) {
        // Someone got there first (an update, or another check): their write stands.
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  if (!dryRun) await deliver(ctx, events);
  return { now, flagged, dryRun, itemsRead, redelivered };
}
