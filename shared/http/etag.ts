import { createHash } from 'node:crypto';
import type { Thread } from '../domain/types';

/**
 * Strong ETags. A thread's is its version, which rises on every accepted write (the stale flag
 * included), so comparing it needs only the thread item. A list's is a digest of its body.
 */
export const threadEtag = (thread: Pick<Thread, 'version'>): string => `"v${thread.version}"`;

export const contentEtag = (body: string): string =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

const tags = (headerValue: string): string[] =>
  headerValue
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** If-None-Match: weak comparison, per RFC 9110 (a `W/` prefix does not stop a match). */
export const noneMatchHits = (headerValue: string | undefined, etag: string): boolean =>
  headerValue !== undefined && tags(headerValue).some((t) => t === '*' || t.replace(/^W\//, '') === etag);

/** If-Match: strong comparison; `*` matches any current thread. */
export const matchHits = (headerValue: string, etag: string): boolean =>
  tags(headerValue).some((t) => t === '*' || t === etag);
