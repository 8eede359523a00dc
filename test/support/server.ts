import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AppContext } from '../../shared/app/context';
import type { Config } from '../../shared/config';
import { createLocalServer, registerLocalTokens } from '../../local/server';
import type { LiveOptions } from '../../local/live';
import type { PublicCache } from '../../local/public-cache';
import { seedIfEmpty } from '../../local/seed';
import { freshContext, outboxRelay } from './context';

export interface TestServer {
  url: string;
  ctx: AppContext;
  tokens: { reader: string; editor: string; admin: string };
  server: Server;
  close(): Promise<void>;
  /** fetch against the server with a role's token and JSON defaults. */
  call(
    method: string,
    path: string,
    options?: {
      role?: 'reader' | 'editor' | 'admin' | null;
      body?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; body: any; text: string }>;
}

/**
 * The local server, as `npm start` runs it, over a fresh table, on a free port. `config` overrides
 * settings (another DynamoDB Local, shorter timeouts).
 */
export async function startTestServer(
  options: {
    seed?: boolean;
    corsOrigins?: string[];
    config?: Partial<Config>;
    live?: LiveOptions;
    /** The public routes' in-process cache (local/public-cache.ts): on by default, as `npm start` runs it. */
    publicCache?: PublicCache | false;
    /**
     * `false` for a file that checks nothing a write publishes (no subscription, live socket or
     * event): no outbox relay, and a table without a stream, which keeps DynamoDB Local fast for the
     * rest of the run (test/support/context.ts). Committed events stay in their outbox items.
     */
    notifications?: false;
  } = {},
): Promise<TestServer> {
  const notifications = options.notifications !== false;
  const ctx = await freshContext(options.config, {}, { stream: notifications });
  if (options.seed !== false) await seedIfEmpty(ctx);
  const tokens = { reader: 'test-reader-token', editor: 'test-editor-token', admin: 'test-admin-token' };
  await registerLocalTokens(ctx, {
    TRACKER_READER_TOKEN: tokens.reader,
    TRACKER_EDITOR_TOKEN: tokens.editor,
    TRACKER_ADMIN_TOKEN: tokens.admin,
  });
  // As `npm start` does: notifications leave through the relay over the table's stream, read after
  // every write request and once a second.
  const relay = notifications ? outboxRelay(ctx) : null;
  const server = createLocalServer({
    corsOrigins: options.corsOrigins ?? [],
    ...(options.live ? { live: options.live } : {}),
    ...(options.publicCache !== undefined ? { publicCache: options.publicCache } : {}),
    afterWrite: () => relay?.nudge(),
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  relay?.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // As `npm start` does: links point at the server itself unless a test names another address.
  ctx.config.publicUrl ??= url;
  return {
    url,
    ctx,
    tokens,
    server,
    close: () =>
      new Promise<void>((done) => {
        relay?.stop();
        server.closeAllConnections();
        server.close(() => done());
      }),
    async call(method, path, { role = 'editor', body, headers = {} } = {}) {
      const h: Record<string, string> = { ...(role ? { Authorization: `Bearer ${tokens[role]}` } : {}) };
      let payload: string | undefined;
      if (body !== undefined) {
        h['Content-Type'] = 'application/json';
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...h, ...headers },
        ...(payload !== undefined ? { body: payload } : {}),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
}
