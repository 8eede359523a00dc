import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  type TrackerError,
} from '../shared/domain/errors';
import { LIMITS } from '../shared/domain/limits';
import { asTrackerError, problem } from '../shared/http/problem';
import type { HttpResult } from '../shared/http/response';
import { matchRoute, routeKey, type FunctionGroup, type Route } from '../shared/routes';
import { appContext } from '../shared/app/context';
import type { handler as Authorizer } from '../functions/authorizer';
import { invokeLocally } from './invocations';
import { logger } from '../shared/observability';

/**
 * What API Gateway does in the cloud, done locally: match the route table, run the authorizer on
 * routes that need a role, and hand the function the same v2 event a Lambda receives. Every function
 * runs over the local server's composition (`appContext`, every store) instead of its own.
 */
interface Functions {
  http: Record<FunctionGroup, (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>>;
  authorizer: typeof Authorizer;
}

let loaded: Promise<Functions> | undefined;

/**
 * The functions, loaded with the first request rather than with this module: each builds its own
 * clients from the settings as it loads (as Lambda loads it), and `npm start` checks the settings
 * first, refusing a bad one in one line rather than with a stack trace at import.
 */
const functions = (): Promise<Functions> =>
  (loaded ??= (async () => {
    const [
      authorizer,
      health,
      threadsRead,
      threadsWrite,
      tokens,
      kinds,
      subscriptions,
      feeds,
      inbox,
      scenarioImport,
    ] = await Promise.all([
      import('../functions/authorizer'),
      import('../functions/health'),
      import('../functions/threads-read'),
      import('../functions/threads-write'),
      import('../functions/tokens'),
      import('../functions/kinds'),
      import('../functions/subscriptions'),
      import('../functions/feeds'),
      import('../functions/inbox'),
      import('../functions/scenario-import'),
    ]);
    return {
      http: {
        health: health.handler,
        'threads-read': threadsRead.handler.with(appContext),
        'threads-write': threadsWrite.handler.with(appContext),
        tokens: tokens.handler.with(appContext),
        kinds: kinds.handler.with(appContext),
        subscriptions: subscriptions.handler.with(appContext),
        // Exports stream locally; the Lambda entry point (feeds.handler) buffers them as API Gateway needs.
        feeds: feeds.streaming.with(appContext),
        inbox: inbox.handler.with(appContext),
        'scenario-import': scenarioImport.handler.with(appContext),
      },
      authorizer: authorizer.handlerFor(appContext),
    };
  })());

/**
 * API Gateway stops reading at 10 MB; we stop a little after the route's own limit (the JSON limit,
 * or a text body's: an archive's), which the handler reports.
 */
const readCap = (route?: Route): number => (route?.textBody?.maxBytes ?? LIMITS.bodyBytes) + 1024;

export async function readBody(req: IncomingMessage, route?: Route): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  const cap = readCap(route);
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > cap) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The request target as sent. `new URL()` would resolve dot segments (also written `%2e`) and read
 * `//x/tokens` as host `x` with path `/tokens`; API Gateway matches the path exactly as it arrives,
 * so `//x/tokens`, `/threads/%2e%2e/tokens` and `//threads` must not reach `/tokens` or `/threads`.
 */
export interface RequestTarget {
  /** Raw, percent-encoded, never normalised. */
  path: string;
  /** After `?`, raw; empty when there is none. */
  rawQuery: string;
  query: URLSearchParams;
}

export function requestTarget(raw: string): RequestTarget {
  const withoutFragment = raw.split('#', 1)[0]!;
  const q = withoutFragment.indexOf('?');
  const path = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  const rawQuery = q < 0 ? '' : withoutFragment.slice(q + 1);
  return { path, rawQuery, query: new URLSearchParams(rawQuery) };
}

export function toEvent(
  req: IncomingMessage,
  target: RequestTarget,
  route: Route,
  params: Record<string, string>,
  body: Buffer,
  requestId: string = randomUUID(),
  arrivedAt: number = Date.now(),
): APIGatewayProxyEventV2 {
  // Null-prototype maps: `?__proto__=x` or `?constructor=x` are plain keys here, as in API Gateway.
  const headers: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = Object.create(null);
  for (const [k, v] of target.query) query[k] = k in query ? `${query[k]},${v}` : v;
  const text = body.toString('utf8');
  // API Gateway passes text bodies as they are and anything else base64-encoded.
  const isText = Buffer.from(text, 'utf8').equals(body);
  // API Gateway's time is the request's arrival (the write budget runs from it), not the body's end.
  const now = new Date(arrivedAt);
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: target.path,
    rawQueryString: target.rawQuery,
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: target.path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: routeKey(route),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length
      ? { body: isText ? text : body.toString('base64'), isBase64Encoded: !isText }
      : { isBase64Encoded: false }),
  };
}

/**
 * Route one request to its function; answers what API Gateway itself would (404, 405, 413).
 * `requestId` is API Gateway's request id: the event's `requestContext.requestId`, the functions'
 * `correlation_id`, and the `apigw-requestid` header the server answers with.
 */
export async function dispatch(
  req: IncomingMessage,
  target: RequestTarget,
  requestId: string = randomUUID(),
): Promise<HttpResult> {
  const arrivedAt = Date.now();
  const match = matchRoute(req.method ?? 'GET', target.path);
  if (match.kind === 'not_found') return problem(new NotFoundError(`No route ${req.method} ${target.path}.`));
  if (match.kind === 'method_not_allowed')
    return problem(
      new MethodNotAllowedError(`${req.method} is not allowed on ${target.path}.`, match.allowed),
    );
  const body = await readBody(req, match.route);
  if (body === 'too_large')
    return problem(
      new PayloadTooLargeError(
        `The body is over ${match.route.textBody?.maxBytes ?? LIMITS.bodyBytes} bytes.`,
      ) as TrackerError,
    );
  const event = toEvent(req, target, match.route, match.params, body, requestId, arrivedAt);
  const { http, authorizer } = await functions();
  if (match.route.role) {
    // A failing authorizer is API Gateway's bare 500 in the cloud; here it is the same problem
    // details the handler would give (a stalled database: 503 with Retry-After). The authorizer
    // has logged the failure, under this request's id.
    let auth: Awaited<ReturnType<typeof authorizer>>;
    try {
      auth = await invokeLocally('authorizer', (context) =>
        authorizer({ headers: event.headers, requestContext: { requestId } }, context),
      );
    } catch (error) {
      return problem(asTrackerError(error));
    }
    event.requestContext = {
      ...event.requestContext,
      authorizer: { lambda: auth.context },
    } as typeof event.requestContext;
  }
  const group = match.route.group;
  return invokeLocally(group, (context) => http[group](event, context));
}

/**
 * Write a result. A streamed body (an export) goes out chunk by chunk as it is produced, with
 * chunked transfer encoding and back-pressure (the next chunk is pulled only once the socket took
 * the last), so memory stays flat whatever its size. A stream that fails after the headers went out
 * destroys the connection: the client sees a cut transfer, never a short file that looks complete.
 */
export async function send(
  res: ServerResponse,
  result: HttpResult,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  // A HEAD answer has no body, and no Content-Length rather than a wrong one (RFC 9110 §8.6).
  const bodyless = result.statusCode === 304 || result.statusCode === 204 || res.req.method === 'HEAD';
  if (result.stream && !bodyless) return sendStream(res, result, result.stream, extraHeaders);
  const body = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, {
    ...result.headers,
    ...extraHeaders,
    ...(bodyless ? {} : { 'Content-Length': String(body.length) }),
  });
  res.end(bodyless ? undefined : body);
}

async function sendStream(
  res: ServerResponse,
  result: HttpResult,
  stream: AsyncIterable<string | Buffer>,
  extraHeaders: Record<string, string>,
): Promise<void> {
  res.writeHead(result.statusCode, { ...result.headers, ...extraHeaders });
  try {
    for await (const chunk of stream) {
      if (res.destroyed) return; // the client left: stop reading (the loop's exit closes the stream)
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  } catch (error) {
    logger.error('streamed answer failed', { error: String(error) });
    res.destroy();
  }
}

/** The socket took what was written, or the response closed (a client gone never drains). */
const drained = (res: ServerResponse) =>
  new Promise<void>((done) => {
    const finish = () => {
      res.off('drain', finish);
      res.off('close', finish);
      done();
    };
    res.on('drain', finish);
    res.on('close', finish);
  });
