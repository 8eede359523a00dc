import { runStaleCheck } from '../../shared/app/stale-check';
import { addHours, nowUtc } from '../../shared/domain/time';
import { canonicalJson } from '../../shared/http/canonical-json';
import { contentEtag } from '../../shared/http/etag';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
const reader = { role: 'reader' as const };
const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((t) => t.id);

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  // A second scenario, so scenario filters have something to leave out.
  for (const [id, kind, status] of [
    ['gaza-truce', 'ceasefire', 'negotiating'],
    ['gaza-hostages', 'prisoner_exchange', 'agreed'],
    ['gaza-aid', 'other', 'active'],
  ] as const) {
    await s.call('POST', '/threads', {
      body: {
        id,
        scenario: 'gaza',
        kind,
        title: id,
        status,
        summary: 's',
        staleAfterHours: id === 'gaza-aid' ? 1 : 168,
      },
    });
  }
});
afterAll(async () => s.close());

describe('GET /threads filters', () => {
  it('lists every thread by id without a filter', async () => {
    const r = await s.call('GET', '/threads', reader);
    expect(ids(r)).toEqual([
      'ceasefire',
      'gaza-aid',
      'gaza-hostages',
      'gaza-truce',
      'prisoner-exchange',
      'sanctions',
      'trump-putin-meeting',
    ]);
  });

  it('filters by scenario, kind and status, alone and together', async () => {
    expect(ids(await s.call('GET', '/threads?scenario=gaza', reader))).toEqual([
      'gaza-aid',
      'gaza-hostages',
      'gaza-truce',
    ]);
    expect(ids(await s.call('GET', '/threads?kind=prisoner_exchange', reader))).toEqual([
      'gaza-hostages',
      'prisoner-exchange',
    ]);
    expect(ids(await s.call('GET', '/threads?status=agreed', reader))).toEqual([
      'gaza-hostages',
      'prisoner-exchange',
    ]);
    expect(
      ids(await s.call('GET', '/threads?scenario=gaza&kind=prisoner_exchange&status=agreed', reader)),
    ).toEqual(['gaza-hostages']);
    // A status of another kind than the kind asked for is simply an empty list.
    expect(ids(await s.call('GET', '/threads?kind=summit&status=agreed', reader))).toEqual([]);
  });

  it('filters by stale and updatedSince', async () => {
    await runStaleCheck(s.ctx, addHours(nowUtc(), 2));
    expect(ids(await s.call('GET', '/threads?stale=true', reader))).toEqual(['gaza-aid']);
    expect(ids(await s.call('GET', '/threads?scenario=gaza&stale=false', reader))).toEqual([
      'gaza-hostages',
      'gaza-truce',
    ]);
    const since = nowUtc();
    await s.call('POST', '/threads/sanctions/updates', { body: { summary: 'Note.' } });
    expect(ids(await s.call('GET', `/threads?updatedSince=${encodeURIComponent(since)}`, reader))).toEqual([
      'sanctions',
    ]);
  });

  it('answers 400 naming the parameter for unknown enum values and bad values', async () => {
    for (const [query, param] of [
      ['kind=treaty', 'kind'],
      ['status=frozen', 'status'],
      ['stale=yes', 'stale'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['updatedSince=now', 'updatedSince'],
      ['scenario=Not_A_Slug', 'scenario'],
    ]) {
      const r = await s.call('GET', `/threads?${query}`, reader);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        code: 'validation_error',
        errors: [expect.objectContaining({ path: param })],
      });
    }
  });
});

describe('GET /threads pagination', () => {
  it('walks every thread in id order, page by page, ending with nextToken null', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r: { body: { items: { id: string }[]; nextToken: string | null } } = await s.call(
        'GET',
        `/threads?limit=2${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        reader,
      );
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(r));
      token = r.body.nextToken;
      pages++;
    } while (token && pages < 20);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toHaveLength(7);
    expect(token).toBeNull();
  });

  it('pages through a filtered list without skipping', async () => {
    const first = await s.call('GET', '/threads?scenario=russia-ukraine-talks&stale=false&limit=3', reader);
    const second = await s.call(
      'GET',
      `/threads?scenario=russia-ukraine-talks&stale=false&limit=3&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    expect([...ids(first), ...ids(second)]).toEqual([
      'ceasefire',
      'prisoner-exchange',
      'sanctions',
      'trump-putin-meeting',
    ]);
    expect(second.body.nextToken).toBeNull();
  });

  it('rejects malformed, tampered and borrowed tokens with 400', async () => {
    const page = await s.call('GET', '/threads?limit=1', reader);
    const token: string = page.body.nextToken;
    const [payload, sig] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        k: { PK: 'TOKENS', SK: 'NAME#local-admin', GSI2PK: 'THREADS', GSI2SK: 'a' },
        s: 'threads:{}',
      }),
    ).toString('base64url');
    for (const bad of ['garbage', `${payload}.AAAA${sig!.slice(4)}`, `${forged}.${sig}`, `${payload}`]) {
      const r = await s.call('GET', `/threads?limit=1&nextToken=${encodeURIComponent(bad)}`, reader);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe('nextToken');
    }
    // A token is bound to the filters it was issued for.
    const borrowed = await s.call(
      'GET',
      `/threads?scenario=gaza&nextToken=${encodeURIComponent(token)}`,
      reader,
    );
    expect(borrowed.status).toBe(400);
  });

  it('answers 400, not 500, to a validly signed token whose position has the wrong shape', async () => {
    // Prepare: tokens signed with the server's own secret (locally it can be known), for this very query
    const scope = `threads:${canonicalJson({})}`;
    const shapes = [
      { PK: 'TOKENS', SK: 'NAME#local-admin', GSI2PK: 'THREADS', GSI2SK: 'a' },
      { after: 5 },
      { after: 'a', PK: 'x' },
      {},
      { after: 'Not A Slug' },
    ];
    for (const key of shapes) {
      // Act
      const r = await s.call(
        'GET',
        `/threads?limit=1&nextToken=${encodeURIComponent(s.ctx.pageTokens.encode(key, scope))}`,
        reader,
      );
      // Assess
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe('nextToken');
    }
  });
});

describe('list revalidation', () => {
  it('answers 304 until a listed thread changes, then 200 with a new ETag', async () => {
    // Prepare
    const first = await s.call('GET', '/threads?scenario=gaza', reader);
    const etag = first.headers.get('etag')!;
    // Act and assess
    expect(
      (await s.call('GET', '/threads?scenario=gaza', { ...reader, headers: { 'If-None-Match': etag } }))
        .status,
    ).toBe(304);
    await s.call('PATCH', '/threads/gaza-truce', { body: { title: 'Gaza truce' } });
    const changed = await s.call('GET', '/threads?scenario=gaza', {
      ...reader,
      headers: { 'If-None-Match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.items.find((t: { id: string }) => t.id === 'gaza-truce').title).toBe('Gaza truce');
  });

  it('has one ETag form, the digest of the page itself, so a held ETag never expires while the page is unchanged', async () => {
    // Prepare: a change just now (the old design switched ETag forms 5 s after a change)
    await s.call('POST', '/threads/gaza-hostages/updates', { body: { summary: 'Lists exchanged.' } });
    // Act
    const r = await s.call('GET', '/threads?limit=2', reader);
    // Assess: the ETag is a function of the body alone, not of a clock or a counter
    expect(r.headers.get('etag')).toBe(contentEtag(r.text));
    expect(
      (
        await s.call('GET', '/threads?limit=2', {
          ...reader,
          headers: { 'If-None-Match': r.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);
  });

  it('keeps a page at 304 while threads elsewhere change: a write touches no list-wide item', async () => {
    // Prepare: the first page of all threads (ceasefire, gaza-aid) and of the gaza scenario
    const first = await s.call('GET', '/threads?limit=2', reader);
    const gaza = await s.call('GET', '/threads?scenario=gaza', reader);
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual(['ceasefire', 'gaza-aid']);
    // Act: a write to a thread on neither page
    await s.call('PATCH', '/threads/trump-putin-meeting', { body: { title: 'Trump–Putin meeting' } });
    // Assess
    expect(
      (
        await s.call('GET', '/threads?limit=2', {
          ...reader,
          headers: { 'If-None-Match': first.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);
    expect(
      (
        await s.call('GET', '/threads?scenario=gaza', {
          ...reader,
          headers: { 'If-None-Match': gaza.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);
  });

  it('answers 304 on a thread’s updates until one is added', async () => {
    const first = await s.call('GET', '/threads/gaza-aid/updates', reader);
    const etag = first.headers.get('etag')!;
    expect(
      (await s.call('GET', '/threads/gaza-aid/updates', { ...reader, headers: { 'If-None-Match': etag } }))
        .status,
    ).toBe(304);
    await s.call('POST', '/threads/gaza-aid/updates', { body: { summary: 'Trucks crossed.' } });
    const changed = await s.call('GET', '/threads/gaza-aid/updates', {
      ...reader,
      headers: { 'If-None-Match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.items).toHaveLength(2);
  });
});
