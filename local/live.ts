import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppContext } from '../shared/app/context';
import {
  CLOSE_REVOKED,
  fanOutLive,
  handleLiveMessage,
  type LiveClose,
  type LiveConnection,
  type LiveRegistry,
  type LiveReply,
  type LiveSender,
} from '../shared/app/live';
import { authenticate } from '../shared/app/tokens';
import {
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  type TrackerError,
} from '../shared/domain/errors';
import type { TrackerEvent } from '../shared/domain/event';
import {
  LIVE_LIMITS,
  countMessage,
  errorFrame,
  LiveSubscriptionLimitError,
  type MessageCount,
  targetKey,
  type LiveTarget,
} from '../shared/domain/live-protocol';
import { asTrackerError, problem } from '../shared/http/problem';
import { logger } from '../shared/observability';
import { requestTarget } from './gateway';
import { REALTIME_PATH } from './public-events';

/** Where the local server takes WebSocket upgrades (contract 1.1 "Live updates"). */
export const LIVE_PATH = '/live';

/** How often every socket is pinged; one that has not answered the previous ping by then is dropped. */
export const LIVE_PING_MS = 30_000;

/** Close code of a connection idle for too long: 1001 "going away" (clients reconnect). */
export const CLOSE_IDLE = 1001;

/** A hard stop well above the protocol's own limit, which is answered with an error frame. */
const MAX_PAYLOAD = 16 * LIVE_LIMITS.messageBytes;

export interface LiveOptions {
  /** Close a connection after this long without a client message (TRACKER_LIVE_IDLE_SECONDS). */
  idleMs: number;
  /** Ping period (default LIVE_PING_MS): a socket that has not answered the previous ping is dropped. */
  pingMs?: number;
  /** How often every connection's token is checked again (default: the ping period). */
  tokenCheckMs?: number;
  /** The clock of the message limit and the token re-check (default Date.now): tests move it by hand. */
  now?: () => number;
}

/** The local registry: connections and subscriptions in memory (a server restart drops them; clients reconnect). */
export class MemoryLiveRegistry implements LiveRegistry {
  private readonly subscribers = new Map<string, Map<string, LiveConnection>>();
  private readonly connections = new Map<
    string,
    { connection: LiveConnection; targets: Set<string>; messages?: MessageCount; tokenCheckedAt: number }
  >();

  /** A connection whose token was found valid at `nowMs` (the handshake's check). */
  add(connection: LiveConnection, nowMs = Date.now()): void {
    this.connections.set(connection.connectionId, { connection, targets: new Set(), tokenCheckedAt: nowMs });
  }

  async admit(connectionId: string, nowMs: number) {
    const held = this.connections.get(connectionId);
    if (!held) return null;
    const { next, admitted } = countMessage(held.messages, nowMs);
    held.messages = next;
    return { admitted, tokenCheckedAt: held.tokenCheckedAt };
  }

  async tokenChecked(connectionId: string, nowMs: number): Promise<void> {
    const held = this.connections.get(connectionId);
    if (held) held.tokenCheckedAt = nowMs;
  }

  get size(): number {
    return this.connections.size;
  }

  async subscribe(connectionId: string, target: LiveTarget): Promise<boolean> {
    const held = this.connections.get(connectionId);
    if (!held) return false;
    const key = targetKey(target);
    if (!held.targets.has(key) && held.targets.size >= LIVE_LIMITS.subscriptionsPerConnection)
      throw new LiveSubscriptionLimitError(
        `A connection holds at most ${LIVE_LIMITS.subscriptionsPerConnection} subscriptions; unsubscribe from one first.`,
      );
    held.targets.add(key);
    const set = this.subscribers.get(key) ?? new Map<string, LiveConnection>();
    set.set(connectionId, held.connection);
    this.subscribers.set(key, set);
    return true;
  }

  async unsubscribe(connectionId: string, target: LiveTarget): Promise<void> {
    const key = targetKey(target);
    this.connections.get(connectionId)?.targets.delete(key);
    this.drop(key, connectionId);
  }

  async touch(): Promise<void> {}

  async subscribersOf(target: LiveTarget): Promise<LiveConnection[]> {
    return [...(this.subscribers.get(targetKey(target))?.values() ?? [])];
  }

  async remove(connectionId: string): Promise<void> {
    const held = this.connections.get(connectionId);
    if (!held) return;
    this.connections.delete(connectionId);
    for (const key of held.targets) this.drop(key, connectionId);
  }

  /** Every connection's subject, for the periodic token check. */
  all(): LiveConnection[] {
    return [...this.connections.values()].map((c) => c.connection);
  }

  private drop(key: string, connectionId: string): void {
    const set = this.subscribers.get(key);
    set?.delete(connectionId);
    if (set?.size === 0) this.subscribers.delete(key);
  }
}

interface Socket {
  ws: WebSocket;
  connection: LiveConnection;
  alive: boolean;
  idle: NodeJS.Timeout;
  /** Being closed by us: messages still arriving (a flood in flight) are dropped unread. */
  closing: boolean;
  /** The connection's messages are answered one after another, in order: this is the last one's answer. */
  answered: Promise<unknown>;
}

export interface LiveHub {
  /** Fan published events out to the subscribed sockets (never waits, never throws). */
  publish(events: readonly TrackerEvent[]): void;
  /** Resolves when every fan-out started so far has finished (tests, the bench). */
  settled(): Promise<void>;
  /** Open connections. */
  readonly size: number;
  /** Close every socket and stop the timers. */
  stop(): void;
}

/**
 * The local server's `/live`: the `ws` package on the HTTP server's upgrade event. The token comes
 * in the `token` query parameter (any role: every role includes reader) and is checked before the
 * upgrade: missing or refused → HTTP 401 with problem details, no WebSocket. The URL holding it is
 * never logged. Messages and events go through shared/app/live.ts, as in the cloud.
 */
export function attachLive(server: Server, ctx: () => AppContext, options: LiveOptions): LiveHub {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const registry = new MemoryLiveRegistry();
  const sockets = new Map<string, Socket>();
  const pending = new Set<Promise<unknown>>();

  const track = (work: Promise<unknown>) => {
    const p = work
      .catch((error) => logger.warn('live work failed', { error: String(error) }))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const now = options.now ?? Date.now;

  const end = (socket: Socket | undefined, how: LiveClose) => {
    if (!socket || socket.closing) return;
    socket.closing = true;
    socket.ws.close(how.code, how.reason);
  };
  const refuse = (socket: Socket | undefined) => end(socket, CLOSE_REVOKED);

  const sender: LiveSender = {
    async send(connectionId, frame) {
      const socket = sockets.get(connectionId);
      if (!socket || socket.ws.readyState !== socket.ws.OPEN) return false;
      socket.ws.send(frame);
      return true;
    },
    async refuse(connectionId) {
      refuse(sockets.get(connectionId));
    },
  };

  const deps = () => ({ registry, tokens: ctx().tokens });

  const resetIdle = (socket: Socket) => {
    clearTimeout(socket.idle);
    socket.idle = setTimeout(() => socket.ws.close(CLOSE_IDLE, 'idle'), options.idleMs);
    socket.idle.unref();
  };

  const accept = (ws: WebSocket, connection: LiveConnection, checkedAt: number) => {
    const socket: Socket = {
      ws,
      connection,
      alive: true,
      idle: setTimeout(() => undefined, 0),
      closing: false,
      answered: Promise.resolve(),
    };
    sockets.set(connection.connectionId, socket);
    registry.add(connection, checkedAt);
    resetIdle(socket);
    ws.on('pong', () => {
      socket.alive = true;
    });
    ws.on('message', (data, binary) => {
      if (socket.closing) return;
      resetIdle(socket);
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      // One message at a time per connection, answered in the order sent: the limit then counts them
      // in that order, and whatever arrives after the message that closed the connection is dropped.
      socket.answered = socket.answered.then(async () => {
        if (socket.closing || ws.readyState !== ws.OPEN) return;
        const reply = await handleLiveMessage(deps(), connection, raw, binary, now())
          // The database failed us: say so (503's code), as an HTTP request would be told.
          .catch((error): LiveReply => ({
            frame: errorFrame(asTrackerError(error)),
          }));
        if (ws.readyState !== ws.OPEN || socket.closing) return;
        ws.send(JSON.stringify(reply.frame));
        if (reply.close) end(socket, reply.close);
      });
      track(socket.answered);
    });
    ws.on('close', () => {
      clearTimeout(socket.idle);
      sockets.delete(connection.connectionId);
      void registry.remove(connection.connectionId);
    });
    ws.on('error', (error) => logger.warn('live socket error', { error: String(error) }));
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = requestTarget(req.url ?? '/');
    // The public channels' socket has its own handler (local/public-events.ts).
    if (target.path === REALTIME_PATH) return;
    socket.on('error', () => socket.destroy());
    if (target.path !== LIVE_PATH) {
      refuseUpgrade(
        socket,
        new NotFoundError(`WebSocket connections are taken at /live and ${REALTIME_PATH} only.`),
      );
      return;
    }
    const token = target.query.get('token');
    track(
      (async () => {
        let principal: Awaited<ReturnType<typeof authenticate>>;
        try {
          principal = token ? await authenticate(ctx(), `Bearer ${token}`) : null;
        } catch (error) {
          logger.warn('live handshake: token check failed', { error: String(error) });
          refuseUpgrade(socket, new UnavailableError('The token could not be checked; try again.'));
          return;
        }
        if (!principal) {
          refuseUpgrade(
            socket,
            new UnauthorizedError(
              token
                ? 'The token is not valid.'
                : 'Send a valid token in the token query parameter: /live?token=<token>.',
            ),
          );
          return;
        }
        const connection = { connectionId: randomUUID(), subject: principal.subject };
        const checkedAt = now();
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, connection, checkedAt));
      })(),
    );
  });

  // Keepalive: a peer that did not answer the last ping is dropped. The periodic token check: a
  // connection whose token was revoked is refused at this tick if no message or event came first.
  const pingMs = options.pingMs ?? LIVE_PING_MS;
  const checker = setInterval(() => track(checkTokens()), options.tokenCheckMs ?? pingMs);
  checker.unref();
  const ticker = setInterval(() => {
    for (const socket of sockets.values()) {
      if (socket.ws.readyState !== socket.ws.OPEN) continue;
      if (!socket.alive) {
        socket.ws.terminate();
        continue;
      }
      socket.alive = false;
      socket.ws.ping();
    }
  }, pingMs);
  ticker.unref();

  const checkTokens = async () => {
    const connections = registry.all();
    const subjects = [...new Set(connections.map((c) => c.subject))];
    const tokens = ctx().tokens;
    const gone = new Set(
      (await Promise.all(subjects.map(async (s) => ((await tokens.findByHash(s)) ? null : s)))).filter(
        (s) => s !== null,
      ),
    );
    for (const c of connections) if (gone.has(c.subject)) refuse(sockets.get(c.connectionId));
  };

  return {
    publish(events) {
      if (sockets.size === 0) return;
      track(fanOutLive({ ...deps(), sender }, events, Date.now()));
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    get size() {
      return sockets.size;
    },
    stop() {
      clearInterval(ticker);
      clearInterval(checker);
      for (const socket of sockets.values()) {
        clearTimeout(socket.idle);
        socket.ws.terminate();
      }
      wss.close();
    },
  };
}

/** Answer an upgrade we refuse with the problem details an HTTP request would get, then hang up. */
function refuseUpgrade(socket: Duplex, error: TrackerError): void {
  if (!socket.writable) return void socket.destroy();
  const result = problem(error);
  const reason =
    { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[result.statusCode] ?? 'Error';
  const headers = {
    ...result.headers,
    'Content-Length': String(Buffer.byteLength(result.body)),
    Connection: 'close',
  };
  socket.end(
    `HTTP/1.1 ${result.statusCode} ${reason}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${result.body}`,
  );
}
