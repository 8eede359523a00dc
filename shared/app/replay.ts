import type { WriteOutcome } from '../store/idempotency-store';
import type { AppContext } from './context';
import type { WriteResult } from './threads';
import { atRevision } from '../domain/revisions';

/**
 * The result a completed write gave, rebuilt from its idempotency record, so a replay presents
 * exactly what the first response did. The thread is the record's snapshot. The update is read
 * again (consistently: it was written in the same transaction as the record) and shown as it was
 * then: a retraction recorded after the first response is undone in the presentation, and an
 * amendment made after it is shown at the revision the first response gave (its stored wording).
 */
export async function replayResult(
  ctx: Pick<AppContext, 'threads'>,
  outcome: WriteOutcome,
): Promise<WriteResult> {
  if (!('thread' in outcome)) throw new Error('idempotency record of a thread write holds no thread');
  // A draft is kept whole in the record: it may have been published or discarded since.
  if (outcome.draft) return { thread: outcome.thread, draft: outcome.draft };
  if (!outcome.update) return { thread: outcome.thread };
  const stored = await ctx.threads.getUpdate(outcome.thread.id, outcome.update.id, true);
  if (!stored)
    throw new Error(
      `idempotency record of thread ${outcome.thread.id} refers to update ${outcome.update.id}, which does not exist`,
    );
  const unretracted = outcome.update.retracted ? stored : { ...stored, retracted: false, retraction: null };
  // The thread's summary, when the record keeps it by reference, is the update's as presented.
  const withSummary = (update: typeof stored): WriteResult => ({
    thread: outcome.update?.threadSummary ? { ...outcome.thread, summary: update.summary } : outcome.thread,
    update,
  });
  // Amended since: show the wording (and revision fields) it had then, from its stored revision.
  const revision = outcome.update.revision ?? 0;
  if (stored.revisionCount === revision) return withSummary(unretracted);
  const then = (await ctx.threads.getRevisions(stored.threadId, stored.id, true)).find(
    (r) => r.revision === revision,
  );
  if (!then) throw new Error(`update ${stored.id} has no revision ${revision}, which a replay needs`);
  return withSummary(atRevision(unretracted, then));
}
