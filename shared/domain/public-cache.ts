/**
 * How long the public routes (contract 1.2, "Public scenarios and embeds") may be served from a
 * cache: the CDN in the cloud (infra/constructs/edge.ts) and the local server's in-process cache
 * (local/public-cache.ts) both follow this header, so a published change reaches every reader within
 * `max-age` plus the CDN's own propagation, and a scenario costs its reads once per `max-age` per
 * edge (with Origin Shield: per shield) however many readers it has.
 */
export const PUBLIC_MAX_AGE_SECONDS = 30;
/** A stale copy may be served this long while one request refreshes it (RFC 5861). */
export const PUBLIC_STALE_WHILE_REVALIDATE_SECONDS = 300;
export const PUBLIC_CACHE_CONTROL = `public, max-age=${PUBLIC_MAX_AGE_SECONDS}, stale-while-revalidate=${PUBLIC_STALE_WHILE_REVALIDATE_SECONDS}`;

/**
 * The answers a cache may keep: the page itself, a revalidation, and "not public" (a 404 cached as
 * long as a 200, so a flood of requests for a hidden or unknown scenario costs no more than a page).
 */
export const PUBLIC_CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 304, 404]);
