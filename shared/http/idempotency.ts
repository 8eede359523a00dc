import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyInProgressError, IdempotencyKeyMismatchError, ValidationError } from '../domain/errors';
import type { Principal } from '../domain/types';
import type { AppContext } from '../app/context';
import type { IdempotencyTicket } from '../app/threads';
import type { StoredResponse } from '../store/thread-store';
import { canonicalJson } from './canonical-json';

const KEY = /^[\x21-\x7e]{1,128}$/;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * Run a POST under the contract's Idempotency-Key rules. Keys are scoped to the caller, the method
 * and the path; a completed first response is replayed with `Idempotent-Replayed: true`; only 2xx
 * responses are remembered, so on any failure the claim is released and the key can be reused.
 */
export async function withIdempotency(
  ctx: AppContext,
  request: { key: string | undefined; principal: Principal; method: string; path: string; body: unknown },
  run: (ticket: IdempotencyTicket | undefined) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  if (request.key === undefined) return run(undefined);
  if (!KEY.test(request.key)) throw ValidationError.field('Idempotency-Key', 'must be 1–128 visible ASCII characters');
  const keyHash = sha256([request.principal.name, request.method, request.path, request.key].join('\n'));
  const bodyHash = sha256(canonicalJson(request.body));
  const claimId = randomUUID();
  const { idempotencyLockSeconds, idempotencyTtlSeconds } = ctx.config;
  const claim = await ctx.idempotency.claim(keyHash, claimId, bodyHash, idempotencyLockSeconds, idempotencyTtlSeconds);
  if (claim.kind !== 'claimed') {
    if (claim.bodyHash !== bodyHash) throw new IdempotencyKeyMismatchError('This Idempotency-Key was used with a different body.');
    if (claim.kind === 'in_progress') throw new IdempotencyInProgressError('A request with this Idempotency-Key is still running; retry shortly.');
    return { ...claim.response, headers: { ...claim.response.headers, 'Idempotent-Replayed': 'true' } };
  }
  try {
    return await run({ keyHash, claimId, bodyHash });
  } catch (error) {
    await ctx.idempotency.release(keyHash, claimId).catch(() => undefined);
    throw error;
  }
}
