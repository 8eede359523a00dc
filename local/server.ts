import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { appContext, createContext, setAppContext, type AppContext } from '../shared/app/context';
import { LocalRecounter } from '../shared/app/scenarios';
import { registerToken, mintToken } from '../shared/app/tokens';
import { readConfig, readLocalSettings } from '../shared/config';
import { ensureTable } from '../shared/store/table';
import { logger } from '../shared/observability';
import { InternalError, ValidationError } from '../shared/domain/errors';
import { problem } from '../shared/http/problem';
import { BASE_HEADERS } from '../shared/http/response';
import { CORS, PUBLIC_CORS } from '../shared/http/cors';
import { STATUS_TONES } from '../shared/domain/tones';
import { dispatch, requestTarget, send, type RequestTarget } from './gateway';
import { PublicCache } from './public-cache';
import { matchRoute } from '../shared/routes';
import type { HttpResult } from '../shared/http/response';
import { LaunchError, startDynamoLocal, type RunningDynamo } from './dynamodb-local';
import { lockDataFolder } from './data-lock';
import { seedIfEmpty } from './seed';
import { withLocalKeyrings } from './local-secrets';
import { startDeliveryLoop } from './delivery-loop';
import { startSourcePollLoop } from './source-poll-loop';
import { OutboxStream, filePositions, relayPositionsFile } from './outbox-stream';
import { indexesToMigrate, migrateFirstMessage } from './table-check';
import { installInvokeStore, invokeLocally } from './invocations';
import { attachLive, type LiveHub, type LiveOptions } from './live';
import {
  attachPublicEvents,
  localApiKey,
  PUBLISH_PATH,
  REALTIME_PATH,
  type PublicEventsHub,
} from './public-events';
import { publishPublicChanges } from '../shared/app/public-live';
import type { AddressInfo } from 'node:net';
import type { Role } from '../shared/domain/types';

const PUBLIC_DIR = join(__dirname, 'public');
const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Browser libraries the desk page loads, served from node_modules under /ui/vendor/ (no build step).
 * An allow-list of single ESM files: nothing else in node_modules is reachable over HTTP.
 */
const HTM_DIR = dirname(dirname(require.resolve('htm')));
const VENDOR_FILES: Record<string, string> = {
  // Preact 10 + hooks + htm in one ES module with no bare imports, so the page needs no import map.
  'preact-htm.js': join(HTM_DIR, 'preact', 'standalone.module.js'),
};

/** The desk page and its assets, served only by the local server (GET / and /ui/*). */
function staticFile(pathname: string): { type: string; body: Buffer } | null {
  if (pathname.startsWith('/ui/vendor/')) {
    const vendor = VENDOR_FILES[pathname.slice('/ui/vendor/'.length)];
    return vendor ? { type: STATIC_TYPES['.js']!, body: readFileSync(vendor) } : null;
  }
  // Status tones live in the domain (shared/domain/tones.ts); the page reads them from here.
  if (pathname === '/ui/tones.json')
    return { type: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(STATUS_TONES)) };
  const rel =
    pathname === '/'
      ? 'index.html'
      : pathname === '/favicon.ico'
        ? 'icon.svg'
        : pathname.startsWith('/ui/')
          ? pathname.slice(4)
          : null;
  if (rel === null) return null;
  const file = normalize(join(PUBLIC_DIR, rel));
  if (!file.startsWith(PUBLIC_DIR) || !existsSync(file)) return null;
  const type = STATIC_TYPES[extname(file)];
  return type ? { type, body: readFileSync(file) } : null;
}

export interface LocalServerOptions {
  corsOrigins?: string[];
  /** The live WebSocket at /live (default: idle after 10 minutes, as TRACKER_LIVE_IDLE_SECONDS). */
  live?: LiveOptions;
  /**
   * Called after every write request's answer (POST, PUT, PATCH, DELETE): the outbox relay reads the
   * stream at once, so a write's notification leaves in milliseconds without polling it five times a
   * second (local/outbox-stream.ts).
   */
  afterWrite?: () => void;
  /**
   * The CDN's cache in front of the public routes (local/public-cache.ts): on unless false; tests
   * pass one with their own clock.
   */
  publicCache?: PublicCache | false;
  /** The key embeds subscribe to the public channels with (TRACKER_PUBLIC_EVENTS_KEY); default: one made at start. */
  publicEventsKey?: string;
}

/** The live hub of each local server: tests and the bench wait on its fan-outs. */
export const liveHubs = new WeakMap<Server, LiveHub>();
/** The public channels of each local server (local/public-events.ts): tests read what they delivered. */
export const publicEventHubs = new WeakMap<Server, PublicEventsHub>();

/** `http://<host>:<port>` of a listening server, as a browser on this machine reaches it. */
const listeningBase = (server: Server): string => {
  const { address, port } = server.address() as AddressInfo;
  const host =
    address === '::' || address === '0.0.0.0'
      ? 'localhost'
      : address.includes(':')
        ? `[${address}]`
        : address;
  return `http://${host}:${port}`;
};

/** The HTTP front door of the laptop setup: CORS, the status page, then the route table. */
export function createLocalServer(options: LocalServerOptions = {}): Server {
  const allowed = new Set(options.corsOrigins ?? []);
  const cache = options.publicCache === false ? undefined : (options.publicCache ?? new PublicCache());
  installInvokeStore();
  const server = createServer(async (req, res) => {
    // API Gateway's request id: on every answer (as `apigw-requestid`, which HTTP APIs send), in the
    // event, and on the functions' log lines as `correlation_id`, so one joins the other.
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    // The public channels' publish endpoint: this process's own publisher only (local/public-events.ts).
    if (publicEvents.handlePublish(req, res)) return;
    try {
      const target = requestTarget(req.url ?? '/');
      const origin = req.headers.origin;
      // A public route (contract 1.2) is readable from any page, as the CDN answers it in the cloud
      // (looked up only for a browser's cross-origin request: a request without Origin needs no CORS).
      const publicRoute = (origin !== undefined || req.method === 'OPTIONS') && isPublicPath(target.path);
      // Vary on every answer once origins are configured, so no cache serves one origin's answer to another.
      const cors: Record<string, string> = publicRoute
        ? {
            'Access-Control-Allow-Origin': '*',
            'Access-Control-Expose-Headers': PUBLIC_CORS.exposeHeaders.join(', '),
          }
        : origin && allowed.has(origin)
          ? {
              'Access-Control-Allow-Origin': origin,
              Vary: 'Origin',
              'Access-Control-Expose-Headers': CORS.exposeHeaders.join(', '),
            }
          : allowed.size > 0
            ? { Vary: 'Origin' }
            : {};
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        // A public route's policy, else the API's for an allowed origin, else none.
        const preflight = publicRoute ? PUBLIC_CORS : cors['Access-Control-Allow-Origin'] ? CORS : null;
        res.writeHead(204, {
          ...BASE_HEADERS,
          ...cors,
          ...(preflight
            ? {
                'Access-Control-Allow-Methods': preflight.allowMethods.join(', '),
                'Access-Control-Allow-Headers': preflight.allowHeaders.join(', '),
                'Access-Control-Max-Age': String(preflight.maxAgeSeconds),
              }
            : {}),
        });
        return res.end();
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const file = staticFile(target.path);
        if (file) {
          res.writeHead(200, {
            ...BASE_HEADERS,
            'Content-Type': file.type,
            'Cache-Control': 'no-cache',
            'Referrer-Policy': 'no-referrer',
            'Content-Security-Policy':
              // blob: images: the picture's PNG export draws its SVG through an <img>. 'self' covers ws(s)://
              // this host too (CSP 3), so the live socket needs nothing more.
              "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' blob:; " +
              "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
          });
          return res.end(file.body);
        }
      }
      const result = await throughCache(req, target, requestId, cache);
      // A body we stopped reading leaves the socket unusable: close it after this answer.
      await send(res, result, { ...cors, ...(result.statusCode === 413 ? { Connection: 'close' } : {}) });
      if (req.method !== 'GET' && req.method !== 'HEAD') options.afterWrite?.();
    } catch (error) {
      // A client that hangs up before its body has arrived is nothing the server did wrong.
      if (!req.complete && (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET')) {
        logger.info('client closed the connection before its body arrived', { requestId });
        return;
      }
      logger.error('local server failure', { error: String(error) });
      if (!res.headersSent)
        await send(res, problem(new InternalError('The server could not complete the request.')));
      else res.end();
    }
  });
  server.on('clientError', answerClientError);
  // The live WebSocket: the app context's published events reach its subscribed sockets.
  const live = attachLive(server, appContext, options.live ?? { idleMs: 600_000 });
  // The public channels of live embeds, as AppSync Events speaks them (local/public-events.ts).
  const publicKey = options.publicEventsKey ?? localApiKey();
  const publicEvents = attachPublicEvents(server, { apiKey: publicKey });
  publicEventHubs.set(server, publicEvents);
  // The context in use when the server starts listening (callers install theirs first) hands its
  // published events to this hub; composed, not replaced, so several servers over one context
  // (tests) each get every event.
  server.once('listening', () => {
    const ctx = appContext();
    // Unless the settings name an Event API of their own, embeds follow this server's channels,
    // published to by this process (its own signed HTTP publish, as a function publishes in the cloud).
    if (!ctx.config.publicEvents) {
      const base = listeningBase(server);
      ctx.config.publicEvents = {
        httpUrl: `${base}${PUBLISH_PATH}`,
        realtime: {
          url: `${base.replace(/^http/, 'ws')}${REALTIME_PATH}`,
          apiKey: publicKey,
        },
      };
      ctx.publicEvents = publicEvents.transport(base);
    }
    const previous = ctx.liveEvents;
    ctx.liveEvents = (events) => {
      previous(events);
      live.publish(events);
      const transport = ctx.publicEvents;
      // Best effort, never awaited by the write (shared/app/public-live.ts logs a failed publish).
      if (transport)
        void publishPublicChanges({ publicViews: ctx.publicViews, transport }, events).catch((error) =>
          logger.warn('public channel fan-out failed', { error: String(error) }),
        );
    };
  });
  liveHubs.set(server, live);
  // Upgraded sockets no longer count as the server's connections: closing the server closes them.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    live.stop();
    publicEvents.stop();
    return close(callback);
  };
  return server;
}

/** Whether a path is one of the public routes (a GET route marked `publicCache`). */
function isPublicPath(path: string): boolean {
  const match = matchRoute('GET', path);
  return match.kind === 'found' && match.route.publicCache === true;
}

/**
 * A public route's GET or HEAD goes through the cache as it would through the CDN: keyed on the
 * method, path and query only, asked of the origin without the reader's If-None-Match (the cache
 * answers that) or Authorization (a public route reads none, and the CDN forwards none). Other
 * requests go straight to the route table. `X-Cache` says which it was, as CloudFront's header does.
 */
async function throughCache(
  req: IncomingMessage,
  target: RequestTarget,
  requestId: string,
  cache: PublicCache | undefined,
): Promise<HttpResult> {
  const method = req.method ?? 'GET';
  const match =
    cache && (method === 'GET' || method === 'HEAD') ? matchRoute(method, target.path) : undefined;
  if (!cache || match?.kind !== 'found' || !match.route.publicCache) return dispatch(req, target, requestId);
  const { 'if-none-match': ifNoneMatch, authorization: _token, ...headers } = req.headers;
  // What the CDN sends the origin: a bodiless GET or HEAD with the reader's other headers.
  const originRequest = Object.assign(Readable.from([]), {
    method,
    headers,
    httpVersion: req.httpVersion,
    socket: req.socket,
  }) as unknown as IncomingMessage;
  const served = await cache.serve(`${method} ${target.path}?${target.rawQuery}`, ifNoneMatch, () =>
    dispatch(originRequest, target),
  );
  return {
    ...served.result,
    headers: { ...served.result.headers, 'X-Cache': `${served.outcome} from local cache` },
  };
}

/**
 * A request Node's HTTP parser refuses (raw non-ASCII in the target, malformed header lines, over
 * 16 KiB of headers) gets problem details like any other 400, not Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const detail =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request line and headers are too large.'
      : 'The request is not valid HTTP/1.1.';
  const result = problem(
    new ValidationError(detail, [{ path: '(request)', message: 'could not be parsed' }]),
  );
  const headers = {
    ...result.headers,
    'Content-Length': String(Buffer.byteLength(result.body)),
    Connection: 'close',
  };
  socket.end(
    `HTTP/1.1 400 Bad Request\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${result.body}`,
  );
}

/**
 * How long the local recounter gathers requests before recounting: bursts of writes to one scenario
 * cost one recount, and counts still lag a write by about 2 s, well inside the contract's 10 s.
 */
export const RECOUNT_DELAY_MS = 2000;

const LOCAL_TOKENS: [Role, string][] = [
  ['editor', 'local-editor'],
  ['reader', 'local-reader'],
  ['admin', 'local-admin'],
];

/**
 * Register TRACKER_*_TOKEN under fixed names, or mint fresh tokens and return them for printing once.
 * The values are checked first (readLocalSettings): sendable in a Bearer header and all different.
 */
export async function registerLocalTokens(
  ctx: AppContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ name: string; role: Role; token: string }[]> {
  const { tokens } = readLocalSettings(env);
  const minted: { name: string; role: Role; token: string }[] = [];
  for (const [role, name] of LOCAL_TOKENS) {
    const given = tokens[role];
    // Contract 1.2 "Drafts": the local editor may publish its own drafts (one person on a laptop).
    const selfPublish = role === 'editor';
    if (given) {
      await registerToken(ctx, name, role, given, selfPublish);
    } else {
      const token = mintToken();
      await registerToken(ctx, name, role, token, selfPublish);
      minted.push({ name, role, token });
    }
  }
  return minted;
}

async function main(): Promise<void> {
  const env = process.env;
  // `npm start -- --cloud`: the synthesized stack's bundles under their roles (local/cloud/). Loaded
  // only then: it brings the CDK app and the IAM evaluator, which the usual start never needs.
  if (process.argv.includes('--cloud')) {
    env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    return (await import('./cloud/start')).startCloudMode(env);
  }
  // Locally, metrics would be EMF blobs on the terminal; the SDK's Node 22 notice concerns Lambda, not this laptop.
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Every setting is checked before anything starts: a bad one ends here, in one line naming it.
  const settings = readLocalSettings(env);
  readConfig(env);
  const port = settings.port;
  // The embedded DynamoDB Local's files are this process's alone until it ends (a SIGKILL included).
  let unlock: (() => void) | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    try {
      unlock = lockDataFolder(settings.dataDir);
    } catch (error) {
      if (error instanceof LaunchError) {
        console.error(error.message);
        process.exit(1);
      }
      throw error;
    }
  }
  // The page-token and webhook sealing keyrings, unless set: kept in the data folder (the tools read them there).
  Object.assign(env, withLocalKeyrings(env, settings.dataDir, true));
  // Receivers on the laptop (http://localhost:…) are the usual thing here; the cloud stack sets false.
  if (!env.TRACKER_ALLOW_PRIVATE_WEBHOOKS) env.TRACKER_ALLOW_PRIVATE_WEBHOOKS = 'true';
  // Feed links point here unless the operator names another address (a proxy in front, say).
  if (!env.TRACKER_PUBLIC_URL) env.TRACKER_PUBLIC_URL = `http://localhost:${port}`;
  let dynamo: RunningDynamo | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    try {
      dynamo = await startDynamoLocal({ port: settings.dynamoLocalPort, dataDir: settings.dataDir });
    } catch (error) {
      if (error instanceof LaunchError) {
        console.error(error.message);
        unlock?.();
        process.exit(1);
      }
      throw error;
    }
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  }
  const cfg = readConfig(env);
  const ctx = createContext(cfg);
  setAppContext(ctx);
  const created = await ensureTable(ctx.db, cfg.tableName);
  // A data folder from an earlier version answers 500 on lists until it is migrated: say so at once.
  // The server keeps running: `npm run migrate` works through this server's DynamoDB Local.
  const missing = created ? [] : await indexesToMigrate(ctx.db, cfg.tableName);
  if (missing.length > 0) console.error(migrateFirstMessage(settings.dataDir, missing));
  if (settings.seed) {
    const seeded = await seedIfEmpty(ctx);
    if (seeded.length) logger.info('seeded scenario russia-ukraine-talks', { threads: seeded });
  }
  const minted = await registerLocalTokens(ctx);
  // Scenario counts follow thread writes within RECOUNT_DELAY_MS plus one recount (contract: 10 s).
  if (ctx.recounts instanceof LocalRecounter) ctx.recounts.start(RECOUNT_DELAY_MS);

  // Webhook deliveries and their retries: pending ones left by a previous run go out first.
  const deliveries = startDeliveryLoop(ctx);
  ctx.wakeDeliveries = deliveries.wake;
  ctx.deliveryLoop = deliveries;
  // News sources (contract 1.2): due ones polled every SOURCE_POLL_INTERVAL_SECONDS (0: never).
  const sources =
    settings.sourcePollIntervalSeconds > 0
      ? startSourcePollLoop(ctx, { intervalMs: settings.sourcePollIntervalSeconds * 1000 })
      : undefined;
  // Notifications leave the outbox as in the cloud: the table's stream, read by the relay, into this
  // process's fan-out (webhook subscriptions, live sockets). Its position is kept in the data folder,
  // so a restart relays what a crash left unrelayed, and nothing twice.
  if (!cfg.dynamodbEndpoint)
    throw new Error('The local server needs DYNAMODB_ENDPOINT: its outbox relay reads that stream.');
  const relay = new OutboxStream({
    endpoint: cfg.dynamodbEndpoint,
    tableName: cfg.tableName,
    publisher: ctx.publisher,
    positions: filePositions(relayPositionsFile(settings.dataDir)),
  });
  relay.start();

  const server = createLocalServer({
    corsOrigins: cfg.corsOrigins,
    live: { idleMs: settings.liveIdleSeconds * 1000 },
    afterWrite: () => relay.nudge(),
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, done);
  });
  logger.info('scenario tracker listening', {
    url: `http://localhost:${port}`,
    table: cfg.tableName,
    dynamodb: cfg.dynamodbEndpoint,
  });
  // Printed once, to the terminal only: these are the only copies (the table keeps hashes).
  for (const t of minted) process.stdout.write(`${t.role.padEnd(6)} token (${t.name}): ${t.token}\n`);

  // Bounded by readLocalSettings: above 2,147,483 s setInterval's delay overflows and fires every ms.
  const interval = settings.staleCheckIntervalSeconds;
  let timer: NodeJS.Timeout | undefined;
  if (interval > 0) {
    // The function as EventBridge runs it, over this server's context; loaded now that the settings
    // it reads as it loads have been checked (local/gateway.ts loads the others the same way).
    const staleCheck = (await import('../functions/stale-check')).handlerFor(appContext);
    timer = setInterval(() => {
      // A failed run has logged itself (under its request id); the next run tries again.
      invokeLocally('stale-check', (context) =>
        staleCheck({ time: new Date().toISOString() }, context),
      ).catch(() => undefined);
    }, interval * 1000);
  }

  const shutdown = async () => {
    if (timer) clearInterval(timer);
    deliveries.stop();
    sources?.stop();
    relay.stop();
    server.close();
    await dynamo?.stop();
    unlock?.();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(
      `scenario tracker failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  });
}
