import { NotFoundError } from '../shared/domain/errors';
import { HistoryQuerySchema, ListThreadsQuerySchema, LIMITS, PageQuerySchema, parseQuery } from '../shared/domain/schemas';
import { threadAsOf } from '../shared/app/threads';
import { contentEtag, noneMatchHits, threadEtag } from '../shared/http/etag';
import { appContext } from '../shared/app/context';
import { threadIdParam, updateIdParam } from '../shared/http/params';
import { lambdaHandler, type Request } from '../shared/http/handler';
import { header } from '../shared/http/request';
import { empty, json, type HttpResult } from '../shared/http/response';
import { canonicalJson } from '../shared/http/canonical-json';
import { threadsPageKey, updatesPageKey } from '../shared/store/page-keys';

/** Read routes: this function's role may only read the table. */

/** How long after a change a list's indexes may lag the table (GSIs are eventually consistent). */
const LIST_SETTLE_MS = 5_000;

/** 200 with a strong ETag, or 304 when the client already holds this representation. */
function conditional(req: Request, body: unknown, etag?: string): HttpResult {
  const text = JSON.stringify(body);
  const tag = etag ?? contentEtag(text);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { ...json(200, body, { ETag: tag }), body: text };
}

export const handler = lambdaHandler('threads-read', {
  'GET /threads': async (req) => {
    const q = parseQuery(ListThreadsQuerySchema, req.query);
    const filter = {
      ...(q.scenario !== undefined ? { scenario: q.scenario } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(q.stale !== undefined ? { stale: q.stale === 'true' } : {}),
      ...(q.updatedSince !== undefined ? { updatedSince: q.updatedSince } : {}),
    };
    // A token is valid only for the filters it was issued with.
    const scope = `threads:${canonicalJson(filter)}`;
    const start = q.nextToken !== undefined ? req.ctx.pageTokens.decode(q.nextToken, scope, threadsPageKey(filter.scenario)) : undefined;
    const limit = q.limit ?? LIMITS.pageSize.default;
    // The list's ETag is the change counter of what it lists plus the query: a poll that finds
    // nothing new costs one tiny read. Just after a change the indexes may still be catching up, so
    // then the ETag also carries a digest of the content and a 304 needs the content to match.
    const changes = await req.ctx.threads.getChanges(filter.scenario ?? null);
    const queryTag = contentEtag(canonicalJson({ scope, limit, nextToken: q.nextToken ?? null })).slice(1, 13);
    const settled = Date.now() - Date.parse(changes.at) > LIST_SETTLE_MS;
    const counterTag = `c${changes.n}-${queryTag}`;
    if (settled && noneMatchHits(header(req.event, 'if-none-match'), `"${counterTag}"`)) return empty(304, { ETag: `"${counterTag}"` });
    const page = await req.ctx.threads.listThreads(filter, limit, start);
    const body = { items: page.items, nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null };
    return conditional(req, body, settled ? `"${counterTag}"` : `"${counterTag}-${contentEtag(JSON.stringify(body)).slice(1, 13)}"`);
  },

  'GET /threads/{id}': async (req) => {
    const id = threadIdParam(req.params);
    const cut = parseQuery(HistoryQuerySchema, req.query);
    if (cut.asOf !== undefined || cut.knownAt !== undefined) {
      // Historical views carry no ETag: they are computed, not a stored representation.
      return json(200, await threadAsOf(req.ctx, id, cut));
    }
    const thread = await req.ctx.threads.getThread(id);
    if (!thread) throw new NotFoundError(`No thread ${id}.`);
    return conditional(req, thread, threadEtag(thread));
  },

  'GET /threads/{id}/updates': async (req) => {
    const id = threadIdParam(req.params);
    const q = parseQuery(PageQuerySchema, req.query);
    const scope = `updates:${id}`;
    const start = q.nextToken !== undefined ? req.ctx.pageTokens.decode(q.nextToken, scope, updatesPageKey(id)) : undefined;
    const limit = q.limit ?? LIMITS.pageSize.default;
    // The history changes only with the thread's version, so that (plus the page asked for) is the
    // ETag, and a poll that finds nothing new reads just the thread item.
    const thread = await req.ctx.threads.getThreadConsistent(id);
    if (!thread) throw new NotFoundError(`No thread ${id}.`);
    const etag = `"u${thread.version}-${contentEtag(canonicalJson({ limit, nextToken: q.nextToken ?? null })).slice(1, 13)}"`;
    if (noneMatchHits(header(req.event, 'if-none-match'), etag)) return empty(304, { ETag: etag });
    const page = await req.ctx.threads.listUpdates(id, limit, start);
    return conditional(req, { items: page.items, nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null }, etag);
  },

  'GET /threads/{id}/updates/{updateId}': async (req) => {
    const id = threadIdParam(req.params);
    const updateId = updateIdParam(req.params, id);
    const update = await req.ctx.threads.getUpdate(id, updateId);
    if (!update) throw new NotFoundError(`Thread ${id} has no update ${updateId}.`);
    return conditional(req, update);
  },
}, appContext);
