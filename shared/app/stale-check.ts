import { nowUtc } from '../domain/time';
import { threadOverdue, threadStale, type TrackerEvent } from '../domain/event';
import type { KindRegistry } from '../domain/kinds';
import type { Expected } from '../domain/types';
import type { DueIndexName, DueThread } from '../store/due-store';
import type { AppContext } from './context';

/** What the stale and overdue checks take: the due indexes, the kinds, and where recounts go. */
export type StaleCheckDeps = Pick<AppContext, 'due' | 'kinds' | 'recounts'>;

export interface StaleCheckResult {
  now: string;
  /** The threads flagged; in a dry run, the threads that would have been (nothing was written). */
  flagged: string[];
  dryRun: boolean;
  /** The threads flagged overdue (in a dry run: that would have been). */
  overdue: string[];
  /** Items the due-index queries read (stale and overdue): grows with due threads, not with all threads. */
  itemsRead: number;
}

export interface StaleCheckOptions {
  /**
   * Read the due index exactly as a real run does, but write nothing: no flag, no notification. What `npm run stale-check -- --dry-run` prints.
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
 * notify) a thread. The flag and its ThreadStale notification commit together through the outbox,
 * which the table's stream carries to the relay (shared/app/outbox-relay.ts).
 */
export async function runStaleCheck(
  ctx: StaleCheckDeps,
  now: string,
  options: StaleCheckOptions = {},
): Promise<StaleCheckResult> {
  const dryRun = options.dryRun === true;
  // A status an admin made terminal after the thread's last write leaves the thread in the due
  // index: the flag is conditioned on the thread's kind not being one where its status is terminal.
  const kinds = await ctx.kinds.registry();
  const stale = await sweepDue(ctx, 'stale', now, dryRun, kinds);
  const overdue = await runOverdueCheck(ctx, now, dryRun, kinds);
  const flagged = stale.flagged;
  const itemsRead = stale.itemsRead + overdue.itemsRead;
  const events = [...stale.events, ...overdue.events];
  if (!dryRun) {
    // Flagged threads change their scenarios' stale and overdue counts.
    await ctx.recounts.request([
      ...new Set(events.flatMap((e) => (e.scenario === null ? [] : [e.scenario]))),
    ]);
  }
  return { now, flagged, dryRun, overdue: overdue.flagged, itemsRead };
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
function runOverdueCheck(
  ctx: StaleCheckDeps,
  now: string,
  dryRun: boolean,
  kinds: KindRegistry,
): Promise<Sweep> {
  return sweepDue(ctx, 'overdue', now, dryRun, kinds);
}

interface Sweep {
  flagged: string[];
  events: TrackerEvent[];
  itemsRead: number;
}

/**
 * Read every shard of a due index up to `now` and flag what is due, one conditional transaction per
 * thread (shared/store/due-store.ts). A thread whose status became terminal since its last write is
 * passed the kinds it is terminal in (`settledIn`), so its flag takes it out of the index instead.
 * A dry run reads the same way and writes nothing.
 */
async function sweepDue(
  ctx: StaleCheckDeps,
  index: DueIndexName,
  now: string,
  dryRun: boolean,
  kinds: KindRegistry,
): Promise<Sweep> {
  const flagged: string[] = [];
  const events: TrackerEvent[] = [];
  let itemsRead = 0;
  for await (const page of ctx.due.due(index, now)) {
    itemsRead += page.itemsRead;
    for (const thread of page.threads) {
      const settledIn = kinds.kindsTerminalIn(thread.status);
      if (dryRun) {
        if (settledIn.length === 0) flagged.push(thread.threadId);
        continue;
      }
      // The notification's time is the wall clock of the flag (the run's `now` may be a chosen one).
      const wallClock = nowUtc();
      const event = notification(index, thread, wallClock);
      if (await ctx.due.flag(index, thread, event, wallClock, settledIn)) {
        flagged.push(thread.threadId);
        events.push(event);
      }
    }
  }
  return { flagged, events, itemsRead };
}

/** ThreadStale, or ThreadOverdue with the end of the expected period. */
const notification = (index: DueIndexName, thread: DueThread, time: string): TrackerEvent => {
  const ref = { id: thread.threadId, scenario: thread.scenario, status: thread.status };
  return index === 'stale'
    ? threadStale(ref, thread.since, time)
    : threadOverdue(ref, thread.since, thread.expected as Expected, time);
};
