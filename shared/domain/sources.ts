import { SOURCE_MAX_BACKOFF_MS } from './limits';

/**
 * News sources (contract 1.2, "Sources and the news inbox"): what a source is, and the pure parts of
 * polling it politely — when it is next due after a fetch, and what a fetch's result is called.
 * The fetch itself is shared/events/feed-fetcher.ts; parsing shared/domain/feed-entries.ts.
 */

export const SOURCE_STATUSES = ['active', 'paused'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/** What a fetch came to when no HTTP status says it: the contract's error words. */
export const FETCH_ERRORS = [
  'timeout',
  'too_large',
  'not_a_feed',
  'refused_address',
  'unreachable',
  'too_many_redirects',
] as const;
export type FetchError = (typeof FETCH_ERRORS)[number];

/** A fetch's `result`: the HTTP status (304 when unchanged) or an error word. */
export type FetchResult = number | FetchError;

/** A source, in the contract's field order. */
export interface Source {
  id: string;
  scenario: string;
  url: string;
  title: string | null;
  language: string | null;
  intervalMinutes: number;
  status: SourceStatus;
  createdAt: string;
  lastFetchedAt: string | null;
  lastResult: FetchResult | null;
  nextFetchAt: string;
  failures: number;
}

/** The contract's fields, in order: also a response body's order. */
export const SOURCE_FIELDS = [
  'id',
  'scenario',
  'url',
  'title',
  'language',
  'intervalMinutes',
  'status',
  'createdAt',
  'lastFetchedAt',
  'lastResult',
  'nextFetchAt',
  'failures',
] as const satisfies readonly (keyof Source)[];

/** A fetch that worked: the feed was read (2xx) or is unchanged (304). Anything else is a failure. */
export const succeeded = (result: FetchResult): boolean =>
  result === 304 || (typeof result === 'number' && result >= 200 && result < 300);

/**
 * When a source is next due after a fetch at `nowMs`. A success: one interval later, the failure
 * count back to 0. A failure: the interval doubled per consecutive failure (the first waits 2×),
 * capped at 24 h. A `Retry-After` (429, 503) is honoured: never sooner than it asks, capped at the
 * same 24 h so a server cannot switch a source off.
 */
export function nextFetch(
  nowMs: number,
  intervalMinutes: number,
  previousFailures: number,
  result: FetchResult,
  retryAfterMs: number | null = null,
): { nextFetchMs: number; failures: number } {
  const interval = intervalMinutes * 60_000;
  if (succeeded(result)) return { nextFetchMs: nowMs + interval, failures: 0 };
  const failures = previousFailures + 1;
  // 2^failures overflows nothing here: capped well before (2^11 × 5 min > 24 h).
  const backoff = Math.min(interval * 2 ** Math.min(failures, 20), SOURCE_MAX_BACKOFF_MS);
  const asked = retryAfterMs === null ? 0 : Math.min(retryAfterMs, SOURCE_MAX_BACKOFF_MS);
  return { nextFetchMs: nowMs + Math.max(backoff, asked), failures };
}

/**
 * A `Retry-After` header in ms from `nowMs` (RFC 9110 §10.2.3: delay seconds or an HTTP date); null
 * when absent or not understood.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
