import WebSocket from 'ws';

/** A WebSocket client of the live endpoint that keeps every frame it receives, in order. */
export interface LiveClient {
  ws: WebSocket;
  /** Every JSON frame received so far. */
  frames: any[];
  /** The first frame (from the start, or after `after` frames) that satisfies `test`, awaited. */
  next(test: (frame: any) => boolean, after?: number): Promise<any>;
  send(message: unknown): void;
  /** Send a ping message and wait for its Pong: every frame sent before it has arrived by then. */
  roundTrip(): Promise<void>;
  /** Resolves with the close code and reason when the server (or we) closed the connection. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export const liveUrl = (httpUrl: string, token?: string | null): string =>
  `${httpUrl.replace(/^http/, 'ws')}/live${token === undefined || token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Open a connection; rejects when the handshake is refused. */
export function openLive(httpUrl: string, token: string): Promise<LiveClient> {
  const ws = new WebSocket(liveUrl(httpUrl, token));
  const frames: any[] = [];
  const waiters: { test: (f: any) => boolean; after: number; done: (f: any) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.test(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((done) =>
    ws.on('close', (code, reason) => done({ code, reason: String(reason) })),
  );
  const client: LiveClient = {
    ws,
    frames,
    next(test, after = 0) {
      const found = frames.slice(after).find(test);
      if (found) return Promise.resolve(found);
      return new Promise((done) => waiters.push({ test, after, done }));
    },
    send(message) {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    async roundTrip() {
      const after = frames.length;
      client.send({ action: 'ping' });
      await client.next((f) => f.type === 'Pong', after);
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
  return new Promise((done, fail) => {
    ws.once('open', () => done(client));
    ws.once('unexpected-response', (_req, res) => fail(new Error(`handshake answered ${res.statusCode}`)));
    ws.once('error', fail);
  });
}

/** Try a handshake and report the HTTP answer that refused it (status, headers, parsed body). */
export function refusedHandshake(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const ws = new WebSocket(url);
  return new Promise((done, fail) => {
    ws.once('open', () => {
      ws.terminate();
      fail(new Error('the handshake was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        }),
      );
    });
    ws.once('error', () => undefined);
  });
}
