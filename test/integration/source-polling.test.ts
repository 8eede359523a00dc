import type { AppContext } from '../../shared/app/context';
import { createSource, pollDueSources, pollIfDue } from '../../shared/app/sources';
import { readConfig } from '../../shared/config';
import { SOURCE_MAX_BYTES, SOURCE_TIMEOUT_MS } from '../../shared/domain/limits';
import type { Source } from '../../shared/domain/sources';
import { USER_AGENT } from '../../shared/events/feed-fetcher';
import { seedIfEmpty } from '../../local/seed';
import { freshContext } from '../support/context';
import { rawHeader, startFeedServer, type FeedServer } from '../support/feed-server';

/**
 * Polling etiquette (issue 27, "Done when"), against the local feed server, over DynamoDB Local.
 * Deterministic: every poll is given its clock (`nowMs`, each the time the source is next due), so
 * intervals, back-off and Retry-After are read off the stored `nextFetchAt` exactly; the fetch
 * timeout is the context's setting (shortened here, the shipped 10 s asserted apart); no sleeps.
 */

const SCENARIO = 'russia-ukraine-talks';
const MINUTE = 60_000;
const T0 = Date.parse('2026-01-05T09:00:00.000Z');

describe('polling a news source politely', () => {
  let ctx: AppContext;
  let feeds: FeedServer;
  beforeAll(async () => {
    // The shipped timeout (10 s): a feed that answers is never cut short by a busy machine; the
    // test of a feed that never ends sets a short one for itself.
    ctx = await freshContext(
      { allowPrivateWebhooks: true, sourceTimeoutMs: SOURCE_TIMEOUT_MS },
      {},
      { stream: false },
    );
    await seedIfEmpty(ctx);
    feeds = await startFeedServer([
      {
        title: 'EU adopts 17th sanctions package against Russia',
        summary: 'The package targets the shadow fleet.',
        url: 'https://wire.example.org/eu-17th-package',
        publishedAt: '2025-05-20T10:00:00.000Z',
        language: 'en',
      },
    ]);
  });
  afterAll(() => feeds.close());
  beforeEach(() => {
    feeds.failWith = null;
  });

  const source = (path: string, intervalMinutes = 5): Promise<Source> =>
    createSource(ctx, { scenario: SCENARIO, url: feeds.url(path), intervalMinutes }, T0);
  const stored = async (id: string) => (await ctx.sources.get(id, true))!;
  /** Poll the source at the time it is next due; the delay it then set, in minutes. */
  const pollWhenDue = async (id: string) => {
    const at = Date.parse((await stored(id)).nextFetchAt);
    const report = await pollIfDue(ctx, id, at);
    const after = await stored(id);
    return { report, after, delayMinutes: (Date.parse(after.nextFetchAt) - at) / MINUTE };
  };

  it('sends the ETag and Last-Modified back byte for byte, and honours the 304 it gets', async () => {
    // Prepare: validators no formatter would produce (a weak tag with spaces, a date with two spaces)
    feeds.validators = { etag: 'W/"17th  package; v=1"', lastModified: 'Tue,  20 May 2025 10:00:00 GMT' };
    const s = await source('/rss?conditional');
    const first = await pollWhenDue(s.id);
    // Act
    const second = await pollWhenDue(s.id);
    // Assess
    const [firstRequest, secondRequest] = feeds.requestsTo('/rss').slice(-2);
    expect(first.report).toMatchObject({ result: 200, newItems: 1 });
    expect(rawHeader(firstRequest!, 'if-none-match')).toBeUndefined();
    expect(rawHeader(secondRequest!, 'if-none-match')).toBe('W/"17th  package; v=1"');
    expect(rawHeader(secondRequest!, 'if-modified-since')).toBe('Tue,  20 May 2025 10:00:00 GMT');
    expect(second.report).toMatchObject({ result: 304, newItems: 0 });
    expect(second.after).toMatchObject({ lastResult: 304, failures: 0 });
    expect(second.delayMinutes).toBe(5);
  });

  it('names the tracker in its User-Agent', async () => {
    const s = await source('/json');
    await pollWhenDue(s.id);
    const request = feeds.requestsTo('/json').at(-1)!;
    expect(rawHeader(request, 'user-agent')).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^scenario-tracker/);
  });

  it('honours Retry-After in seconds on a 429: not polled again before it', async () => {
    // Prepare: asks for two hours, more than the first back-off (2 × 5 minutes)
    const s = await source('/status/429?retryAfter=7200');
    // Act
    const { report, after, delayMinutes } = await pollWhenDue(s.id);
    // Assess
    expect(report?.result).toBe(429);
    expect(after.failures).toBe(1);
    expect(delayMinutes).toBe(120);
  });

  it('honours Retry-After as an HTTP date on a 503', async () => {
    // Prepare: the date is three hours after the poll's clock (T0, when the source is due)
    const at = new Date(T0 + 3 * 60 * MINUTE).toUTCString();
    const s = await source(`/status/503?retryAfter=${encodeURIComponent(at)}`);
    // Act
    const { report, delayMinutes } = await pollWhenDue(s.id);
    // Assess
    expect(report?.result).toBe(503);
    expect(delayMinutes).toBe(180);
  });

  it('caps a Retry-After at 24 h, like the back-off', async () => {
    const s = await source('/status/429?retryAfter=604800');
    const { delayMinutes } = await pollWhenDue(s.id);
    expect(delayMinutes).toBe(24 * 60);
  });

  it('backs off exponentially on failure, doubling to its 24 h cap, and a success resets it', async () => {
    // Prepare
    const s = await source('/atom?flaky');
    feeds.failWith = 500;
    // Act
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) delays.push((await pollWhenDue(s.id)).delayMinutes);
    feeds.failWith = null;
    const recovered = await pollWhenDue(s.id);
    // Assess
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440]);
    expect((await stored(s.id)).failures).toBe(0);
    expect(recovered.report?.result).toBe(200);
    expect(recovered.delayMinutes).toBe(5);
  });

  it('enforces the 5 MB cap: 5 MB is read, one byte more is too_large (streamed or declared)', async () => {
    // Prepare
    const exactly = await source(`/large?bytes=${SOURCE_MAX_BYTES}`);
    const over = await source(`/large?bytes=${SOURCE_MAX_BYTES + 1}`);
    const declared = await source(`/large?bytes=${SOURCE_MAX_BYTES + 1}&declared`);
    // Act
    const results = [];
    for (const s of [exactly, over, declared]) results.push((await pollWhenDue(s.id)).report?.result);
    // Assess: 5 MB of blanks is read whole, and is no feed
    expect(results).toEqual(['not_a_feed', 'too_large', 'too_large']);
    expect(readConfig({}).sourceMaxBytes).toBe(5 * 1024 * 1024);
  });

  it('enforces the fetch timeout: a feed that never finishes is a timeout (10 s as shipped)', async () => {
    // Prepare
    const s = await source('/slow');
    ctx.config.sourceTimeoutMs = 200;
    // Act
    const { report, after } = await pollWhenDue(s.id).finally(() => {
      ctx.config.sourceTimeoutMs = SOURCE_TIMEOUT_MS;
    });
    // Assess
    expect(report?.result).toBe('timeout');
    expect(after.failures).toBe(1);
    expect(readConfig({}).sourceTimeoutMs).toBe(SOURCE_TIMEOUT_MS);
    expect(SOURCE_TIMEOUT_MS).toBe(10_000);
  });

  it('re-checks every redirect: a redirect to an address the rules refuse is refused_address', async () => {
    // 127.0.0.1 is allowed here (the feed server is there), a non-http scheme never is
    const s = await source('/redirect/2?to=file%3A%2F%2F%2Fetc%2Fpasswd');
    const { report } = await pollWhenDue(s.id);
    expect(report?.result).toBe('refused_address');
  });

  it('one failing source never delays another: a feed that does not answer holds only its own poll', async () => {
    // Prepare: made a month before the others, these two are the only sources due at T1
    const T1 = T0 - 30 * 24 * 60 * MINUTE;
    const stuck = await createSource(ctx, { scenario: SCENARIO, url: feeds.url('/hold') }, T1);
    const quick = await createSource(ctx, { scenario: SCENARIO, url: feeds.url('/rss?quick') }, T1);
    ctx.config.sourceTimeoutMs = 60_000;
    const record = ctx.sources.record.bind(ctx.sources);
    let quickRecorded!: () => void;
    const quickDone = new Promise<void>((resolve) => (quickRecorded = resolve));
    ctx.sources.record = async (id, r) => {
      const after = await record(id, r);
      if (id === quick.id) quickRecorded();
      return after;
    };
    try {
      // Act
      const all = pollDueSources(ctx, T1);
      await quickDone;
      // Assess: the quick feed is read and recorded while the other cannot have been (its feed
      // answers only when released, below), and the other's request is indeed waiting meanwhile
      expect(await stored(quick.id)).toMatchObject({
        lastResult: 200,
        lastFetchedAt: new Date(T1).toISOString(),
      });
      expect((await stored(stuck.id)).lastFetchedAt).toBeNull();
      await feeds.whenHeld(1);
      feeds.release();
      const reports = await all;
      expect(reports.get(stuck.id)?.result).toBe(200);
    } finally {
      ctx.sources.record = record;
      ctx.config.sourceTimeoutMs = SOURCE_TIMEOUT_MS;
    }
  });
});
