import type * as z from 'zod/mini';
import { NAME, NAME_MESSAGE } from './domain/kinds';
import { ARCHIVE_BODY_BYTES, INBOX_ITEM_ID, SLUG, SUBSCRIPTION_ID, ULID } from './domain/limits';
import {
  AcceptInboxItemSchema,
  CreateInboxItemSchema,
  DismissInboxItemSchema,
  InboxItemSchema,
  InboxQuerySchema,
} from './domain/schemas';
import {
  AmendUpdateSchema,
  ChangeItemSchema,
  ChangesQuerySchema,
  CreateScenarioSchema,
  CreateSubscriptionSchema,
  CreateThreadSchema,
  CreateTokenSchema,
  CreateUpdateSchema,
  CriteriaRevisionSchema,
  DeliveryAttemptSchema,
  DraftSchema,
  DraftsQuerySchema,
  OEmbedQuerySchema,
  OEmbedSchema,
  PublicScenarioSchema,
  PublicThreadDetailSchema,
  ExportQuerySchema,
  HistoryQuerySchema,
  KindSchema,
  ListScenariosQuerySchema,
  ListThreadsQuerySchema,
  ListUpdatesQuerySchema,
  PatchScenarioSchema,
  PatchSubscriptionSchema,
  PatchThreadSchema,
  PutKindSchema,
  RetractionSchema,
  RevisionSchema,
  ScenarioSchema,
  SearchItemSchema,
  SearchQuerySchema,
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
  'health' | 'threads-read' | 'threads-write' | 'tokens' | 'kinds' | 'subscriptions' | 'feeds' | 'inbox';

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
  /** Answers text of these media types, not JSON (exports, iCalendar). */
  produces?: readonly string[];
  /** Answers this media type (a text document), not JSON. */
  mediaType?: string;
  /**
   * A public route (contract 1.2): `Cache-Control: public` on its 200, 304 and 404 (shared/domain/
   * public-cache.ts), CORS `*`, and served through the CDN's cache (infra/constructs/edge.ts).
   */
  publicCache?: true;
  /** Answers pages of these items with `nextToken` (the page-token key is needed). */
  page?: Schema;
  /**
   * Takes a body that is not JSON (an archive's NDJSON), up to `maxBytes`: the handler reads and
   * checks it (shared/http/request.ts#readTextBody); the local gateway reads that much of it.
   */
  textBody?: { readonly mediaType: string; readonly maxBytes: number; readonly description: string };
}

const THREAD_ID: PathParam = { pattern: SLUG, notFound: (id) => `No thread ${id}.` };
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
const INBOX_ID: PathParam = { pattern: INBOX_ITEM_ID, notFound: (id) => `No inbox item ${id}.` };
const UPDATE_ID: PathParam = {
  pattern: ULID,
  notFound: (updateId, params) => `Thread ${params.id} has no update ${updateId}.`,
};
const SCENARIO_ID: PathParam = { pattern: SLUG, notFound: (id) => `No scenario ${id}.` };
const TOKEN_NAME: PathParam = { pattern: SLUG, notFound: (name) => `No token named ${name}.` };
const SUBSCRIPTION: PathParam = { pattern: SUBSCRIPTION_ID, notFound: (id) => `No subscription ${id}.` };
const KIND_NAME: PathParam = { pattern: NAME, message: NAME_MESSAGE };

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
/** Drafts (contract 1.2): a post's answer whose `update` may be a Draft, and a page of either. */
const withUpdateOrDraft: ResponseBody = (ref) => ({
  type: 'object',
  required: ['update', 'thread'],
  properties: { update: { oneOf: [ref(UpdateSchema), ref(DraftSchema)] }, thread: ref(ThreadSchema) },
});
const pageOf =
  (...item: Schema[]): ResponseBody =>
  (ref) => ({
    type: 'object',
    required: ['items', 'nextToken'],
    properties: {
      items: { type: 'array', items: { oneOf: item.map(ref) } },
      nextToken: { type: ['string', 'null'] },
    },
  });

/** The changes feed's query and answer, the same for one scenario and for all. */
const CHANGES_QUERY = {
  since:
    'Required: a time (the changes recorded strictly after it; a period means its start) or the cursor of the last change you read; at most 400 days back',
  nextToken: NEXT_TOKEN,
};
const CHANGES_ANSWER =
  "Changes in the order the tracker recorded them, each with an increasing cursor; only those recorded at least the write budget plus 2 s ago (WRITE_RETRY_BUDGET_MS + 2000, 12 s as shipped), so that no change can still appear before a cursor handed out: store the last cursor and ask again with since=<cursor> to miss nothing. `by` is the token's name, null for the scheduled check; `moved` also names the scenario left (`previousScenario`, and it is in that scenario's feed too); `changed` names the fields (`fields`)";

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
        // Contract 1.2: claims by party and corroboration.
        disputed:
          "Threads whose parties' claims differ from each other or from the thread's status (true) or not (false); on a board, as they stood then",
        corroborated:
          'false: threads whose current status rests on fewer than 2 outlets (registrable domains of its sources); true: on 2 or more; on a board, as they stood then',
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
    summary: 'Post an update to a thread (or, with draft: true, store it as a draft)',
    description:
      'With `draft: true` the update is validated as any other, then held back as a draft (contract 1.2 "Drafts"): the answer\'s `update` is the Draft (`draft: true`, `recordedBy`) and `thread` the thread as it was (its version and ETag unchanged); it changes no view, list, feed, board or timeline and notifies nobody until it is published (POST …/updates/{updateId}/publish). Idempotency-Key and If-Match as for any update.',
    params: { id: THREAD_ID },
    body: { schema: CreateUpdateSchema, label: 'The update' },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Accepted (a draft: stored, the thread unchanged)',
        location: '/threads/{id}/updates/{updateId}',
        body: withUpdateOrDraft,
      },
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
    summary: "List a thread's updates, newest first (or, with drafts=true, its drafts)",
    params: { id: THREAD_ID },
    query: {
      schema: ListUpdatesQuerySchema,
      describe: {
        drafts:
          "true: the thread's waiting drafts instead of its updates, a separate list (Draft items, newest recorded first; editor only: 403 for a reader); false (default): its updates, never a draft",
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: UpdateSchema,
    responses: {
      200: {
        description:
          'Newest occurredAt first; retracted updates included and marked. With drafts=true: Draft items, newest recorded first',
        body: pageOf(UpdateSchema, DraftSchema),
      },
    },
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
    summary: "Amend an update's wording (summary, sources, quotes) or mark it a key event (key)",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    body: { schema: AmendUpdateSchema, label: 'The amendment' },
    ifMatch: true,
    etag: 'write',
    responses: {
      200: {
        description:
          'Amended (the same wording again changes nothing); the thread one version on, its summary following when this is its latest live update. status and occurredAt cannot be amended (400): retract and post again. `key` alone (contract 1.2) rewrites the update and moves the thread one version on, with no new revision; the same flag again changes nothing. Idempotency-Key is not honoured (a PATCH).',
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
  // ---- Drafts (contract 1.2 "Drafts: a second pair of eyes before a status flips") ----
  {
    route: 'POST /threads/{id}/updates/{updateId}/publish',
    group: 'threads-write',
    role: 'editor',
    operationId: 'publishDraft',
    summary: 'Publish a draft: post it as if posted now',
    description:
      "Folds the draft in as a post made now would be: its occurredAt kept, recordedAt the publish time, postedBy its drafter, publishedBy the publisher, draftId the draft's id; the update gets a new id (every update's id encodes when it was recorded). Emits what a post would (UpdatePosted, ThreadStatusChanged). Publishing your own draft (the same token name) is 403 same_editor unless the token is marked selfPublish. Publishing twice, or an update that is no draft, is 409 not_a_draft.",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Published; the update and the thread after it',
        location: '/threads/{id}/updates/{updateId}',
        body: withUpdate,
      },
    },
    problems: {
      403: 'same_editor',
      404: 'not_found',
      409: 'not_a_draft, idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'DELETE /threads/{id}/updates/{updateId}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'discardDraft',
    summary: 'Discard a draft',
    description:
      'Only a draft: an update (or a published draft) is 409 not_a_draft; retract updates instead.',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    responses: { 204: { description: 'Discarded' } },
    problems: { 404: 'not_found', 409: 'not_a_draft' },
  },
  {
    route: 'GET /drafts',
    group: 'threads-read',
    role: 'editor',
    operationId: 'listDrafts',
    summary: "A scenario's drafts queue, newest first",
    description:
      'Waiting drafts only (published and discarded ones leave the queue); a draft is listed under the scenario its thread had when it was drafted.',
    query: { schema: DraftsQuerySchema, describe: { nextToken: NEXT_TOKEN } },
    etag: 'read',
    page: DraftSchema,
    responses: { 200: { description: 'A page of drafts, newest recorded first' } },
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
        key: 'true: only key events, status changes or not (a key note has status null); false (default): the status changes',
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
  // ---- The changes feed (contract 1.2, "What changed since") ----
  {
    route: 'GET /scenarios/{id}/changes',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getScenarioChanges',
    summary: 'What the tracker learned about a scenario after a time or a cursor, oldest first',
    params: { id: SCENARIO_ID },
    query: { schema: ChangesQuerySchema, describe: CHANGES_QUERY },
    etag: 'read',
    page: ChangeItemSchema,
    responses: { 200: { description: CHANGES_ANSWER } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /changes',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getChanges',
    summary: 'What the tracker learned about any scenario after a time or a cursor, oldest first',
    query: { schema: ChangesQuerySchema, describe: CHANGES_QUERY },
    etag: 'read',
    page: ChangeItemSchema,
    responses: { 200: { description: CHANGES_ANSWER } },
  },
  {
    route: 'PATCH /scenarios/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchScenario',
    summary: 'Change title, description, tags, keywords or public',
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
          required: ['name', 'role', 'token', 'createdAt', 'selfPublish'],
          properties: {
            name: { type: 'string' },
            role: { type: 'string' },
            token: { type: 'string' },
            createdAt: { type: 'string' },
            // Contract 1.2 "Drafts": may publish its own drafts.
            selfPublish: { type: 'boolean' },
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
                  selfPublish: { type: 'boolean' },
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
  // ---- Contract 1.2: criteria and clarifications (threadmeta) ----
  {
    route: 'GET /threads/{id}/criteria',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listCriteria',
    summary:
      "A thread's criteria over time, oldest first: every change after the first is a dated clarification",
    params: { id: THREAD_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'Every text the criteria had, oldest first, revision 1 the first (text null: cleared), with when and by whom (the token name) it was recorded',
        body: items(CriteriaRevisionSchema),
      },
    },
    problems: { 404: 'not_found' },
  },
  // ---- end of contract 1.2 (threadmeta) ----
  // ---- Search (contract 1.2) ----
  {
    route: 'GET /search',
    group: 'threads-read',
    role: 'reader',
    operationId: 'search',
    summary: 'Threads and updates holding the words of q, best first',
    description:
      "Words are compared case-, diacritic- and script-insensitively (NFKD, marks dropped, lower case; split on anything not a letter or digit), whole: `Zelensky` does not find `Zelenskyy`. Every word must occur in the title, summary or keywords of a thread, or in the summary, quotes or source titles of an update. A write is findable within 5 seconds (the index is kept from the table's stream). Retracted updates are found and marked.",
    query: {
      schema: SearchQuerySchema,
      describe: {
        q: '1–200 characters, at least one word; at most 8 words are searched',
        scenario: 'Only this scenario',
        drafts: 'true: drafts are found too, marked (editor role; 403 otherwise)',
        nextToken: NEXT_TOKEN,
      },
    },
    page: SearchItemSchema,
    responses: {
      200: {
        description:
          'Matches best first (BM25 score, then thread and update id); an update carries `retracted`, and with drafts=true `draft`',
      },
    },
    problems: { 403: 'forbidden (drafts=true without the editor role)' },
  },
  // ---- Contract 1.2: the data desk (export, data package, calendar) ----
  {
    route: 'GET /scenarios/{id}/export',
    group: 'feeds',
    role: 'reader',
    operationId: 'exportScenario',
    summary: "A scenario's updates as CSV or NDJSON, one record per update",
    description:
      'Retracted updates included; ordered by thread id, then occurredAt. CSV per RFC 4180 (UTF-8, header row, CRLF); NDJSON one object a line. Streamed by the local server; in the cloud an export over 4 MiB is 413 export_too_large (docs/architecture.md, "Exports"). Columns: docs/data-desk.md and GET /scenarios/{id}/datapackage.json.',
    params: { id: SCENARIO_ID },
    query: {
      schema: ExportQuerySchema,
      describe: { format: 'csv (default) or ndjson' },
    },
    produces: ['text/csv', 'application/x-ndjson'],
    responses: {
      200: { description: 'The export, as an attachment (Content-Disposition) named after the scenario' },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)', 413: 'export_too_large' },
  },
  {
    route: 'GET /scenarios/{id}/datapackage.json',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioDataPackage',
    summary: 'A Frictionless Data Package describing the CSV export',
    params: { id: SCENARIO_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'Data Package 2.0: one tabular resource, the CSV export, with a Table Schema (each field typed; occurred_precision an enum)',
        body: jsonSchema({ type: 'object', required: ['resources'] }),
      },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  {
    route: 'GET /scenarios/{id}/calendar.ics',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioCalendar',
    summary: "iCalendar of a scenario's expected events",
    description:
      'One VEVENT per thread whose expected is or was set (UID {threadId}@scenario-tracker); SEQUENCE rises each time expected changes; a cleared one stays 30 days with STATUS:CANCELLED. Archived threads are left out.',
    basicAuth: true,
    params: { id: SCENARIO_ID },
    etag: 'read',
    produces: ['text/calendar'],
    responses: { 200: { description: 'iCalendar (RFC 5545)' } },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  // ---- The news inbox (contract 1.2, "Sources and the news inbox"). After GET /ready: a new route
  // goes at the end (see GET /ready). A function of their own (functions/inbox.ts): language
  // detection, the Public Suffix List, date parsing and matching stay out of threads-write's bundle
  // and cold start. Accepting is a thread write (postUpdate, in its transaction), and the list pages.
  {
    route: 'POST /inbox',
    group: 'inbox',
    role: 'editor',
    operationId: 'pushInboxItem',
    summary: "Push a news item into a scenario's inbox (wire services, mail bridges)",
    description:
      "Deduplicated by canonical URL (scheme and host lower-cased, fragment and utm_* parameters dropped) and by near-copy text (MinHash of word 3-shingles of title and summary, estimated Jaccard ≥ 0.6, against the scenario's 200 newest items): a duplicate is 200 with the existing item, its URL added to `duplicates`. `outlet` is the registrable domain (Public Suffix List); `language` (ISO 639-1) is detected when absent; `publishedAt`, when absent, is the date the text gives (null when none or in the future). `matches`: the scenario's non-archived threads the text is about, best first, at most 3.",
    body: { schema: CreateInboxItemSchema, label: 'The item' },
    responses: {
      200: { description: 'A duplicate: the existing item', body: InboxItemSchema },
      201: { description: 'A new item', location: '/inbox/{id}', body: InboxItemSchema },
    },
    problems: { 404: 'not_found (the scenario)' },
  },
  {
    route: 'GET /inbox',
    group: 'inbox',
    role: 'editor',
    operationId: 'listInbox',
    summary: "A scenario's inbox items in one state, newest firstSeenAt first",
    query: {
      schema: InboxQuerySchema,
      describe: {
        scenario: 'The scenario (required)',
        state: 'new (default), accepted or dismissed',
        threadId: 'Only items matched to this thread (a page may then be short; follow nextToken)',
        limit: 'Page size, 1–100 (default 50)',
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: InboxItemSchema,
    responses: { 200: { description: 'Newest firstSeenAt first' } },
  },
  {
    route: 'POST /inbox/{id}/accept',
    group: 'inbox',
    role: 'editor',
    operationId: 'acceptInboxItem',
    summary: 'Accept an inbox item: post it as an update of a thread',
    description:
      "Posts an update exactly as POST /threads/{threadId}/updates would (same validation; If-Match is on the thread), with the item's URL and duplicates as `sources` and `inboxItem` set. Defaults: `status` the match's suggestion (else a note), `occurredAt` the suggestion unless in the future (else `publishedAt`, else now), `summary` the item's title. The item's decision and the update commit in one transaction.",
    params: { id: INBOX_ID },
    body: { schema: AcceptInboxItemSchema, label: 'The acceptance' },
    ifMatch: "Make the update conditional on the thread's current ETag (412 otherwise).",
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'The item (accepted), the update and the thread after it',
        location: '/threads/{threadId}/updates/{updateId}',
        body: (ref) => ({
          type: 'object',
          required: ['item', 'update', 'thread'],
          properties: { item: ref(InboxItemSchema), update: ref(UpdateSchema), thread: ref(ThreadSchema) },
        }),
      },
    },
    problems: {
      404: 'not_found',
      409: 'already_decided, idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'POST /inbox/{id}/dismiss',
    group: 'inbox',
    role: 'editor',
    operationId: 'dismissInboxItem',
    summary: 'Dismiss an inbox item',
    params: { id: INBOX_ID },
    body: { schema: DismissInboxItemSchema, label: 'The dismissal' },
    responses: { 200: { description: 'The item, dismissed', body: InboxItemSchema } },
    problems: { 404: 'not_found', 409: 'already_decided' },
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
  // ---- Contract 1.2: the scenario archive and its import (shared/app/archive.ts). In the feeds
  // group, beside the export they resemble: streamed locally, buffered (4 MiB) in the cloud.
  {
    route: 'GET /scenarios/{id}/archive',
    group: 'feeds',
    role: 'admin',
    operationId: 'archiveScenario',
    summary: 'Everything needed to rebuild a scenario, as NDJSON',
    description:
      'One record a line, the first the header (format scenario-tracker/archive, version 1): the scenario, each thread with its settings, each update as stored (retraction included) followed by its wordings, the criteria texts, the drafts, and the scenario\'s changes feed. Derived state (status, counts) is left out: an import recomputes it. The same data gives the same bytes. Streamed by the local server; in the cloud an archive over 4 MiB is 413 export_too_large. Format: docs/data-desk.md, "The archive".',
    params: { id: SCENARIO_ID },
    produces: ['application/x-ndjson'],
    responses: {
      200: { description: 'The archive, as an attachment (Content-Disposition) named after the scenario' },
    },
    problems: { 404: 'not_found (no such scenario)', 413: 'export_too_large' },
  },
  {
    route: 'POST /scenarios/import',
    group: 'feeds',
    role: 'admin',
    operationId: 'importScenario',
    summary: 'Recreate an archived scenario with the same ids, times and authors',
    description:
      'The body is an archive of GET /scenarios/{id}/archive. Status, counts, the search index and the calendar come out as the write path leaves them; nothing is notified (no event, webhook or live message). Atomic as a scenario: until its last write the scenario is 404 and unlisted, and an interrupted import is finished by sending the archive again. docs/data-desk.md, "Importing".',
    textBody: {
      mediaType: 'application/x-ndjson',
      maxBytes: ARCHIVE_BODY_BYTES,
      description: `An archive, at most ${ARCHIVE_BODY_BYTES} bytes (4 MiB)`,
    },
    responses: {
      201: {
        description: 'Imported: the scenario and how many records of each kind were written',
        location: '/scenarios/{id}',
        body: jsonSchema({
          type: 'object',
          required: ['scenario', 'imported'],
          properties: { scenario: { type: 'object' }, imported: { type: 'object' } },
        }),
      },
    },
    problems: {
      400: 'validation_error (a malformed line or record: the detail names the line)',
      409: 'scenario_exists, thread_exists',
    },
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

/**
 * Match a raw path (percent-encoded) and method the way API Gateway does: exact paths, no trailing
 * slash, and the most specific path first: a literal segment wins over a path variable, so
 * `/scenarios/import` is that path's (POST, 405 otherwise), never `/scenarios/{id}`'s.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const allowed: string[] = [];
  const matching = compiled.filter((c) => c.regex.test(rawPath));
  const fewest = Math.min(...matching.map((c) => c.names.length));
  for (const { route, regex, names } of matching.filter((c) => c.names.length === fewest)) {
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
