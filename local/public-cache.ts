import type { HttpResult } from '../shared/http/response';
import { noneMatchHits } from '../shared/http/etag';

/**
 * The CDN of the laptop: an in-process cache in front of the public routes (contract 1.2), with the
 * rules CloudFront follows for them in the cloud (infra/constructs/edge.ts), so a burst of readers
 * costs the local DynamoDB what it would cost the cloud's:
 *
 * - only answers whose Cache-Control says `public` with a `max-age` are kept (`no-store`,
 *   `no-cache` and `private` never are), for `max-age` seconds;
 * - after that, for `stale-while-revalidate` seconds, the stale copy is served while one request
 *   refreshes it in the background; later still, the next reader waits for a fresh one;
 * - concurrent misses for one key share one origin request (CloudFront collapses them too);
 * - the key is the method, path and query: never a header, so a token or an Origin changes nothing;
 * - the client's If-None-Match is answered here (304 when it matches the kept ETag), and the
 *   origin is asked without it, so what is kept always has a body.
 *
 * Time comes from `now` (tests pass their own clock; nothing here sleeps).
 */
export interface CacheRules {
  maxAge: number;
  staleWhileRevalidate: number;
}

/** `public, max-age=N[, stale-while-revalidate=M]` → its rules; anything else is not kept. */
export function cacheRules(cacheControl: string | undefined): CacheRules | null {
  if (!cacheControl) return null;
  const directives = new Map(
    cacheControl.split(',').map((d) => {
      const [name, value] = d.trim().toLowerCase().split('=', 2);
      return [name!, value] as const;
    }),
  );
  if (
    !directives.has('public') ||
    directives.has('no-store') ||
    directives.has('no-cache') ||
    directives.has('private')
  )
    return null;
  const maxAge = Number(directives.get('max-age'));
  if (!Number.isInteger(maxAge) || maxAge <= 0) return null;
  const swr = Number(directives.get('stale-while-revalidate') ?? 0);
  return { maxAge, staleWhileRevalidate: Number.isInteger(swr) && swr > 0 ? swr : 0 };
}

interface Entry {
  result: HttpResult;
  storedAt: number;
  rules: CacheRules;
}

export type CacheOutcome = 'Hit' | 'Miss' | 'Stale' | 'Bypass';

export class PublicCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<HttpResult>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The answer for `key`: kept, or from `origin` (called at most once at a time per key).
   * `ifNoneMatch` is the client's header, answered against the kept ETag.
   */
  async serve(
    key: string,
    ifNoneMatch: string | undefined,
    origin: () => Promise<HttpResult>,
  ): Promise<{ result: HttpResult; outcome: CacheOutcome }> {
    const entry = this.entries.get(key);
    const age = entry ? (this.now() - entry.storedAt) / 1000 : Infinity;
    let outcome: CacheOutcome;
    let kept: Entry | undefined;
    if (entry && age < entry.rules.maxAge) {
      outcome = 'Hit';
      kept = entry;
    } else if (entry && age < entry.rules.maxAge + entry.rules.staleWhileRevalidate) {
      outcome = 'Stale';
      kept = entry;
      void this.fetch(key, origin).catch(() => undefined); // the next reader gets it; a failure keeps the stale copy
    } else {
      outcome = 'Miss';
      const result = await this.fetch(key, origin);
      kept = this.entries.get(key);
      if (!kept) return { result: answer(result, ifNoneMatch, undefined), outcome: 'Bypass' };
    }
    return { result: answer(kept.result, ifNoneMatch, kept.storedAt, this.now()), outcome };
  }

  /** Every background refresh finished: what a test awaits instead of sleeping. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private fetch(key: string, origin: () => Promise<HttpResult>): Promise<HttpResult> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = this.now();
    const request = origin()
      .then((result) => {
        const rules = cacheRules(result.headers['Cache-Control']);
        if (rules && result.statusCode !== 304) this.entries.set(key, { result, storedAt: started, rules });
        else this.entries.delete(key);
        return result;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }
}

/** The kept answer for this client: 304 when its If-None-Match holds the ETag, with `Age` once kept. */
function answer(
  result: HttpResult,
  ifNoneMatch: string | undefined,
  storedAt?: number,
  now?: number,
): HttpResult {
  const age: Record<string, string> =
    storedAt !== undefined && now !== undefined
      ? { Age: String(Math.max(0, Math.floor((now - storedAt) / 1000))) }
      : {};
  const etag = result.headers.ETag;
  if (result.statusCode === 200 && etag !== undefined && noneMatchHits(ifNoneMatch, etag)) {
    const { 'Content-Type': _type, ...headers } = result.headers;
    return { statusCode: 304, headers: { ...headers, ...age }, body: '' };
  }
  return { ...result, headers: { ...result.headers, ...age } };
}
