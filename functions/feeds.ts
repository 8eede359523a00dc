import { ATOM_TYPE, scenarioFeed, threadFeed } from '../shared/app/feeds';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { contentEtag, noneMatchHits } from '../shared/http/etag';
import { scenarioIdParam, threadIdParam } from '../shared/http/params';
import { lambdaHandler, type Request } from '../shared/http/handler';
import { header } from '../shared/http/request';
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

/** The API's origin as this request reached it: feed links are absolute. API Gateway says https in X-Forwarded-Proto. */
const origin = (req: Request): string => {
  const proto = header(req.event, 'x-forwarded-proto') === 'https' ? 'https' : 'http';
  return `${proto}://${header(req.event, 'host') ?? req.event.requestContext.domainName}`;
};

export const handler = lambdaHandler(
  'feeds',
  {
    'GET /threads/{id}/feed.atom': async (req) =>
      atom(req, await threadFeed(req.ctx, threadIdParam(req.params), origin(req))),

    'GET /scenarios/{id}/feed.atom': async (req) =>
      atom(req, await scenarioFeed(req.ctx, scenarioIdParam(req.params), origin(req))),
  },
  appContext,
);
