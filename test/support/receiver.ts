import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered (null: it never answered). */
  answered: number | null;
}

/** What to answer a request with: a status, or 'hang' to never answer. */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Change the answer from now on. */
  answer: Answer;
  /** Resolves once `n` requests in all have arrived. */
  waitFor(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real webhook receiver on 127.0.0.1: records every request and answers as told. */
export async function startReceiver(answer: Answer = 204): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { n: number; done: (r: Received[]) => void }[] = [];
  const state = { answer };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const now = state.answer;
      received.push({ headers: req.headers, body, answered: now === 'hang' ? null : now });
      for (const w of [...waiters])
        if (received.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(received.slice());
        }
      if (now !== 'hang') res.writeHead(now).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    get answer() {
      return state.answer;
    },
    set answer(a: Answer) {
      state.answer = a;
    },
    waitFor: (n) =>
      received.length >= n
        ? Promise.resolve(received.slice())
        : new Promise((done) => waiters.push({ n, done })),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
