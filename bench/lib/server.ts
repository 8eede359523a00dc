import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { appContext, type AppContext } from '../../shared/app/context';
import { OutboxStream } from '../../local/outbox-stream';
import { createLocalServer, registerLocalTokens } from '../../local/server';
import { seedIfEmpty } from '../../local/seed';

export const BENCH_TOKENS = {
  reader: 'bench-reader-token-0123456789',
  editor: 'bench-editor-token-0123456789',
  admin: 'bench-admin-token-0123456789',
};

/** Seed the Istanbul scenario and register fixed tokens, as `npm start` and test/support/server.ts do. */
export async function prepareTable(ctx: AppContext, seed = true): Promise<void> {
  if (seed) await seedIfEmpty(ctx);
  await registerLocalTokens(ctx, {
    TRACKER_READER_TOKEN: BENCH_TOKENS.reader,
    TRACKER_EDITOR_TOKEN: BENCH_TOKENS.editor,
    TRACKER_ADMIN_TOKEN: BENCH_TOKENS.admin,
  });
}

/**
 * The local server (the context installed with setAppContext) on a free port. With `relay`, its
 * outbox relay over the table's stream runs too (as `npm start` runs it), so notifications reach
 * subscriptions and live sockets; without, no request is made but the measured ones (request cost).
 */
export async function listen(
  options: { relay?: boolean } = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createLocalServer({});
  const ctx = appContext();
  const relay = options.relay
    ? new OutboxStream({
        endpoint: ctx.config.dynamodbEndpoint!,
        tableName: ctx.config.tableName,
        publisher: ctx.publisher,
      })
    : undefined;
  relay?.start();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((done) => {
        relay?.stop();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
