import {
  compareUpdates,
  foldClaimOf,
  isRetracted,
  markerOf,
  ownStatus,
  outletsOfFacts,
  project,
  stateOf,
  step,
  withClaim,
  withOutlets,
  type Fold,
  type FoldClaim,
  type Marker,
  type UpdateFacts,
  type UpdateKey,
} from './projection';
import type { ThreadState } from './types';

/**
 * Resuming the projection from the fold stored on a thread, reading only the part of the history a
 * change (or a view) needs. Everything here is the fold of projection.ts applied to windows of the
 * history; the windows come from a reader the caller provides (the store, or a list in tests).
 */

/** The windows of one thread's history that resuming reads. */
export interface HistoryWindows {
  /** Updates occurred at or after (`inclusive`) / after `occurredAt`, in any order. */
  from(occurredAt: string, inclusive: boolean): Promise<UpdateFacts[]>;
  /** Updates occurred before / at or before (`inclusive`) `occurredAt`, newest first in compareUpdates order, page by page. */
  before(occurredAt: string, inclusive: boolean): AsyncIterable<UpdateFacts[]>;
  /** Updates newest recorded first, page by page; `expected`: how many the caller expects to need. */
  byRecordedDesc(expected: number): AsyncIterable<UpdateFacts[]>;
  /** The whole history: the fallback when what is stored cannot answer. */
  all(): Promise<UpdateFacts[]>;
}

/** How a change was applied: appended to the fold, or resumed from a point inside the history. */
export type FoldPath = 'append' | 'late';

/** An update appends when it sorts after the latest live update: the fold steps on, nothing is read. */
export const appends = (fold: Fold, u: UpdateKey): boolean =>
  fold.head === null || compareUpdates(u, fold.head) > 0;

/** A new update: appended in order, or a late report folded in from its point on. */
export async function addUpdate(
  fold: Fold,
  u: UpdateFacts,
  history: HistoryWindows,
): Promise<{ fold: Fold; path: FoldPath }> {
  if (appends(fold, u)) return { fold: step(fold, u), path: 'append' };
  const next = await resumeAt(fold, u, history, false, (suffix) => [...suffix, u].sort(compareUpdates));
  return { fold: next, path: 'late' };
}

/** An existing update, now carrying its retraction: folded in again from its point on. */
export function retractUpdate(fold: Fold, retracted: UpdateFacts, history: HistoryWindows): Promise<Fold> {
  return resumeAt(fold, retracted, history, ownStatus(retracted) !== null, (suffix) => {
    if (!suffix.some((u) => u.id === retracted.id))
      throw new Error(`update ${retracted.id} is missing from its own window`);
    return suffix.map((u) => (u.id === retracted.id ? retracted : u));
  });
}

/**
 * An existing update with new wording (its status and occurred time are unchanged): folded in again
 * from its point on, like a retraction, so the thread's summary follows when it is the latest live update.
 */
export function amendUpdate(fold: Fold, amended: UpdateFacts, history: HistoryWindows): Promise<Fold> {
  // New sources on a status update may drop an outlet its run rested on.
  return resumeAt(fold, amended, history, ownStatus(amended) !== null, (suffix) => {
    if (!suffix.some((u) => u.id === amended.id))
      throw new Error(`update ${amended.id} is missing from its own window`);
    return suffix.map((u) => (u.id === amended.id ? amended : u));
  });
}

/**
 * What the fold needs of the updates before a point, gathered walking back from it: the latest live
 * update (only when nothing live is left after the point), the last status run (only when the
 * updates after the point do not settle where the final run starts), the outlets of that run's
 * updates before the point (only when the final run reaches back past it: to `runFloor`, its first
 * update, when known), and the claims of the parties named in `needParties` (whose claim after the
 * point is gone).
 */
interface PrefixScan {
  head: { key: Marker; summary: string } | null;
  status: string | null;
  runStart: Marker | null;
  needHead: boolean;
  needRun: boolean;
  outlets: string[];
  needOutlets: boolean;
  /** The first update of the run, when already known: the outlets' walk ends there. */
  runFloor: Marker | null;
  claims: FoldClaim[];
  needParties: string[];
}

const scanned = (s: PrefixScan) => !s.needHead && !s.needRun && !s.needOutlets && s.needParties.length === 0;

function scanStep(s: PrefixScan, u: UpdateFacts): PrefixScan {
  if (isRetracted(u)) return s;
  const next = { ...s };
  if (s.needHead) {
    next.head = { key: markerOf(u), summary: u.summary };
    next.needHead = false;
  }
  const claim = foldClaimOf(u);
  if (claim !== null && s.needParties.includes(claim.party)) {
    next.claims = withClaim(s.claims, claim);
    next.needParties = s.needParties.filter((p) => p !== claim.party);
  }
  const status = ownStatus(u);
  if (status === null) return next;
  if (s.needRun) {
    if (s.status === null || status === s.status) {
      next.status = status;
      next.runStart = markerOf(u);
      if (s.needOutlets) next.outlets = withOutlets(s.outlets, outletsOfFacts(u));
    } else {
      // A different status: the run began just after it.
      next.needRun = false;
      next.needOutlets = false;
    }
  } else if (s.needOutlets) {
    if (status === s.status) next.outlets = withOutlets(s.outlets, outletsOfFacts(u));
    if (status !== s.status || (s.runFloor !== null && compareUpdates(u, s.runFloor) <= 0))
      next.needOutlets = false;
  }
  return next;
}

async function scanBack(
  s: PrefixScan,
  nearest: UpdateFacts[],
  pages: AsyncIterable<UpdateFacts[]>,
): Promise<PrefixScan> {
  for (const u of nearest) {
    if (scanned(s)) return s;
    s = scanStep(s, u);
  }
  if (scanned(s)) return s;
  for await (const page of pages) {
    for (const u of page) {
      s = scanStep(s, u);
      if (scanned(s)) return s;
    }
  }
  // The beginning of the history: whatever was found is all there is.
  return { ...s, needHead: false, needRun: false, needOutlets: false, needParties: [] };
}

/** A scan that needs nothing yet: the caller sets what it needs. */
const NOTHING: PrefixScan = {
  head: null,
  status: null,
  runStart: null,
  needHead: false,
  needRun: false,
  outlets: [],
  needOutlets: false,
  runFloor: null,
  claims: [],
  needParties: [],
};

/**
 * Resume the fold at `point` (a late update's key, or a retracted update's): read the updates from
 * its occurred time on, apply the change to those at or after the point, and fold them again from
 * the state just before the point. That state's counters come from the thread's totals (the count
 * less the live updates after the point; `lastRecordedAt` is a maximum, which re-folding cannot
 * lower), its status run from the stored cursor when the run began before the point, and otherwise
 * from walking back only as far as the run (or the latest live update) reaches. The run's outlets
 * are the stored ones when the run stays and nothing was taken from it (a late report only adds);
 * when a retraction or new wording of one of its status updates may have dropped an outlet, they are
 * gathered again walking back to the run's first update. A party whose claim at or after the point
 * is gone (retracted) gets its latest claim before the point, walking back until found.
 */
async function resumeAt(
  fold: Fold,
  point: UpdateKey,
  history: HistoryWindows,
  dropsOutlets: boolean,
  change: (suffix: UpdateFacts[]) => UpdateFacts[],
): Promise<Fold> {
  const window = (await history.from(point.occurredAt, true)).sort(compareUpdates);
  const suffix = window.filter((u) => compareUpdates(u, point) >= 0);
  // Updates at the same occurred time that sort before the point: the nearest part of the prefix.
  const nearest = window.filter((u) => compareUpdates(u, point) < 0).reverse();
  const changed = change(suffix);

  const live = changed.filter((u) => !isRetracted(u));
  const statuses = live.map(ownStatus).filter((st): st is string => st !== null);
  const finalStatus = statuses[statuses.length - 1];
  // The run that ends up current starts inside the window when some status there differs from it.
  const windowSettlesRun = statuses.some((st) => st !== finalStatus);
  // The stored run began before the point: the updates before the point end in that same run.
  const runBeforePoint = fold.runStart !== null && compareUpdates(fold.runStart, point) < 0;
  // The stored run stays the final one: its outlets, a union, only grow unless the change drops some.
  const runKept =
    runBeforePoint && !windowSettlesRun && (finalStatus === undefined || finalStatus === fold.status);
  // Claims before the point stand. A party whose claim is at or after the point keeps its place
  // (for its `first`) when it has a live claim there, which re-folding sets; else, if it claimed
  // before the point, it takes its latest claim from there (walking back for it: a retracted claim
  // recomputes); a party whose claims all occurred after the point is re-folded from the window alone.
  const before = (c: FoldClaim) => compareUpdates(c.at, point) < 0;
  const claimedAfter = new Set(live.map((u) => foldClaimOf(u)?.party).filter((p) => p !== undefined));
  const claimedBefore = (c: FoldClaim) => c.first <= point.occurredAt;
  const moved = fold.claims.filter((c) => !before(c));
  const prefix = await scanBack(
    {
      ...NOTHING,
      status: runBeforePoint ? fold.status : null,
      runStart: runBeforePoint ? fold.runStart : null,
      needHead: live.length === 0,
      needRun: !windowSettlesRun && !runBeforePoint,
      // The run's outlets before the point are needed when the final run reaches back past it: found
      // walking back the run when it is not the stored one, or when the change may have dropped some.
      needOutlets: !windowSettlesRun && (!runBeforePoint || (runKept && dropsOutlets)),
      runFloor: runBeforePoint ? fold.runStart : null,
      claims: [
        ...fold.claims.filter(before),
        ...moved.filter((c) => claimedBefore(c) && claimedAfter.has(c.party)),
      ],
      needParties: moved.filter((c) => claimedBefore(c) && !claimedAfter.has(c.party)).map((c) => c.party),
    },
    nearest,
    history.before(point.occurredAt, false),
  );

  const start: Fold = {
    ...fold,
    status: prefix.status,
    runStart: prefix.runStart,
    summary: prefix.head?.summary ?? null,
    head: prefix.head?.key ?? null,
    updateCount: fold.updateCount - suffix.filter((u) => !isRetracted(u)).length,
    claims: withFirsts(prefix.claims, fold.claims),
    // Kept, the stored outlets already hold what re-folding the window adds again (a union).
    outlets: runKept && !dropsOutlets ? fold.outlets : prefix.outlets,
  };
  return changed.reduce((f, u) => step(f, u), start);
}

/**
 * The thread as it stood at occurred time `asOf`: its status run and latest update from walking back
 * from `asOf` (not at all when the stored ones are older), its count from the thread's less the live
 * updates after `asOf`, and its `lastRecordedAt` from the thread's when no update after `asOf` holds
 * it — else from the latest-recorded update before `asOf` (walking back in recorded order, past only
 * updates after `asOf`) and the retraction marks. Reads the updates after `asOf` plus what the status
 * run needs; the whole history only when the marks overflowed.
 */
export async function viewAsOf(
  fold: Fold,
  asOf: string,
  history: HistoryWindows,
): Promise<Required<ThreadState> | null> {
  const after = await history.from(asOf, false);
  const headBefore = fold.head !== null && fold.head.occurredAt <= asOf;
  const runBefore = fold.runStart !== null && fold.runStart.occurredAt <= asOf;
  // The stored outlets hold as of `asOf` unless an update after it repeated the status (and added some).
  const outletsAfter = after.some(
    (u) => !isRetracted(u) && ownStatus(u) !== null && outletsOfFacts(u).length,
  );
  const claimBefore = (c: FoldClaim) => c.at.occurredAt <= asOf;
  const prefix = await scanBack(
    {
      ...NOTHING,
      head: headBefore ? { key: fold.head!, summary: fold.summary! } : null,
      status: runBefore ? fold.status : null,
      runStart: runBefore ? fold.runStart : null,
      needHead: !headBefore,
      needRun: !runBefore,
      outlets: runBefore && !outletsAfter ? fold.outlets : [],
      needOutlets: !runBefore || outletsAfter,
      runFloor: runBefore ? fold.runStart : null,
      // A party's latest claim occurred by `asOf` is its claim then; a party that claimed later is
      // looked for further back when its first claim occurred by `asOf` (else it had none then).
      claims: fold.claims.filter(claimBefore),
      needParties: fold.claims.filter((c) => !claimBefore(c) && c.first <= asOf).map((c) => c.party),
    },
    [],
    history.before(asOf, true),
  );
  if (prefix.status === null || prefix.head === null) return null;

  const lastAfter = after.reduce<string | null>(
    (m, u) => (m === null || touched(u) > m ? touched(u) : m),
    null,
  );
  let lastRecordedAt = fold.lastRecordedAt!;
  if (lastAfter !== null && lastAfter >= lastRecordedAt) {
    if (fold.retractionsOverflow) return project(await history.all(), { asOf });
    lastRecordedAt = await latestRecordedBy(asOf, history, after.length + 1);
    for (const m of fold.retractions)
      if (m.occurredAt <= asOf && m.retractedAt > lastRecordedAt) lastRecordedAt = m.retractedAt;
  }
  return stateOf({
    ...fold,
    status: prefix.status,
    runStart: prefix.runStart,
    summary: prefix.head.summary,
    head: prefix.head.key,
    lastRecordedAt,
    updateCount: fold.updateCount - after.filter((u) => !isRetracted(u)).length,
    claims: withFirsts(prefix.claims, fold.claims),
    outlets: prefix.outlets,
  });
}

/** Claims found walking back keep their party's `first` from the fold: the walk stops before it. */
const withFirsts = (found: FoldClaim[], stored: FoldClaim[]): FoldClaim[] =>
  found.map((c) => {
    const first = stored.find((s) => s.party === c.party)?.first;
    return first !== undefined && first < c.first ? { ...c, first } : c;
  });

const touched = (u: UpdateFacts) =>
  u.retraction !== null && u.retraction.retractedAt > u.recordedAt ? u.retraction.retractedAt : u.recordedAt;

/** The latest recordedAt among updates occurred by `asOf`: every update recorded after it occurred after `asOf`. */
async function latestRecordedBy(asOf: string, history: HistoryWindows, expected: number): Promise<string> {
  for await (const page of history.byRecordedDesc(expected)) {
    for (const u of page) if (u.occurredAt <= asOf) return u.recordedAt;
  }
  throw new Error('no update occurred by asOf, yet the view has a status');
}
