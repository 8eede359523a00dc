import { HEALTH_ROUTES } from './routes/health';
import { THREADS_READ_ROUTES } from './routes/threads-read';
import { THREADS_WRITE_ROUTES } from './routes/threads-write';
import { TOKENS_ROUTES } from './routes/tokens';
import { KINDS_ROUTES } from './routes/kinds';
import { SUBSCRIPTIONS_ROUTES } from './routes/subscriptions';
import { FEEDS_ROUTES } from './routes/feeds';
import { INBOX_ROUTES } from './routes/inbox';
import { SCENARIO_IMPORT_ROUTES } from './routes/scenario-import';
import { pathsOf, withHeadTwins, type FunctionGroup, type KeyOf, type Route } from './routes/route';

export * from './routes/route';
export {
  HEALTH_ROUTES,
  THREADS_READ_ROUTES,
  THREADS_WRITE_ROUTES,
  TOKENS_ROUTES,
  KINDS_ROUTES,
  SUBSCRIPTIONS_ROUTES,
  FEEDS_ROUTES,
  INBOX_ROUTES,
  SCENARIO_IMPORT_ROUTES,
};

/**
 * The route table, defined once: one entry per route, and everything else is derived from it. The
 * CDK stack creates exactly these API Gateway routes (each to its group's function, behind the
 * authorizer when a role is needed, with its throttle class); the local server matches requests
 * against the same list; the Lambda dispatcher checks each route's path parameters and parses its
 * query and body with the schemas named here before the handler runs (shared/http/handler.ts);
 * the handler maps are typed from it; the OpenAPI document is built from it (shared/openapi.ts).
 * Adding a route is one entry here plus its handler.
 *
 * The entries live in one module per function group (shared/routes/<group>.ts): a function's
 * dispatcher imports only its group's, so its bundle holds only its routes and the schemas they
 * name. This is the whole table, composed for the local server, the OpenAPI document and the stack.
 */
export const DECLARED_ROUTES = [
  ...HEALTH_ROUTES,
  ...THREADS_READ_ROUTES,
  ...THREADS_WRITE_ROUTES,
  ...TOKENS_ROUTES,
  ...KINDS_ROUTES,
  ...SUBSCRIPTIONS_ROUTES,
  ...FEEDS_ROUTES,
  // Beside the archive it reads back (its function is its own: least privilege).
  ...SCENARIO_IMPORT_ROUTES,
  ...INBOX_ROUTES,
] as const;

/** One declared route (of this table, or of a test's table built the same way). */
export type Declared = (typeof DECLARED_ROUTES)[number];

/** Every declared route's key, `METHOD /path` (a HEAD twin runs its GET's handler, so has no key of its own here). */
export type RouteKey = KeyOf<Declared>;

/**
 * The keys of one function group's routes: what its handler map must hold, exactly
 * (shared/http/handler.ts), so a missing or misspelt route does not compile.
 */
export type GroupRouteKey<G extends FunctionGroup> = KeyOf<Extract<Declared, { group: G }>>;

export const ROUTES: readonly Route[] = withHeadTwins(DECLARED_ROUTES);

export const PATHS: readonly string[] = pathsOf(ROUTES);

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
