import type * as z from 'zod/mini';
import { NAME, NAME_MESSAGE } from './domain/kinds';
import { SLUG, SUBSCRIPTION_ID, ULID } from './domain/limits';
import {
  AmendUpdateSchema,
  CreateScenarioSchema,
  CreateSubscriptionSchema,
  CreateThreadSchema,
  CreateTokenSchema,
  CreateUpdateSchema,
  DeliveryAttemptSchema,
  HistoryQuerySchema,
  KindSchema,
  ListScenariosQuerySchema,
  ListThreadsQuerySchema,
  PageQuerySchema,
  PatchScenarioSchema,
  PatchSubscriptionSchema,
  PatchThreadSchema,
  PutKindSchema,
  OEmbedQuerySchema,
  OEmbedSchema,
  PublicScenarioSchema,
  PublicThreadDetailSchema,
  RetractionSchema,
  RevisionSchema,
  ScenarioSchema,
  SubscriptionSchema,
  ThreadSchema,
  TimelineItemSchema,
  TimelineQuerySchema,
  UpdateSchema,
  type Schema,
} from './domain/schemas';
import type { Role } from './domain/types';

/**
 * The route table, defined once: one entry per route, and everything else is derived from it. The
 * CDK stack creates exactly these API Gateway routes (each to its group's function, behind the
 * authorizer when a role is needed, with its throttle class); the local server matches requests
 * against the same list; the Lambda dispatcher checks each route's path parameters and parses its
 * query and body with the schemas named here before the handler runs (shared/http/handler.ts);
 * the handler maps are typed from it; the OpenAPI document is built from it (shared/openapi.ts).
 * Adding a route is one entry here plus its handler.
 */
export type FunctionGroup =
  'health' | 'threads-read' | 'threads-write' | 'tokens' | 'kinds' | 'subscriptions' | 'feeds';

/**
 * A path parameter's shape. An id that cannot exist is simply not found (`notFound`: the 404's
 * detail): answering before any database call keeps junk paths cheap and gives nothing away. A
 * name the request defines (a kind) is the request's mistake: 400 with `message`, and its pattern
 * is part of the contract (the OpenAPI document states it).
 */
export type PathParam = { readonly pattern: RegExp } & (
  | { readonly notFound: (value: string, params: Readonly<Record<string, string>>) => string }
  | { readonly message: string }
);

/**
 * A response body: a schema of shared/domain/schemas.ts (a named component of the OpenAPI
 * document), or JSON Schema built around such schemas (`ref` turns one into its reference).
 */
export type ResponseBody = Schema | ((ref: (s: Schema) => object) => object);

export interface Success {
  description: string;
  body?: ResponseBody;
  /** The Location header's template, when the answer carries one. */
  location?: string;
}

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  group: FunctionGroup;
  /** The least role that may call it; null for open routes. */
  role: Role | null;
  operationId: string;
  summary: string;
  /** Said in the OpenAPI document after what is derived (role, Basic, HEAD). */
  description?: string;
  /** Feed readers rarely send bearer tokens: these routes also take HTTP Basic with the token as the password. */
  basicAuth?: boolean;
  /** Every `{name}` of the path, checked in path order before the query and the body. */
  params?: Readonly<Record<string, PathParam>>;
  /** The query string's (strict) schema, and what the document says of each parameter; none: the query is ignored. */
  query?: { readonly schema: Schema; readonly describe?: Readonly<Record<string, string>> };
  /** The JSON body's schema and what problem details call it (`The thread is not valid: …`). */
  body?: { readonly schema: Schema; readonly label: string };
  /** Each success status and what it answers. */
  responses: Readonly<Record<number, Success>>;
  /** Problem codes this route adds to the common ones, by status. */
  problems?: Readonly<Record<number, string>>;
  /** `read`: an ETag on success, If-None-Match and 304; `write`: an ETag on success. */
  etag?: 'read' | 'write';
  /** Takes If-Match (412 otherwise); a string is its own description of it. */
  ifMatch?: true | string;
  /** Honours Idempotency-Key. */
  idempotencyKey?: boolean;
  /** Answers Atom XML, not JSON. */
  atom?: boolean;
  /** Answers pages of these items with `nextToken` (the page-token key is needed). */
  page?: Schema;
  /** Answers this media type (a text document), not JSON. */
  mediaType?: string;
  /**
   * A public route (contract 1.2): `Cache-Control: public` on its 200, 304 and 404 (shared/domain/
   * public-cache.ts), CORS `*`, and served through the CDN's cache (infra/constructs/edge.ts).
   */
  publicCache?: true;
}

const THREAD_ID: PathParam = { pattern: SLUG, notFound: (id) => `No thread ${id}.` };
const UPDATE_ID: PathParam = {
  pattern: ULID,
  notFound: (updateId, params) => `Thread ${params.id} has no update ${updateId}.`,
};
const SCENARIO_ID: PathParam = { pattern: SLUG, notFound: (id) => `No scenario ${id}.` };
const TOKEN_NAME: PathParam = { pattern: SLUG, notFound: (name) => `No token named ${name}.` };
const SUBSCRIPTION: PathParam = { pattern: SUBSCRIPTION_ID, notFound: (id) => `No subscription ${id}.` };
const KIND_NAME: PathParam = { pattern: NAME, message: NAME_MESSAGE };
/** Public routes say the same for a scenario that does not exist and one that is not public. */
const PUBLIC_SCENARIO: PathParam = { pattern: SLUG, notFound: (id) => `No public scenario ${id}.` };
/**
 * `{threadId}.svg` as one path segment: API Gateway's path parameters are whole segments, so the
 * badge's route takes the file name and the handler strips `.svg`.
 */
const BADGE_FILE: PathParam = {
  pattern: new RegExp(`${SLUG.source.slice(0, -1)}\\.svg$`),
  notFound: (file) => `No badge ${file}.`,
};

const items =
  (item: Schema): ResponseBody =>
  (ref) => ({
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref(item) } },
  });
const jsonSchema =
  (s: object): ResponseBody =>
  () =>
    s;
const withUpdate: ResponseBody = (ref) => ({
  type: 'object',
  required: ['update', 'thread'],
  properties: { update: ref(UpdateSchema), thread: ref(ThreadSchema) },
});
const NEXT_TOKEN = 'Opaque; from the previous page';

/** A route as declared: `route` is its key, `METHOD /path`, as the handler maps and API Gateway spell it. */
export interface DeclaredRoute extends Omit<Route, 'method' | 'path'> {
  route: `${Route['method']} /${string}`;
}

/** The routes as the contract lists them; ROUTES adds their HEAD twins. */
export const DECLARED_ROUTES = [
  {
    route: 'GET /health',
    group: 'health',
    role: null,
    operationId: 'getHealth',
    summary: 'Liveness check',
    responses: {
      200: {
        description: 'Up',
        body: jsonSchema({ type: 'object', properties: { status: { const: 'ok' } } }),
      },
    },
  },
  {
    route: 'GET /openapi.json',
    group: 'health',
    role: null,
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
    responses: { 200: { description: 'This document', body: jsonSchema({ type: 'object' }) } },
  },
  {
    route: 'GET /threads',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listThreads',
    summary: 'List threads',
    query: {
      schema: ListThreadsQuerySchema,
      describe: {
        updatedSince: 'Threads whose updatedAt is later than this time (a period: later than its start)',
        archived: 'false (default): archived threads left out; true: only archived threads; any: both',
        parent: "A thread's children",
        overdue: 'Threads flagged overdue (true) or not (false)',
        nextToken: NEXT_TOKEN,
        asOf: "A board: the scenario's threads as they stood then (each as GET /threads/{id}?asOf=), threads with no status then left out; scenario required; a period means its last millisecond",
        knownAt: 'A board as known then; scenario required; a period means its last millisecond',
      },
    },
    etag: 'read',
    page: ThreadSchema,
    responses: {
      200: {
        description:
          'A page of threads ordered by id (a board: no ETag, status matched against the status then; a page may be short)',
      },
    },
  },
  {
    route: 'POST /threads',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createThread',
    summary: 'Create a thread with its first update',
    body: { schema: CreateThreadSchema, label: 'The thread' },
    idempotencyKey: true,
    etag: 'write',
    responses: { 201: { description: 'Created', location: '/threads/{id}', body: ThreadSchema } },
    problems: {
      409: 'thread_exists, idempotency_in_progress',
      422: 'invalid_status, invalid_parent, idempotency_key_mismatch',
    },
  },
  {
    route: 'GET /threads/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getThread',
    summary: 'Get a thread, now or as of a time',
    params: { id: THREAD_ID },
    query: {
      schema: HistoryQuerySchema,
      describe: {
        asOf: 'Occurred-time cut-off; a period means its last millisecond (2025-08-15 → 2025-08-15T23:59:59.999Z), which the view echoes',
        knownAt: 'Recorded-time cut-off; a period means its last millisecond, which the view echoes',
      },
    },
    etag: 'read',
    responses: { 200: { description: 'The thread (no ETag on asOf/knownAt views)', body: ThreadSchema } },
    problems: { 404: 'not_found, no_status_at_time' },
  },
  {
    route: 'PATCH /threads/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchThread',
    summary: 'Change title, staleAfterHours, expected, archived, scenario, kind or parent',
    params: { id: THREAD_ID },
    body: { schema: PatchThreadSchema, label: 'The change' },
    ifMatch: true,
    etag: 'write',
    responses: { 200: { description: 'Changed', body: ThreadSchema } },
    problems: { 404: 'not_found', 412: 'precondition_failed', 422: 'invalid_status, invalid_parent' },
  },
  {
    route: 'POST /threads/{id}/updates',
    group: 'threads-write',
    role: 'editor',
    operationId: 'postUpdate',
    summary: 'Post an update to a thread',
    params: { id: THREAD_ID },
    body: { schema: CreateUpdateSchema, label: 'The update' },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: { description: 'Accepted', location: '/threads/{id}/updates/{updateId}', body: withUpdate },
    },
    problems: {
      404: 'not_found',
      409: 'idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'GET /threads/{id}/updates',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listUpdates',
    summary: "List a thread's updates, newest first",
    params: { id: THREAD_ID },
    query: { schema: PageQuerySchema },
    etag: 'read',
    page: UpdateSchema,
    responses: { 200: { description: 'Newest occurredAt first; retracted updates included and marked' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /threads/{id}/updates/{updateId}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getUpdate',
    summary: 'Get one update',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    responses: { 200: { description: 'The update', body: UpdateSchema } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'PATCH /threads/{id}/updates/{updateId}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'amendUpdate',
    summary: "Amend an update's wording (summary, sources, quotes)",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    body: { schema: AmendUpdateSchema, label: 'The amendment' },
    ifMatch: true,
    etag: 'write',
    responses: {
      200: {
        description:
          'Amended (the same wording again changes nothing); the thread one version on, its summary following when this is its latest live update. status and occurredAt cannot be amended (400): retract and post again. Idempotency-Key is not honoured (a PATCH).',
        body: withUpdate,
      },
    },
    problems: { 404: 'not_found', 409: 'already_retracted', 412: 'precondition_failed' },
  },
  {
    route: 'GET /threads/{id}/updates/{updateId}/revisions',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listRevisions',
    summary: "An update's wordings, oldest first (revision 0 the original)",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    etag: 'read',
    responses: {
      200: {
        description: 'Every wording, oldest first; revision 0 the original',
        body: items(RevisionSchema),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'POST /threads/{id}/updates/{updateId}/retraction',
    group: 'threads-write',
    role: 'editor',
    operationId: 'retractUpdate',
    summary: 'Retract an update',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    body: { schema: RetractionSchema, label: 'The retraction' },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: { 200: { description: 'Retracted; the thread recomputed without it', body: withUpdate } },
    problems: {
      404: 'not_found',
      409: 'already_retracted, cannot_retract_last_status, idempotency_in_progress',
      412: 'precondition_failed',
    },
  },
  {
    route: 'GET /scenarios',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listScenarios',
    summary: 'List scenarios, by id, with their counts',
    query: {
      schema: ListScenariosQuerySchema,
      describe: { tag: 'Only scenarios carrying this tag', nextToken: NEXT_TOKEN },
    },
    etag: 'read',
    page: ScenarioSchema,
    responses: {
      200: {
        description: 'A page of scenarios ordered by id; counts may lag thread writes by up to 10 seconds',
      },
    },
  },
  {
    route: 'POST /scenarios',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createScenario',
    summary: 'Create a scenario',
    body: { schema: CreateScenarioSchema, label: 'The scenario' },
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Created (repeated tags are kept once)',
        location: '/scenarios/{id}',
        body: ScenarioSchema,
      },
    },
    problems: { 409: 'scenario_exists, idempotency_in_progress', 422: 'idempotency_key_mismatch' },
  },
  {
    route: 'GET /scenarios/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getScenario',
    summary: 'Get a scenario with its counts',
    params: { id: SCENARIO_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'The scenario; its counts are part of its ETag and may lag thread writes by up to 10 seconds',
        body: ScenarioSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /scenarios/{id}/timeline',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getTimeline',
    summary: "The status changes across a scenario's threads, oldest first",
    params: { id: SCENARIO_ID },
    query: {
      schema: TimelineQuerySchema,
      describe: {
        knownAt:
          'As known then (updates, retractions and wording recorded by then); a period means its last millisecond; no ETag',
        archived: 'false (default): leave archived threads out; true: only them; any: all',
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: TimelineItemSchema,
    responses: {
      200: {
        description:
          "Status changes across the scenario's threads, oldest occurredAt first (then thread id, update id): a non-retracted update whose status differs from its thread's previous status-carrying one; a thread's first status has previousStatus null",
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'PATCH /scenarios/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchScenario',
    summary: 'Change title, description, tags or public',
    params: { id: SCENARIO_ID },
    body: { schema: PatchScenarioSchema, label: 'The change' },
    ifMatch:
      "Make the write conditional on the scenario's current ETag (412 otherwise); a recount changes it too.",
    etag: 'write',
    responses: {
      200: {
        description: 'The whole scenario; a change to the values it already has keeps its version',
        body: ScenarioSchema,
      },
    },
    problems: { 404: 'not_found', 412: 'precondition_failed' },
  },
  {
    route: 'GET /kinds',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listKinds',
    summary: 'List the kinds, built-in and custom, with their statuses',
    etag: 'read',
    responses: {
      200: { description: 'Every kind, built-in and custom, ordered by kind', body: items(KindSchema) },
    },
  },
  {
    route: 'PUT /kinds/{kind}',
    group: 'kinds',
    role: 'admin',
    operationId: 'putKind',
    summary: 'Define a custom kind, or change one (statuses are never removed)',
    description:
      'Labels and terminal flags may change and statuses may be added; a status is never removed, and built-in kinds never change (409 kind_conflict). Same definition again: 200, nothing changes. Every function instance sees a new kind or status at once and a changed label or terminal flag within KINDS_CACHE_SECONDS (30 s).',
    params: { kind: KIND_NAME },
    body: { schema: PutKindSchema, label: 'The kind' },
    responses: {
      200: { description: 'Changed (or unchanged)', body: KindSchema },
      201: { description: 'Defined', location: '/kinds/{kind}', body: KindSchema },
    },
    problems: { 409: 'kind_conflict' },
  },
  {
    route: 'GET /threads/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getThreadFeed',
    summary: "Atom feed of a thread's latest updates",
    basicAuth: true,
    params: { id: THREAD_ID },
    etag: 'read',
    atom: true,
    responses: { 200: { description: "Atom 1.0: the thread's 50 most recently recorded updates" } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /scenarios/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioFeed',
    summary: "Atom feed of a scenario's latest updates",
    basicAuth: true,
    params: { id: SCENARIO_ID },
    etag: 'read',
    atom: true,
    responses: {
      200: { description: "Atom 1.0: the 50 most recently recorded updates across the scenario's threads" },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  {
    route: 'POST /tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'createToken',
    summary: 'Create a token (shown once)',
    body: { schema: CreateTokenSchema, label: 'The token' },
    responses: {
      201: {
        description: 'The token, shown this once',
        body: jsonSchema({
          type: 'object',
          required: ['name', 'role', 'token', 'createdAt'],
          properties: {
            name: { type: 'string' },
            role: { type: 'string' },
            token: { type: 'string' },
            createdAt: { type: 'string' },
          },
        }),
      },
    },
    problems: { 409: 'token_exists' },
  },
  {
    route: 'GET /tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'listTokens',
    summary: 'List tokens',
    responses: {
      200: {
        description: 'Names, roles and times; never a token or hash',
        body: jsonSchema({
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  role: { type: 'string' },
                  createdAt: { type: 'string' },
                  lastUsedAt: { type: ['string', 'null'] },
                },
              },
            },
          },
        }),
      },
    },
  },
  {
    route: 'DELETE /tokens/{name}',
    group: 'tokens',
    role: 'admin',
    operationId: 'revokeToken',
    summary: 'Revoke a token',
    params: { name: TOKEN_NAME },
    responses: { 204: { description: 'Revoked' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'POST /subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'createSubscription',
    summary: 'Subscribe a webhook (the secret is shown once)',
    description: 'Needs the admin role. Idempotency-Key is not honoured: the secret is never replayed.',
    body: { schema: CreateSubscriptionSchema, label: 'The subscription' },
    responses: {
      201: {
        description: 'The subscription with its secret, shown this once',
        location: '/subscriptions/{id}',
        body: (ref) => ({
          allOf: [
            ref(SubscriptionSchema),
            {
              type: 'object',
              required: ['secret'],
              properties: { secret: { type: 'string', pattern: '^whsec_' } },
            },
          ],
        }),
      },
    },
    problems: { 422: 'invalid_subscription_url' },
  },
  {
    route: 'GET /subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'listSubscriptions',
    summary: 'List webhook subscriptions',
    responses: {
      200: {
        description: 'Every subscription, oldest first; never a secret',
        body: items(SubscriptionSchema),
      },
    },
  },
  {
    route: 'GET /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'getSubscription',
    summary: 'Get a subscription with its latest 50 delivery attempts',
    params: { id: SUBSCRIPTION },
    responses: {
      200: {
        description: 'The subscription and its latest 50 delivery attempts, newest first',
        body: (ref) => ({
          allOf: [
            ref(SubscriptionSchema),
            {
              type: 'object',
              required: ['deliveries'],
              properties: { deliveries: { type: 'array', maxItems: 50, items: ref(DeliveryAttemptSchema) } },
            },
          ],
        }),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'PATCH /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'patchSubscription',
    summary: 'Pause, resume or change a subscription',
    params: { id: SUBSCRIPTION },
    body: { schema: PatchSubscriptionSchema, label: 'The change' },
    responses: {
      200: {
        description: 'The whole subscription after the change (status active also restarts a disabled one)',
        body: SubscriptionSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'DELETE /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription',
    params: { id: SUBSCRIPTION },
    responses: { 204: { description: 'Deleted; pending deliveries are dropped' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'POST /subscriptions/{id}/ping',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'pingSubscription',
    summary: 'Send a Ping to this subscription only',
    params: { id: SUBSCRIPTION },
    responses: {
      202: {
        description: 'The Ping event, queued for this subscription only (even when paused)',
        body: jsonSchema({ type: 'object' }),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /ready',
    // Served by the read function: ready means the function that serves reads reaches its table.
    // Declared last: CDK names a function's integration after its first route, so a new route goes
    // at the end and no deployed integration is replaced (test/infra/logical-ids.test.ts).
    group: 'threads-read',
    role: null,
    operationId: 'getReady',
    summary: 'Readiness check: the database answers',
    responses: {
      200: {
        description: 'Ready: the database answered a read within DYNAMODB_TIMEOUT_MS',
        body: jsonSchema({ type: 'object', properties: { status: { const: 'ready' } } }),
      },
    },
    problems: { 503: 'unavailable (the database did not answer in time)' },
  },
  // ---- Public scenarios and embeds (contract 1.2): no token, cached by the CDN ----------------
  // In threads-read: they read what it reads (scenario and thread items), and rendering HTML or SVG
  // needs no library. Not public and missing are the same 404, never 401/403.
  {
    route: 'GET /public/scenarios/{id}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicScenario',
    summary: "A public scenario's current state",
    params: { id: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    responses: {
      200: {
        description: 'The scenario and its non-archived threads; no authors, no history',
        body: PublicScenarioSchema,
      },
    },
    problems: { 404: 'not_found (no such scenario, or not public)' },
  },
  {
    route: 'GET /public/scenarios/{id}/threads/{threadId}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicThread',
    summary: 'A thread of a public scenario with its key events',
    params: { id: PUBLIC_SCENARIO, threadId: THREAD_ID },
    etag: 'read',
    publicCache: true,
    responses: {
      200: {
        description: "The thread's public view and its key events, oldest first",
        body: PublicThreadDetailSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed/{scenario}',
    group: 'threads-read',
    role: null,
    operationId: 'getScenarioEmbed',
    summary: 'A public scenario as a small HTML page for an iframe',
    params: { scenario: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: { 200: { description: 'HTML; frame-ancestors from TRACKER_EMBED_ORIGINS' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed/{scenario}/{threadId}',
    group: 'threads-read',
    role: null,
    operationId: 'getThreadEmbed',
    summary: 'One thread of a public scenario as a small HTML page for an iframe',
    params: { scenario: PUBLIC_SCENARIO, threadId: THREAD_ID },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: { 200: { description: 'HTML; frame-ancestors from TRACKER_EMBED_ORIGINS' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed.js',
    group: 'threads-read',
    role: null,
    operationId: 'getEmbedScript',
    summary: 'The <scenario-tracker scenario thread> custom element',
    etag: 'read',
    publicCache: true,
    mediaType: 'text/javascript',
    responses: { 200: { description: 'A classic script defining the element; no dependencies' } },
  },
  {
    route: 'GET /oembed',
    group: 'threads-read',
    role: null,
    operationId: 'getOEmbed',
    summary: 'oEmbed 1.0 for an embed or public page URL',
    query: {
      schema: OEmbedQuerySchema,
      describe: {
        url: 'An embed URL (/embed/{scenario}[/{threadId}]) or public page URL (/p/{scenario}) of this tracker',
        format: 'json (default); xml answers 501',
        maxwidth: 'The widest the iframe may be, in pixels',
        maxheight: 'The tallest the iframe may be, in pixels',
      },
    },
    etag: 'read',
    publicCache: true,
    responses: { 200: { description: 'A rich oEmbed response with the iframe HTML', body: OEmbedSchema } },
    problems: {
      404: 'not_found (not a public scenario of this tracker)',
      501: 'not_implemented (format=xml)',
    },
  },
  {
    route: 'GET /badge/{scenario}/{badge}',
    group: 'threads-read',
    role: null,
    operationId: 'getBadge',
    summary: "A thread's status badge: /badge/{scenario}/{threadId}.svg",
    params: { scenario: PUBLIC_SCENARIO, badge: BADGE_FILE },
    etag: 'read',
    publicCache: true,
    mediaType: 'image/svg+xml',
    responses: { 200: { description: 'SVG with the thread title and status' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /p/{scenario}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicPage',
    summary: 'A public page of the scenario with schema.org JSON-LD',
    params: { scenario: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: {
      200: {
        description: 'HTML with a LiveBlogPosting and an Event per summit thread in application/ld+json',
      },
    },
    problems: { 404: 'not_found' },
  },
] as const satisfies readonly DeclaredRoute[];

/** One declared route (of this table, or of a test's table built the same way). */
export type Declared = (typeof DECLARED_ROUTES)[number];

/** `METHOD /path` of each route in a union of declared routes. */
export type KeyOf<R> = R extends { route: infer K extends string } ? K : never;

/** Every declared route's key, `METHOD /path` (a HEAD twin runs its GET's handler, so has no key of its own here). */
export type RouteKey = KeyOf<Declared>;

/**
 * The keys of one function group's routes: what its handler map must hold, exactly
 * (shared/http/handler.ts), so a missing or misspelt route does not compile.
 */
export type GroupRouteKey<G extends FunctionGroup> = KeyOf<Extract<Declared, { group: G }>>;

type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}`
  ? N | ParamNames<Rest>
  : never;

/** A route's path parameters, by the names in its path (checked by the dispatcher). */
export type ParamsOf<R> = R extends { route: infer P extends string }
  ? Readonly<Record<ParamNames<P>, string>>
  : never;
/** A route's query as its schema parses it; the raw parameters when it declares none. */
export type QueryOf<R> = R extends { query: { schema: infer S extends Schema } }
  ? z.output<S>
  : Readonly<Record<string, string>>;
/** A route's body as its schema parses it; none when it declares none. */
export type BodyOf<R> = R extends { body: { schema: infer S extends Schema } } ? z.output<S> : undefined;

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every route served: the declared ones, each GET followed by its HEAD twin. HEAD is GET without
 * the body (RFC 9110 §9.3.2; uptime monitors send `HEAD /health`), and API Gateway routes HEAD only
 * to an explicit `HEAD /path` route. Derived here, once, so the stack, the local server, the Lambda
 * dispatcher and the OpenAPI document all see the same HEAD routes.
 */
export const withHeadTwins = (declared: readonly DeclaredRoute[]): readonly Route[] =>
  declared.flatMap(({ route: key, ...rest }): Route[] => {
    const [method, path] = key.split(' ') as [Route['method'], string];
    const route: Route = { method, path, ...rest };
    return method === 'GET'
      ? [
          route,
          {
            ...route,
            method: 'HEAD',
            operationId: `head${capitalised(route.operationId)}`,
            summary: `${route.summary} (headers only)`,
          },
        ]
      : [route];
  });

export const ROUTES: readonly Route[] = withHeadTwins(DECLARED_ROUTES);

export const routeKey = (r: Pick<Route, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** The route a request runs: a HEAD route runs its GET twin's handler (the dispatcher drops the body). */
export const handlerKey = (r: Pick<Route, 'method' | 'path'>): string =>
  routeKey({ method: r.method === 'HEAD' ? 'GET' : r.method, path: r.path });

/**
 * Every distinct path, for the cloud's `ANY <path>` catch-all routes: API Gateway prefers the
 * method-specific routes, so these only see methods a path does not allow and answer 405 (as the
 * local server does), where API Gateway alone would answer 404.
 */
export const pathsOf = (routes: readonly Route[]): readonly string[] => [
  ...new Set(routes.map((r) => r.path)),
];
export const PATHS: readonly string[] = pathsOf(ROUTES);

export const allowedMethods = (path: string, routes: readonly Route[] = ROUTES): string[] =>
  routes.filter((r) => r.path === path).map((r) => r.method);

const compiled = ROUTES.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route: route as Route, regex: new RegExp(`^${pattern}$`), names };
});

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

/** Match a raw path (percent-encoded) and method the way API Gateway does: exact paths, no trailing slash. */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const allowed: string[] = [];
  for (const { route, regex, names } of compiled) {
    const m = regex.exec(rawPath);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    try {
      names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
    } catch {
      return { kind: 'not_found' };
    }
    return { kind: 'found', route, params };
  }
  return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
}
