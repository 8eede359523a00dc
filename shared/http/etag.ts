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

/**
 * A scenario list's ETag (issue 25): its content digest, and, when the list has a settled mark
 * (shared/app/list-marks.ts), the mark before it: `"m.<mark>.<digest>"`. Still one tag per
 * representation (the digest is in it); a poll whose tag carries the current mark is answered 304
 * without reading the page, and one whose digest matches the page read is answered 304 as before.
 */
export const markedEtag = (digestTag: string, mark: string | undefined): string =>
  mark === undefined ? digestTag : `"m.${mark}.${digestTag.slice(1, -1)}"`;

/** The parts of a tag `markedEtag` made (a weak `W/` prefix ignored); a plain digest tag has no mark. */
const partsOf = (tag: string): { mark?: string; digest: string } => {
  const bare = tag.replace(/^W\//, '');
  const inner = bare.slice(1, -1);
  if (!inner.startsWith('m.')) return { digest: bare };
  const cut = inner.lastIndexOf('.');
  return { mark: inner.slice(2, cut), digest: `"${inner.slice(cut + 1)}"` };
};

/** The If-None-Match tag that carries this mark, if any (the client's copy is current: nothing was written since). */
export const markHit = (headerValue: string | undefined, mark: string | undefined): string | undefined =>
  headerValue === undefined || mark === undefined
    ? undefined
    : tags(headerValue)
        .find((t) => partsOf(t).mark === mark)
        ?.replace(/^W\//, '');

/** If-None-Match against a list's page: a tag with this digest matches, whatever its mark. */
export const digestHits = (headerValue: string | undefined, digestTag: string): boolean =>
  headerValue !== undefined && tags(headerValue).some((t) => t === '*' || partsOf(t).digest === digestTag);
