import type { CountedThread, ScenarioCounts, Thread } from './types';

/**
 * A scenario's counts, from its threads: archived threads are left out, a missing flag counts as
 * false (thread items written before `archived`/`overdue` existed carry neither). Status keys are
 * sorted so equal counts are equal JSON, and so the same ETag.
 */
export function countThreads(threads: Iterable<CountedThread>): ScenarioCounts {
  const byStatus = new Map<string, number>();
  let threadCount = 0;
  let staleCount = 0;
  let overdueCount = 0;
  for (const t of threads) {
    if (t.archived === true) continue;
    threadCount++;
    byStatus.set(t.status, (byStatus.get(t.status) ?? 0) + 1);
    if (t.stale === true) staleCount++;
    if (t.overdue === true) overdueCount++;
  }
  const statusCounts = Object.fromEntries(
    [...byStatus.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { threadCount, statusCounts, staleCount, overdueCount };
}

export const ZERO_COUNTS: ScenarioCounts = {
  threadCount: 0,
  statusCounts: {},
  staleCount: 0,
  overdueCount: 0,
};

export function sameCounts(a: ScenarioCounts, b: ScenarioCounts): boolean {
  const keys = (o: Record<string, number>) =>
    Object.keys(o)
      .filter((k) => o[k] !== 0)
      .sort();
  const ka = keys(a.statusCounts);
  const kb = keys(b.statusCounts);
  return (
    a.threadCount === b.threadCount &&
    a.staleCount === b.staleCount &&
    a.overdueCount === b.overdueCount &&
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && a.statusCounts[k] === b.statusCounts[k])
  );
}

type Counted = Pick<Thread, 'scenario' | 'status' | 'stale'> & { overdue?: boolean; archived?: boolean };

/**
 * The scenarios whose counts a write from `before` to `after` may have changed: none when nothing
 * counted moved; both when the thread changed scenario. (`before` undefined: the thread is new.)
 */
export function scenariosToRecount(before: Counted | undefined, after: Counted): string[] {
  if (!before) return [after.scenario];
  if (before.scenario !== after.scenario) return [before.scenario, after.scenario];
  const same =
    before.status === after.status &&
    before.stale === after.stale &&
    (before.overdue ?? false) === (after.overdue ?? false) &&
    (before.archived ?? false) === (after.archived ?? false);
  return same ? [] : [after.scenario];
}
