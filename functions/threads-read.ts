import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../shared/domain/errors';
import { HistoryQuerySchema, ListThreadsQuerySchema, LIMITS, PageQuerySchema, parseWith, slug } from '../shared/domain/schemas';
import { threadAsOf } from '../shared/app/threads';
import { contentEtag, noneMatchHits, threadEtag } from '../shared/http/etag';
import { appContext } from '../shared/app/context';
import { threadIdParam, updateIdParam } from '../shared/http/params';
import { lambdaHandler, type Request } from '../shared/http/handler';
import { header } from '../shared/http/request';
import { empty, json, type HttpResult } from '../shared/http/response';
import { canonicalJson } from '../shared/http/canonical-json';

/** Read routes: this function's role may only read the table. */

/**
 * What a list's page token holds: the id to resume after. The token is signed, but the secret may be
 * known (locally it is derived), so its shape is checked like any input: a bad one is 400, never a 500.
 */
const ListPositionSchema = z.strictObject({ after: slug });

/** 200 with a strong ETag, or 304 when the client already holds this representation. */
function conditional(req: Request, body: unknown, etag?: string): HttpResult {
  const text = JSON.stringify(body);
  const tag = etag ?? contentEtag(text);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { ...json(200, body, { ETag: tag }), body: text };
}

function listPosition(key: Record<string, unknown>): { after: string } {
  const parsed = z.safeParse(ListPositionSchema, key);
  if (!parsed.success) throw ValidationError.field('nextToken', 'is not a valid page token for this query');
  return parsed.data;
}

export const handler = lambdaHandler('threads-read', {
  'GET /threads': async (req) => {
    const q = parseWith(ListThreadsQuerySchema, req.query, 'The query');
    const filter = {
      ...(q.scenario !== undefined ? { scenario: q.scenario } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(q.stale !== undefined ? { stale: q.stale === 'true' } : {}),
      ...(q.updatedSince !== undefined ? { updatedSince: q.updatedSince } : {}),
    };
    // A token is valid only for the filters it was issued with.
    const scope = `threads:${canonicalJson(filter)}`;
    const from = q.nextToken !== undefined ? listPosition(req.ctx.pageTokens.decode(q.nextToken, scope)) : undefined;
    const limit = q.limit ?? LIMITS.pageSize.default;
    // One ETag form: a digest of the page itself (items and nextToken). Revalidating costs reading the
    // page, O(page) items from its index, and never depends on when the last change happened.
    const page = await req.ctx.threads.listThreads(filter, limit, from);
    return conditional(req, { items: page.items, nextToken: page.next ? req.ctx.pageTokens.encode({ ...page.next }, scope) : null });
  },

  'GET /threads/{id}': async (req) => {
    const id = threadIdParam(req.params);
    const cut = parseWith(HistoryQuerySchema, req.query, 'The query');
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
    const q = parseWith(PageQuerySchema, req.query, 'The query');
    const scope = `updates:${id}`;
    const start = q.nextToken !== undefined ? req.ctx.pageTokens.decode(q.nextToken, scope) : undefined;
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
