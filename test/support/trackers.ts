import { setAppContext, type AppContext } from '../../shared/app/context';
import { LocalRecounter } from '../../shared/app/scenarios';
import { registerLocalTokens } from '../../local/server';
import { freshContext } from './context';
import type { TestServer } from './server';

/**
 * A tracker the local server can be pointed at: its context (a table of its own). The server runs
 * every function over the installed context (`appContext`), so `use` switches which table the same
 * server, routes and tokens answer from.
 */
export interface Tracker {
  ctx: AppContext;
  use(): void;
}

/** The tracker a test server started with. */
export const firstTracker = (s: TestServer): Tracker => ({ ctx: s.ctx, use: () => setAppContext(s.ctx) });

/**
 * Another, empty tracker in the same DynamoDB Local: a fresh table with the test server's tokens.
 * Installed when made; `use` the first one again to go back.
 */
export async function emptyTracker(s: TestServer): Promise<Tracker> {
  const ctx = await freshContext(s.ctx.config.publicUrl ? { publicUrl: s.ctx.config.publicUrl } : {});
  await registerLocalTokens(ctx, {
    TRACKER_READER_TOKEN: s.tokens.reader,
    TRACKER_EDITOR_TOKEN: s.tokens.editor,
    TRACKER_ADMIN_TOKEN: s.tokens.admin,
  });
  return { ctx, use: () => setAppContext(ctx) };
}

/** Run the recounts the writes so far asked for (the local recounter runs them in this process). */
export const recounted = async (ctx: AppContext): Promise<void> => {
  if (ctx.recounts instanceof LocalRecounter) await ctx.recounts.flush();
};
