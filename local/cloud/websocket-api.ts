import type { IncomingMessage } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOUD_ACCOUNT, CLOUD_REGION } from './intrinsics';
import type { Lambdas } from './lambdas';
import type { LiveApi } from './model';

/**
 * API Gateway's WebSocket API, as the template declares it: `$connect` behind its REQUEST
 * authorizer (identity source missing → 401 without calling it; a thrown `Unauthorized` → 401; a
 * Deny → 403), then the `$connect` route; each message to the route its `action` selects (else
 * `$default`), with the route's answer sent back when the route returns its response; `$disconnect`
 * when either side closes; and the management API (`@connections`) the functions call back.
 */
export class WebSocketApi {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<
    string,
    {
      ws: WebSocket;
      connectedAt: number;
      lastActiveAt: number;
      ip: string;
      authorizer: Record<string, unknown>;
    }
  >();

  constructor(
    private readonly api: LiveApi,
    private readonly lambdas: Lambdas,
    private readonly log: (line: string) => void,
  ) {}

  get connections(): number {
    return this.sockets.size;
  }

  private context(
    routeKey: string,
    eventType: string,
    connectionId: string,
    extra: Record<string, unknown> = {},
  ) {
    return {
      routeKey,
      eventType,
      connectionId,
      requestId: randomUUID(),
      apiId: this.api.apiId,
      stage: this.api.stage,
      domainName: `${this.api.apiId}.execute-api.${CLOUD_REGION}.amazonaws.com`,
      requestTimeEpoch: Date.now(),
      connectedAt: this.sockets.get(connectionId)?.connectedAt ?? Date.now(),
      ...extra,
    };
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, text: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: text })}`,
      );
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const connectionId = `${randomBytes(9).toString('base64url')}=`;
    const connect = this.api.routes.$connect;
    let authorizer: Record<string, unknown> = {};
    if (this.api.authorizer) {
      const identity = this.api.authorizer.identitySource.map((s) => {
        const q = /^route\.request\.querystring\.(.+)$/.exec(s);
        if (q) return query[q[1]!];
        const h = /^route\.request\.header\.(.+)$/.exec(s);
        if (h) return headers[h[1]!.toLowerCase()];
        throw new Error(`identity source ${s} is not emulated`);
      });
      if (identity.some((v) => !v)) return refuse(401, 'Unauthorized');
      let policy: any;
      try {
        policy = await this.lambdas.invoke(this.api.authorizer.function, {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:${CLOUD_REGION}:${CLOUD_ACCOUNT}:${this.api.apiId}/${this.api.stage}/$connect`,
          headers,
          queryStringParameters: query,
          requestContext: this.context('$connect', 'CONNECT', connectionId),
        });
      } catch (error) {
        return String(error).includes('Unauthorized')
          ? refuse(401, 'Unauthorized')
          : refuse(500, 'Internal Server Error');
      }
      const allowed = (policy?.policyDocument?.Statement ?? []).some((s: any) => s.Effect === 'Allow');
      if (!allowed) return refuse(403, 'Forbidden');
      authorizer = { principalId: policy.principalId, ...(policy.context ?? {}) };
    }
    const ip = req.socket.remoteAddress ?? '127.0.0.1';
    if (connect) {
      const placeholder = {
        ws: undefined as unknown as WebSocket,
        connectedAt: Date.now(),
        lastActiveAt: Date.now(),
        ip,
        authorizer,
      };
      this.sockets.set(connectionId, placeholder);
      let answer: any;
      try {
        answer = await this.lambdas.invoke(connect.function, {
          requestContext: this.context('$connect', 'CONNECT', connectionId, {
            authorizer,
            identity: { sourceIp: ip },
          }),
          headers,
          queryStringParameters: query,
          isBase64Encoded: false,
        });
      } catch (error) {
        this.sockets.delete(connectionId);
        this.log(`$connect failed: ${String(error)}`);
        return refuse(500, 'Internal Server Error');
      }
      const status = answer?.statusCode ?? 200;
      if (status < 200 || status > 299) {
        this.sockets.delete(connectionId);
        return refuse(status, 'Forbidden');
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const entry = this.sockets.get(connectionId) ?? {
        connectedAt: Date.now(),
        lastActiveAt: Date.now(),
        ip,
        authorizer,
        ws,
      };
      entry.ws = ws;
      this.sockets.set(connectionId, entry);
      ws.on('message', (data, isBinary) => {
        entry.lastActiveAt = Date.now();
        void this.message(connectionId, data as Buffer, isBinary);
      });
      ws.on('close', () => {
        if (!this.sockets.has(connectionId)) return;
        this.sockets.delete(connectionId);
        void this.disconnect(connectionId, authorizer);
      });
    });
  }

  private async message(connectionId: string, data: Buffer, isBinary: boolean): Promise<void> {
    const entry = this.sockets.get(connectionId);
    if (!entry) return;
    let action: string | undefined;
    try {
      action = isBinary ? undefined : (JSON.parse(data.toString('utf8')) as { action?: string }).action;
    } catch {
      action = undefined;
    }
    const key = action && this.api.routes[action] ? action : '$default';
    const route = this.api.routes[key];
    if (!route) return;
    try {
      const answer = await this.lambdas.invoke(route.function, {
        requestContext: this.context(key, 'MESSAGE', connectionId, {
          messageId: randomUUID(),
          authorizer: entry.authorizer,
          identity: { sourceIp: entry.ip },
        }),
        body: isBinary ? data.toString('base64') : data.toString('utf8'),
        isBase64Encoded: isBinary,
      });
      if (route.returnResponse && answer?.body && entry.ws.readyState === entry.ws.OPEN)
        entry.ws.send(answer.body);
    } catch (error) {
      this.log(`${key} failed: ${String(error)}`);
      if (entry.ws.readyState === entry.ws.OPEN)
        entry.ws.send(
          JSON.stringify({ message: 'Internal server error', connectionId, requestId: randomUUID() }),
        );
    }
  }

  private async disconnect(connectionId: string, authorizer: Record<string, unknown>): Promise<void> {
    const route = this.api.routes.$disconnect;
    if (!route) return;
    await this.lambdas
      .invoke(route.function, {
        requestContext: this.context('$disconnect', 'DISCONNECT', connectionId, { authorizer }),
        isBase64Encoded: false,
      })
      .catch((error) => this.log(`$disconnect failed: ${String(error)}`));
  }

  /** The management API: what a function's PostToConnection, GetConnection, DeleteConnection do. */
  manage(method: string, connectionId: string, body: Buffer): { status: number; body?: unknown } {
    const entry = this.sockets.get(connectionId);
    if (!entry || !entry.ws) return { status: 410, body: { message: 'Gone' } };
    entry.lastActiveAt = Date.now();
    if (method === 'POST') {
      entry.ws.send(body.toString('utf8'));
      return { status: 200 };
    }
    if (method === 'DELETE') {
      entry.ws.close(1000);
      return { status: 204 };
    }
    return {
      status: 200,
      body: {
        ConnectedAt: new Date(entry.connectedAt).toISOString(),
        LastActiveAt: new Date(entry.lastActiveAt).toISOString(),
        Identity: { SourceIp: entry.ip },
      },
    };
  }

  close(): void {
    for (const { ws } of this.sockets.values()) ws?.terminate();
    this.sockets.clear();
    this.wss.close();
  }
}
