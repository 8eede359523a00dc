import { NoStatusAtTimeError, NotFoundError } from '../domain/errors';
import { project, resumeFold, type Cutoff, type UpdateFacts } from '../domain/projection';
import { viewAsOf, type HistoryWindows } from '../domain/resume';
import { wordingKnownAt } from '../domain/revisions';
import type {
  CriteriaRevision,
  Draft,
  Revision,
  StoredRevision,
  StoredUpdate,
  Thread,
} from '../domain/types';
import type { Page } from '../store/thread-store';
import type { AppContext } from './context';

/**
 * A thread's history as readers see it: the thread at a point in time (`asOf`, `knownAt`), an
 * update's wordings, the criteria over time. Apart from the writes (threads.ts) so that a function
 * that only reads loads none of what a write needs — the Public Suffix List above all, which a write
 * uses to record an update's outlets and a reader never does (it folds the recorded ones).
 */

/** What reading a thread's history takes. */
export type ThreadReads = Pick<AppContext, 'threads'>;

/** The windows of a thread's history, read from the store (consistently for writes). */
export const windowsOf = (ctx: ThreadReads, threadId: string, consistent: boolean): HistoryWindows => ({
  from: (occurredAt, inclusive) => ctx.threads.updatesFrom(threadId, occurredAt, inclusive, consistent),
  before: (occurredAt, inclusive) => ctx.threads.updatesBefore(threadId, occurredAt, inclusive, consistent),
  byRecordedDesc: (expected) => ctx.threads.updatesByRecordedDesc(threadId, expected, consistent),
  all: async () => (await ctx.threads.loadHistory(threadId, consistent)).updates,
});

/** An update's wordings, oldest first, revision 0 the original. */
export async function listRevisions(
  ctx: ThreadReads,
  threadId: string,
  updateId: string,
): Promise<Revision[]> {
  const update = await ctx.threads.getUpdate(threadId, updateId);
  if (!update) throw new NotFoundError(`Thread ${threadId} has no update ${updateId}.`);
  if (update.revisionCount === 0)
    return [
      {
        revision: 0,
        summary: update.summary,
        sources: update.sources,
        quotes: update.quotes,
        recordedAt: update.recordedAt,
        recordedBy: update.postedBy,
      },
    ];
  // Revisions are written with the update item; an eventually consistent read may trail it, so read them consistently.
  return ctx.threads.getRevisions(threadId, updateId, true);
}

/**
 * The thread as it stood at `asOf` and/or as it was known at `knownAt`.
 *
 * `asOf` alone resumes from the thread's fold: it reads the updates occurred after `asOf` and walks
 * back only as far as the status run at `asOf` reaches (see domain/resume.ts#viewAsOf). Those reads
 * are consistent and bracketed by two reads of the thread item: if the version moved in between,
 * they may not belong together, so it reads again (then, after a few tries, the whole history).
 * `knownAt` cuts on recorded time, which no index orders the fold by: it projects the whole history
 * (one Query of the partition), as does a thread whose item carries no fold cursor yet.
 */
export async function threadAsOf(ctx: ThreadReads, threadId: string, cut: Cutoff): Promise<Thread & Cutoff> {
  const { asOf, knownAt } = cut;
  if (asOf !== undefined && knownAt === undefined) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await ctx.threads.getThreadRecord(threadId);
      if (!record) throw new NotFoundError(`No thread ${threadId}.`);
      const fold = resumeFold(record.thread, record.cursor);
      if (!fold) break;
      const state = await viewAsOf(fold, asOf, windowsOf(ctx, threadId, true));
      if ((await ctx.threads.getThreadConsistent(threadId))?.version !== record.thread.version) continue;
      if (!state) throw new NoStatusAtTimeError(`Thread ${threadId} had no status ${describeCut(cut)}.`);
      return { ...record.thread, ...state, ...cut };
    }
  }
  const { thread, updates, revisions, criteria } = await ctx.threads.loadHistory(threadId, false);
  if (!thread) throw new NotFoundError(`No thread ${threadId}.`);
  // Known at a time, an update reads as it was worded then (the summary follows the latest live one).
  const worded =
    knownAt === undefined ? updates : updates.map((u) => factsKnownAt(u, revisions.get(u.id) ?? [], knownAt));
  const state = project(worded, cut);
  if (!state) throw new NoStatusAtTimeError(`Thread ${threadId} had no status ${describeCut(cut)}.`);
  return {
    ...thread,
    ...state,
    ...(knownAt !== undefined ? { criteria: criteriaKnownAt(criteria, knownAt) } : {}),
    ...cut,
  };
}

/**
 * An update's facts as worded at `knownAt` (revisions.ts#wordingKnownAt), with the outlets recorded
 * with that wording: an amendment that changed the sources changed them from then on only.
 */
function factsKnownAt(u: StoredUpdate, revisions: readonly StoredRevision[], knownAt: string): UpdateFacts {
  const worded = wordingKnownAt(u, revisions, knownAt);
  if (worded === u) return u;
  const shown = revisions.find((r) => r.revision === worded.revisionCount);
  return { ...worded, outlets: shown ? shown.outlets : u.outlets };
}

/** The criteria as known at a time: the last text recorded by then (none before the first). */
const criteriaKnownAt = (revisions: readonly CriteriaRevision[], knownAt: string): string | null =>
  revisions.filter((r) => r.recordedAt <= knownAt).at(-1)?.text ?? null;

/** Contract 1.2: a thread's criteria over time, oldest first (revision 1 the first text). */
export async function listCriteria(ctx: ThreadReads, threadId: string): Promise<CriteriaRevision[]> {
  const [thread, revisions] = await Promise.all([
    ctx.threads.getThread(threadId),
    // Written with the thread item; an eventually consistent read may trail it, so read them consistently.
    ctx.threads.getCriteria(threadId, true),
  ]);
  if (!thread) throw new NotFoundError(`No thread ${threadId}.`);
  return revisions;
}

const describeCut = (cut: Cutoff) =>
  [cut.asOf && `as of ${cut.asOf}`, cut.knownAt && `known at ${cut.knownAt}`].filter(Boolean).join(' and ');

/** A thread's waiting drafts, newest first (404 for a thread that does not exist). */
export async function listThreadDrafts(
  ctx: Pick<AppContext, 'threads' | 'drafts'>,
  threadId: string,
  limit: number,
  start?: Record<string, unknown>,
): Promise<Page<Draft>> {
  if (!(await ctx.threads.getThread(threadId))) throw new NotFoundError(`No thread ${threadId}.`);
  return ctx.drafts.listOfThread(threadId, limit, start);
}
