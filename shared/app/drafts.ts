import { monotonicFactory } from 'ulid';
import {
  IdempotencyInProgressError,
  NotADraftError,
  NotFoundError,
  PreconditionFailedError,
} from '../domain/errors';
import type { CreateUpdateInput } from '../domain/schemas';
import { nowUtc, type PreciseTime } from '../domain/time';
import type { Draft } from '../domain/types';
import { IdempotencyClaimLost } from '../store/thread-store';
import type { AppContext } from './context';
import { outcomeOf, requireStatusOf, waitingDraft, type WriteOptions, type WriteResult } from './threads';

/**
 * Drafts (contract 1.2 "Drafts: a second pair of eyes before a status flips"). A draft is stored
 * as its own item beside the thread's updates (shared/store/draft-store.ts): storing one writes
 * nothing else, so the thread's version, view, lists, feeds, boards and timeline stay as they were,
 * and it enqueues no event, so no subscriber or live socket hears of it. Publishing is a thread
 * write (shared/app/threads.ts `publishDraft`).
 */
/** Drafts drafted within one millisecond still list in the order they were drafted (newest first). */
const draftId = monotonicFactory();

export type DraftWrites = Pick<AppContext, 'config' | 'threads' | 'drafts' | 'kinds'>;

const occurredOf = (given: CreateUpdateInput['occurredAt'], now: string): PreciseTime =>
  given === undefined
    ? { at: now, precision: 'instant' }
    : typeof given === 'string'
      ? { at: given, precision: 'instant' }
      : given;

/**
 * Store a draft, validated as a post would be (the body's schema, then the status against the
 * thread's kind, and If-Match against the thread's version, which the draft does not move). An
 * Idempotency-Key completes in the same transaction, its record keeping the draft whole, and so does
 * `options.also` (an inbox item's decision, when an editor accepts the item as this draft).
 */
export async function createDraft(
  ctx: DraftWrites,
  threadId: string,
  input: CreateUpdateInput,
  options: WriteOptions,
): Promise<WriteResult> {
  const thread = await ctx.threads.getThreadConsistent(threadId);
  if (!thread) throw new NotFoundError(`No thread ${threadId}.`);
  const { ifMatch } = options;
  if (ifMatch !== undefined && !ifMatch.accepts(thread.version))
    throw new PreconditionFailedError(
      `The thread is at ${ifMatch.nameOf(thread.version)}; If-Match asked for ${ifMatch.asked}.`,
    );
  await requireStatusOf(ctx, thread, input.status);
  const now = nowUtc();
  const occurred = occurredOf(input.occurredAt, now);
  const draft: Draft = {
    id: draftId(Date.parse(now)),
    threadId,
    scenario: thread.scenario,
    draft: true,
    status: input.status ?? null,
    summary: input.summary,
    occurredAt: occurred.at,
    occurredPrecision: occurred.precision,
    recordedAt: now,
    recordedBy: options.principal.name,
    sources: input.sources ?? [],
    quotes: input.quotes ?? [],
    claimedBy: input.claimedBy ?? null,
    ...(input.inboxItem !== undefined ? { inboxItem: input.inboxItem } : {}),
  };
  const result: WriteResult = { thread, draft };
  try {
    await ctx.drafts.put(
      draft,
      options.idempotency
        ? {
            ...options.idempotency,
            outcome: outcomeOf(result),
            ttlSeconds: ctx.config.idempotencyTtlSeconds,
          }
        : undefined,
      options.also?.(result),
    );
  } catch (error) {
    if (error instanceof IdempotencyClaimLost)
      throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
    throw error;
  }
  return result;
}

/** Discard a waiting draft: 404 when there is none, 409 not_a_draft for an update or a published draft. */
export async function discardDraft(
  ctx: Pick<AppContext, 'threads' | 'drafts'>,
  threadId: string,
  draftId: string,
): Promise<void> {
  await waitingDraft(ctx, threadId, draftId);
  if (!(await ctx.drafts.discard(threadId, draftId)))
    throw new NotADraftError(`${draftId} was published or discarded meanwhile: it is no draft now.`);
}
