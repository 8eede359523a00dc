import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readBody, requestTarget, send, toEvent } from '../gateway';
import { ROUTES, routeKey as routeKeyOf, type Route } from '../../shared/routes';
import type { HttpResult } from '../../shared/http/response';
import { CLOUD_ACCOUNT, CLOUD_REGION } from './intrinsics';
import type { Lambdas } from './lambdas';
import type { HttpRoute } from './model';

/**
 * API Gateway's HTTP API, as the template declares it: routes matched by their route keys (a
 * literal segment beats a parameter, a method beats ANY), the REQUEST authorizer with its identity
 * source, simple responses and result cache, then the integration's function with the payload
 * format 2.0 event. What API Gateway answers itself (no route, no identity, refused, a failed or
 * timed-out integration) it answers here the same way, with its own bare JSON messages.
 */

interface CompiledRoute extends HttpRoute {
  method: string;
  segments: string[];
}

const gatewayAnswer = (statusCode: number, message: string) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

export class HttpApi {
  private readonly routes: CompiledRoute[];
  /** The `$default` route: whatever no other route matches. */
  private readonly fallback?: CompiledRoute;
  private readonly cache = new Map<
    string,
    { until: number; result: { isAuthorized: boolean; context?: Record<string, unknown> } }
  >();

  constructor(
    routes: HttpRoute[],
    private readonly lambdas: Lambdas,
    private readonly apiId = 'cloudhttpapi',
  ) {
    const fallback = routes.find((r) => r.routeKey === '$default');
    if (fallback) this.fallback = { ...fallback, method: 'ANY', segments: [] };
    this.routes = routes
      .filter((r) => r !== fallback)
      .map((r) => {
        const [method, path] = r.routeKey.split(' ') as [string, string];
        return { ...r, method, segments: path.split('/').slice(1) };
      });
  }

  /** The template's route for a request, and its path parameters. */
  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    const parts = path.split('/').slice(1);
    let best: { route: CompiledRoute; params: Record<string, string>; score: number } | undefined;
    for (const route of this.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let score = route.method === 'ANY' ? 0 : 1;
      let ok = true;
      route.segments.forEach((seg, i) => {
        const value = parts[i]!;
        if (/^\{.+\}$/.test(seg)) {
          if (value === '') ok = false;
          params[seg.slice(1, -1)] = decodeURIComponent(value);
        } else if (seg === value) score += 10;
        else ok = false;
      });
      if (ok && (!best || score > best.score)) best = { route, params, score };
    }
    return best ?? (this.fallback ? { route: this.fallback, params: {} } : undefined);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    const target = requestTarget(req.url ?? '/');
    let found: ReturnType<HttpApi['match']>;
    try {
      found = this.match(req.method ?? 'GET', target.path);
    } catch {
      // A path parameter that is not valid percent-encoding.
      return send(res, gatewayAnswer(400, 'Bad Request'));
    }
    if (!found) return send(res, gatewayAnswer(404, 'Not Found'));
    const { route, params } = found;
    // Read as far as the route's own limit (an import's archive is larger than a JSON body).
    const body = await readBody(
      req,
      ROUTES.find((r) => routeKeyOf(r) === route.routeKey),
    );
    if (body === 'too_large') return send(res, gatewayAnswer(413, 'Request Entity Too Large'));
    const pseudo = { method: route.method, path: route.routeKey.split(' ')[1] ?? '' } as unknown as Route;
    const event = toEvent(req, target, pseudo, params, body, requestId);
    event.routeKey = route.routeKey;
    event.requestContext = {
      ...event.requestContext,
      accountId: CLOUD_ACCOUNT,
      apiId: this.apiId,
      domainName: `${this.apiId}.execute-api.${CLOUD_REGION}.amazonaws.com`,
      domainPrefix: this.apiId,
      routeKey: route.routeKey,
    };
    if (route.authorizer) {
      const decision = await this.authorize(route, event);
      if ('answer' in decision) return send(res, decision.answer);
      event.requestContext = {
        ...event.requestContext,
        authorizer: { lambda: decision.context },
      } as typeof event.requestContext;
    }
    try {
      const result = await this.lambdas.invoke(route.function, event);
      return send(res, normalise(result));
    } catch (error) {
      const timedOut = String(error).includes('Sandbox.Timedout');
      return send(
        res,
        gatewayAnswer(timedOut ? 503 : 500, timedOut ? 'Service Unavailable' : 'Internal Server Error'),
      );
    }
  }

  private async authorize(
    route: CompiledRoute,
    event: APIGatewayProxyEventV2,
  ): Promise<{ answer: ReturnType<typeof gatewayAnswer> } | { context: Record<string, unknown> }> {
    const auth = route.authorizer!;
    const identity = auth.identitySource.map((s) => {
      const header = /^\$request\.header\.(.+)$/.exec(s);
      if (header) return event.headers[header[1]!.toLowerCase()];
      const query = /^\$request\.querystring\.(.+)$/.exec(s);
      if (query) return event.queryStringParameters?.[query[1]!];
      throw new Error(`identity source ${s} is not emulated`);
    });
    // No identity: API Gateway refuses without calling the authorizer.
    if (identity.some((v) => v === undefined || v === ''))
      return { answer: gatewayAnswer(401, 'Unauthorized') };
    const cacheKey = `${auth.function}\u0000${identity.join('\u0000')}`;
    const cached = this.cache.get(cacheKey);
    let result = cached && cached.until > Date.now() ? cached.result : undefined;
    if (!result) {
      try {
        result = await this.lambdas.invoke(auth.function, {
          version: '2.0',
          type: 'REQUEST',
          routeArn: `arn:aws:execute-api:${CLOUD_REGION}:${CLOUD_ACCOUNT}:${this.apiId}/$default/${route.routeKey.replace(' ', '')}`,
          identitySource: identity,
          routeKey: route.routeKey,
          rawPath: event.rawPath,
          rawQueryString: event.rawQueryString,
          headers: event.headers,
          queryStringParameters: event.queryStringParameters,
          pathParameters: event.pathParameters,
          requestContext: event.requestContext,
        });
      } catch {
        return { answer: gatewayAnswer(500, 'Internal Server Error') };
      }
      if (auth.ttlSeconds > 0)
        this.cache.set(cacheKey, { until: Date.now() + auth.ttlSeconds * 1000, result: result! });
    }
    if (!result?.isAuthorized) return { answer: gatewayAnswer(403, 'Forbidden') };
    return { context: result.context ?? {} };
  }

  /** Forget cached authorizer results (a test that revokes a token and must not wait out the TTL). */
  clearAuthorizerCache(): void {
    this.cache.clear();
  }
}

/** Payload 2.0: a result without statusCode is a JSON body of 200. */
function normalise(result: any): HttpResult {
  if (result && typeof result === 'object' && typeof result.statusCode === 'number') {
    const headers: Record<string, string> = { ...(result.headers ?? {}) };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies.join(', ');
    return {
      statusCode: result.statusCode,
      headers,
      body: result.body ?? '',
      isBase64Encoded: result.isBase64Encoded ?? false,
    };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
}
