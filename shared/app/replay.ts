import type { WriteOutcome } from '../store/idempotency-store';
import type { AppContext } from './context';
import type { WriteResult } from './threads';

/**
 * The result a completed write gave, rebuilt from its idempotency record, so a replay presents
 * exactly what the first response did. The thread is the record's snapshot. The update is read
 * again (consistently: it was written in the same transaction as the record) and shown as it was
 * then: an update changes only once, when it is retracted, so a retraction recorded after the
 * first response is undone in the presentation, and one the first response made is the one read.
 */
export async function replayResult(ctx: Pick<AppContext, 'threads'>, outcome: WriteOutcome): Promise<WriteResult> {
  if (!('thread' in outcome)) throw new Error('idempotency record of a thread write holds no thread');
  if (!outcome.update) return { thread: outcome.thread };
  const stored = await ctx.threads.getUpdate(outcome.thread.id, outcome.update.id, true);
  if (!stored) throw new Error(`idempotency record of thread ${outcome.thread.id} refers to update ${outcome.update.id}, which does not exist`);
  const update = outcome.update.retracted ? stored : { ...stored, retracted: false, retraction: null };
  return { thread: outcome.thread, update };
}
