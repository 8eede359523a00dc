import { IdempotencyInProgressError } from '../domain/errors';
import type { WriteOutcome } from '../store/idempotency-store';
import type { AppContext } from './context';
import type { IdempotencyTicket } from './threads';

/**
 * Record the outcome of a write that is safe to repeat by itself under its Idempotency-Key, after
 * the write (contract 1.0: every POST honours the key). An inbox push finds the item it made, and a
 * fetch only fetches again, so a record lost between the write and its completion costs a repeat,
 * never a second item: these writes need no shared transaction with their record.
 */
export async function completeAfter(
  ctx: Pick<AppContext, 'config' | 'idempotency'>,
  ticket: IdempotencyTicket | undefined,
  outcome: WriteOutcome,
): Promise<void> {
  if (!ticket) return;
  const completed = await ctx.idempotency.complete({
    ...ticket,
    outcome,
    ttlSeconds: ctx.config.idempotencyTtlSeconds,
  });
  if (!completed)
    throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
}
