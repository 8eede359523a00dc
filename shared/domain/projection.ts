import type { Precision } from './time';
import type { Claim, ThreadState } from './types';

/**
 * What the projection needs to know of an update. Stored updates satisfy it; so do the lean
 * records a historical read fetches.
 */
export interface UpdateFacts {
  id: string;
  status: string | null;
  summary: string;
  occurredAt: string;
  /** Absent on updates stored before precision existed: those were all full times. */
  occurredPrecision?: Precision;
  recordedAt: string;
  retraction: { retractedAt: string } | null;
  /** The party whose claim the update reports (contract 1.2 "Claims by party"): it sets that claim, never the status. */
  claimedBy?: string | null;
  /**
   * The distinct outlets the update's sources name (contract 1.2 "Corroboration"), as recorded with
   * the update (domain/outlets.ts#outletsOf at write time): the fold never reads the Public Suffix
   * List, so readers do not load it. null: an item written before outlets were stored, which
   * `npm run migrate` fills; until then it counts as none.
   */
  outlets: readonly string[] | null;
}

/** An update's recorded outlets (none while an item from before awaits the migration). */
export const outletsOfFacts = (u: Pick<UpdateFacts, 'outlets'>): readonly string[] => u.outlets ?? [];

/** The status an update gives the thread's own run: a claim's status is the party's, not the thread's. */
export const ownStatus = (u: Pick<UpdateFacts, 'status' | 'claimedBy'>): string | null =>
  u.claimedBy ? null : u.status;

/** The party an update claims for, when it is a claim (a claim always carries a status). */
const claimOf = (u: Pick<UpdateFacts, 'status' | 'claimedBy'>): string | null =>
  u.claimedBy && u.status !== null ? u.claimedBy : null;

/** An update's precision, `instant` for those stored before precision existed. */
export const precisionOf = (u: Pick<UpdateFacts, 'occurredPrecision'>): Precision =>
  u.occurredPrecision ?? 'instant';

/**
 * Cut-offs for a historical view. `asOf` cuts on occurred time (what had happened by then),
 * `knownAt` on recorded time (what we had been told by then, retractions included).
 * Both are normalised UTC strings (`YYYY-MM-DDTHH:mm:ss.sssZ`), so they compare as strings.
 */
export interface Cutoff {
  asOf?: string;
  knownAt?: string;
}

/** Where an update sorts: the three fields of `compareUpdates`. */
export interface UpdateKey {
  occurredAt: string;
  recordedAt: string;
  id: string;
}

/** Occurred time first, then recorded time, then id: a total order that no arrival order can change. */
export const compareUpdates = (a: UpdateKey, b: UpdateKey): number =>
  cmp(a.occurredAt, b.occurredAt) || cmp(a.recordedAt, b.recordedAt) || cmp(a.id, b.id);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const later = (a: string | null, b: string): string => (a === null || b > a ? b : a);

export const keyOf = (u: UpdateKey): UpdateKey => ({
  occurredAt: u.occurredAt,
  recordedAt: u.recordedAt,
  id: u.id,
});

/**
 * An update's key with the precision of its occurred time: what the fold keeps of the updates that
 * give `statusSince` and `lastOccurredAt`, so their precisions travel with them. Orders as its key.
 */
export interface Marker extends UpdateKey {
  precision: Precision;
}

export const markerOf = (u: UpdateKey & Pick<UpdateFacts, 'occurredPrecision'>): Marker => ({
  ...keyOf(u),
  precision: precisionOf(u),
});

/** A retraction counts only once it was recorded: seen from before it, the update still stands. */
export const isRetracted = (u: UpdateFacts, knownAt?: string): boolean =>
  u.retraction !== null && (knownAt === undefined || u.retraction.retractedAt <= knownAt);

/** The latest time an update tells us of: its recording, or its (counted) retraction. */
const touchedAt = (u: UpdateFacts, knownAt?: string): string =>
  isRetracted(u, knownAt) ? later(u.recordedAt, u.retraction!.retractedAt) : u.recordedAt;

/**
 * A retraction's mark, kept so a view `asOf` an earlier occurred time can tell its `lastRecordedAt`
 * without reading the updates before it: the retracted update's occurred time and the retraction's.
 */
export interface RetractionMark {
  occurredAt: string;
  retractedAt: string;
}

/** More marks than this and the fold stops keeping them (views that need them read the history). */
export const MAX_RETRACTION_MARKS = 16;

/**
 * The projection's running state, folded over updates in `compareUpdates` order. It is a thread's
 * ThreadState plus what resuming needs: the keys of the latest live update (`head`) and of the first
 * update of the current status run (`runStart`), and the retraction marks.
 */
export interface Fold {
  status: string | null;
  /** First status-carrying update of the current run: `statusSince` (and its precision) is its occurredAt. */
  runStart: Marker | null;
  summary: string | null;
  /** The latest live update: `lastOccurredAt` is its occurredAt; an update sorting after it appends. */
  head: Marker | null;
  lastRecordedAt: string | null;
  updateCount: number;
  /**
   * Retractions not outweighed by another fact that every view containing them also contains (an
   * update occurred no later and recorded no earlier, or a retraction occurred no later and made no
   * earlier): at most one per occurred time, with later occurred times having later retraction times.
   */
  retractions: RetractionMark[];
  /** True once more than MAX_RETRACTION_MARKS were needed: `retractions` can no longer be trusted. */
  retractionsOverflow: boolean;
  /** Each party's latest live claim, by party: few (one per party), so kept whole. */
  claims: FoldClaim[];
  /** The distinct outlets of the current run's status updates (claims aside), sorted, at most MAX_OUTLETS. */
  outlets: string[];
}

/**
 * A party's claim as the fold keeps it: the claim, where its update sorts, and when the party's
 * earliest live claim occurred (`first`): a view before that knows the party has no claim then
 * without walking back through the history to look for one.
 */
export interface FoldClaim {
  party: string;
  status: string;
  at: Marker;
  first: string;
}

/**
 * Outlets the fold keeps for one status run. Past this many the list stops growing: the filter
 * (`corroborated=false`, fewer than 2) and any reader are long answered, and the thread item stays bounded.
 */
export const MAX_OUTLETS = 20;

/** The outlets `add` brings to a run's sorted list, still sorted and distinct, capped. */
export const withOutlets = (outlets: readonly string[], add: readonly string[]): string[] => {
  if (add.every((o) => outlets.includes(o))) return outlets as string[];
  return [...new Set([...outlets, ...add])].sort().slice(0, MAX_OUTLETS);
};

/** A claim set with `claim` as its party's (its `first` the earlier of both): sorted by party. */
export const withClaim = (claims: readonly FoldClaim[], claim: FoldClaim): FoldClaim[] => {
  const had = claims.find((c) => c.party === claim.party);
  const first = had && had.first < claim.first ? had.first : claim.first;
  return [...claims.filter((c) => c.party !== claim.party), { ...claim, first }].sort((a, b) =>
    cmp(a.party, b.party),
  );
};

/** The claim an update makes, when it is a live claim. */
export const foldClaimOf = (u: UpdateFacts): FoldClaim | null => {
  const party = claimOf(u);
  return party === null ? null : { party, status: u.status!, at: markerOf(u), first: u.occurredAt };
};

export const EMPTY_FOLD: Fold = {
  status: null,
  runStart: null,
  summary: null,
  head: null,
  lastRecordedAt: null,
  updateCount: 0,
  retractions: [],
  retractionsOverflow: false,
  claims: [],
  outlets: [],
};

/** Marks an update (or retraction) at `occurredAt` told of by `time` makes redundant. */
const outweighed = (marks: RetractionMark[], occurredAt: string, time: string) =>
  marks.filter((m) => !(m.occurredAt >= occurredAt && m.retractedAt <= time));

function withMark(
  fold: Fold,
  u: UpdateFacts,
  knownAt: string | undefined,
): Pick<Fold, 'retractions' | 'retractionsOverflow'> {
  if (fold.retractionsOverflow) return { retractions: [], retractionsOverflow: true };
  const marks = outweighed(fold.retractions, u.occurredAt, touchedAt(u, knownAt));
  if (!isRetracted(u, knownAt)) return { retractions: marks, retractionsOverflow: false };
  const mark = { occurredAt: u.occurredAt, retractedAt: u.retraction!.retractedAt };
  // Redundant when its own update was recorded later (clock skew), or an earlier-occurred fact is as late.
  if (
    mark.retractedAt <= u.recordedAt ||
    marks.some((m) => m.occurredAt <= mark.occurredAt && m.retractedAt >= mark.retractedAt)
  ) {
    return { retractions: marks, retractionsOverflow: false };
  }
  const next = [...marks, mark].sort((a, b) => cmp(a.occurredAt, b.occurredAt));
  return next.length > MAX_RETRACTION_MARKS
    ? { retractions: [], retractionsOverflow: true }
    : { retractions: next, retractionsOverflow: false };
}

/**
 * Apply one update. Live updates must come in `compareUpdates` order (each sorts after `head`);
 * retracted ones may come anywhere, since they only move `lastRecordedAt` and the marks.
 */
export function step(fold: Fold, u: UpdateFacts, knownAt?: string): Fold {
  const lastRecordedAt = later(fold.lastRecordedAt, touchedAt(u, knownAt));
  const marks = withMark(fold, u, knownAt);
  if (isRetracted(u, knownAt)) return { ...fold, lastRecordedAt, ...marks };
  if (fold.head !== null && compareUpdates(u, fold.head) <= 0) {
    throw new Error(`fold out of order: ${u.id} does not sort after ${fold.head.id}`);
  }
  // A note (status null) refreshes summary and times but never starts or breaks a status run; nor
  // does a claim, which sets its party's claim instead.
  const status = ownStatus(u);
  const starts = status !== null && status !== fold.status;
  const claim = foldClaimOf(u);
  return {
    status: status ?? fold.status,
    runStart: starts ? markerOf(u) : fold.runStart,
    summary: u.summary,
    head: markerOf(u),
    lastRecordedAt,
    updateCount: fold.updateCount + 1,
    ...marks,
    claims: claim ? withClaim(fold.claims, claim) : fold.claims,
    // The run's outlets: those of the update that starts it, then of each update repeating its status.
    outlets: starts
      ? withOutlets([], outletsOfFacts(u))
      : status !== null
        ? withOutlets(fold.outlets, outletsOfFacts(u))
        : fold.outlets,
  };
}

/** The claims as the thread shows them, by party. */
const claimsOf = (fold: Fold): Claim[] =>
  fold.claims.map((c) => ({
    party: c.party,
    status: c.status,
    since: c.at.occurredAt,
    sincePrecision: c.at.precision,
    updateId: c.at.id,
  }));

/** Disputed: two parties claim different statuses, or a claim differs from the thread's own status. */
const disputedOf = (fold: Fold): boolean => fold.claims.some((c) => c.status !== fold.status);

/** The thread fields of a fold, or null while no update carrying a status is in it. */
export function stateOf(fold: Fold): Required<ThreadState> | null {
  if (fold.status === null || fold.runStart === null || fold.head === null || fold.lastRecordedAt === null)
    return null;
  return {
    status: fold.status,
    statusSince: fold.runStart.occurredAt,
    statusSincePrecision: fold.runStart.precision,
    summary: fold.summary!,
    lastOccurredAt: fold.head.occurredAt,
    lastOccurredPrecision: fold.head.precision,
    lastRecordedAt: fold.lastRecordedAt,
    updateCount: fold.updateCount,
    claims: claimsOf(fold),
    disputed: disputedOf(fold),
    corroboration: { outlets: fold.outlets, count: fold.outlets.length },
  };
}

/** The fold of a whole set of updates, from the empty state. */
export function foldAll(updates: readonly UpdateFacts[], knownAt?: string): Fold {
  return [...updates].sort(compareUpdates).reduce((fold, u) => step(fold, u, knownAt), EMPTY_FOLD);
}

/**
 * The one rule that decides a thread's state from its updates: the fold from the empty state over
 * the updates inside the cut-off. Writes (which resume the same fold from the state stored on the
 * thread, see resume.ts), retractions and historical reads all come down to it, so the status a
 * reader sees is always the one a writer would compute.
 *
 * Returns `null` when no update carrying a status falls inside the cut-off.
 */
export function project(updates: readonly UpdateFacts[], cut: Cutoff = {}): Required<ThreadState> | null {
  const { asOf, knownAt } = cut;
  const inCut = updates.filter(
    (u) => (asOf === undefined || u.occurredAt <= asOf) && (knownAt === undefined || u.recordedAt <= knownAt),
  );
  return stateOf(foldAll(inCut, knownAt));
}

/**
 * What a thread item stores besides its ThreadState so the fold can resume from it. Thread items
 * written before it existed (or by an older version of the code, which rewrites the item without
 * it) have none: their next write folds the whole history once and stores it.
 */
export interface FoldCursor {
  head: UpdateKey;
  runStart: UpdateKey;
  retractions: RetractionMark[];
  retractionsOverflow: boolean;
  /**
   * Per claiming party: its claim's recorded time (the rest of its key is on the thread's `claims`)
   * and its earliest live claim's occurred time. Absent on cursors written before claims existed:
   * those threads fold their history once more.
   */
  claimed?: Record<string, { recordedAt: string; first: string }>;
  /**
   * Set instead of an empty `claimed`: the thread has no claims. An empty map is not stored because
   * DynamoDB Local's stream renders it without its type (`{}`), which no reader can unmarshal.
   */
  unclaimed?: true;
}

/**
 * The cursor to store with a thread's state (a thread always has a status, so both keys exist). The
 * precisions are not stored in it: the thread's state carries them (`statusSincePrecision`,
 * `lastOccurredPrecision`), and cursors written before precision existed stay valid.
 */
export function cursorOf(fold: Fold): FoldCursor {
  if (fold.head === null || fold.runStart === null) throw new Error('a fold without a status has no cursor');
  return {
    head: keyOf(fold.head),
    runStart: keyOf(fold.runStart),
    retractions: fold.retractions,
    retractionsOverflow: fold.retractionsOverflow,
    ...(fold.claims.length > 0
      ? {
          claimed: Object.fromEntries(
            fold.claims.map((c) => [c.party, { recordedAt: c.at.recordedAt, first: c.first }]),
          ),
        }
      : { unclaimed: true as const }),
  };
}

/** The fold a thread's stored state and cursor stand for, or null if they do not belong together. */
export function resumeFold(state: ThreadState, cursor: FoldCursor | null): Fold | null {
  const claimed = cursor?.claimed ?? (cursor?.unclaimed ? {} : undefined);
  if (
    cursor === null ||
    claimed === undefined ||
    state.claims === undefined ||
    state.corroboration === undefined ||
    state.claims.some((c) => claimed[c.party] === undefined) ||
    cursor.head.occurredAt !== state.lastOccurredAt ||
    cursor.runStart.occurredAt !== state.statusSince
  )
    return null;
  return {
    status: state.status,
    runStart: { ...keyOf(cursor.runStart), precision: state.statusSincePrecision ?? 'instant' },
    summary: state.summary,
    head: { ...keyOf(cursor.head), precision: state.lastOccurredPrecision ?? 'instant' },
    lastRecordedAt: state.lastRecordedAt,
    updateCount: state.updateCount,
    retractions: cursor.retractions,
    retractionsOverflow: cursor.retractionsOverflow,
    claims: state.claims.map((c) => ({
      party: c.party,
      status: c.status,
      at: {
        occurredAt: c.since,
        recordedAt: claimed[c.party]!.recordedAt,
        id: c.updateId,
        precision: c.sincePrecision,
      },
      first: claimed[c.party]!.first,
    })),
    outlets: state.corroboration.outlets,
  };
}
