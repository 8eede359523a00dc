import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

const update = (over: Record<string, unknown> = {}) => ({
  status: 'in_progress',
  summary: 'First stage: 390 for 390.',
  occurredAt: '2025-05-23T12:00:00Z',
  ...over,
});

describe('GET /health and the seeded scenario', () => {
  it('answers health without a token', async () => {
    const r = await s.call('GET', '/health', { role: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('serves the four seeded threads with the statuses of the contract', async () => {
    const r = await s.call('GET', '/threads?scenario=russia-ukraine-talks', { role: 'reader' });
    expect(r.status).toBe(200);
    expect(r.body.items.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      ['ceasefire', 'rejected'],
      ['prisoner-exchange', 'agreed'],
      ['sanctions', 'proposed'],
      ['trump-putin-meeting', 'announced'],
    ]);
    expect(r.body.nextToken).toBeNull();
    for (const t of r.body.items)
      expect(t).toMatchObject({
        statusSince: '2025-05-16T00:00:00.000Z',
        staleAfterHours: 168,
        updateCount: 1,
        version: 1,
        stale: false,
        staleSince: null,
      });
  });
});

describe('POST /threads', () => {
  const body = {
    id: 'black-sea-grain',
    scenario: 'russia-ukraine-talks',
    kind: 'other',
    title: 'Black Sea grain corridor',
    status: 'proposed',
    summary: 'Talks on shipping.',
    occurredAt: '2025-05-17T09:00:00+03:00',
    sources: [{ url: 'https://example.org/a' }],
  };

  it('creates a thread with its first update, Location and ETag', async () => {
    const r = await s.call('POST', '/threads', { body });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/threads/black-sea-grain');
    expect(r.headers.get('etag')).toBe('"v1"');
    expect(r.body).toMatchObject({
      id: 'black-sea-grain',
      status: 'proposed',
      statusSince: '2025-05-17T06:00:00.000Z',
      version: 1,
      updateCount: 1,
      staleAfterHours: 168,
    });
    const updates = await s.call('GET', '/threads/black-sea-grain/updates', { role: 'reader' });
    expect(updates.body.items).toHaveLength(1);
    expect(updates.body.items[0]).toMatchObject({
      postedBy: 'local-editor',
      sources: [{ url: 'https://example.org/a' }],
      retracted: false,
      retraction: null,
    });
  });

  it('refuses an id that exists with 409 thread_exists', async () => {
    const r = await s.call('POST', '/threads', { body: { ...body, id: 'ceasefire' } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('thread_exists');
  });

  it('refuses a status of another kind with 422 invalid_status', async () => {
    const r = await s.call('POST', '/threads', { body: { ...body, id: 'x-1', status: 'held' } });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('invalid_status');
  });

  it('names every bad field in errors[]', async () => {
    const r = await s.call('POST', '/threads', {
      body: { ...body, id: 'Bad Id', sources: [{ url: 'ftp://x' }], extra: true, title: null },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const paths = r.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['extra', 'id', 'sources[0].url', 'title']);
  });

  it('needs the editor role', async () => {
    const r = await s.call('POST', '/threads', { role: 'reader', body });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
  });
});

describe('POST /threads/{id}/updates', () => {
  it('moves the thread to the new status and bumps the version', async () => {
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', { body: update() });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/threads/prisoner-exchange/updates/${r.body.update.id}`);
    expect(r.body.thread).toMatchObject({
      status: 'in_progress',
      statusSince: '2025-05-23T12:00:00.000Z',
      version: 2,
      updateCount: 2,
    });
    expect(r.headers.get('etag')).toBe('"v2"');
    const one = await s.call('GET', `/threads/prisoner-exchange/updates/${r.body.update.id}`, {
      role: 'reader',
    });
    expect(one.body).toEqual(r.body.update);
  });

  it('keeps the newer status when a late report of an older event arrives', async () => {
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: update({ status: 'negotiating', occurredAt: '2025-05-20T00:00:00Z', summary: 'Late report.' }),
    });
    expect(r.status).toBe(201);
    expect(r.body.thread).toMatchObject({ status: 'in_progress', updateCount: 3 });
  });

  it('accepts a note without a status, which refreshes the summary only', async () => {
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: { status: null, summary: 'A note.', occurredAt: '2025-05-24T00:00:00Z' },
    });
    expect(r.status).toBe(201);
    expect(r.body.update.status).toBeNull();
    expect(r.body.thread).toMatchObject({
      status: 'in_progress',
      summary: 'A note.',
      statusSince: '2025-05-23T12:00:00.000Z',
    });
  });

  it('lists updates newest occurredAt first', async () => {
    const r = await s.call('GET', '/threads/prisoner-exchange/updates', { role: 'reader' });
    const times = r.body.items.map((u: { occurredAt: string }) => u.occurredAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('answers 404 for an unknown thread and 412 for a stale If-Match', async () => {
    expect((await s.call('POST', '/threads/nope/updates', { body: update() })).status).toBe(404);
    const r = await s.call('POST', '/threads/sanctions/updates', {
      body: update({ status: 'adopted' }),
      headers: { 'If-Match': '"v99"' },
    });
    expect(r.status).toBe(412);
    expect(r.body.code).toBe('precondition_failed');
    expect((await s.call('GET', '/threads/sanctions', { role: 'reader' })).body.version).toBe(1);
  });

  it('rejects occurredAt in the future, before 1900, or without a zone', async () => {
    for (const occurredAt of [
      new Date(Date.now() + 10 * 60_000).toISOString(),
      '1899-12-31T23:59:59Z',
      '2025-05-16T00:00:00',
    ]) {
      const r = await s.call('POST', '/threads/sanctions/updates', {
        body: update({ status: 'adopted', occurredAt }),
      });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe('occurredAt');
    }
  });
});

describe('GET /threads/{id} with ETag', () => {
  it('answers 304 to a matching If-None-Match, 200 otherwise', async () => {
    const first = await s.call('GET', '/threads/ceasefire', { role: 'reader' });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const etag = first.headers.get('etag')!;
    const again = await s.call('GET', '/threads/ceasefire', {
      role: 'reader',
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    await s.call('PATCH', '/threads/ceasefire', { body: { title: '30-day ceasefire proposal' } });
    const changed = await s.call('GET', '/threads/ceasefire', {
      role: 'reader',
      headers: { 'If-None-Match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.title).toBe('30-day ceasefire proposal');
  });
});

describe('PATCH /threads/{id}', () => {
  it('changes title and staleAfterHours and refuses anything else', async () => {
    const ok = await s.call('PATCH', '/threads/trump-putin-meeting', { body: { staleAfterHours: 24 } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ staleAfterHours: 24, version: 2, status: 'announced' });
    const bad = await s.call('PATCH', '/threads/trump-putin-meeting', { body: { status: 'held' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('status');
  });
});
