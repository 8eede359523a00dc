import { PublicCache } from '../../local/public-cache';
import { PUBLIC_MAX_AGE_SECONDS } from '../../shared/domain/public-cache';
import { recordCalls } from '../support/read-recorder';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 28, "The edge": a burst of public reads reaches DynamoDB at most once per max-age per
 * scenario, locally as behind the CDN. Time is the test's clock (the cache's `now`); nothing sleeps.
 */
let s: TestServer;
let cache: PublicCache;
let clock = Date.parse('2026-01-01T00:00:00Z');

beforeAll(async () => {
  cache = new PublicCache(() => clock);
  s = await startTestServer({ notifications: false, seed: false, publicCache: cache });
  for (const id of ['front-page', 'second-story']) {
    await s.call('POST', '/scenarios', { body: { id, title: id } });
    await s.call('POST', '/threads', {
      body: {
        id: `${id}-talks`,
        scenario: id,
        kind: 'other',
        title: 'Talks',
        status: 'active',
        summary: 'Begun.',
      },
    });
    await s.call('PATCH', `/scenarios/${id}`, { body: { public: true } });
  }
});
afterAll(async () => s.close());

/** `count` reads of `path` without a token, `parallel` at a time, the clock moved by `step` ms before each. */
async function burst(path: string, count: number, step = 0, parallel = 50): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += parallel) {
    const wave = Array.from({ length: Math.min(parallel, count - i) }, () => {
      clock += step;
      return fetch(`${s.url}${path}`).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    });
    statuses.push(...(await Promise.all(wave)));
  }
  return statuses;
}

describe('the public routes behind the local cache', () => {
  it('serve 10,000 reads of one scenario within max-age with one origin read: a GetItem, a Query and the threads it lists (BatchGetItem)', async () => {
    // Prepare
    const recorder = recordCalls(s.ctx.db);
    try {
      // Act: 10,000 readers over the 30 s of max-age (the clock moves 2.9 ms before each)
      const statuses = await burst(
        '/public/scenarios/front-page',
        10_000,
        (PUBLIC_MAX_AGE_SECONDS * 1000 - 1) / 10_000,
      );
      // Assess
      expect(statuses.every((st) => st === 200)).toBe(true);
      expect(recorder.take().map((c) => c.command)).toEqual(['GetItem', 'Query', 'BatchGetItem']);
    } finally {
      recorder.detach();
    }
  });

  it('refresh once per max-age: a stale copy is served while one request refreshes it', async () => {
    // Prepare: the copy of the test above, now past max-age
    const recorder = recordCalls(s.ctx.db);
    try {
      clock += PUBLIC_MAX_AGE_SECONDS * 1000;
      // Act
      const first = await fetch(`${s.url}/public/scenarios/front-page`);
      await cache.idle();
      const during = await burst('/public/scenarios/front-page', 500);
      // Assess
      expect(first.headers.get('x-cache')).toBe('Stale from local cache');
      expect(Number(first.headers.get('age'))).toBeGreaterThanOrEqual(PUBLIC_MAX_AGE_SECONDS);
      expect(during.every((st) => st === 200)).toBe(true);
      expect(recorder.take().map((c) => c.command)).toEqual(['GetItem', 'Query', 'BatchGetItem']);
    } finally {
      recorder.detach();
    }
  });

  it('keep one copy per scenario: two scenarios cost one origin read each, however their readers interleave', async () => {
    // Prepare
    clock += 1_000_000;
    const recorder = recordCalls(s.ctx.db);
    try {
      // Act
      await Promise.all([
        burst('/public/scenarios/front-page', 300),
        burst('/public/scenarios/second-story', 300),
      ]);
      // Assess
      expect(
        recorder
          .take()
          .map((c) => c.command)
          .sort(),
      ).toEqual(['BatchGetItem', 'BatchGetItem', 'GetItem', 'GetItem', 'Query', 'Query']);
    } finally {
      recorder.detach();
    }
  });

  it('answer a reader with the ETag from the copy (304), and never key on the token', async () => {
    // Prepare
    const recorder = recordCalls(s.ctx.db);
    try {
      const first = await s.call('GET', '/public/scenarios/front-page', { role: null });
      // Act
      const again = await s.call('GET', '/public/scenarios/front-page', {
        role: 'editor',
        headers: { 'If-None-Match': first.headers.get('etag')! },
      });
      // Assess
      expect(again.status).toBe(304);
      expect(again.headers.get('x-cache')).toBe('Hit from local cache');
      expect(recorder.take()).toEqual([]);
    } finally {
      recorder.detach();
    }
  });

  it('reach a published change within max-age', async () => {
    // Prepare
    const before = await s.call('GET', '/public/scenarios/second-story', { role: null });
    await s.call('PATCH', '/scenarios/second-story', { body: { title: 'Second story, retitled' } });
    // Act
    const cached = await s.call('GET', '/public/scenarios/second-story', { role: null });
    clock += PUBLIC_MAX_AGE_SECONDS * 1000;
    await s.call('GET', '/public/scenarios/second-story', { role: null }); // stale, and refreshes it
    await cache.idle();
    const after = await s.call('GET', '/public/scenarios/second-story', { role: null });
    // Assess
    expect(cached.body.title).toBe(before.body.title);
    expect(after.body.title).toBe('Second story, retitled');
  });

  it('pass the API routes by: a token-bearing read is never cached', async () => {
    const r1 = await s.call('GET', '/scenarios/front-page', { role: 'reader' });
    const r2 = await s.call('GET', '/scenarios/front-page', { role: 'reader' });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect([r1.headers.get('x-cache'), r2.headers.get('x-cache')]).toEqual([null, null]);
    expect(r2.headers.get('cache-control')).toBe('no-cache');
  });
});
