import { createRecounter } from '../shared/app/recounts';
import { createScenario, patchScenario } from '../shared/app/scenarios';
import type { Scenario } from '../shared/domain/types';
import {
  amendUpdate,
  createThread,
  patchThread,
  postUpdate,
  publishDraft,
  retractUpdate,
  type WriteOptions,
  type WriteResult,
} from '../shared/app/threads';
import { ifMatchOf, scenarioEtag, threadEtag } from '../shared/http/etag';
import { kindCache } from '../shared/app/kinds';
import { config } from '../shared/config';
import { replayResult } from '../shared/app/replay';
import { lambdaHandler, type AnyRequest } from '../shared/http/handler';
import { THREADS_WRITE_ROUTES } from '../shared/routes/threads-write';
import { withIdempotency } from '../shared/http/idempotency';
import { header } from '../shared/http/request';
import { empty, json, type HttpResult } from '../shared/http/response';
import { createDocumentClient } from '../shared/store/client';
import { IdempotencyStore } from '../shared/store/idempotency-store';
import { threadInOrder, updateInOrder } from '../shared/store/items';
import { KindStore } from '../shared/store/kind-store';
import { ScenarioStore } from '../shared/store/scenario-store';
import { ThreadStore } from '../shared/store/thread-store';
import { DraftStore } from '../shared/store/draft-store';
import { createPublicEvents } from '../shared/events/public-events';
import { createDraft, discardDraft } from '../shared/app/drafts';

const cfg = config();
const db = createDocumentClient(cfg);
const scenarios = new ScenarioStore(db, cfg.tableName);
/**
 * What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). Its
 * notifications commit in its transactions (the outbox) and the outbox relay publishes them from the
 * table's stream; it asks for recounts on the bus (EVENT_BUS_NAME).
 */
const deps = {
  config: cfg,
  threads: new ThreadStore(db, cfg.tableName),
  drafts: new DraftStore(db, cfg.tableName),
  scenarios,
  recounts: createRecounter(cfg, () => ({ scenarios })),
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
  idempotency: new IdempotencyStore(db, cfg.tableName),
  // A public scenario's PATCH tells its live embeds to read it again (shared/app/public-live.ts).
  publicEvents: createPublicEvents(cfg),
};
const appContext = () => deps;

/** Write routes (threads, updates, scenarios): every one validates fully (limits included) before the first database call. */

const writeOptions = (req: AnyRequest<typeof deps>): WriteOptions => {
  const ifMatch = ifMatchOf(header(req.event, 'if-match'));
  return { principal: req.principal, clock: req.clock, ...(ifMatch !== undefined ? { ifMatch } : {}) };
};

/** An idempotent POST: the key, the caller's token and the route with its decoded parameters scope the replay. */
const idempotent = (
  req: AnyRequest<typeof deps>,
  render: (r: WriteResult) => HttpResult,
  run: Parameters<typeof withIdempotency>[3],
) => withIdempotency(req.ctx, req, async (outcome) => render(await replayResult(req.ctx, outcome)), run);

/**
 * How each write is presented: the first time, and again from its idempotency record on a replay.
 * Fields go in the order a read gives (nested ones included), so the two are the same bytes.
 */
const withUpdate = ({ update, draft, thread }: WriteResult) => ({
  update: draft ?? updateInOrder(update!),
  thread: threadInOrder(thread),
});
const created = ({ thread }: WriteResult) =>
  json(201, threadInOrder(thread), { Location: `/threads/${thread.id}`, ETag: threadEtag(thread) });
const posted = (result: WriteResult) =>
  json(201, withUpdate(result), {
    // A draft is no update yet: it is found among the thread's drafts.
    Location: result.draft
      ? `/threads/${result.thread.id}/updates?drafts=true`
      : `/threads/${result.thread.id}/updates/${result.update!.id}`,
    ETag: threadEtag(result.thread),
  });
/** A retraction or an amendment: 200 with the update and the thread after it. */
const retracted = (result: WriteResult) => json(200, withUpdate(result), { ETag: threadEtag(result.thread) });
const scenarioCreated = (scenario: Scenario) =>
  json(201, scenario, { Location: `/scenarios/${scenario.id}`, ETag: scenarioEtag(scenario) });

export const handler = lambdaHandler(THREADS_WRITE_ROUTES)(
  'threads-write',
  {
    'POST /threads': async (req) =>
      idempotent(req, created, async (ticket) =>
        created(
          await createThread(req.ctx, req.body, {
            ...writeOptions(req),
            ...(ticket ? { idempotency: ticket } : {}),
          }),
        ),
      ),

    'PATCH /threads/{id}': async (req) => {
      const { thread } = await patchThread(req.ctx, req.params.id, req.body, writeOptions(req));
      return json(200, thread, { ETag: threadEtag(thread) });
    },

    'POST /threads/{id}/updates': async (req) =>
      idempotent(req, posted, async (ticket) => {
        const { draft, ...input } = req.body;
        const options = { ...writeOptions(req), ...(ticket ? { idempotency: ticket } : {}) };
        return posted(
          draft === true
            ? await createDraft(req.ctx, req.params.id, input, options)
            : await postUpdate(req.ctx, req.params.id, input, options),
        );
      }),

    // ---- Drafts (contract 1.2) ----
    'POST /threads/{id}/updates/{updateId}/publish': async (req) =>
      idempotent(req, posted, async (ticket) =>
        posted(
          await publishDraft(req.ctx, req.params.id, req.params.updateId, {
            ...writeOptions(req),
            ...(ticket ? { idempotency: ticket } : {}),
          }),
        ),
      ),

    'DELETE /threads/{id}/updates/{updateId}': async (req) => {
      await discardDraft(req.ctx, req.params.id, req.params.updateId);
      return empty(204);
    },

    // A PATCH: Idempotency-Key is the contract's for POST only, and a repeated amendment with the
    // same wording changes nothing anyway.
    'PATCH /threads/{id}/updates/{updateId}': async (req) => {
      const { summary, sources, quotes, key } = req.body;
      const input = {
        ...(summary !== undefined ? { summary } : {}),
        ...(sources !== undefined ? { sources } : {}),
        ...(quotes !== undefined ? { quotes } : {}),
        ...(key !== undefined ? { key } : {}),
      };
      const { id, updateId } = req.params;
      return retracted(await amendUpdate(req.ctx, id, updateId, input, writeOptions(req)));
    },

    'POST /threads/{id}/updates/{updateId}/retraction': async (req) =>
      idempotent(req, retracted, async (ticket) =>
        retracted(
          await retractUpdate(req.ctx, req.params.id, req.params.updateId, req.body.reason, {
            ...writeOptions(req),
            ...(ticket ? { idempotency: ticket } : {}),
          }),
        ),
      ),

    'POST /scenarios': async (req) =>
      withIdempotency(
        req.ctx,
        req,
        async (outcome) => {
          if (!('scenario' in outcome))
            throw new Error('idempotency record of POST /scenarios holds no scenario');
          return scenarioCreated(outcome.scenario);
        },
        async (ticket) => scenarioCreated(await createScenario(req.ctx, req.body, ticket)),
      ),

    'PATCH /scenarios/{id}': async (req) => {
      const scenario = await patchScenario(
        req.ctx,
        req.params.id,
        req.body,
        ifMatchOf(header(req.event, 'if-match')),
      );
      return json(200, scenario, { ETag: scenarioEtag(scenario) });
    },
  },
  appContext,
);
