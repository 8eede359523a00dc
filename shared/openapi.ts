import './domain/zod-setup';
import * as z from 'zod/mini';
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
  ProblemSchema,
  PutKindSchema,
  RetractionSchema,
  RevisionSchema,
  ScenarioSchema,
  SubscriptionSchema,
  TimelineItemSchema,
  TimelineQuerySchema,
  ThreadSchema,
  UpdateSchema,
} from './domain/schemas';
import { CLOSE_LIMIT_EXCEEDED, LIVE_LIMITS } from './domain/live-protocol';
import { ROUTES } from './routes';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the handlers validate with and the
 * route table the stack deploys. `npm run openapi` writes it to docs/openapi.json; a test fails
 * when the checked-in copy is out of date.
 */
const schema = (s: z.ZodMiniType, io: 'input' | 'output' = 'input') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (s: unknown) => ({ 'application/json': { schema: s } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

const queryParams = (s: z.ZodMiniObject, descriptions: Record<string, string> = {}) =>
  Object.entries(schema(s).properties as Record<string, unknown>).map(([name, sch]) => ({
    name,
    in: 'query',
    required: false,
    schema: sch,
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
  }));

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const header = (description: string) => ({ description, schema: { type: 'string' } });
const ETAG = { ETag: header('Strong entity tag of the representation') };
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
  description: 'Replays the first 2xx response of the same caller, method, path and body for 24 hours.',
};
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: "Make the write conditional on the thread's current ETag (412 otherwise).",
};
const ifNoneMatch = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: '304 with no body when it matches the current ETag.',
};

const atomContent = { 'application/atom+xml': { schema: { type: 'string' } } };

const page = (item: string) => ({
  type: 'object',
  required: ['items', 'nextToken'],
  properties: { items: { type: 'array', items: ref(item) }, nextToken: { type: ['string', 'null'] } },
});
const threadAndUpdate = {
  type: 'object',
  required: ['update', 'thread'],
  properties: { update: ref('Update'), thread: ref('Thread') },
};

const common = {
  '400': problem('validation_error'),
  '401': problem('unauthorized'),
  '403': problem('forbidden'),
  '429': problem('too_many_requests'),
  '500': problem('internal'),
  '503': problem('unavailable'),
};
const writeCommon = {
  ...common,
  '413': problem('payload_too_large'),
  '415': problem('unsupported_media_type'),
};

const operations: Record<string, Record<string, unknown>> = {
  getHealth: {
    responses: {
      '200': {
        description: 'Up',
        content: jsonContent({ type: 'object', properties: { status: { const: 'ok' } } }),
      },
    },
  },
  getReady: {
    responses: {
      '200': {
        description: 'Ready: the database answered a read within DYNAMODB_TIMEOUT_MS',
        content: jsonContent({ type: 'object', properties: { status: { const: 'ready' } } }),
      },
      '503': problem('unavailable (the database did not answer in time)'),
    },
  },
  getOpenApi: {
    responses: { '200': { description: 'This document', content: jsonContent({ type: 'object' }) } },
  },
  listThreads: {
    parameters: [
      ...queryParams(ListThreadsQuerySchema, {
        updatedSince: 'Threads whose updatedAt is later than this time (a period: later than its start)',
        archived: 'false (default): archived threads left out; true: only archived threads; any: both',
        parent: "A thread's children",
        overdue: 'Threads flagged overdue (true) or not (false)',
        nextToken: 'Opaque; from the previous page',
        asOf: "A board: the scenario's threads as they stood then (each as GET /threads/{id}?asOf=), threads with no status then left out; scenario required; a period means its last millisecond",
        knownAt: 'A board as known then; scenario required; a period means its last millisecond',
      }),
      ifNoneMatch,
    ],
    responses: {
      '200': {
        description:
          'A page of threads ordered by id (a board: no ETag, status matched against the status then; a page may be short)',
        headers: ETAG,
        content: jsonContent(page('Thread')),
      },
      '304': { description: 'Not modified' },
      ...common,
    },
  },
  createThread: {
    parameters: [idempotencyKey],
    requestBody: { required: true, content: jsonContent(ref('CreateThread')) },
    responses: {
      '201': {
        description: 'Created',
        headers: { ...ETAG, Location: header('/threads/{id}') },
        content: jsonContent(ref('Thread')),
      },
      ...writeCommon,
      '409': problem('thread_exists, idempotency_in_progress'),
      '422': problem('invalid_status, invalid_parent, idempotency_key_mismatch'),
    },
  },
  getThread: {
    parameters: [
      pathParam('id'),
      ...queryParams(HistoryQuerySchema, {
        asOf: 'Occurred-time cut-off; a period means its last millisecond (2025-08-15 → 2025-08-15T23:59:59.999Z), which the view echoes',
        knownAt: 'Recorded-time cut-off; a period means its last millisecond, which the view echoes',
      }),
      ifNoneMatch,
    ],
    responses: {
      '200': {
        description: 'The thread (no ETag on asOf/knownAt views)',
        headers: ETAG,
        content: jsonContent(ref('Thread')),
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found, no_status_at_time'),
    },
  },
  patchThread: {
    parameters: [pathParam('id'), ifMatch],
    requestBody: { required: true, content: jsonContent(ref('PatchThread')) },
    responses: {
      '200': { description: 'Changed', headers: ETAG, content: jsonContent(ref('Thread')) },
      ...writeCommon,
      '404': problem('not_found'),
      '412': problem('precondition_failed'),
      '422': problem('invalid_status, invalid_parent'),
    },
  },
  postUpdate: {
    parameters: [pathParam('id'), ifMatch, idempotencyKey],
    requestBody: { required: true, content: jsonContent(ref('CreateUpdate')) },
    responses: {
      '201': {
        description: 'Accepted',
        headers: { ...ETAG, Location: header('/threads/{id}/updates/{updateId}') },
        content: jsonContent(threadAndUpdate),
      },
      ...writeCommon,
      '404': problem('not_found'),
      '409': problem('idempotency_in_progress'),
      '412': problem('precondition_failed'),
      '422': problem('invalid_status, idempotency_key_mismatch'),
    },
  },
  listUpdates: {
    parameters: [pathParam('id'), ...queryParams(PageQuerySchema), ifNoneMatch],
    responses: {
      '200': {
        description: 'Newest occurredAt first; retracted updates included and marked',
        headers: ETAG,
        content: jsonContent(page('Update')),
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found'),
    },
  },
  getUpdate: {
    parameters: [pathParam('id'), pathParam('updateId')],
    responses: {
      '200': { description: 'The update', content: jsonContent(ref('Update')) },
      ...common,
      '404': problem('not_found'),
    },
  },
  amendUpdate: {
    parameters: [pathParam('id'), pathParam('updateId'), ifMatch],
    requestBody: { required: true, content: jsonContent(ref('AmendUpdate')) },
    responses: {
      '200': {
        description:
          'Amended (the same wording again changes nothing); the thread one version on, its summary following when this is its latest live update. status and occurredAt cannot be amended (400): retract and post again. Idempotency-Key is not honoured (a PATCH).',
        headers: ETAG,
        content: jsonContent(threadAndUpdate),
      },
      ...writeCommon,
      '404': problem('not_found'),
      '409': problem('already_retracted'),
      '412': problem('precondition_failed'),
    },
  },
  listRevisions: {
    parameters: [pathParam('id'), pathParam('updateId'), ifNoneMatch],
    responses: {
      '200': {
        description: 'Every wording, oldest first; revision 0 the original',
        headers: ETAG,
        content: jsonContent({
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: ref('Revision') } },
        }),
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found'),
    },
  },
  retractUpdate: {
    parameters: [pathParam('id'), pathParam('updateId'), ifMatch, idempotencyKey],
    requestBody: { required: true, content: jsonContent(ref('Retraction')) },
    responses: {
      '200': {
        description: 'Retracted; the thread recomputed without it',
        headers: ETAG,
        content: jsonContent(threadAndUpdate),
      },
      ...writeCommon,
      '404': problem('not_found'),
      '409': problem('already_retracted, cannot_retract_last_status, idempotency_in_progress'),
      '412': problem('precondition_failed'),
    },
  },
  getTimeline: {
    parameters: [
      pathParam('id'),
      ...queryParams(TimelineQuerySchema, {
        knownAt:
          'As known then (updates, retractions and wording recorded by then); a period means its last millisecond; no ETag',
        archived: 'false (default): leave archived threads out; true: only them; any: all',
        nextToken: 'Opaque; from the previous page',
      }),
      ifNoneMatch,
    ],
    responses: {
      '200': {
        description:
          "Status changes across the scenario's threads, oldest occurredAt first (then thread id, update id): a non-retracted update whose status differs from its thread's previous status-carrying one; a thread's first status has previousStatus null",
        headers: ETAG,
        content: jsonContent({
          type: 'object',
          required: ['items', 'nextToken'],
          properties: {
            items: { type: 'array', items: ref('TimelineItem') },
            nextToken: { type: ['string', 'null'] },
          },
        }),
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found'),
    },
  },
  listScenarios: {
    parameters: [
      ...queryParams(ListScenariosQuerySchema, {
        tag: 'Only scenarios carrying this tag',
        nextToken: 'Opaque; from the previous page',
      }),
      ifNoneMatch,
    ],
    responses: {
      '200': {
        description: 'A page of scenarios ordered by id; counts may lag thread writes by up to 10 seconds',
        headers: ETAG,
        content: jsonContent(page('Scenario')),
      },
      '304': { description: 'Not modified' },
      ...common,
    },
  },
  createScenario: {
    parameters: [idempotencyKey],
    requestBody: { required: true, content: jsonContent(ref('CreateScenario')) },
    responses: {
      '201': {
        description: 'Created (repeated tags are kept once)',
        headers: { ...ETAG, Location: header('/scenarios/{id}') },
        content: jsonContent(ref('Scenario')),
      },
      ...writeCommon,
      '409': problem('scenario_exists, idempotency_in_progress'),
      '422': problem('idempotency_key_mismatch'),
    },
  },
  getScenario: {
    parameters: [pathParam('id'), ifNoneMatch],
    responses: {
      '200': {
        description:
          'The scenario; its counts are part of its ETag and may lag thread writes by up to 10 seconds',
        headers: ETAG,
        content: jsonContent(ref('Scenario')),
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found'),
    },
  },
  patchScenario: {
    parameters: [
      pathParam('id'),
      {
        ...ifMatch,
        description:
          "Make the write conditional on the scenario's current ETag (412 otherwise); a recount changes it too.",
      },
    ],
    requestBody: { required: true, content: jsonContent(ref('PatchScenario')) },
    responses: {
      '200': {
        description: 'The whole scenario; a change to the values it already has keeps its version',
        headers: ETAG,
        content: jsonContent(ref('Scenario')),
      },
      ...writeCommon,
      '404': problem('not_found'),
      '412': problem('precondition_failed'),
    },
  },
  createToken: {
    requestBody: { required: true, content: jsonContent(ref('CreateToken')) },
    responses: {
      '201': {
        description: 'The token, shown this once',
        content: jsonContent({
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
      ...writeCommon,
      '409': problem('token_exists'),
    },
  },
  listTokens: {
    responses: {
      '200': {
        description: 'Names, roles and times; never a token or hash',
        content: jsonContent({
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
      ...common,
    },
  },
  listKinds: {
    parameters: [ifNoneMatch],
    responses: {
      '200': {
        description: 'Every kind, built-in and custom, ordered by kind',
        headers: ETAG,
        content: jsonContent({
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: ref('Kind') } },
        }),
      },
      '304': { description: 'Not modified' },
      ...common,
    },
  },
  putKind: {
    description:
      'Labels and terminal flags may change and statuses may be added; a status is never removed, and built-in kinds never change (409 kind_conflict). Same definition again: 200, nothing changes. Every function instance sees a new kind or status at once and a changed label or terminal flag within KINDS_CACHE_SECONDS (30 s).',
    parameters: [{ ...pathParam('kind'), schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' } }],
    requestBody: { required: true, content: jsonContent(ref('PutKind')) },
    responses: {
      '200': { description: 'Changed (or unchanged)', content: jsonContent(ref('Kind')) },
      '201': {
        description: 'Defined',
        headers: { Location: header('/kinds/{kind}') },
        content: jsonContent(ref('Kind')),
      },
      ...writeCommon,
      '409': problem('kind_conflict'),
    },
  },
  revokeToken: {
    parameters: [pathParam('name')],
    responses: { '204': { description: 'Revoked' }, ...common, '404': problem('not_found') },
  },
  getThreadFeed: {
    parameters: [pathParam('id'), ifNoneMatch],
    responses: {
      '200': {
        description: "Atom 1.0: the thread's 50 most recently recorded updates",
        headers: ETAG,
        content: atomContent,
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found'),
    },
  },
  getScenarioFeed: {
    parameters: [pathParam('id'), ifNoneMatch],
    responses: {
      '200': {
        description: "Atom 1.0: the 50 most recently recorded updates across the scenario's threads",
        headers: ETAG,
        content: atomContent,
      },
      '304': { description: 'Not modified' },
      ...common,
      '404': problem('not_found (no such scenario, and no thread in it)'),
    },
  },
  createSubscription: {
    description: 'Needs the admin role. Idempotency-Key is not honoured: the secret is never replayed.',
    requestBody: { required: true, content: jsonContent(ref('CreateSubscription')) },
    responses: {
      '201': {
        description: 'The subscription with its secret, shown this once',
        headers: { Location: header('/subscriptions/{id}') },
        content: jsonContent({
          allOf: [
            ref('Subscription'),
            {
              type: 'object',
              required: ['secret'],
              properties: { secret: { type: 'string', pattern: '^whsec_' } },
            },
          ],
        }),
      },
      ...writeCommon,
      '422': problem('invalid_subscription_url'),
    },
  },
  listSubscriptions: {
    responses: {
      '200': {
        description: 'Every subscription, oldest first; never a secret',
        content: jsonContent({
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: ref('Subscription') } },
        }),
      },
      ...common,
    },
  },
  getSubscription: {
    parameters: [pathParam('id')],
    responses: {
      '200': {
        description: 'The subscription and its latest 50 delivery attempts, newest first',
        content: jsonContent({
          allOf: [
            ref('Subscription'),
            {
              type: 'object',
              required: ['deliveries'],
              properties: { deliveries: { type: 'array', maxItems: 50, items: ref('DeliveryAttempt') } },
            },
          ],
        }),
      },
      ...common,
      '404': problem('not_found'),
    },
  },
  patchSubscription: {
    parameters: [pathParam('id')],
    requestBody: { required: true, content: jsonContent(ref('PatchSubscription')) },
    responses: {
      '200': {
        description: 'The whole subscription after the change (status active also restarts a disabled one)',
        content: jsonContent(ref('Subscription')),
      },
      ...writeCommon,
      '404': problem('not_found'),
    },
  },
  deleteSubscription: {
    parameters: [pathParam('id')],
    responses: {
      '204': { description: 'Deleted; pending deliveries are dropped' },
      ...common,
      '404': problem('not_found'),
    },
  },
  pingSubscription: {
    parameters: [pathParam('id')],
    responses: {
      '202': {
        description: 'The Ping event, queued for this subscription only (even when paused)',
        content: jsonContent({ type: 'object' }),
      },
      ...common,
      '404': problem('not_found'),
    },
  },
};

/** A HEAD operation: its GET's parameters and responses, headers kept, every body dropped. */
function headOperation(path: string): Record<string, unknown> {
  const get = ROUTES.find((r) => r.method === 'GET' && r.path === path);
  const { responses = {}, ...rest } = (get && operations[get.operationId]) ?? {};
  const bodiless = Object.fromEntries(
    Object.entries(responses as Record<string, Record<string, unknown>>).map(
      ([status, { content: _content, ...response }]) => [status, response],
    ),
  );
  return { ...rest, responses: bodiless };
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const head = route.method === 'HEAD';
    const op = head ? headOperation(route.path) : (operations[route.operationId] ?? {});
    const { description: opDescription, ...rest } = op as { description?: string };
    const description = [
      route.role ? `Needs the ${route.role} role.` : '',
      route.basicAuth ? 'Also accepts HTTP Basic with the token as the password.' : '',
      head ? 'Answers like GET, without a body.' : '',
      opDescription ?? '',
    ]
      .filter(Boolean)
      .join(' ');
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      security: route.role ? [{ bearer: [] }, ...(route.basicAuth ? [{ basic: [] }] : [])] : [],
      ...(description ? { description } : {}),
      ...rest,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scenario Tracker',
      version: '1.1.0',
      description:
        'Tracks the status of negotiation threads in a news scenario. Contract: shared/spec/api.md (version 1) with the additions of shared/spec/api-v1.1.md (version 1.1).',
    },
    servers: [{ url: 'http://localhost:3000', description: 'npm start' }],
    security: [{ bearer: [] }],
    paths,
    // OpenAPI describes request/response APIs only; the live WebSocket is told here (contract 1.1).
    'x-live-updates': {
      path: '/live',
      protocol: 'WebSocket (RFC 6455); in the cloud the stack output LiveUrl (wss://…/live)',
      authentication:
        "Any role's token in the `token` query parameter (never logged). Missing or refused: HTTP 401 problem details at the handshake; revoked while connected: an Error frame with code unauthorized, then close code 4401.",
      clientMessages: [
        { action: 'subscribe', scenario: 'russia-ukraine-talks' },
        { action: 'subscribe', threadId: 'ceasefire' },
        { action: 'unsubscribe', threadId: 'ceasefire' },
        { action: 'ping' },
      ],
      serverFrames: [
        { type: 'Subscribed', scenario: 'russia-ukraine-talks' },
        { type: 'Unsubscribed', threadId: 'ceasefire' },
        { type: 'Pong' },
        {
          type: 'Error',
          code: 'validation_error',
          title: 'The request is not valid',
          detail: 'The message is not valid: (message) give exactly one of scenario and threadId',
          errors: [{ path: '(message)', message: 'give exactly one of scenario and threadId' }],
        },
      ],
      events:
        'After Subscribed, every event envelope of the subscribed scenario or thread (the webhook body: id, type, time, scenario, threadId, ...), once per connection, within 2 seconds of its write. Ping events are never sent.',
      limits: `Text messages of at most ${LIVE_LIMITS.messageBytes} bytes, each one JSON object; at most ${LIVE_LIMITS.messagesPerWindow} messages per connection in each minute (more: an Error frame with code too_many_messages, then the connection is closed, locally with code ${CLOSE_LIMIT_EXCEEDED}; in the cloud API Gateway chooses the code); at most ${LIVE_LIMITS.subscriptionsPerConnection} subscriptions per connection (one more: an Error frame with code too_many_subscriptions, then closed likewise); a client message checks the token again at most once every ${LIVE_LIMITS.tokenRecheckMs / 1000} seconds, so a revoked token ends its connection within that long; closed after 10 minutes without a client message (send ping), then reconnect and revalidate with ETags.`,
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Feeds only: any user name, the token as the password.',
        },
      },
      schemas: {
        Thread: schema(ThreadSchema, 'output'),
        Update: schema(UpdateSchema, 'output'),
        Scenario: schema(ScenarioSchema, 'output'),
        Problem: schema(ProblemSchema, 'output'),
        CreateThread: schema(CreateThreadSchema),
        PatchThread: schema(PatchThreadSchema),
        CreateUpdate: schema(CreateUpdateSchema),
        Retraction: schema(RetractionSchema),
        AmendUpdate: schema(AmendUpdateSchema),
        Revision: schema(RevisionSchema, 'output'),
        TimelineItem: schema(TimelineItemSchema, 'output'),
        CreateToken: schema(CreateTokenSchema),
        CreateScenario: schema(CreateScenarioSchema),
        PatchScenario: schema(PatchScenarioSchema),
        Kind: schema(KindSchema, 'output'),
        PutKind: schema(PutKindSchema),
        Subscription: schema(SubscriptionSchema, 'output'),
        DeliveryAttempt: schema(DeliveryAttemptSchema, 'output'),
        CreateSubscription: schema(CreateSubscriptionSchema),
        PatchSubscription: schema(PatchSubscriptionSchema),
      },
    },
  };
}
