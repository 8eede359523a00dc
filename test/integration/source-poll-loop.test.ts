import type { AppContext } from '../../shared/app/context';
import { createSource } from '../../shared/app/sources';
import { seedIfEmpty } from '../../local/seed';
import { startSourcePollLoop } from '../../local/source-poll-loop';
import { freshContext } from '../support/context';
import { startFeedServer, type FeedServer } from '../support/feed-server';

/**
 * `npm start`'s news poller (local/source-poll-loop.ts): it polls due sources on its own, each poll
 * on its own. Its beat is an hour here, so only the first beat (at start) and `wake()` run: what is
 * asserted never depends on a timer firing.
 */
describe('the local source poll loop', () => {
  let ctx: AppContext;
  let feeds: FeedServer;
  beforeAll(async () => {
    ctx = await freshContext({ allowPrivateWebhooks: true, sourceTimeoutMs: 30_000 }, {}, { stream: false });
    await seedIfEmpty(ctx);
    feeds = await startFeedServer([
      { title: 'Trump and Putin to meet in Alaska on 15 August', url: 'https://wire.example.org/alaska' },
    ]);
  });
  afterAll(() => feeds.close());

  it('polls a due source by itself, and does not wait for a stuck one to poll another', async () => {
    // Prepare
    const stuck = await createSource(ctx, { scenario: 'russia-ukraine-talks', url: feeds.url('/hold') });
    const quick = await createSource(ctx, { scenario: 'russia-ukraine-talks', url: feeds.url('/rss') });
    // Act
    const loop = startSourcePollLoop(ctx, { intervalMs: 3_600_000 });
    try {
      while (!(await ctx.sources.get(quick.id, true))?.lastFetchedAt) await new Promise(setImmediate);
      // Assess: the quick source is done while the stuck one cannot be (its feed answers only when
      // released, below), and the stuck one's request is indeed waiting meanwhile
      expect(await ctx.sources.get(quick.id, true)).toMatchObject({ lastResult: 200, failures: 0 });
      expect((await ctx.sources.get(stuck.id, true))?.lastFetchedAt).toBeNull();
      await feeds.whenHeld(1);
      const inbox = await ctx.inbox.list('russia-ukraine-talks', 'new', 10);
      expect(inbox.items.map((i) => [i.url, i.source])).toEqual([
        ['https://wire.example.org/alaska', quick.id],
      ]);
      feeds.release();
      await loop.idle();
      expect((await ctx.sources.get(stuck.id, true))?.lastResult).toBe(200);
    } finally {
      loop.stop();
    }
  });

  it('does not poll a source that is not due', async () => {
    // Prepare: polled just now (the test above), next due in 15 minutes
    const before = feeds.requests.length;
    const loop = startSourcePollLoop(ctx, { intervalMs: 3_600_000 });
    // Act
    loop.wake();
    await loop.idle();
    loop.stop();
    // Assess
    expect(feeds.requests.length).toBe(before);
  });
});
