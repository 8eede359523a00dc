import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  // Prepare: a scenario of four threads; `late` has no status before July.
  const thread = (id: string, status: string, occurredAt: string, kind = 'summit') =>
    s.call('POST', '/threads', {
      body: { id, scenario: 'board-desk', kind, title: id, status, summary: `${id} began.`, occurredAt },
    });
  await thread('alpha', 'announced', '2025-06-01');
  await thread('bravo', 'announced', '2025-06-02');
  await thread('charlie', 'scheduled', '2025-06-03');
  await thread('late', 'announced', '2025-07-01');
  await s.call('POST', '/threads/alpha/updates', {
    body: { status: 'held', summary: 'Held.', occurredAt: '2025-06-20' },
  });
  await s.call('POST', '/threads/bravo/updates', {
    body: { status: 'scheduled', summary: 'Set.', occurredAt: '2025-06-10' },
  });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((t) => t.id);

describe('GET /threads?scenario=…&asOf=… (a board)', () => {
  it('shows every thread of the scenario as it stood then, each equal to its own asOf view, leaving out threads with no status then; no ETag', async () => {
    // Act
    const r = await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15', reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBeNull();
    expect(ids(r)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(r.body.items.map((t: { status: string }) => t.status)).toEqual([
      'announced',
      'scheduled',
      'scheduled',
    ]);
    for (const item of r.body.items) {
      const own = await s.call('GET', `/threads/${item.id}?asOf=2025-06-15`, reader);
      expect(item).toEqual(own.body);
    }
    expect(r.body.items[0].asOf).toBe('2025-06-15T23:59:59.999Z');
    expect(r.body.nextToken).toBeNull();
  });

  it('matches status against the status at that time', async () => {
    const then = await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15&status=scheduled', reader);
    expect(ids(then)).toEqual(['bravo', 'charlie']);
    const held = await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15&status=held', reader);
    expect(ids(held)).toEqual([]);
  });

  it('takes knownAt, alone or with asOf, and echoes the resolved cut-offs', async () => {
    const alpha = (await s.call('GET', '/threads/alpha/updates', reader)).body.items;
    const firstKnown = alpha[1].recordedAt;
    const r = await s.call(
      'GET',
      `/threads?scenario=board-desk&knownAt=${encodeURIComponent(firstKnown)}`,
      reader,
    );
    expect(r.body.items.find((t: { id: string }) => t.id === 'alpha')).toMatchObject({
      status: 'announced',
      knownAt: firstKnown,
    });
    const both = await s.call('GET', '/threads?scenario=board-desk&asOf=2025-07&knownAt=2100', reader);
    expect(ids(both)).toEqual(['alpha', 'bravo', 'charlie', 'late']);
    expect(both.body.items[0]).toMatchObject({
      asOf: '2025-07-31T23:59:59.999Z',
      knownAt: '2100-12-31T23:59:59.999Z',
    });
  });

  it('answers 400 naming scenario when asOf or knownAt comes without one', async () => {
    for (const q of ['asOf=2025-06-15', 'knownAt=2025-06-15']) {
      const r = await s.call('GET', `/threads?${q}`, reader);
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ path: 'scenario', message: expect.stringContaining('is required') }]);
    }
  });

  it('pages with limit and nextToken, the token bound to the board it came from', async () => {
    const first = await s.call('GET', '/threads?scenario=board-desk&asOf=2025-07-15&limit=3', reader);
    expect(ids(first)).toEqual(['alpha', 'bravo', 'charlie']);
    const second = await s.call(
      'GET',
      `/threads?scenario=board-desk&asOf=2025-07-15&limit=3&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    expect(ids(second)).toEqual(['late']);
    expect(second.body.nextToken).toBeNull();
    const other = await s.call(
      'GET',
      `/threads?scenario=board-desk&asOf=2025-06-15&limit=3&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    expect(other.status).toBe(400);
  });

  it('takes the kind filter and archived (default false)', async () => {
    expect(
      ids(
        await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15&kind=summit&archived=any', reader),
      ),
    ).toEqual(['alpha', 'bravo', 'charlie']);
    expect(
      ids(await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15&kind=other', reader)),
    ).toEqual([]);
    expect(
      ids(await s.call('GET', '/threads?scenario=board-desk&asOf=2025-06-15&archived=true', reader)),
    ).toEqual([]);
  });
});

describe('archived threads on boards and timelines (archived through the API)', () => {
  it('shows an archived thread on the board with archived=any or true, and on the timeline with archived=any', async () => {
    // Prepare: two threads of their own scenario, one archived by PATCH as an editor would
    const thread = (id: string) =>
      s.call('POST', '/threads', {
        body: {
          id,
          scenario: 'archive-desk',
          kind: 'summit',
          title: id,
          status: 'announced',
          summary: `${id} began.`,
          occurredAt: '2025-06-01',
        },
      });
    expect((await thread('kept')).status).toBe(201);
    expect((await thread('shelved')).status).toBe(201);
    expect((await s.call('PATCH', '/threads/shelved', { body: { archived: true } })).status).toBe(200);
    const board = (archived: string) =>
      s.call('GET', `/threads?scenario=archive-desk&asOf=2025-06-15${archived}`, reader);

    // Act
    const plain = await s.call('GET', '/threads?scenario=archive-desk&archived=any', reader);
    const dflt = await board('');
    const any = await board('&archived=any');
    const only = await board('&archived=true');
    const timelineAny = await s.call('GET', '/scenarios/archive-desk/timeline?archived=any', reader);
    const timeline = await s.call('GET', '/scenarios/archive-desk/timeline', reader);

    // Assess
    expect(ids(plain)).toEqual(['kept', 'shelved']);
    expect(ids(dflt)).toEqual(['kept']);
    expect(ids(any)).toEqual(['kept', 'shelved']);
    expect(ids(only)).toEqual(['shelved']);
    expect(any.body.items[1]).toMatchObject({ id: 'shelved', archived: true, status: 'announced' });
    const threadsOf = (r: { body: { items: { threadId: string }[] } }) =>
      [...new Set(r.body.items.map((i) => i.threadId))].sort();
    expect(threadsOf(timelineAny)).toEqual(['kept', 'shelved']);
    expect(threadsOf(timeline)).toEqual(['kept']);
  });
});
