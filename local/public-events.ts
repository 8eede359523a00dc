import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CHANNEL_PATH,
  PUBLIC_NAMESPACE,
  PUBLISH_BATCH_MAX,
  namespaceOf,
} from '../shared/domain/public-channel';
import { HttpPublicEvents, eventApiSigner, type PublicEventsTransport } from '../shared/events/public-events';
import { logger } from '../shared/observability';
import { requestTarget } from './gateway';

/**
 * The public channels on the laptop: the local server speaks AWS AppSync Events' protocol, so the
 * embed's client (shared/http/embed-script.ts) and the publisher (shared/events/public-events.ts)
 * are the same code against it as against the cloud's Event API.
 *
 * - `GET /event/realtime` upgrades to a WebSocket with the subprotocols `aws-appsync-event-ws` and
 *   `header-<base64url of {"host", "x-api-key"}>`; a missing or wrong key is refused at the
 *   handshake (401). Then `connection_init` → `connection_ack` (with `connectionTimeoutMs`), `ka`
 *   every `kaMs`; `subscribe` (id, channel, authorization with the key) → `subscribe_success`, or
 *   `subscribe_error` for a wrong key, a channel outside the `public` namespace, a bad path or an id
 *   in use; `unsubscribe` → `unsubscribe_success`; events arrive as `data` (`event` is a JSON text).
 *   Publishing over the socket is refused (`publish_error`): the namespace publishes by IAM only.
 * - `POST /event` with `{ channel, events }` publishes, signed with SigV4 by credentials that only
 *   this process's own publisher holds (made at start, never written anywhere): anything else is 403.
 */

export const REALTIME_PATH = '/event/realtime';
export const PUBLISH_PATH = '/event';
const SUBPROTOCOL = 'aws-appsync-event-ws';
/** The region the local publisher signs for: any name, as long as both sides use it. */
const LOCAL_REGION = 'local';

/** How long a client may go without a `ka` before it should give up on the connection (AppSync's 5 minutes). */
export const CONNECTION_TIMEOUT_MS = 300_000;

export interface PublicEventsOptions {
  /** The key readers subscribe with (TRACKER_PUBLIC_EVENTS_KEY, or one made at start). */
  apiKey: string;
  /** How often `ka` is sent (default 60 s). */
  kaMs?: number;
}

export interface PublicEventsHub {
  /** The publisher of this process: HTTP to this server's `/event`, signed with its own credentials. */
  transport(baseUrl: string): PublicEventsTransport;
  /** Answer `POST /event`; false when the request is not one (the caller goes on). */
  handlePublish(req: IncomingMessage, res: ServerResponse): boolean;
  /** Messages delivered so far, by channel (tests: nothing reached a channel it should not). */
  readonly delivered: ReadonlyMap<string, number>;
  readonly size: number;
  stop(): void;
}

/** A readers' key for a laptop that names none: random, so a page of one run cannot subscribe on another. */
export const localApiKey = (): string => `da2-local-${randomBytes(12).toString('hex')}`;

const base64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
/** The auth subprotocol an AppSync Events client sends for an API key. */
export const authSubprotocol = (host: string, apiKey: string): string =>
  `header-${base64url(JSON.stringify({ host, 'x-api-key': apiKey }))}`;

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

interface Connection {
  ws: WebSocket;
  /** Subscription id → channel. */
  subscriptions: Map<string, string>;
  ka?: NodeJS.Timeout;
}

type Errors = { errorType: string; message: string }[];
const unauthorized = (message: string): Errors => [{ errorType: 'UnauthorizedException', message }];
const badRequest = (message: string): Errors => [{ errorType: 'BadRequestException', message }];

export function attachPublicEvents(server: Server, options: PublicEventsOptions): PublicEventsHub {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 256 * 1024,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  // The only credentials that may publish: this process's, handed to its own publisher only.
  const credentials = {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(32).toString('base64'),
  };
  const signer = eventApiSigner(LOCAL_REGION, credentials);
  const byChannel = new Map<string, Map<Connection, Set<string>>>();
  const connections = new Set<Connection>();
  const delivered = new Map<string, number>();
  const kaMs = options.kaMs ?? 60_000;

  const keyOf = (authorization: unknown): string | undefined =>
    typeof authorization === 'object' && authorization !== null
      ? ((authorization as Record<string, unknown>)['x-api-key'] as string | undefined)
      : undefined;
  const validKey = (key: unknown) => typeof key === 'string' && sameText(key, options.apiKey);

  const send = (c: Connection, message: unknown) => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(message));
  };

  const drop = (c: Connection, id: string) => {
    const channel = c.subscriptions.get(id);
    if (channel === undefined) return false;
    c.subscriptions.delete(id);
    const subscribers = byChannel.get(channel);
    const ids = subscribers?.get(c);
    ids?.delete(id);
    if (ids && ids.size === 0) subscribers!.delete(c);
    if (subscribers && subscribers.size === 0) byChannel.delete(channel);
    return true;
  };

  const onMessage = (c: Connection, raw: string) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(raw) as Record<string, unknown>;
      if (typeof message !== 'object' || message === null) throw new Error('not an object');
    } catch {
      return send(c, { type: 'error', errors: badRequest('A message is a JSON object.') });
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    switch (message.type) {
      case 'connection_init':
        send(c, { type: 'connection_ack', connectionTimeoutMs: CONNECTION_TIMEOUT_MS });
        clearInterval(c.ka);
        c.ka = setInterval(() => send(c, { type: 'ka' }), kaMs);
        c.ka.unref();
        return;
      case 'subscribe': {
        if (!id)
          return send(c, { type: 'subscribe_error', errors: badRequest('A subscription needs an id.') });
        const channel = message.channel;
        if (!validKey(keyOf(message.authorization)))
          return send(c, { type: 'subscribe_error', id, errors: unauthorized('The API key is not valid.') });
        if (typeof channel !== 'string' || !CHANNEL_PATH.test(channel))
          return send(c, {
            type: 'subscribe_error',
            id,
            errors: badRequest('The channel path is not valid.'),
          });
        if (namespaceOf(channel) !== PUBLIC_NAMESPACE)
          return send(c, {
            type: 'subscribe_error',
            id,
            errors: badRequest(`No channel namespace ${namespaceOf(channel)}.`),
          });
        if (c.subscriptions.has(id))
          return send(c, {
            type: 'subscribe_error',
            id,
            errors: badRequest('The subscription id is in use.'),
          });
        c.subscriptions.set(id, channel);
        const subscribers = byChannel.get(channel) ?? new Map<Connection, Set<string>>();
        subscribers.set(c, (subscribers.get(c) ?? new Set()).add(id));
        byChannel.set(channel, subscribers);
        return send(c, { type: 'subscribe_success', id });
      }
      case 'unsubscribe':
        if (id && drop(c, id)) return send(c, { type: 'unsubscribe_success', id });
        return send(c, { type: 'unsubscribe_error', id, errors: badRequest('No such subscription.') });
      case 'publish':
        return send(c, {
          type: 'publish_error',
          id,
          errors: unauthorized('The public namespace is published to by the tracker only.'),
        });
      default:
        return send(c, { type: 'error', id, errors: badRequest('Unknown message type.') });
    }
  };

  const deliver = (channel: string, events: string[]) => {
    const subscribers = byChannel.get(channel);
    if (!subscribers) return;
    for (const [c, ids] of subscribers)
      for (const id of ids)
        for (const event of events) {
          send(c, { type: 'data', id, event });
          delivered.set(channel, (delivered.get(channel) ?? 0) + 1);
        }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requestTarget(req.url ?? '/').path !== REALTIME_PATH) return;
    socket.on('error', () => socket.destroy());
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const header = offered.find((p) => p.startsWith('header-'));
    let key: unknown;
    try {
      key = header
        ? keyOf(JSON.parse(Buffer.from(header.slice(7), 'base64url').toString('utf8')))
        : undefined;
    } catch {
      key = undefined;
    }
    if (!offered.includes(SUBPROTOCOL) || !validKey(key)) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
          JSON.stringify({
            errors: unauthorized('Connect with the aws-appsync-event-ws subprotocol and a valid API key.'),
          }),
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Connection = { ws, subscriptions: new Map() };
      connections.add(c);
      ws.on('message', (data) => onMessage(c, String(data)));
      ws.on('close', () => {
        clearInterval(c.ka);
        for (const id of [...c.subscriptions.keys()]) drop(c, id);
        connections.delete(c);
      });
      ws.on('error', (error) => logger.warn('public events socket error', { error: String(error) }));
    });
  });

  /** Whether the request carries a SigV4 signature this process's credentials made, for this very request. */
  const signedByUs = async (req: IncomingMessage, body: string): Promise<boolean> => {
    const authorization = String(req.headers.authorization ?? '');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';');
    const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!signedHeaders || !when || !authorization.includes(`Credential=${credentials.accessKeyId}/`))
      return false;
    const signingDate = new Date(`${when[1]}-${when[2]}-${when[3]}T${when[4]}:${when[5]}:${when[6]}Z`);
    // As SigV4 services do: a signature more than 5 minutes off is refused (no replay later).
    if (Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return false;
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) return false;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const again = await signer.sign(
      {
        method: req.method ?? 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        path: url.pathname,
        query: {},
        headers,
        body,
      },
      { signingDate },
    );
    return sameText(String(again.headers.authorization ?? ''), authorization);
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  return {
    transport(baseUrl) {
      return new HttpPublicEvents(`${baseUrl}${PUBLISH_PATH}`, LOCAL_REGION, credentials);
    },
    handlePublish(req, res) {
      if (requestTarget(req.url ?? '/').path !== PUBLISH_PATH) return false;
      if (req.method !== 'POST') {
        answer(res, 405, { errors: badRequest('Publish with POST.') });
        return true;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        void signedByUs(req, body)
          .then((ok) => {
            if (!ok)
              return answer(res, 403, {
                errors: unauthorized('Only the tracker publishes to the public namespace.'),
              });
            let parsed: { channel?: unknown; events?: unknown };
            try {
              parsed = JSON.parse(body) as typeof parsed;
            } catch {
              return answer(res, 400, { errors: badRequest('The body is not JSON.') });
            }
            const { channel, events } = parsed;
            if (
              typeof channel !== 'string' ||
              !CHANNEL_PATH.test(channel) ||
              namespaceOf(channel) !== PUBLIC_NAMESPACE
            )
              return answer(res, 400, { errors: badRequest('The channel is not in the public namespace.') });
            if (
              !Array.isArray(events) ||
              events.length === 0 ||
              events.length > PUBLISH_BATCH_MAX ||
              !events.every((e) => typeof e === 'string')
            )
              return answer(res, 400, {
                errors: badRequest(`events: 1 to ${PUBLISH_BATCH_MAX} JSON texts.`),
              });
            deliver(channel, events as string[]);
            return answer(res, 200, {
              successful: events.map((_, index) => ({ identifier: randomUUID(), index })),
              failed: [],
            });
          })
          .catch((error) => {
            logger.warn('public events publish failed', { error: String(error) });
            answer(res, 500, { errors: [{ errorType: 'InternalFailure', message: 'publish failed' }] });
          });
      });
      return true;
    },
    delivered,
    get size() {
      return connections.size;
    },
    stop() {
      for (const c of connections) {
        clearInterval(c.ka);
        c.ws.terminate();
      }
      wss.close();
    },
  };
}
