import './domain/zod-setup';
import * as z from 'zod/mini';
import {
  AmendUpdateSchema,
  CreateScenarioSchema,
  CreateSubscriptionSchema,
  CreateThreadSchema,
  CreateTokenSchema,
  CreateUpdateSchema,
  CriteriaRevisionSchema,
  DeliveryAttemptSchema,
  DraftSchema,
  KindSchema,
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
  ChangeItemSchema,
  SearchItemSchema,
  ThreadSchema,
  PublicScenarioSchema,
  PublicThreadDetailSchema,
  OEmbedSchema,
  UpdateSchema,
  type Schema,
} from './domain/schemas';
import {
  AcceptInboxItemSchema,
  CreateInboxItemSchema,
  DismissInboxItemSchema,
  InboxItemSchema,
} from './domain/schemas';
import {
  CreateNewsSourceSchema,
  FetchReportSchema,
  NewsSourceSchema,
  PatchNewsSourceSchema,
} from './domain/schemas';
import { CLOSE_LIMIT_EXCEEDED, LIVE_LIMITS } from './domain/live-protocol';
import { ROUTES, type ResponseBody, type Route } from './routes';
import { PUBLIC_CACHE_CONTROL } from './domain/public-cache';

/**
 * The OpenAPI 3.1 document, generated from the route table the stack deploys and the zod schemas
 * the dispatcher validates with (both named in shared/routes.ts). `npm run openapi` writes it to
 * docs/openapi.json; a test fails when the checked-in copy is out of date.
 */
const schema = (s: z.ZodMiniType, io: 'input' | 'output' = 'input') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

/** The named schemas (components), requests as they are accepted, answers as they are given. */
const COMPONENTS: readonly (readonly [string, Schema, 'input' | 'output'])[] = [
  ['Thread', ThreadSchema, 'output'],
  ['Update', UpdateSchema, 'output'],
  ['Draft', DraftSchema, 'output'],
  ['Scenario', ScenarioSchema, 'output'],
  ['Problem', ProblemSchema, 'output'],
  ['CreateThread', CreateThreadSchema, 'input'],
  ['PatchThread', PatchThreadSchema, 'input'],
  ['CreateUpdate', CreateUpdateSchema, 'input'],
  ['Retraction', RetractionSchema, 'input'],
  ['AmendUpdate', AmendUpdateSchema, 'input'],
  ['Revision', RevisionSchema, 'output'],
  ['CriteriaRevision', CriteriaRevisionSchema, 'output'],
  ['TimelineItem', TimelineItemSchema, 'output'],
  ['SearchItem', SearchItemSchema, 'output'],
  ['CreateToken', CreateTokenSchema, 'input'],
  ['CreateScenario', CreateScenarioSchema, 'input'],
  ['PatchScenario', PatchScenarioSchema, 'input'],
  ['Kind', KindSchema, 'output'],
  ['PutKind', PutKindSchema, 'input'],
  ['Subscription', SubscriptionSchema, 'output'],
  ['DeliveryAttempt', DeliveryAttemptSchema, 'output'],
  ['CreateSubscription', CreateSubscriptionSchema, 'input'],
  ['PatchSubscription', PatchSubscriptionSchema, 'input'],
  // ---- The changes feed (contract 1.2) ----
  ['ChangeItem', ChangeItemSchema, 'output'],
  // The news inbox (contract 1.2).
  ['InboxItem', InboxItemSchema, 'output'],
  ['CreateInboxItem', CreateInboxItemSchema, 'input'],
  ['AcceptInboxItem', AcceptInboxItemSchema, 'input'],
  ['DismissInboxItem', DismissInboxItemSchema, 'input'],
  // News sources (contract 1.2).
  ['NewsSource', NewsSourceSchema, 'output'],
  ['CreateNewsSource', CreateNewsSourceSchema, 'input'],
  ['PatchNewsSource', PatchNewsSourceSchema, 'input'],
  ['FetchReport', FetchReportSchema, 'output'],
  ['PublicScenario', PublicScenarioSchema, 'output'],
  ['PublicThreadDetail', PublicThreadDetailSchema, 'output'],
  ['OEmbed', OEmbedSchema, 'output'],
];

const ref = (s: Schema) => {
  const named = COMPONENTS.find(([, c]) => c === s);
  if (!named) throw new Error('a schema of the route table is not among the OpenAPI components');
  return { $ref: `#/components/schemas/${named[0]}` };
};
const jsonContent = (s: unknown) => ({ 'application/json': { schema: s } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const queryParams = (s: z.ZodMiniType, descriptions: Readonly<Record<string, string>> = {}) => {
  const json = schema(s) as { properties: Record<string, unknown>; required?: string[] };
  // A required parameter (the changes feed's `since`) is said so; every other one is optional.
  return Object.entries(json.properties).map(([name, sch]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: sch,
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
  }));
};

/** A path parameter; its pattern is stated only when a value off it is the request's mistake (400), not a 404. */
const pathParams = (route: Route) =>
  [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const param = route.params?.[name!];
    const pattern = param && 'message' in param ? { pattern: param.pattern.source } : {};
    return { name, in: 'path', required: true, schema: { type: 'string', ...pattern } };
  });

const header = (description: string) => ({ description, schema: { type: 'string' } });
const ETAG = { ETag: header('Strong entity tag of the representation') };
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
  description: 'Replays the first 2xx response of the same caller, method, path and body for 24 hours.',
};
const ifMatch = (description: true | string) => ({
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    description === true
      ? "Make the write conditional on the thread's current ETag (412 otherwise)."
      : description,
});
const ifNoneMatch = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: '304 with no body when it matches the current ETag.',
};

const atomContent = { 'application/atom+xml': { schema: { type: 'string' } } };

const page = (item: Schema) => ({
  type: 'object',
  required: ['items', 'nextToken'],
  properties: { items: { type: 'array', items: ref(item) }, nextToken: { type: ['string', 'null'] } },
});

const answer = (body: ResponseBody) => (typeof body === 'function' ? body(ref) : ref(body));

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

/** One operation, all of it from the route's entry; a HEAD twin keeps its GET's headers and drops every body. */
function operation(route: Route): Record<string, unknown> {
  const head = route.method === 'HEAD';
  const description = [
    route.role ? `Needs the ${route.role} role.` : '',
    route.basicAuth ? 'Also accepts HTTP Basic with the token as the password.' : '',
    head ? 'Answers like GET, without a body.' : '',
    route.publicCache
      ? `No token. Cache-Control: ${PUBLIC_CACHE_CONTROL} (200, 304 and 404 alike); Access-Control-Allow-Origin: *.`
      : '',
    route.description ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  const parameters = [
    ...pathParams(route),
    ...(route.query ? queryParams(route.query.schema, route.query.describe) : []),
    ...(route.etag === 'read' ? [ifNoneMatch] : []),
    ...(route.ifMatch ? [ifMatch(route.ifMatch)] : []),
    ...(route.idempotencyKey ? [idempotencyKey] : []),
  ];
  const successes = Object.entries(route.responses).map(([status, { description, body, location }]) => {
    const shape = body === undefined ? (route.page ? page(route.page) : undefined) : answer(body);
    const headers = {
      ...(route.etag ? ETAG : {}),
      ...(location ? { Location: header(location) } : {}),
    };
    const content = route.atom
      ? atomContent
      : route.produces
        ? Object.fromEntries(route.produces.map((type) => [type, { schema: { type: 'string' } }]))
        : route.mediaType
          ? { [route.mediaType]: { schema: { type: 'string' } } }
          : shape === undefined
            ? undefined
            : jsonContent(shape);
    return [
      status,
      {
        description,
        ...(Object.keys(headers).length ? { headers } : {}),
        ...(content ? { content } : {}),
      },
    ];
  });
  const problems = Object.entries(route.problems ?? {}).map(([status, codes]) => [status, problem(codes)]);
  const responses = {
    ...Object.fromEntries(successes),
    ...(route.etag === 'read' ? { '304': { description: 'Not modified' } } : {}),
    ...(route.role ? (route.body || route.textBody ? writeCommon : common) : {}),
    ...Object.fromEntries(problems),
  };
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.role ? [{ bearer: [] }, ...(route.basicAuth ? [{ basic: [] }] : [])] : [],
    ...(description ? { description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: jsonContent(ref(route.body.schema)) } } : {}),
    ...(route.textBody
      ? {
          requestBody: {
            required: true,
            description: route.textBody.description,
            content: { [route.textBody.mediaType]: { schema: { type: 'string' } } },
          },
        }
      : {}),
    responses: head
      ? Object.fromEntries(
          Object.entries(responses as Record<string, { content?: unknown }>).map(
            ([status, { content: _content, ...rest }]) => [status, rest],
          ),
        )
      : responses,
  };
}

/** The document for a route table (the deployed one unless a test gives its own). */
export function buildOpenApi(routes: readonly Route[] = ROUTES): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
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
      schemas: Object.fromEntries(COMPONENTS.map(([name, s, io]) => [name, schema(s, io)])),
    },
  };
}
