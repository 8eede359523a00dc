/**
 * The contract's limits and identifier shapes, apart from the zod schemas so that code on every
 * request path (body size checks, path parameters) can use them without loading zod.
 */
export const LIMITS = {
  bodyBytes: 64 * 1024,
  title: 200,
  expectedWhat: 200,
  summary: 4000,
  scenarioDescription: 4000,
  tags: 20,
  sources: 20,
  quotes: 20,
  urlLength: 2048,
  sourceText: 200,
  speaker: 200,
  quoteText: 2000,
  reason: 1000,
  staleAfterHours: { min: 1, max: 8760 },
  futureSkewMs: 5 * 60 * 1000,
  earliestOccurredAt: '1900-01-01T00:00:00.000Z',
  pageSize: { min: 1, max: 100, default: 50 },
  idempotencyKey: 128,
  subscriptionDescription: 500,
  // Contract 1.2 (threadmeta): keywords on threads and scenarios, criteria on threads.
  keywords: 30,
  keyword: 60,
  criteria: 2000,
} as const;

/**
 * The largest scenario archive `POST /scenarios/import` takes (contract 1.2): the size an archive can
 * have when it comes out of the cloud (shared/http/stream-body.ts caps a streamed answer at 4 MiB), and
 * what a Lambda can be handed: API Gateway passes a body it does not take for text base64-encoded (4 MiB
 * becomes 5.33 MiB), under Lambda's 6 MB payload and API Gateway's 10 MB.
 */
export const ARCHIVE_BODY_BYTES = 4 * 1024 * 1024;

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/**
 * Slugs no scenario may be given: `/scenarios/import` is the path of `POST /scenarios/import`, and a
 * literal path wins over `/scenarios/{id}` (shared/routes.ts matchRoute, as API Gateway matches), so
 * `GET /scenarios/import` could never read a scenario of that id.
 */
export const RESERVED_SCENARIO_IDS: readonly string[] = ['import'];
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** Subscription ids: `sub_` and a ULID. */
export const SUBSCRIPTION_ID = /^sub_[0-9A-HJKMNP-TV-Z]{26}$/;
/** Inbox items: `inb_` and a ULID (contract 1.2). */
export const INBOX_ITEM_ID = /^inb_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Standard Webhooks: any 2xx within this long is a delivery (the contract's 10 s). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

// ---- News sources (contract 1.2, "Sources and the news inbox") ----
/** Sources: `src_` and a ULID. */
export const SOURCE_ID = /^src_[0-9A-HJKMNP-TV-Z]{26}$/;
/** A source's polling interval in minutes: 5–1440, 15 unless given. */
export const SOURCE_INTERVAL = { min: 5, max: 1440, default: 15 } as const;
/** A feed fetch ends after this long, redirects included (the contract's 10 s). */
export const SOURCE_TIMEOUT_MS = 10_000;
/** A feed larger than this (after decompression) is not read: `too_large` (the contract's 5 MB). */
export const SOURCE_MAX_BYTES = 5 * 1024 * 1024;
/** Redirects followed per fetch, each re-checked against the outbound-address rules. */
export const SOURCE_MAX_REDIRECTS = 3;
/** At most one fetch a minute per source, on demand or scheduled. */
export const SOURCE_MIN_FETCH_GAP_MS = 60_000;
/** Failures back off exponentially up to this (the contract's 24 h); a Retry-After is honoured up to it too. */
export const SOURCE_MAX_BACKOFF_MS = 24 * 3600 * 1000;
