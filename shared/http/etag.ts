import { createHash } from 'node:crypto';
import type { VersionPrecondition } from '../domain/precondition';
import type { Scenario, Thread } from '../domain/types';

/**
 * Strong ETags. A thread's is its version, which rises on every accepted write (the stale flag
 * included), so comparing it needs only the thread item. A list's is a digest of its body.
 */
const versionEtag = (version: number): string => `"v${version}"`;
export const threadEtag = (thread: Pick<Thread, 'version'>): string => versionEtag(thread.version);
/** A scenario's: its version, which rises on every change, a recount of its counts included. */
export const scenarioEtag = (scenario: Pick<Scenario, 'version'>): string => versionEtag(scenario.version);

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

/** An If-Match header as the app checks it: the versions whose ETag it names (threads and scenarios share the form). */
export const ifMatchOf = (headerValue: string | undefined): VersionPrecondition | undefined =>
  headerValue === undefined
    ? undefined
    : {
        accepts: (version) => matchHits(headerValue, versionEtag(version)),
        asked: headerValue,
        nameOf: versionEtag,
      };
