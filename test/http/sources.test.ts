import type { LookupAll } from '../../shared/events/outbound-url';
import { pollDueSources } from '../../shared/app/sources';
import { SOURCE_TIMEOUT_MS } from '../../shared/domain/limits';
import { startFeedServer, type FeedServer, type FeedServerEntry } from '../support/feed-server';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Contract 1.2, "Sources and the news inbox": the `/sources` routes and `POST /sources/{id}/fetch`,
 * over the local server, against a local feed server on 127.0.0.1 (so private addresses are allowed
 * here, as `npm start` allows them; the refusals are in the second describe). Each test is named by
 * the rule it checks. The polling etiquette (validators, back-off, Retry-After, caps) is
 * test/integration/source-polling.test.ts, with an injected clock.
 */

const SCENARIO = 'russia-ukraine-talks';

const ENTRIES: FeedServerEntry[] = [
  {
    title: 'Russia and Ukraine agree to exchange 1,000 prisoners each after Istanbul talks',
    summary: 'The delegations agreed on the largest prisoner exchange of the war, a 1,000-for-1,000 swap.',
    url: 'https://wire.example.org/2025/05/16/prisoner-exchange',
    publishedAt: '2025-05-16T15:00:00.000Z',
    language: 'en',
  },
  {
    title: 'Росія відкинула безумовне припинення вогню на переговорах у Стамбулі',
    summary: 'Російська делегація відкинула пропозицію про безумовне припинення вогню на 30 днів.',
    url: 'https://wire.example.org/uk/2025/05/16/ceasefire',
    publishedAt: '2025-05-16T16:00:00.000Z',
    language: 'uk',
  },
];

describe('news sources over HTTP', () => {
  let server: TestServer;
  let feeds: FeedServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { allowPrivateWebhooks: true } });
    feeds = await startFeedServer(ENTRIES);
  });
  afterAll(async () => {
    await server.close();
    await feeds.close();
  });

  const create = (body: Record<string, unknown>, role: 'admin' | 'editor' = 'admin') =>
    server.call('POST', '/sources', { role, body: { scenario: SCENARIO, ...body } });
  const made = async (path: string, body: Record<string, unknown> = {}) => {
    const res = await create({ url: feeds.url(path), ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; [k: string]: unknown };
  };

  it('POST /sources (admin) answers 201 with exactly the contract fields, active, due now, interval 15 by default', async () => {
    // Act
    const before = Date.now();
    const res = await create({ url: feeds.url('/rss'), title: 'Wire', language: 'en' });
    // Assess
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual([
      'id',
      'scenario',
      'url',
      'title',
      'language',
      'intervalMinutes',
      'status',
      'createdAt',
      'lastFetchedAt',
      'lastResult',
      'nextFetchAt',
      'failures',
    ]);
    expect(res.body).toMatchObject({
      scenario: SCENARIO,
      url: feeds.url('/rss'),
      title: 'Wire',
      language: 'en',
      intervalMinutes: 15,
      status: 'active',
      lastFetchedAt: null,
      lastResult: null,
      failures: 0,
    });
    expect(res.body.id).toMatch(/^src_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(res.headers.get('location')).toBe(`/sources/${res.body.id}`);
    expect(Date.parse(res.body.nextFetchAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(res.body.nextFetchAt)).toBeLessThanOrEqual(Date.now());
  });

  it('POST /sources leaves title and language null when not given', async () => {
    const source = await made('/atom');
    expect(source).toMatchObject({ title: null, language: null });
  });

  it('POST /sources needs the admin role (403 for an editor)', async () => {
    const res = await create({ url: feeds.url('/rss') }, 'editor');
    expect(res.status).toBe(403);
  });

  it.each([4, 1441, 7.5, '15'])(
    'POST /sources refuses intervalMinutes %p (5–1440 whole minutes) with 400',
    async (interval) => {
      const res = await create({ url: feeds.url('/rss'), intervalMinutes: interval });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['intervalMinutes']);
    },
  );

  it.each([5, 1440])('POST /sources accepts intervalMinutes %p', async (interval) => {
    const source = await made('/rss', { intervalMinutes: interval });
    expect(source.intervalMinutes).toBe(interval);
  });

  it('POST /sources refuses a field the contract does not name with 400', async () => {
    const res = await create({ url: feeds.url('/rss'), status: 'paused' });
    expect(res.status).toBe(400);
  });

  it('POST /sources for a scenario that does not exist is 404', async () => {
    const res = await server.call('POST', '/sources', {
      role: 'admin',
      body: { scenario: 'no-such-scenario', url: feeds.url('/rss') },
    });
    expect(res.status).toBe(404);
  });

  it('POST /sources refuses a URL that is not http(s) with 422 invalid_source_url, whatever the setting', async () => {
    const res = await create({ url: 'ftp://127.0.0.1/feed.xml' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_source_url');
  });

  it('POST /sources honours Idempotency-Key like any POST: a repeat replays the first 201 (Idempotent-Replayed: true) and makes no second source; another body is 422 idempotency_key_mismatch', async () => {
    // Prepare: a scenario of its own, so its list holds only what this test made
    await server.call('POST', '/scenarios', {
      role: 'admin',
      body: { id: 'idempotent-sources', title: 'Idempotent sources' },
    });
    const body = { scenario: 'idempotent-sources', url: feeds.url('/rss'), title: 'Wire' };
    const headers = { 'Idempotency-Key': 'source-once' };
    // Act
    const first = await server.call('POST', '/sources', { role: 'admin', body, headers });
    const again = await server.call('POST', '/sources', { role: 'admin', body, headers });
    const other = await server.call('POST', '/sources', {
      role: 'admin',
      body: { ...body, title: 'Another' },
      headers,
    });
    // Assess
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.text).toBe(first.text);
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_mismatch']);
    const listed = await server.call('GET', '/sources?scenario=idempotent-sources', { role: 'editor' });
    expect(listed.body.items.map((x: { id: string }) => x.id)).toEqual([first.body.id]);
  });

  it("GET /sources?scenario= (editor) lists the scenario's sources, oldest first", async () => {
    // Prepare
    const a = await made('/rss', { title: 'First' });
    const b = await made('/json', { title: 'Second' });
    // Act
    const res = await server.call('GET', `/sources?scenario=${SCENARIO}`, { role: 'editor' });
    // Assess
    expect(res.status).toBe(200);
    const ids = res.body.items.map((s: { id: string }) => s.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    expect(res.body.items.every((s: { scenario: string }) => s.scenario === SCENARIO)).toBe(true);
    expect(res.body.items.find((s: { id: string }) => s.id === b.id)).toEqual(b);
  });

  it('GET /sources and GET /sources/{id} carry a strong ETag that answers 304, and changes when the source does', async () => {
    // Prepare
    const source = await made('/rss', { title: 'Tagged' });
    const list = await server.call('GET', `/sources?scenario=${SCENARIO}`);
    const one = await server.call('GET', `/sources/${source.id}`);
    // Act
    const listAgain = await server.call('GET', `/sources?scenario=${SCENARIO}`, {
      headers: { 'If-None-Match': list.headers.get('etag')! },
    });
    const oneAgain = await server.call('GET', `/sources/${source.id}`, {
      headers: { 'If-None-Match': one.headers.get('etag')! },
    });
    await server.call('PATCH', `/sources/${source.id}`, { role: 'admin', body: { title: 'Retagged' } });
    const changed = await server.call('GET', `/sources/${source.id}`, {
      headers: { 'If-None-Match': one.headers.get('etag')! },
    });
    // Assess
    expect(list.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(one.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect([listAgain.status, oneAgain.status, changed.status]).toEqual([304, 304, 200]);
    expect(changed.body.title).toBe('Retagged');
    expect(one.headers.get('cache-control')).toBe('no-cache');
  });

  it('GET /sources needs the editor role and a scenario', async () => {
    expect((await server.call('GET', `/sources?scenario=${SCENARIO}`, { role: 'reader' })).status).toBe(403);
    expect((await server.call('GET', '/sources', { role: 'editor' })).status).toBe(400);
  });

  it('GET /sources/{id} answers the source; an unknown or malformed id is 404', async () => {
    const source = await made('/rss');
    const res = await server.call('GET', `/sources/${source.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(source);
    expect((await server.call('GET', '/sources/src_01J0000000000000000000000A')).status).toBe(404);
    expect((await server.call('GET', '/sources/nope')).status).toBe(404);
  });

  it('PATCH /sources/{id} (admin) changes title, intervalMinutes and status, and answers the whole source', async () => {
    // Prepare
    const source = await made('/rss');
    // Act
    const res = await server.call('PATCH', `/sources/${source.id}`, {
      role: 'admin',
      body: { title: 'Renamed', intervalMinutes: 60, status: 'paused' },
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...source, title: 'Renamed', intervalMinutes: 60, status: 'paused' });
    const resumed = await server.call('PATCH', `/sources/${source.id}`, {
      role: 'admin',
      body: { status: 'active' },
    });
    expect(resumed.body.status).toBe('active');
  });

  it('PATCH /sources/{id} refuses an empty change (400), an editor (403) and an unknown source (404)', async () => {
    const source = await made('/rss');
    expect((await server.call('PATCH', `/sources/${source.id}`, { role: 'admin', body: {} })).status).toBe(
      400,
    );
    expect(
      (await server.call('PATCH', `/sources/${source.id}`, { role: 'editor', body: { title: 'x' } })).status,
    ).toBe(403);
    expect(
      (
        await server.call('PATCH', '/sources/src_01J0000000000000000000000A', {
          role: 'admin',
          body: { title: 'x' },
        })
      ).status,
    ).toBe(404);
  });

  it('POST /sources refuses null for its optional fields (title, language) with 400: null for an optional body field is 400', async () => {
    // Act
    const res = await create({ url: feeds.url('/rss'), title: null, language: null });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['language', 'title']);
  });

  it.each([
    ['title null', { title: null }, 'title'],
    ['intervalMinutes 4', { intervalMinutes: 4 }, 'intervalMinutes'],
    ['intervalMinutes 1441', { intervalMinutes: 1441 }, 'intervalMinutes'],
    ['a status other than active or paused', { status: 'disabled' }, 'status'],
    ['a field PATCH does not take (url)', { url: 'https://example.org/other.xml' }, ''],
  ])('PATCH /sources/{id} refuses %s with 400 validation_error', async (_what, body, path) => {
    // Prepare
    const source = await made('/rss', { title: 'Kept' });
    // Act
    const res = await server.call('PATCH', `/sources/${source.id}`, { role: 'admin', body });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
    if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    expect((await server.call('GET', `/sources/${source.id}`)).body).toEqual(source);
  });

  it('GET /sources/{id} is for editors (403 for a reader); DELETE /sources/{id} is for admins (403 for an editor)', async () => {
    // Prepare
    const source = await made('/rss');
    // Act
    const read = await server.call('GET', `/sources/${source.id}`, { role: 'reader' });
    const deleted = await server.call('DELETE', `/sources/${source.id}`, { role: 'editor' });
    const fetched = await server.call('POST', `/sources/${source.id}/fetch`, { role: 'reader' });
    // Assess
    expect([read.status, deleted.status, fetched.status]).toEqual([403, 403, 403]);
    expect((await server.call('GET', `/sources/${source.id}`)).status).toBe(200);
  });

  it('a paused source is not polled by the schedule; resumed, it is', async () => {
    // Prepare
    const source = await made('/rss', { title: 'Paused' });
    await server.call('PATCH', `/sources/${source.id}`, { role: 'admin', body: { status: 'paused' } });
    // Act
    const whilePaused = await pollDueSources(server.ctx);
    await server.call('PATCH', `/sources/${source.id}`, { role: 'admin', body: { status: 'active' } });
    const afterResume = await pollDueSources(server.ctx);
    // Assess
    expect(whilePaused.has(source.id)).toBe(false);
    expect(afterResume.get(source.id)?.result).toBe(200);
  });

  it('POST /sources/{id}/fetch (editor) polls now: 200 { fetchedAt, result, newItems }, each entry an inbox item of this source', async () => {
    // Prepare
    const source = await made('/rss');
    // Act
    const res = await server.call('POST', `/sources/${source.id}/fetch`, { role: 'editor' });
    // Assess
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['fetchedAt', 'result', 'newItems']);
    expect(res.body.result).toBe(200);
    const after = (await server.call('GET', `/sources/${source.id}`)).body;
    expect(after).toMatchObject({ lastFetchedAt: res.body.fetchedAt, lastResult: 200, failures: 0 });
    expect(Date.parse(after.nextFetchAt) - Date.parse(res.body.fetchedAt)).toBe(15 * 60_000);
    const inbox = await server.call('GET', `/inbox?scenario=${SCENARIO}`);
    const urls = inbox.body.items.map((i: { url: string }) => i.url);
    for (const e of ENTRIES) expect(urls).toContain(e.url);
  });

  it.each(['/rss', '/atom', '/json'])(
    'entries of %s become inbox items with their title, summary, url, publishedAt and language',
    async (path) => {
      // Prepare: a scenario of its own, so each format makes its own items
      const scenario = `feeds${path.slice(1)}`;
      await server.call('POST', '/scenarios', {
        role: 'admin',
        body: { id: scenario, title: `Feeds ${path}`, description: 'x' },
      });
      const res = await server.call('POST', '/sources', {
        role: 'admin',
        body: { scenario, url: feeds.url(path) },
      });
      // Act
      const fetched = await server.call('POST', `/sources/${res.body.id}/fetch`);
      // Assess
      expect(fetched.body).toMatchObject({ result: 200, newItems: ENTRIES.length });
      const inbox = await server.call('GET', `/inbox?scenario=${scenario}`);
      const seen = inbox.body.items
        .map((i: Record<string, unknown>) => ({
          title: i.title,
          summary: i.summary,
          url: i.url,
          publishedAt: i.publishedAt,
          language: i.language,
          source: i.source,
        }))
        .sort((a: { url: string }, b: { url: string }) => a.url.localeCompare(b.url));
      expect(seen).toEqual(
        ENTRIES.map((e) => ({ ...e, source: res.body.id })).sort((a, b) => a.url.localeCompare(b.url)),
      );
    },
  );

  it('POST /sources/{id}/fetch a second time within a minute is 429 too_many_requests with Retry-After', async () => {
    // Prepare
    const source = await made('/json');
    expect((await server.call('POST', `/sources/${source.id}/fetch`)).status).toBe(200);
    // Act
    const again = await server.call('POST', `/sources/${source.id}/fetch`);
    // Assess
    expect(again.status).toBe(429);
    expect(again.body.code).toBe('too_many_requests');
    const wait = Number(again.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('POST /sources/{id}/fetch honours Idempotency-Key like any POST: a repeat replays the first report instead of a 429, and fetches nothing', async () => {
    // Prepare
    const source = await made('/json');
    const headers = { 'Idempotency-Key': `fetch-${source.id}` };
    // Act
    const first = await server.call('POST', `/sources/${source.id}/fetch`, { headers });
    const fetches = feeds.requestsTo('/json').length;
    const again = await server.call('POST', `/sources/${source.id}/fetch`, { headers });
    const plain = await server.call('POST', `/sources/${source.id}/fetch`);
    // Assess
    expect([first.status, again.status, plain.status]).toEqual([200, 200, 429]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(feeds.requestsTo('/json')).toHaveLength(fetches);
  });

  it('a scheduled poll counts toward the once a minute: POST /sources/{id}/fetch right after it is 429', async () => {
    // Prepare
    const source = await made('/atom');
    const polled = await pollDueSources(server.ctx);
    expect(polled.get(source.id)?.result).toBe(200);
    // Act
    const res = await server.call('POST', `/sources/${source.id}/fetch`);
    // Assess
    expect(res.status).toBe(429);
  });

  it('POST /sources/{id}/fetch of an unknown source is 404', async () => {
    expect((await server.call('POST', '/sources/src_01J0000000000000000000000A/fetch')).status).toBe(404);
  });

  it.each([
    ['/html', 'not_a_feed'],
    ['/slow', 'timeout'],
    ['/large', 'too_large'],
    ['/large?declared', 'too_large'],
    ['/redirect/4', 'too_many_redirects'],
    ['/redirect/1?to=ftp%3A%2F%2F127.0.0.1%2Ffeed', 'refused_address'],
    ['/status/500', 500],
    ['/status/404', 404],
  ])('POST /sources/{id}/fetch of %s answers result %p and counts a failure', async (path, result) => {
    // Prepare: a short fetch timeout for the feed that never ends (no test waits 10 s for it); the
    // shipped 10 s for the others, which a busy machine must never cut short
    const source = await made(path);
    server.ctx.config.sourceTimeoutMs = path === '/slow' ? 300 : SOURCE_TIMEOUT_MS;
    // Act
    const res = await server.call('POST', `/sources/${source.id}/fetch`).finally(() => {
      server.ctx.config.sourceTimeoutMs = SOURCE_TIMEOUT_MS;
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result, newItems: 0 });
    expect((await server.call('GET', `/sources/${source.id}`)).body).toMatchObject({
      lastResult: result,
      failures: 1,
    });
  });

  it('POST /sources/{id}/fetch of a port nobody listens on answers result unreachable', async () => {
    // Prepare: a port that was just free
    const gone = await startFeedServer();
    const url = gone.url('/rss');
    await gone.close();
    const source = (await create({ url })).body;
    // Act
    const res = await server.call('POST', `/sources/${source.id}/fetch`);
    // Assess
    expect(res.body.result).toBe('unreachable');
  });

  it('up to 3 redirects are followed', async () => {
    const source = await made('/redirect/3?to=%2Fjson');
    const res = await server.call('POST', `/sources/${source.id}/fetch`);
    expect(res.body.result).toBe(200);
  });

  it('DELETE /sources/{id} (admin) answers 204, the source is gone, and its inbox items stay', async () => {
    // Prepare: a scenario of its own with one fetched source
    await server.call('POST', '/scenarios', {
      role: 'admin',
      body: { id: 'deleted-source', title: 'Deleted source', description: 'x' },
    });
    const source = (
      await server.call('POST', '/sources', {
        role: 'admin',
        body: { scenario: 'deleted-source', url: feeds.url('/rss') },
      })
    ).body;
    await server.call('POST', `/sources/${source.id}/fetch`);
    // Act
    const res = await server.call('DELETE', `/sources/${source.id}`, { role: 'admin' });
    // Assess
    expect(res.status).toBe(204);
    expect((await server.call('GET', `/sources/${source.id}`)).status).toBe(404);
    expect((await server.call('DELETE', `/sources/${source.id}`, { role: 'admin' })).status).toBe(404);
    const inbox = await server.call('GET', '/inbox?scenario=deleted-source');
    expect(inbox.body.items).toHaveLength(ENTRIES.length);
    expect(inbox.body.items.every((i: { source: string }) => i.source === source.id)).toBe(true);
  });
});

describe('source URLs when private addresses are not allowed (the cloud)', () => {
  let server: TestServer;
  const dns: Record<string, string[]> = {
    'feeds.example.com': ['93.184.215.14'],
    'inside.example.com': ['10.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
  };
  const stubLookup: LookupAll = async (host) => {
    const found = dns[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  beforeAll(async () => {
    server = await startTestServer({ config: { allowPrivateWebhooks: false } });
    server.ctx.lookup = stubLookup;
  });
  afterAll(() => server.close());

  it.each([
    ['http://feeds.example.com/rss', 'plain http'],
    ['https://127.0.0.1/rss', 'IPv4 loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['https://[::1]/rss', 'IPv6 loopback'],
    ['https://10.1.2.3/rss', 'private 10/8'],
    ['https://inside.example.com/rss', 'a name resolving to 10.0.0.1'],
    ['https://metadata.example.com/rss', 'a name resolving to the metadata address'],
    ['https://nowhere.example.com/rss', 'a name that does not resolve'],
    ['gopher://feeds.example.com/', 'another scheme'],
    ['not a url', 'not a URL at all'],
  ])(
    'POST /sources refuses %s (%s) with 422 invalid_source_url, by the subscriptions checker',
    async (url) => {
      const res = await server.call('POST', '/sources', { role: 'admin', body: { scenario: SCENARIO, url } });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('invalid_source_url');
      expect(res.body.errors).toEqual([{ path: 'url', message: expect.any(String) }]);
    },
  );

  it('POST /sources accepts https to a name resolving only to public addresses', async () => {
    const res = await server.call('POST', '/sources', {
      role: 'admin',
      body: { scenario: SCENARIO, url: 'https://feeds.example.com/rss' },
    });
    expect(res.status).toBe(201);
  });

  it('a fetch is checked again on its connection: a name that now resolves to 127.0.0.1 is refused_address', async () => {
    // Prepare: made while the name was public; then its answer changes (DNS rebinding)
    dns['rebind.example.com'] = ['93.184.215.14'];
    const source = (
      await server.call('POST', '/sources', {
        role: 'admin',
        body: { scenario: SCENARIO, url: 'https://rebind.example.com/rss' },
      })
    ).body;
    dns['rebind.example.com'] = ['127.0.0.1'];
    // Act
    const res = await server.call('POST', `/sources/${source.id}/fetch`);
    // Assess
    expect(res.body).toMatchObject({ result: 'refused_address', newItems: 0 });
  });
});
