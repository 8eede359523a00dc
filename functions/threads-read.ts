import { ForbiddenError, NotFoundError, ValidationError } from '../shared/domain/errors';
import { boardPage } from '../shared/app/boards';
import { archivedMatches } from '../shared/app/archived';
import { LIMITS } from '../shared/domain/limits';
import { timelinePage } from '../shared/app/timeline';
import { changesPage, settleMs } from '../shared/app/changes';
import { ChangeStore } from '../shared/store/change-store';
import { searchPage } from '../shared/app/search';
import { roleIncludes } from '../shared/domain/types';
import { SearchSource } from '../shared/store/search-source';
import { SearchViews } from '../shared/app/search-views';
import { listCriteria, listRevisions, listThreadDrafts, threadAsOf } from '../shared/app/thread-views';
import { getScenario } from '../shared/app/scenarios';
import { kindCache, listKinds } from '../shared/app/kinds';
import { checkReady } from '../shared/app/readiness';
import {
  contentEtag,
  digestHits,
  markHit,
  markedEtag,
  noneMatchHits,
  scenarioEtag,
  threadEtag,
} from '../shared/http/etag';
import { listMark } from '../shared/app/list-marks';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { KindStore } from '../shared/store/kind-store';
import { pageTokenKeys } from '../shared/store/keyring-source';
import { pageTokenCodec } from '../shared/store/page-token';
import { loadPageKeys } from '../shared/http/page-key-loading';
import { ScenarioStore } from '../shared/store/scenario-store';
import { ThreadStore } from '../shared/store/thread-store';
import { DraftStore } from '../shared/store/draft-store';
import { requireRole } from '../shared/http/auth';
import { PublicStore } from '../shared/store/public-store';
import { publicRoutes } from '../shared/http/public-routes';
import { lambdaHandler, type AnyRequest } from '../shared/http/handler';
import { THREADS_READ_ROUTES } from '../shared/routes/threads-read';
import { header } from '../shared/http/request';
import { empty, json, jsonText, type HttpResult } from '../shared/http/response';
import { canonicalJson } from '../shared/http/canonical-json';
import {
  changesPageKey,
  scenarioDraftsPageKey,
  scenariosPageKey,
  threadDraftsPageKey,
  searchPageKey,
  threadsPageKey,
  timelinePageKey,
  updatesPageKey,
} from '../shared/store/page-keys';

const cfg = config();
const db = createDocumentClient(cfg);
/** What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). */
const deps = {
  config: cfg,
  db,
  threads: new ThreadStore(db, cfg.tableName),
  drafts: new DraftStore(db, cfg.tableName),
  scenarios: new ScenarioStore(db, cfg.tableName),
  changes: new ChangeStore(db, cfg.tableName),
  publicViews: new PublicStore(db, cfg.tableName),
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
  pageTokens: pageTokenCodec(pageTokenKeys(cfg)),
  // The search views live as long as the instance: read on first use, kept current since.
  search: new SearchViews(new SearchSource(db, cfg.tableName), settleMs(cfg)),
};
const appContext = () => deps;

/** Read routes (threads, updates, scenarios): this function's role may only read the table. */

/**
 * 200 with a strong ETag, or 304 when the client already holds this representation: the body
 * serialized once, its ETag the given one or a digest of that text, with a scenario list's mark
 * before it when there is one (shared/app/list-marks.ts; a held tag matches by its digest).
 */
function conditional(req: AnyRequest, body: unknown, etag?: string, mark?: string): HttpResult {
  const text = JSON.stringify(body);
  const digest = etag ?? contentEtag(text);
  const tag = markedEtag(digest, mark);
  if (digestHits(header(req.event, 'if-none-match'), digest)) return empty(304, { ETag: tag });
  return jsonText(200, text, { ETag: tag });
}

export const handler = lambdaHandler(THREADS_READ_ROUTES)(
  'threads-read',
  {
    'GET /ready': async (req) => json(200, await checkReady(req.ctx)),

    'GET /threads': async (req) => {
      const q = req.query;
      // Kinds and statuses are the registry's (custom ones included): an unknown one is 400, not an empty list.
      if (q.kind !== undefined || q.status !== undefined) {
        const kinds = await req.ctx.kinds.knowing(
          (r) =>
            (q.kind === undefined || r.has(q.kind)) &&
            (q.status === undefined || r.allStatuses().includes(q.status)),
        );
        if (q.kind !== undefined) kinds.requireKind(q.kind);
        if (q.status !== undefined) kinds.requireSomeStatus(q.status);
      }
      const current = {
        ...(q.kind !== undefined ? { kind: q.kind } : {}),
        ...(q.stale !== undefined ? { stale: q.stale === 'true' } : {}),
        ...(q.updatedSince !== undefined ? { updatedSince: q.updatedSince } : {}),
      };
      // Contract 1.2: on a board they are matched against each view then, like `status`.
      const claimFilters = {
        ...(q.disputed !== undefined ? { disputed: q.disputed === 'true' } : {}),
        ...(q.corroborated !== undefined ? { corroborated: q.corroborated === 'true' } : {}),
      };
      const limit = q.limit ?? LIMITS.pageSize.default;
      if (q.asOf !== undefined || q.knownAt !== undefined) {
        // A board: one scenario as it stood then. Computed per thread, so never over every thread, and no ETag.
        if (q.scenario === undefined) {
          const path = q.asOf !== undefined ? 'asOf' : 'knownAt';
          throw new ValidationError(`The query is not valid: scenario is required with ${path}`, [
            { path: 'scenario', message: `is required with ${path}` },
          ]);
        }
        const cut = {
          ...(q.asOf !== undefined ? { asOf: q.asOf } : {}),
          ...(q.knownAt !== undefined ? { knownAt: q.knownAt } : {}),
        };
        const board = {
          scenario: q.scenario,
          cut,
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...claimFilters,
          archived: q.archived ?? 'false',
          current,
        } as const;
        const scope = `board:${canonicalJson(board)}`;
        const from =
          q.nextToken !== undefined
            ? req.ctx.pageTokens.decode(q.nextToken, scope, threadsPageKey)
            : undefined;
        const page = await boardPage(req.ctx, board, limit, from);
        return json(200, {
          items: page.items,
          nextToken: page.next ? req.ctx.pageTokens.encode({ ...page.next }, scope) : null,
        });
      }
      const filter = {
        ...(q.scenario !== undefined ? { scenario: q.scenario } : {}),
        ...(q.kind !== undefined ? { kind: q.kind } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.stale !== undefined ? { stale: q.stale === 'true' } : {}),
        ...(q.overdue !== undefined ? { overdue: q.overdue === 'true' } : {}),
        ...(q.parent !== undefined ? { parent: q.parent } : {}),
        ...(q.archived !== undefined && q.archived !== 'false' ? { archived: q.archived } : {}),
        ...(q.updatedSince !== undefined ? { updatedSince: q.updatedSince } : {}),
        ...claimFilters,
      };
      // A token is valid only for the filters it was issued with.
      // `archived=false` (the default) adds nothing to the scope: a version 1 client's tokens stay valid.
      const scope = `threads:${canonicalJson(q.archived === undefined || q.archived === 'false' ? filter : { ...filter, archived: q.archived })}`;
      const from =
        q.nextToken !== undefined ? req.ctx.pageTokens.decode(q.nextToken, scope, threadsPageKey) : undefined;
      // The ETag is a digest of the page itself (items and nextToken). A scenario's list also carries
      // its mark (shared/app/list-marks.ts; read beside the page: a write that the page misses has a
      // newer carrier, and a settled mark is older than any write still under way): a client holding
      // the current mark is answered 304 from it alone (1 RCU, not the page's).
      const asked = header(req.event, 'if-none-match');
      const marking =
        filter.scenario !== undefined
          ? listMark(req.ctx, filter.scenario, Date.now())
          : Promise.resolve(undefined);
      if (asked?.includes('"m.')) {
        const held = markHit(asked, await marking);
        if (held !== undefined) return empty(304, { ETag: held });
      }
      const [mark, page] = await Promise.all([marking, req.ctx.threads.listThreads(filter, limit, from)]);
      const items = page.items.filter((t) => archivedMatches(t, q.archived));
      return conditional(
        req,
        { items, nextToken: page.next ? req.ctx.pageTokens.encode({ ...page.next }, scope) : null },
        undefined,
        mark,
      );
    },

    // Read afresh (one Query of the KINDS partition), refreshing this instance's cache: a reader sees a change at once.
    'GET /kinds': async (req) => {
      await req.ctx.kinds.reload();
      return conditional(req, { items: await listKinds(req.ctx) });
    },

    'GET /threads/{id}': async (req) => {
      const { id } = req.params;
      const cut = req.query;
      if (cut.asOf !== undefined || cut.knownAt !== undefined) {
        // Historical views carry no ETag: they are computed, not a stored representation.
        return json(200, await threadAsOf(req.ctx, id, cut));
      }
      const thread = await req.ctx.threads.getThread(id);
      if (!thread) throw new NotFoundError(`No thread ${id}.`);
      return conditional(req, thread, threadEtag(thread));
    },

    'GET /threads/{id}/updates': async (req) => {
      const { id } = req.params;
      const q = req.query;
      // Drafts are for editors only (contract 1.2): a separate list, never mixed into the updates.
      if (q.drafts === 'true') {
        requireRole(req.principal, 'editor');
        const scope = `drafts:${id}`;
        const from =
          q.nextToken !== undefined
            ? req.ctx.pageTokens.decode(q.nextToken, scope, threadDraftsPageKey(id))
            : undefined;
        const page = await listThreadDrafts(req.ctx, id, q.limit ?? LIMITS.pageSize.default, from);
        return conditional(req, {
          items: page.items,
          nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null,
        });
      }
      const scope = `updates:${id}`;
      const start =
        q.nextToken !== undefined
          ? req.ctx.pageTokens.decode(q.nextToken, scope, updatesPageKey(id))
          : undefined;
      const limit = q.limit ?? LIMITS.pageSize.default;
      // The history changes only with the thread's version, so that (plus the page asked for) is the
      // ETag, and a poll that finds nothing new reads just the thread item.
      const thread = await req.ctx.threads.getThreadConsistent(id);
      if (!thread) throw new NotFoundError(`No thread ${id}.`);
      const etag = `"u${thread.version}-${contentEtag(canonicalJson({ limit, nextToken: q.nextToken ?? null })).slice(1, 13)}"`;
      if (noneMatchHits(header(req.event, 'if-none-match'), etag)) return empty(304, { ETag: etag });
      const page = await req.ctx.threads.listUpdates(id, limit, start);
      return conditional(
        req,
        {
          items: page.items,
          nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null,
        },
        etag,
      );
    },

    'GET /drafts': async (req) => {
      const q = req.query;
      const scope = `drafts-of:${q.scenario}`;
      const from =
        q.nextToken !== undefined
          ? req.ctx.pageTokens.decode(q.nextToken, scope, scenarioDraftsPageKey(q.scenario))
          : undefined;
      const page = await req.ctx.drafts.listOfScenario(q.scenario, q.limit ?? LIMITS.pageSize.default, from);
      return conditional(req, {
        items: page.items,
        nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null,
      });
    },

    'GET /threads/{id}/updates/{updateId}': async (req) => {
      const { id, updateId } = req.params;
      const update = await req.ctx.threads.getUpdate(id, updateId);
      if (!update) throw new NotFoundError(`Thread ${id} has no update ${updateId}.`);
      return conditional(req, update);
    },

    'GET /threads/{id}/updates/{updateId}/revisions': async (req) => {
      const { id, updateId } = req.params;
      return conditional(req, { items: await listRevisions(req.ctx, id, updateId) });
    },

    'GET /threads/{id}/criteria': async (req) =>
      conditional(req, { items: await listCriteria(req.ctx, req.params.id) }),

    'GET /scenarios': async (req) => {
      const q = req.query;
      const scope = `scenarios:${canonicalJson({ tag: q.tag ?? null })}`;
      const from =
        q.nextToken !== undefined
          ? req.ctx.pageTokens.decode(q.nextToken, scope, scenariosPageKey)
          : undefined;
      const page = await req.ctx.scenarios.list(q.limit ?? LIMITS.pageSize.default, from?.after, q.tag);
      return conditional(req, {
        items: page.items,
        nextToken: page.after !== undefined ? req.ctx.pageTokens.encode({ after: page.after }, scope) : null,
      });
    },

    'GET /scenarios/{id}': async (req) => {
      const scenario = await getScenario(req.ctx, req.params.id);
      return conditional(req, scenario, scenarioEtag(scenario));
    },

    'GET /scenarios/{id}/timeline': async (req) => {
      const { id } = req.params;
      const q = req.query;
      const query = {
        ...(q.knownAt !== undefined ? { knownAt: q.knownAt } : {}),
        archived: q.archived ?? 'false',
        // Contract 1.2: part of the page token's scope, so a token of one view never pages the other.
        ...(q.key === 'true' ? { key: true } : {}),
      } as const;
      const scope = `timeline:${id}:${canonicalJson(query)}`;
      const from =
        q.nextToken !== undefined
          ? req.ctx.pageTokens.decode(q.nextToken, scope, timelinePageKey)
          : undefined;
      const page = await timelinePage(req.ctx, id, query, q.limit ?? LIMITS.pageSize.default, from);
      const body = {
        items: page.items,
        nextToken: page.next ? req.ctx.pageTokens.encode({ ...page.next }, scope) : null,
      };
      // As known at a time it is computed, like any historical view: no ETag. Now, a digest of the page.
      return q.knownAt !== undefined ? json(200, body) : conditional(req, body);
    },

    // ---- The changes feed (contract 1.2, "What changed since") ----
    'GET /scenarios/{id}/changes': async (req) => changes(req, req.params.id),
    'GET /changes': async (req) => changes(req, null),
    'GET /search': async (req) => {
      const q = req.query;
      const drafts = q.drafts === 'true';
      // Drafts are for editors only (contract 1.2, "Drafts"): a reader who asks is refused, not served less.
      if (drafts && !roleIncludes(req.principal.role, 'editor'))
        throw new ForbiddenError(
          `drafts=true needs the editor role; ${req.principal.name} is ${req.principal.role}.`,
        );
      const query = { q: q.q, scenario: q.scenario, drafts };
      const scope = `search:${canonicalJson(query)}`;
      const from =
        q.nextToken !== undefined
          ? req.ctx.pageTokens.decode(q.nextToken, scope, searchPageKey(q.scenario))
          : undefined;
      const page = await searchPage(req.ctx, query, q.limit ?? LIMITS.pageSize.default, from);
      return json(200, {
        items: page.items,
        nextToken: page.next !== null ? req.ctx.pageTokens.encode({ ...page.next }, scope) : null,
      });
    },
    // Public scenarios and embeds (contract 1.2): no token; Cache-Control and CORS from the dispatcher.
    ...publicRoutes,
  },
  appContext,
  loadPageKeys,
);

/**
 * A page of the changes feed: the token (bound to the scope and `since`) resumes after its cursor.
 * The ETag is a digest of the page, like the lists': a poll that finds nothing new is a 304.
 */
async function changes(
  req: AnyRequest<typeof deps> & { query: { since: string; limit?: number; nextToken?: string } },
  scenario: string | null,
): Promise<HttpResult> {
  const q = req.query;
  const scope = `changes:${scenario ?? '*'}:${q.since}`;
  const from =
    q.nextToken !== undefined ? req.ctx.pageTokens.decode(q.nextToken, scope, changesPageKey) : undefined;
  const page = await changesPage(req.ctx, scenario, {
    since: q.since,
    limit: q.limit ?? LIMITS.pageSize.default,
    ...(from ? { after: from.after } : {}),
  });
  return conditional(req, {
    items: page.items,
    nextToken: page.next !== null ? req.ctx.pageTokens.encode({ after: page.next }, scope) : null,
  });
}
