import { NearCopyWindows, ThreadIndexCache, receiveEntry } from '../shared/app/inbox';
import { acceptInboxItem, dismissInboxItem, type Accepted } from '../shared/app/inbox-decisions';
import { kindCache } from '../shared/app/kinds';
import { createRecounter } from '../shared/app/recounts';
import { replayResult } from '../shared/app/replay';
import {
  createSource,
  deleteSource,
  fetchSourceNow,
  getSource,
  listSources,
  patchSource,
} from '../shared/app/sources';
import { systemLookup } from '../shared/events/outbound-url';
import { SourceStore } from '../shared/store/source-store';
import type { WriteOptions } from '../shared/app/threads';
import { config } from '../shared/config';
import { LIMITS } from '../shared/domain/limits';
import { NotFoundError } from '../shared/domain/errors';
import type { Source } from '../shared/domain/sources';
import type { InboxItem } from '../shared/domain/inbox';
import { completeAfter } from '../shared/app/idempotent-outcome';
import { contentEtag, ifMatchOf, noneMatchHits, threadEtag } from '../shared/http/etag';
import { lambdaHandler, type AnyRequest } from '../shared/http/handler';
import { INBOX_ROUTES } from '../shared/routes/inbox';
import { withIdempotency } from '../shared/http/idempotency';
import { loadPageKeys } from '../shared/http/page-key-loading';
import { header } from '../shared/http/request';
import { empty, json, type HttpResult } from '../shared/http/response';
import { createDocumentClient } from '../shared/store/client';
import { IdempotencyStore, type WriteOutcome } from '../shared/store/idempotency-store';
import { InboxStore, inboxItemInOrder } from '../shared/store/inbox-store';
import { threadInOrder, updateInOrder } from '../shared/store/items';
import { KindStore } from '../shared/store/kind-store';
import { pageTokenKeys } from '../shared/store/keyring-source';
import { inboxPageKey } from '../shared/store/page-keys';
import { pageTokenCodec } from '../shared/store/page-token';
import { ScenarioStore } from '../shared/store/scenario-store';
import { ThreadStore } from '../shared/store/thread-store';
import { DraftStore } from '../shared/store/draft-store';

/**
 * The news inbox (contract 1.2, "Sources and the news inbox"). A function of its own: language
 * detection (franc-min), the Public Suffix List (tldts), dates in text (chrono-node) and matching
 * (MiniSearch) stay out of threads-write's bundle and cold start, which every write pays for.
 * Accepting an item posts an update through the one write path (postUpdate: the thread, the
 * idempotency record and the outbox in one transaction, recounts on the bus), or stores it as a
 * draft as `POST /threads/{id}/updates` with `draft: true` does, so its role writes
 * what that path writes and no more (infra/permissions.ts); the list pages with the page-token key.
 */

const cfg = config();
const db = createDocumentClient(cfg);
const scenarios = new ScenarioStore(db, cfg.tableName);
const threads = new ThreadStore(db, cfg.tableName);
const inbox = new InboxStore(db, cfg.tableName);
/** What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). */
const deps = {
  config: cfg,
  threads,
  scenarios,
  inbox,
  matchers: new ThreadIndexCache(threads, scenarios),
  nearCopies: new NearCopyWindows(inbox),
  recounts: createRecounter(cfg, () => ({ scenarios })),
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
  idempotency: new IdempotencyStore(db, cfg.tableName),
  // An item accepted as a draft (contract 1.2 "Drafts") is stored as threads-write stores one.
  drafts: new DraftStore(db, cfg.tableName),
  pageTokens: pageTokenCodec(pageTokenKeys(cfg)),
  // News sources (contract 1.2): their items, and how their hosts are resolved (checked per connection).
  sources: new SourceStore(db, cfg.tableName),
  lookup: systemLookup,
};
const appContext = () => deps;

const writeOptions = (req: AnyRequest<typeof deps>): WriteOptions => {
  const ifMatch = ifMatchOf(header(req.event, 'if-match'));
  return { principal: req.principal, clock: req.clock, ...(ifMatch !== undefined ? { ifMatch } : {}) };
};

/**
 * An accepted inbox item: 201 with the item, the update (or the draft, accepted as one) and the
 * thread, like a posted update (and in the order a read gives, so a replay from the idempotency
 * record is the same bytes).
 */
const accepted = (result: Accepted) =>
  json(
    201,
    {
      item: inboxItemInOrder(result.item),
      update: result.draft ?? updateInOrder(result.update!),
      thread: threadInOrder(result.thread),
    },
    {
      // A draft is no update yet: it is found among the thread's drafts (as POST …/updates says).
      Location: result.draft
        ? `/threads/${result.thread.id}/updates?drafts=true`
        : `/threads/${result.thread.id}/updates/${result.update!.id}`,
      ETag: threadEtag(result.thread),
    },
  );

/** A pushed entry: 201 with the new item, or 200 with the item it duplicates. */
const pushed = (item: InboxItem, created: boolean) =>
  created
    ? json(201, inboxItemInOrder(item), { Location: `/inbox/${item.id}` })
    : json(200, inboxItemInOrder(item));

const sourceCreated = (source: Source) => json(201, source, { Location: `/sources/${source.id}` });

/** The record a replay of this route needs: a record of another kind of write under the key is a bug. */
function recorded<K extends 'inboxItem' | 'source' | 'fetchReport'>(
  outcome: WriteOutcome,
  field: K,
): Extract<WriteOutcome, Record<K, unknown>> {
  if (!(field in outcome)) throw new Error(`idempotency record holds no ${field}`);
  return outcome as Extract<WriteOutcome, Record<K, unknown>>;
}

/** 200 with an ETag of the page's content, or 304 when the client already holds it. */
function conditional(req: AnyRequest, body: unknown): HttpResult {
  const text = JSON.stringify(body);
  const tag = contentEtag(text);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { ...json(200, body, { ETag: tag }), body: text };
}

export const handler = lambdaHandler(INBOX_ROUTES)(
  'inbox',
  {
    // Idempotent like any POST (contract 1.0): a repeat replays the first answer, 201 included.
    'POST /inbox': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => {
          const { inboxItem, created } = recorded(outcome, 'inboxItem');
          return pushed(inboxItem, created === true);
        },
        async (ticket) => {
          const { scenario } = req.body;
          if (!(await req.ctx.scenarios.get(scenario))) throw new NotFoundError(`No scenario ${scenario}.`);
          const { item, created } = await receiveEntry(req.ctx, req.body);
          await completeAfter(req.ctx, ticket, { inboxItem: item, created });
          return pushed(item, created);
        },
      ),

    // One Query of the scenario's state partition per page; the ETag is the page's content (items
    // change state and gain duplicates without a version to name).
    'GET /inbox': async (req) => {
      const { scenario, threadId, nextToken } = req.query;
      const state = req.query.state ?? 'new';
      const scope = `inbox:${scenario}:${state}:${threadId ?? ''}`;
      const start =
        nextToken !== undefined
          ? req.ctx.pageTokens.decode(nextToken, scope, inboxPageKey(scenario, state))
          : undefined;
      const page = await req.ctx.inbox.list(
        scenario,
        state,
        req.query.limit ?? LIMITS.pageSize.default,
        start,
        threadId,
      );
      return conditional(req, {
        items: page.items,
        nextToken: page.lastKey ? req.ctx.pageTokens.encode(page.lastKey, scope) : null,
      });
    },

    // Idempotent like the update it posts: a replay answers from the record (the thread and the
    // update) and the item as it is now (accepted, by this very write).
    'POST /inbox/{id}/accept': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => {
          const result = await replayResult(req.ctx, outcome);
          const item = await req.ctx.inbox.get(req.params.id, true);
          if (!item) throw new NotFoundError(`No inbox item ${req.params.id}.`);
          return accepted({ ...result, item });
        },
        async (ticket) =>
          accepted(
            await acceptInboxItem(req.ctx, req.params.id, req.body, {
              ...writeOptions(req),
              ...(ticket ? { idempotency: ticket } : {}),
            }),
          ),
      ),

    // Idempotent like any POST (contract 1.0): a retried dismissal replays its 200, not a 409.
    'POST /inbox/{id}/dismiss': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => json(200, inboxItemInOrder(recorded(outcome, 'inboxItem').inboxItem)),
        async (ticket) =>
          json(
            200,
            inboxItemInOrder(
              await dismissInboxItem(req.ctx, req.params.id, req.body.reason, req.principal, ticket),
            ),
          ),
      ),

    // ---- News sources (contract 1.2): polled into this inbox by the same path as POST /inbox.
    // Idempotent like any POST (contract 1.0): a retried creation answers the source it made, never a second one.
    'POST /sources': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => sourceCreated(recorded(outcome, 'source').source),
        async (ticket) => sourceCreated(await createSource(req.ctx, req.body, Date.now(), ticket)),
      ),
    // ETags of their content, like every list and resource read (contract 1.0, "Polling").
    'GET /sources': async (req) =>
      conditional(req, { items: await listSources(req.ctx, req.query.scenario) }),
    'GET /sources/{id}': async (req) => conditional(req, await getSource(req.ctx, req.params.id)),
    'PATCH /sources/{id}': async (req) => json(200, await patchSource(req.ctx, req.params.id, req.body)),
    'DELETE /sources/{id}': async (req) => {
      await deleteSource(req.ctx, req.params.id);
      return empty(204);
    },
    // Idempotent like any POST (contract 1.0): a repeat within the key's day replays the report
    // (not a 429 for fetching again within the minute).
    'POST /sources/{id}/fetch': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => json(200, recorded(outcome, 'fetchReport').fetchReport),
        async (ticket) => {
          const report = await fetchSourceNow(req.ctx, req.params.id);
          await completeAfter(req.ctx, ticket, { fetchReport: report });
          return json(200, report);
        },
      ),
  },
  appContext,
  loadPageKeys,
);
