import type { ThreadState } from './types';

/**
 * What the projection needs to know of an update. Stored updates satisfy it; so do the lean
 * records a historical read fetches.
 */
export interface UpdateFacts {
  id: string;
  status: string | null;
  summary: string;
  occurredAt: string;
  recordedAt: string;
  retraction: { retractedAt: string } | null;
}

/**
 * Cut-offs for a historical view. `asOf` cuts on occurred time (what had happened by then),
 * `knownAt` on recorded time (what we had been told by then, retractions included).
 * Both are normalised UTC strings (`YYYY-MM-DDTHH:mm:ss.sssZ`), so they compare as strings.
 */
export interface Cutoff {
  asOf?: string;
  knownAt?: string;
}

/** Occurred time first, then recorded time, then id: a total order that no arrival order can change. */
export const compareUpdates = (a: UpdateFacts, b: UpdateFacts): number =>
  cmp(a.occurredAt, b.occurredAt) || cmp(a.recordedAt, b.recordedAt) || cmp(a.id, b.id);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The one rule that decides a thread's state from its updates. Writes, retractions and historical
 * reads all call it, so the status a reader sees is always the one a writer would compute.
 *
 * Returns `null` when no update carrying a status falls inside the cut-off.
 */
export function project(updates: readonly UpdateFacts[], cut: Cutoff = {}): ThreadState | null {
  const { asOf, knownAt } = cut;
  const inCut = updates.filter(
    (u) => (asOf === undefined || u.occurredAt <= asOf) && (knownAt === undefined || u.recordedAt <= knownAt),
  );
  // A retraction counts only once it was recorded: seen from before it, the update still stands.
  const retractedInCut = (u: UpdateFacts): boolean =>
    u.retraction !== null && (knownAt === undefined || u.retraction.retractedAt <= knownAt);

  let lastRecordedAt: string | undefined;
  for (const u of inCut) {
    if (lastRecordedAt === undefined || u.recordedAt > lastRecordedAt) lastRecordedAt = u.recordedAt;
    if (retractedInCut(u) && u.retraction!.retractedAt > lastRecordedAt) lastRecordedAt = u.retraction!.retractedAt;
  }

  const live = inCut.filter((u) => !retractedInCut(u)).sort(compareUpdates);
  const withStatus = live.filter((u) => u.status !== null);
  const current = withStatus[withStatus.length - 1];
  if (current === undefined || lastRecordedAt === undefined) return null;

  // Walk back through the status-carrying updates while the status holds: the run's first update
  // is when the status began. Notes (status null) were filtered out, so they never break a run.
  let runStart = current;
  for (let i = withStatus.length - 2; i >= 0 && withStatus[i]!.status === current.status; i--) runStart = withStatus[i]!;

  const latest = live[live.length - 1]!;
  return {
    status: current.status!,
    statusSince: runStart.occurredAt,
    summary: latest.summary,
    lastOccurredAt: latest.occurredAt,
    lastRecordedAt,
    updateCount: live.length,
  };
}
