import { ulid } from 'ulid';
import { IdempotencyInProgressError, NotFoundError, TooManyRequestsError } from '../domain/errors';
import { feedEntries } from '../domain/feed-entries';
import { SOURCE_INTERVAL, SOURCE_MAX_REDIRECTS, SOURCE_MIN_FETCH_GAP_MS } from '../domain/limits';
import type { CreateSourceInput, PatchSourceInput } from '../domain/schemas';
import { nextFetch, retryAfterMs, type FetchResult, type Source } from '../domain/sources';
import { fetchFeed, type FetchOutcome } from '../events/feed-fetcher';
import { checkSourceUrl } from '../events/outbound-url';
import { logger } from '../observability';
import { SourceBusy, type PolledSource, type StoredValidators } from '../store/source-store';
import { IdempotencyClaimLost } from '../store/thread-store';
import type { AppContext } from './context';
import { receiveEntry, type InboxDeps } from './inbox';
import type { IdempotencyTicket } from './threads';

/**
 * News sources (contract 1.2, "Sources and the news inbox"): managing them, and polling one — a
 * polite fetch (shared/events/feed-fetcher.ts), its entries parsed whatever the format
 * (shared/domain/feed-entries.ts), each entry received by the inbox exactly as `POST /inbox`
 * receives one (`receiveEntry`), and the outcome recorded with when the source is next due
 * (shared/domain/sources.ts `nextFetch`: interval, back-off, Retry-After).
 */

/** What polling a source takes: the source's store, the address checks, and the inbox it feeds. */
export type PollDeps = Pick<AppContext, 'config' | 'sources' | 'lookup'> & InboxDeps;
/** What managing sources takes besides: the scenarios (a source names one that exists). */
export type SourceDeps = PollDeps & Pick<AppContext, 'scenarios'>;

/**
 * The most entries of one fetch received into the inbox: the first ones of the feed (its newest,
 * in practice); the rest are old news, and the validators are kept, so a long feed is still fetched
 * conditionally.
 */
export const MAX_ENTRIES_PER_FETCH = 100;
/**
 * How long receiving one fetch's entries may take, after the fetch's own 10 s. On demand the inbox
 * function answers within its 20 s timeout (and the contract's 30 s): 10 s of fetch, 7 s of entries,
 * the table calls around them. A scheduled poll has its own function (60 s). Entries left over are
 * received next time: the validators are then not kept, so the next fetch gets the whole feed again
 * (what was received is found by its URL).
 */
export const ENTRY_BUDGET_MS = { onDemand: 7_000, scheduled: 30_000 } as const;

const policy = (ctx: Pick<AppContext, 'config' | 'lookup'>) => ({
  allowPrivate: ctx.config.allowPrivateWebhooks,
  lookup: ctx.lookup,
});

const iso = (ms: number) => new Date(ms).toISOString();

export async function createSource(
  ctx: SourceDeps,
  input: CreateSourceInput,
  nowMs = Date.now(),
  idempotency?: IdempotencyTicket,
): Promise<Source> {
  await checkSourceUrl(input.url, policy(ctx));
  if (!(await ctx.scenarios.get(input.scenario))) throw new NotFoundError(`No scenario ${input.scenario}.`);
  const source: Source = {
    id: `src_${ulid(nowMs)}`,
    scenario: input.scenario,
    url: input.url,
    title: input.title ?? null,
    language: input.language ?? null,
    intervalMinutes: input.intervalMinutes ?? SOURCE_INTERVAL.default,
    status: 'active',
    createdAt: iso(nowMs),
    lastFetchedAt: null,
    lastResult: null,
    // Due at once: the first poll comes with the next beat of the schedule.
    nextFetchAt: iso(nowMs),
    failures: 0,
  };
  try {
    await ctx.sources.create(
      source,
      idempotency
        ? { ...idempotency, outcome: { source }, ttlSeconds: ctx.config.idempotencyTtlSeconds }
        : undefined,
    );
  } catch (error) {
    if (error instanceof IdempotencyClaimLost)
      throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
    throw error;
  }
  return source;
}

export async function getSource(ctx: Pick<SourceDeps, 'sources'>, id: string): Promise<Source> {
  const source = await ctx.sources.get(id);
  if (!source) throw new NotFoundError(`No source ${id}.`);
  const { etag: _etag, lastModified: _lastModified, ...view } = source;
  return view;
}

export const listSources = (ctx: Pick<SourceDeps, 'sources'>, scenario: string): Promise<Source[]> =>
  ctx.sources.list(scenario);

/** Change a source; resuming a paused one makes it due no earlier than now (and not sooner than its back-off). */
export async function patchSource(
  ctx: Pick<SourceDeps, 'sources'>,
  id: string,
  input: PatchSourceInput,
  nowMs = Date.now(),
): Promise<Source> {
  const before = await ctx.sources.get(id, true);
  if (!before) throw new NotFoundError(`No source ${id}.`);
  const resuming = input.status === 'active';
  const after = await ctx.sources.patch(id, {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.intervalMinutes !== undefined ? { intervalMinutes: input.intervalMinutes } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(resuming ? { nextFetchAt: iso(Math.max(nowMs, Date.parse(before.nextFetchAt))) } : {}),
  });
  if (!after) throw new NotFoundError(`No source ${id}.`);
  return after;
}

export async function deleteSource(ctx: Pick<SourceDeps, 'sources'>, id: string): Promise<void> {
  if (!(await ctx.sources.delete(id))) throw new NotFoundError(`No source ${id}.`);
}

/** What one fetch came to (the answer of `POST /sources/{id}/fetch`). */
export interface FetchReport {
  fetchedAt: string;
  result: FetchResult;
  newItems: number;
}

/**
 * Fetch a source now, on an editor's demand: 404 when there is none, 429 with Retry-After when a
 * fetch (on demand or scheduled) started less than a minute ago. A paused source may be fetched on
 * demand; it stays paused.
 */
export async function fetchSourceNow(ctx: PollDeps, id: string, nowMs = Date.now()): Promise<FetchReport> {
  let source: PolledSource | null;
  try {
    source = await ctx.sources.claim(id, nowMs, SOURCE_MIN_FETCH_GAP_MS);
  } catch (error) {
    if (!(error instanceof SourceBusy)) throw error;
    const wait = Math.max(1, Math.ceil((error.lastAttemptAt + SOURCE_MIN_FETCH_GAP_MS - nowMs) / 1000));
    throw new TooManyRequestsError(`Source ${id} was fetched less than a minute ago.`, wait);
  }
  if (!source) throw new NotFoundError(`No source ${id}.`);
  return poll(ctx, source, nowMs, ENTRY_BUDGET_MS.onDemand);
}

/**
 * A scheduled poll of one source (the local loop, the cloud's poller): only an active source that
 * is due, and only if no fetch started within the minute. Null when it was not polled.
 */
export async function pollIfDue(ctx: PollDeps, id: string, nowMs = Date.now()): Promise<FetchReport | null> {
  const seen = await ctx.sources.get(id, true);
  if (!seen || seen.status !== 'active' || Date.parse(seen.nextFetchAt) > nowMs) return null;
  let source: PolledSource | null;
  try {
    source = await ctx.sources.claim(id, nowMs, SOURCE_MIN_FETCH_GAP_MS);
  } catch (error) {
    if (error instanceof SourceBusy) return null;
    throw error;
  }
  return source ? poll(ctx, source, nowMs, ENTRY_BUDGET_MS.scheduled) : null;
}

/**
 * Every due source polled, each on its own: a slow or failing feed holds only its own poll, never
 * another's (the cloud gives each its own queue message and invocation). The reports by source id.
 */
export async function pollDueSources(
  ctx: PollDeps,
  nowMs = Date.now(),
): Promise<Map<string, FetchReport | null>> {
  const ids = await ctx.sources.due(nowMs);
  const reports = await Promise.all(
    ids.map(async (id) => {
      try {
        return [id, await pollIfDue(ctx, id, nowMs)] as const;
      } catch (error) {
        logger.warn('source poll failed; due again at its next fetch time', {
          source: id,
          error: String(error),
        });
        return [id, null] as const;
      }
    }),
  );
  return new Map(reports);
}

/** The fetch, its entries into the inbox, and the outcome recorded on the source. */
async function poll(
  ctx: PollDeps,
  source: PolledSource,
  nowMs: number,
  entryBudgetMs: number,
): Promise<FetchReport> {
  const outcome = await fetchFeed(
    source.url,
    { etag: source.etag, lastModified: source.lastModified },
    {
      ...policy(ctx),
      timeoutMs: ctx.config.sourceTimeoutMs,
      maxBytes: ctx.config.sourceMaxBytes,
      maxRedirects: SOURCE_MAX_REDIRECTS,
    },
  );
  const { result, newItems, validators, retryAfter } = await settle(ctx, source, outcome, entryBudgetMs);
  if (outcome.kind === 'failed')
    logger.info('source fetch failed', { source: source.id, result, detail: outcome.detail });
  const fetchedAt = iso(nowMs);
  const next = nextFetch(
    nowMs,
    source.intervalMinutes,
    source.failures,
    result,
    retryAfterMs(retryAfter, nowMs),
  );
  await ctx.sources.record(source.id, {
    fetchedAt,
    result,
    failures: next.failures,
    nextFetchAt: iso(next.nextFetchMs),
    ...(validators ? { validators } : {}),
  });
  return { fetchedAt, result, newItems };
}

/** What an outcome means: the result, the items it made, the validators to keep (none: keep those held). */
async function settle(
  ctx: PollDeps,
  source: PolledSource,
  outcome: FetchOutcome,
  entryBudgetMs: number,
): Promise<{ result: FetchResult; newItems: number; validators?: StoredValidators; retryAfter?: string }> {
  if (outcome.kind === 'failed') return { result: outcome.error, newItems: 0 };
  if (outcome.kind === 'status')
    return {
      result: outcome.status,
      newItems: 0,
      ...(outcome.status === 429 || outcome.status === 503 ? { retryAfter: outcome.retryAfter } : {}),
    };
  if (outcome.status === 304)
    // A 304 may name fresh validators; where it names none, those held stay right.
    return {
      result: 304,
      newItems: 0,
      ...(outcome.validators.etag !== null || outcome.validators.lastModified !== null
        ? {
            validators: {
              etag: outcome.validators.etag ?? source.etag,
              lastModified: outcome.validators.lastModified ?? source.lastModified,
            },
          }
        : {}),
    };
  const feed = feedEntries(outcome.body, source.url);
  if (!feed) return { result: 'not_a_feed', newItems: 0 };
  const started = Date.now();
  let newItems = 0;
  let whole = true;
  for (const entry of feed.entries.slice(0, MAX_ENTRIES_PER_FETCH)) {
    if (Date.now() - started > entryBudgetMs) {
      whole = false;
      break;
    }
    const { created } = await receiveEntry(ctx, {
      scenario: source.scenario,
      url: entry.url,
      title: entry.title,
      summary: entry.summary,
      publishedAt: entry.publishedAt,
      language: entry.language ?? source.language ?? undefined,
      source: source.id,
    });
    if (created) newItems++;
  }
  return {
    result: outcome.status,
    newItems,
    // The validators name the whole feed: kept only when every entry of it was received.
    validators: whole ? outcome.validators : { etag: null, lastModified: null },
  };
}
