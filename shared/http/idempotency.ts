import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyInProgressError, IdempotencyKeyMismatchError, ValidationError } from '../domain/errors';
import type { AppContext } from '../app/context';
import type { IdempotencyTicket } from '../app/threads';
import type { WriteOutcome } from '../store/idempotency-store';
import type { Route } from '../routes';
import type { Caller } from './auth';
import { canonicalJson } from './canonical-json';
import { header } from './request';
import type { HttpResult } from './response';

const KEY = /^[\x21-\x7e]{1,128}$/;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * The resource a key is scoped to: the route's path with its parameters as decoded (and encoded
 * once, canonically). Every spelling of one path that reaches the same route and parameters gives
 * the same string; for a path spelled plainly it is that path, so keys recorded before keep
 * scoping the same way.
 */
export const scopePath = (template: string, params: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));

/**
 * Run a POST under the contract's Idempotency-Key rules. Keys are scoped to the caller's token (its
 * subject, not its name: a name can be revoked and issued again to someone else), the method and
 * the resource (`scopePath`: the route and its decoded parameters, never the raw path, so
 * `/threads/x/updates` and `/threads/%78/updates` share their keys). A completed first response is replayed with `Idempotent-Replayed: true`: the record keeps
 * the write's outcome by reference and `replay` presents it again, as it presented it the first
 * time. Only 2xx responses are remembered, so a failed request gives its claim back and the key
 * can be reused.
 *
 * Exactly once, even when a write's outcome is unknown (the database stopped answering: it may land
 * later, or may have landed already). Three conditions hold it:
 * - the write's transaction completes the record only if `claimId` is still this request's (so
 *   the write lands only while its own claim stands, and never after anyone else holds the key);
 * - the release deletes the record only if it is this request's claim and still `in_progress`
 *   (so a completed record is never given back);
 * - the completed record carries no `claimId` (so no late transaction can match it).
 * Whichever of the late transaction and the release reaches the record first wins: if the write
 * lands first, the release finds it completed and leaves it, and a retry replays it; if the release
 * comes first, the write can no longer land, and a retry claims afresh and applies it once. If the
 * release is lost too, the claim blocks retries (409) until its lock expires, then the same holds.
 */
export async function withIdempotency(
  ctx: Pick<AppContext, 'config' | 'idempotency'>,
  // The request as the dispatcher hands it over: the key is its Idempotency-Key header, the body as sent.
  request: {
    event: Parameters<typeof header>[0];
    principal: Caller;
    route: Pick<Route, 'method' | 'path'>;
    params: Record<string, string>;
    rawBody: unknown;
  },
  replay: (outcome: WriteOutcome) => Promise<HttpResult>,
  run: (ticket: IdempotencyTicket | undefined) => Promise<HttpResult>,
): Promise<HttpResult> {
  const key = header(request.event, 'idempotency-key');
  if (key === undefined) return run(undefined);
  if (!KEY.test(key))
    throw ValidationError.field('Idempotency-Key', 'must be 1–128 visible ASCII characters');
  const path = scopePath(request.route.path, request.params);
  const keyHash = sha256([request.principal.subject, request.route.method, path, key].join('\n'));
  // A route without a body (a publish, a fetch) hashes as the empty body, null.
  const bodyHash = sha256(canonicalJson(request.rawBody ?? null));
  const claimId = randomUUID();
  const { idempotencyLockSeconds, idempotencyTtlSeconds } = ctx.config;
  const claim = await ctx.idempotency.claim(
    keyHash,
    claimId,
    bodyHash,
    idempotencyLockSeconds,
    idempotencyTtlSeconds,
  );
  if (claim.kind !== 'claimed') {
    if (claim.bodyHash !== bodyHash)
      throw new IdempotencyKeyMismatchError('This Idempotency-Key was used with a different body.');
    if (claim.kind === 'in_progress')
      throw new IdempotencyInProgressError(
        'A request with this Idempotency-Key is still running; retry shortly.',
      );
    const first = await replay(claim.outcome);
    return { ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } };
  }
  try {
    return await run({ keyHash, claimId, bodyHash });
  } catch (error) {
    // Conditional (see above), so safe whatever the error; a release that fails is left to the lock.
    await ctx.idempotency.release(keyHash, claimId).catch(() => undefined);
    throw error;
  }
}
