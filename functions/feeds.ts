import { ATOM_TYPE, scenarioFeed, threadFeed } from '../shared/app/feeds';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { contentEtag, noneMatchHits } from '../shared/http/etag';
import { lambdaHandler, type Request } from '../shared/http/handler';
import { header } from '../shared/http/request';
import { SettingError } from '../shared/config';
import { BASE_HEADERS, empty, type HttpResult } from '../shared/http/response';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({
  threads: parts.threads,
  scenarios: parts.scenarios,
  kindStore: parts.kindStore,
  kinds: parts.kinds,
  feeds: parts.feeds,
});

/**
 * The Atom feeds (readers; HTTP Basic allowed, shared/routes.ts). A function of their own: the
 * `feed` package and its XML dependencies stay out of threads-read's bundle and cold start, and feed
 * readers, which poll on their own schedule, get their own concurrency, alarms and logs. Read-only,
 * confined to thread and scenario items (infra/permissions.ts); a feed never pages, so no page-token key.
 */

/** An Atom document, with an ETag of its bytes (and 304 when the reader holds them already). */
function atom(req: Request, xml: string): HttpResult {
  const tag = contentEtag(xml);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { statusCode: 200, headers: { ...BASE_HEADERS, 'Content-Type': ATOM_TYPE, ETag: tag }, body: xml };
}

/**
 * Where clients reach the API (TRACKER_PUBLIC_URL, set by the stack): feed links are absolute. Never
 * the request's Host or X-Forwarded-* headers: a client picks those, and a cache would serve the
 * feed it poisoned to every reader.
 */
const publicBase = (req: Request): string => {
  const base = req.ctx.config.publicUrl;
  if (base === undefined)
    throw new SettingError('TRACKER_PUBLIC_URL', 'is not set: feed links are built on it.');
  return base;
};

export const handler = lambdaHandler(
  'feeds',
  {
    'GET /threads/{id}/feed.atom': async (req) =>
      atom(req, await threadFeed(req.ctx, req.params.id, publicBase(req))),

    'GET /scenarios/{id}/feed.atom': async (req) =>
      atom(req, await scenarioFeed(req.ctx, req.params.id, publicBase(req))),
  },
  appContext,
);
