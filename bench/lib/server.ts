import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AppContext } from '../../shared/app/context';
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

/** The local server (the context installed with setAppContext) on a free port. */
export async function listen(): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createLocalServer({});
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
