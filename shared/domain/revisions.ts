import type { Revision, Update } from './types';

/**
 * An update's wording over time. The update item holds its latest wording; each amendment also
 * stores the wording it set as a revision, and the first amendment stores the original as revision
 * 0, so every wording an update ever had can be shown again: to a `knownAt` view, and to a replay
 * of a response given before an amendment.
 */

/** What an amendment may change. `status` and `occurredAt` are not wording: retract and post again. */
export interface Wording {
  summary: string;
  sources: Update['sources'];
  quotes: Update['quotes'];
}

/** The update showing revision `r`: its wording, and the revision fields as they were once it was recorded. */
export function atRevision(update: Update, r: Revision): Update {
  return {
    ...update,
    summary: r.summary,
    sources: r.sources,
    quotes: r.quotes,
    revisedAt: r.revision === 0 ? null : r.recordedAt,
    revisedBy: r.revision === 0 ? null : r.recordedBy,
    revisionCount: r.revision,
  };
}

/**
 * The update as it was worded at `knownAt`: the latest revision recorded by then (the original
 * when none was). `revisions` are the stored ones, oldest first; none are needed unless the update
 * was amended after `knownAt`.
 */
export function wordingKnownAt(update: Update, revisions: readonly Revision[], knownAt: string): Update {
  if (update.revisionCount === 0 || (update.revisedAt !== null && update.revisedAt <= knownAt)) return update;
  const known = revisions.filter((r) => r.revision === 0 || r.recordedAt <= knownAt);
  const last = known[known.length - 1];
  return last ? atRevision(update, last) : update;
}

/** Whether an amendment changes anything: the same wording again is no amendment (no revision, no version). */
export const changesWording = (update: Wording, next: Wording): boolean =>
  JSON.stringify([update.summary, update.sources, update.quotes]) !==
  JSON.stringify([next.summary, next.sources, next.quotes]);
