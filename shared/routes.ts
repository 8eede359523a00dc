import type { Role } from './domain/types';

/**
 * The route table, defined once. The CDK stack creates exactly these API Gateway routes (each to
 * its group's function, behind the authorizer when a role is needed); the local server matches
 * requests against the same list. Cloud and laptop cannot drift apart.
 */
export type FunctionGroup =
  'health' | 'threads-read' | 'threads-write' | 'tokens' | 'kinds' | 'subscriptions' | 'feeds';

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  group: FunctionGroup;
  /** The least role that may call it; null for open routes. */
  role: Role | null;
  operationId: string;
  summary: string;
  /** Feed readers rarely send bearer tokens: these routes also take HTTP Basic with the token as the password. */
  basicAuth?: boolean;
}

/** The routes as the contract lists them; ROUTES adds their HEAD twins. */
const DECLARED = [
  {
    method: 'GET',
    path: '/health',
    group: 'health',
    role: null,
    operationId: 'getHealth',
    summary: 'Liveness check',
  },
  {
    method: 'GET',
    path: '/openapi.json',
    group: 'health',
    role: null,
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
  },
  {
    method: 'GET',
    path: '/threads',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listThreads',
    summary: 'List threads',
  },
  {
    method: 'POST',
    path: '/threads',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createThread',
    summary: 'Create a thread with its first update',
  },
  {
    method: 'GET',
    path: '/threads/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getThread',
    summary: 'Get a thread, now or as of a time',
  },
  {
    method: 'PATCH',
    path: '/threads/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchThread',
    summary: 'Change title, staleAfterHours, expected, archived, scenario, kind or parent',
  },
  {
    method: 'POST',
    path: '/threads/{id}/updates',
    group: 'threads-write',
    role: 'editor',
    operationId: 'postUpdate',
    summary: 'Post an update to a thread',
  },
  {
    method: 'GET',
    path: '/threads/{id}/updates',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listUpdates',
    summary: "List a thread's updates, newest first",
  },
  {
    method: 'GET',
    path: '/threads/{id}/updates/{updateId}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getUpdate',
    summary: 'Get one update',
  },
  {
    method: 'PATCH',
    path: '/threads/{id}/updates/{updateId}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'amendUpdate',
    summary: "Amend an update's wording (summary, sources, quotes)",
  },
  {
    method: 'GET',
    path: '/threads/{id}/updates/{updateId}/revisions',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listRevisions',
    summary: "An update's wordings, oldest first (revision 0 the original)",
  },
  {
    method: 'POST',
    path: '/threads/{id}/updates/{updateId}/retraction',
    group: 'threads-write',
    role: 'editor',
    operationId: 'retractUpdate',
    summary: 'Retract an update',
  },
  {
    method: 'GET',
    path: '/scenarios',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listScenarios',
    summary: 'List scenarios, by id, with their counts',
  },
  {
    method: 'POST',
    path: '/scenarios',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createScenario',
    summary: 'Create a scenario',
  },
  {
    method: 'GET',
    path: '/scenarios/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getScenario',
    summary: 'Get a scenario with its counts',
  },
  {
    method: 'GET',
    path: '/scenarios/{id}/timeline',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getTimeline',
    summary: "The status changes across a scenario's threads, oldest first",
  },
  {
    method: 'PATCH',
    path: '/scenarios/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchScenario',
    summary: 'Change title, description or tags',
  },
  {
    method: 'GET',
    path: '/kinds',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listKinds',
    summary: 'List the kinds, built-in and custom, with their statuses',
  },
  {
    method: 'PUT',
    path: '/kinds/{kind}',
    group: 'kinds',
    role: 'admin',
    operationId: 'putKind',
    summary: 'Define a custom kind, or change one (statuses are never removed)',
  },
  {
    method: 'GET',
    path: '/threads/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getThreadFeed',
    summary: "Atom feed of a thread's latest updates",
    basicAuth: true,
  },
  {
    method: 'GET',
    path: '/scenarios/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioFeed',
    summary: "Atom feed of a scenario's latest updates",
    basicAuth: true,
  },
  {
    method: 'POST',
    path: '/tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'createToken',
    summary: 'Create a token (shown once)',
  },
  {
    method: 'GET',
    path: '/tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'listTokens',
    summary: 'List tokens',
  },
  {
    method: 'DELETE',
    path: '/tokens/{name}',
    group: 'tokens',
    role: 'admin',
    operationId: 'revokeToken',
    summary: 'Revoke a token',
  },
  {
    method: 'POST',
    path: '/subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'createSubscription',
    summary: 'Subscribe a webhook (the secret is shown once)',
  },
  {
    method: 'GET',
    path: '/subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'listSubscriptions',
    summary: 'List webhook subscriptions',
  },
  {
    method: 'GET',
    path: '/subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'getSubscription',
    summary: 'Get a subscription with its latest 50 delivery attempts',
  },
  {
    method: 'PATCH',
    path: '/subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'patchSubscription',
    summary: 'Pause, resume or change a subscription',
  },
  {
    method: 'DELETE',
    path: '/subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription',
  },
  {
    method: 'POST',
    path: '/subscriptions/{id}/ping',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'pingSubscription',
    summary: 'Send a Ping to this subscription only',
  },
  {
    method: 'GET',
    path: '/ready',
    // Served by the read function: ready means the function that serves reads reaches its table.
    // Declared last: CDK names a function's integration after its first route, so a new route goes
    // at the end and no deployed integration is replaced (test/infra/logical-ids.test.ts).
    group: 'threads-read',
    role: null,
    operationId: 'getReady',
    summary: 'Readiness check: the database answers',
  },
] as const satisfies readonly Route[];

type Declared = (typeof DECLARED)[number];

/** `METHOD /path` of each route in a union of routes. */
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;

/** Every declared route's key, `METHOD /path` (a HEAD twin runs its GET's handler, so has no key of its own here). */
export type RouteKey = KeyOf<Declared>;

/**
 * The keys of one function group's routes: what its handler map must hold, exactly
 * (shared/http/handler.ts), so a missing or misspelt route does not compile.
 */
export type GroupRouteKey<G extends FunctionGroup> = KeyOf<Extract<Declared, { group: G }>>;

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every route served: the declared ones, each GET followed by its HEAD twin. HEAD is GET without
 * the body (RFC 9110 §9.3.2; uptime monitors send `HEAD /health`), and API Gateway routes HEAD only
 * to an explicit `HEAD /path` route. Derived here, once, so the stack, the local server, the Lambda
 * dispatcher and the OpenAPI document all see the same HEAD routes.
 */
export const ROUTES: readonly Route[] = DECLARED.flatMap((r): Route[] =>
  r.method === 'GET'
    ? [
        r,
        {
          ...r,
          method: 'HEAD',
          operationId: `head${capitalised(r.operationId)}`,
          summary: `${r.summary} (headers only)`,
        },
      ]
    : [r],
);

export const routeKey = (r: Pick<Route, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** The route a request runs: a HEAD route runs its GET twin's handler (the dispatcher drops the body). */
export const handlerKey = (r: Pick<Route, 'method' | 'path'>): string =>
  routeKey({ method: r.method === 'HEAD' ? 'GET' : r.method, path: r.path });

/**
 * Every distinct path, for the cloud's `ANY <path>` catch-all routes: API Gateway prefers the
 * method-specific routes, so these only see methods a path does not allow and answer 405 (as the
 * local server does), where API Gateway alone would answer 404.
 */
export const PATHS: readonly string[] = [...new Set(ROUTES.map((r) => r.path))];

export const allowedMethods = (path: string): string[] =>
  ROUTES.filter((r) => r.path === path).map((r) => r.method);

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
