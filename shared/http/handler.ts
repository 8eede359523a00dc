import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError } from '../domain/errors';
import { count, describeError, invocation, logger } from '../observability';
import {
  ROUTES,
  allowedMethods,
  handlerKey,
  routeKey,
  type FunctionGroup,
  type GroupRouteKey,
  type Route,
} from '../routes';
import { principalOf, requireRole, type Caller } from './auth';
import { asTrackerError, problem } from './problem';
import { queryOf } from './request';
import type { HttpResult } from './response';
import type { RequestClock } from '../app/write-budget';

/** A request as a route's handler sees it; `ctx` is what the function built (its dependencies). */
export interface Request<D = unknown> {
  event: APIGatewayProxyEventV2;
  route: Route;
  /** Set on every route that needs a role (the dispatcher has checked it). */
  principal: Caller;
  params: Record<string, string>;
  query: Record<string, string>;
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

export type RouteHandler<D = unknown> = (request: Request<D>) => Promise<HttpResult>;

/** A function group's handlers: one for each of its routes in the route table, and nothing else. */
export type HandlerMap<G extends FunctionGroup, D = unknown> = {
  readonly [K in GroupRouteKey<G>]: RouteHandler<D>;
};

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
 * `prepare` runs before the route, with the same dependencies (threads-read loads its page-token key).
 */
export function lambdaHandler<G extends FunctionGroup, D = never>(
  group: G,
  handlers: HandlerMap<G, D>,
  context: () => D = noContext,
  prepare?: (event: APIGatewayProxyEventV2, ctx: D) => Promise<void>,
): LambdaHandler<D> {
  const routes = new Map(ROUTES.filter((r) => r.group === group).map((r) => [routeKey(r), r as Route]));
  const handle = (event: APIGatewayProxyEventV2, lambdaContext?: Context): Promise<HttpResult> =>
    invocation(group, { context: lambdaContext, correlationId: event.requestContext.requestId }, async () => {
      const started = Date.now();
      const route = routes.get(event.routeKey);
      // The route table's key: HandlerMap holds one for every route of the group (HEAD runs its GET's).
      const run: RouteHandler<D> | undefined = route
        ? (handlers as Record<string, RouteHandler<D>>)[handlerKey(route)]
        : undefined;
      let result: HttpResult;
      let principal: Caller | null = null;
      try {
        if (event.routeKey.startsWith('ANY ')) {
          const path = event.routeKey.slice(4);
          throw new MethodNotAllowedError(
            `${event.requestContext.http.method} is not allowed on ${event.rawPath}.`,
            allowedMethods(path),
          );
        }
        if (!route || !run)
          throw new NotFoundError(`No route ${event.requestContext.http.method} ${event.rawPath}.`);
        principal = principalOf(event, route.basicAuth === true);
        if (route.role) requireRole(principal, route.role, route.basicAuth === true);
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (v !== undefined) params[k] = v;
        const request = {
          event,
          route,
          principal: principal as Caller,
          params,
          query: queryOf(event),
          clock: requestClock(event, lambdaContext, started),
        };
        const ctx = context();
        await prepare?.(event, ctx);
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
      if (method === 'GET' || method === 'HEAD') result.headers['Cache-Control'] = 'no-cache';
      // HEAD ran the GET handler: same status and headers (ETag, 304), never a body — errors included.
      if (method === 'HEAD') result = { ...result, body: '', isBase64Encoded: false };
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
    with: (other: () => D) => lambdaHandler(group, handlers, other, prepare),
  });
}

/** A function group's entry point, and the same over other dependencies. */
export type LambdaHandler<D> = ((
  event: APIGatewayProxyEventV2,
  lambdaContext?: Context,
) => Promise<HttpResult>) & {
  with(context: () => D): LambdaHandler<D>;
};
