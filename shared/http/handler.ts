import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../domain/errors';
import { parseQuery, parseWith } from '../domain/schema-basics';
import { count, describeError, invocation, logger } from '../observability';
import {
  allowedMethods,
  handlerKey,
  routeKey,
  withHeadTwins,
  type BodyOf,
  type DeclaredRoute,
  type FunctionGroup,
  type KeyOf,
  type ParamsOf,
  type QueryOf,
  type Route,
} from '../routes/route';
import { principalOf, requireRole, type Caller } from './auth';
import { asTrackerError, problem } from './problem';
import { queryOf, readJsonBody } from './request';
import { PUBLIC_CACHE_CONTROL, PUBLIC_CACHEABLE_STATUSES } from '../domain/public-cache';
import type { HttpResult } from './response';
import type { RequestClock } from '../app/write-budget';

/**
 * What a handler is given. Its route's path parameters have been checked, its query and body parsed
 * with the route's schemas (shared/routes.ts); `Request` alone is any route's.
 */
export interface Request<
  Params = Readonly<Record<string, string>>,
  Query = unknown,
  Body = unknown,
  D = unknown,
> {
  event: APIGatewayProxyEventV2;
  route: Route;
  /** Set on every route that needs a role (the dispatcher has checked it). */
  principal: Caller;
  params: Params;
  query: Query;
  body: Body;
  /** The body as JSON, before its schema: what an idempotency record is keyed on. */
  rawBody: unknown;
  /** What the function built (its dependencies). */
  ctx: D;
  /** When the request arrived and when the function must have answered: what write budgets run by. */
  clock: RequestClock;
}

/**
 * Time kept back from the function's remaining time to send the answer: a write never plans to end
 * later than this before the function would be stopped.
 */
export const ANSWER_MARGIN_MS = 500;

/** A request's clock: API Gateway's arrival time (else now), bounded by the function's remaining time. */
export function requestClock(
  event: Pick<APIGatewayProxyEventV2, 'requestContext'>,
  lambdaContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  now: number,
): RequestClock {
  const arrived = event.requestContext?.timeEpoch;
  return {
    arrivedAt: typeof arrived === 'number' && Number.isFinite(arrived) && arrived <= now ? arrived : now,
    ...(lambdaContext ? { notAfter: now + lambdaContext.getRemainingTimeInMillis() - ANSWER_MARGIN_MS } : {}),
  };
}

/** Any route's request over the function's dependencies `D` (helpers shared by several routes). */
export type AnyRequest<D = unknown> = Request<Readonly<Record<string, string>>, unknown, unknown, D>;

/** The request of one declared route, typed from its entry, over the function's dependencies `D`. */
export type RequestOf<R, D = unknown> = Request<ParamsOf<R>, QueryOf<R>, BodyOf<R>, D>;

/** A handler of any route. */
export type RouteHandler<D = unknown> = (request: AnyRequest<D>) => Promise<HttpResult>;

/**
 * A function group's handlers: one for each of its routes in the route table `T`, and nothing else,
 * each given its route's request over the function's dependencies `D`.
 */
export type HandlerMap<G extends FunctionGroup, D, T> = {
  readonly [K in KeyOf<Extract<T, { group: G }>>]: (
    request: RequestOf<Extract<T, { route: K }>, D>,
  ) => Promise<HttpResult>;
};

/** A path's parameters, checked in path order against their declared shapes (shared/routes.ts). */
function checkedParams(route: Route, event: APIGatewayProxyEventV2): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (v !== undefined) params[k] = v;
  for (const [name, shape] of Object.entries(route.params ?? {})) {
    const value = params[name] ?? '';
    if (shape.pattern.test(value)) continue;
    throw 'notFound' in shape
      ? new NotFoundError(shape.notFound(value, params))
      : ValidationError.field(name, shape.message);
  }
  return params;
}

/** For functions that touch no table (health): they build no dependencies. */
const noContext = (): never => undefined as never;

/**
 * A function group's Lambda entry point: find the route by API Gateway's routeKey, enforce its role,
 * run it, and turn any failure into problem details. One structured access line per request —
 * method, route, status, caller's name and latency; never headers, so never a token. Every line
 * written while it runs carries the Lambda request id and API Gateway's (`correlation_id`, the
 * access log's `requestId`), and the metrics are published however the request ends.
 *
 * `context` gives the function's dependencies (`req.ctx`), as its module built them; `.with(other)`
 * is the same entry point over other dependencies (the local server's and the tests' composition).
 * `prepare` runs before the route, with the same dependencies and the route (threads-read loads its
 * page-token key for the routes that page).
 *
 * Given its group's routes (shared/routes/<group>.ts), not the whole table: a function bundles, and
 * builds at start, only the routes it serves and the schemas they name.
 */
export const lambdaHandler = <T extends readonly DeclaredRoute[]>(declared: T) =>
  lambdaHandlerFor<T[number]>(withHeadTwins(declared));

/** The entry point builder for a route table with its HEAD twins: a group's (above), the whole one, or a test's. */
export function lambdaHandlerFor<T>(table: readonly Route[]) {
  return <G extends FunctionGroup, D = never>(
    group: G,
    handlers: HandlerMap<NoInfer<G>, D, T>,
    context: () => D = noContext,
    prepare?: (event: APIGatewayProxyEventV2, ctx: D, route: Route) => Promise<void>,
  ): LambdaHandler<D> =>
    dispatcher(table, group, handlers as unknown as Record<string, RouteHandler<D>>, context, prepare);
}

function dispatcher<D>(
  table: readonly Route[],
  group: FunctionGroup,
  handlers: Record<string, RouteHandler<D>>,
  context: () => D,
  prepare: ((event: APIGatewayProxyEventV2, ctx: D, route: Route) => Promise<void>) | undefined,
): LambdaHandler<D> {
  const routes = new Map(table.filter((r) => r.group === group).map((r) => [routeKey(r), r]));
  const handle = (event: APIGatewayProxyEventV2, lambdaContext?: Context): Promise<HttpResult> =>
    invocation(group, { context: lambdaContext, correlationId: event.requestContext.requestId }, async () => {
      const started = Date.now();
      const route = routes.get(event.routeKey);
      // The route table's key: HandlerMap holds one for every route of the group (HEAD runs its GET's).
      const run: RouteHandler<D> | undefined = route ? handlers[handlerKey(route)] : undefined;
      let result: HttpResult;
      let principal: Caller | null = null;
      try {
        if (event.routeKey.startsWith('ANY ')) {
          const path = event.routeKey.slice(4);
          throw new MethodNotAllowedError(
            `${event.requestContext.http.method} is not allowed on ${event.rawPath}.`,
            allowedMethods(path, table),
          );
        }
        if (!route || !run)
          throw new NotFoundError(`No route ${event.requestContext.http.method} ${event.rawPath}.`);
        principal = principalOf(event, route.basicAuth === true);
        if (route.role) requireRole(principal, route.role, route.basicAuth === true);
        // The route's declarations, in the order a client's mistake is reported: path, query, body.
        const params = checkedParams(route, event);
        const query = route.query ? parseQuery(route.query.schema, queryOf(event)) : queryOf(event);
        const rawBody = route.body ? readJsonBody(event) : undefined;
        const request = {
          event,
          route,
          principal: principal as Caller,
          params,
          query,
          body: route.body ? parseWith(route.body.schema, rawBody, route.body.label) : undefined,
          rawBody,
          clock: requestClock(event, lambdaContext, started),
        };
        const ctx = context();
        await prepare?.(event, ctx, route);
        result = await run({ ...request, ctx });
      } catch (error) {
        const tracked = asTrackerError(error);
        if (tracked.status >= 500)
          logger.error('request failed', {
            routeKey: event.routeKey,
            error: describeError(error),
          });
        result = problem(tracked);
      }
      const method = event.requestContext.http.method;
      if (method === 'GET' || method === 'HEAD') {
        // Public routes (contract 1.2) are cacheable by anyone, the CDN first, and readable from any page.
        const shared = route?.publicCache === true && PUBLIC_CACHEABLE_STATUSES.has(result.statusCode);
        result.headers['Cache-Control'] = shared ? PUBLIC_CACHE_CONTROL : 'no-cache';
        if (route?.publicCache) result.headers['Access-Control-Allow-Origin'] = '*';
      }
      // HEAD ran the GET handler: same status and headers (ETag, 304), never a body — errors included.
      if (method === 'HEAD') {
        const { stream: _unread, ...headers } = result;
        result = { ...headers, body: '', isBase64Encoded: false };
      }
      logger.info('request', {
        method,
        route: event.routeKey,
        status: result.statusCode,
        caller: principal?.name,
        ms: Date.now() - started,
      });
      count(
        result.statusCode >= 500 ? 'ServerErrors' : result.statusCode >= 400 ? 'ClientErrors' : 'Successes',
      );
      return result;
    });
  return Object.assign(handle, {
    with: (other: () => D) => dispatcher(table, group, handlers, other, prepare),
  });
}

/** A function group's entry point, and the same over other dependencies. */
export type LambdaHandler<D> = ((
  event: APIGatewayProxyEventV2,
  lambdaContext?: Context,
) => Promise<HttpResult>) & {
  with(context: () => D): LambdaHandler<D>;
};
