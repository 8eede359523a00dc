import { PublicCache, cacheRules } from '../../local/public-cache';
import type { HttpResult } from '../../shared/http/response';

const page = (cacheControl: string, statusCode = 200): HttpResult => ({
  statusCode,
  headers: { 'Cache-Control': cacheControl, ETag: '"a"' },
  body: 'page',
});

describe('the local public cache, read as the CDN reads Cache-Control', () => {
  it('keeps public answers with a max-age, and nothing private, no-store, no-cache or without max-age', () => {
    expect(cacheRules('public, max-age=30, stale-while-revalidate=300')).toEqual({
      maxAge: 30,
      staleWhileRevalidate: 300,
    });
    expect(cacheRules('public, max-age=30')).toEqual({ maxAge: 30, staleWhileRevalidate: 0 });
    for (const header of [
      'no-cache',
      'private, max-age=30',
      'public, no-store, max-age=30',
      'public',
      'public, max-age=0',
    ])
      expect({ header, rules: cacheRules(header) }).toEqual({ header, rules: null });
  });

  it('asks the origin every time for an answer it may not keep', async () => {
    // Prepare
    let asked = 0;
    const cache = new PublicCache(() => 0);
    const origin = async () => (asked++, page('no-cache'));
    // Act
    await cache.serve('k', undefined, origin);
    const second = await cache.serve('k', undefined, origin);
    // Assess
    expect(asked).toBe(2);
    expect(second.outcome).toBe('Bypass');
  });

  it('shares one origin request among concurrent misses, and serves it until max-age + stale-while-revalidate', async () => {
    // Prepare
    let now = 0;
    let asked = 0;
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const cache = new PublicCache(() => now);
    const origin = async () => {
      asked++;
      await gate;
      return page('public, max-age=30, stale-while-revalidate=300');
    };
    // Act
    const waiting = Array.from({ length: 20 }, () => cache.serve('k', undefined, origin));
    release();
    const first = await Promise.all(waiting);
    now = 29_999;
    const fresh = await cache.serve('k', '"a"', origin);
    now = 329_999;
    const stale = await cache.serve('k', undefined, origin);
    await cache.idle();
    now = 329_999 + 330_000;
    const expired = await cache.serve('k', undefined, origin);
    // Assess
    expect(first.map((r) => r.outcome)).toEqual(Array(20).fill('Miss'));
    expect(fresh).toMatchObject({ outcome: 'Hit', result: { statusCode: 304, headers: { Age: '29' } } });
    expect(stale.outcome).toBe('Stale');
    expect(expired.outcome).toBe('Miss');
    expect(asked).toBe(3);
  });
});
