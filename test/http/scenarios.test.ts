import { runStaleCheck } from '../../shared/app/stale-check';
import { addHours, nowUtc } from '../../shared/domain/time';
import { SEED_SCENARIO } from '../../local/seed';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
const reader = { role: 'reader' as const };
const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((x) => x.id);
/** Counts catch up asynchronously; the tests' recounter runs exactly when asked. */
const recount = () => s.ctx.recounts.flush();

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

const thread = (id: string, scenario: string, extra: Record<string, unknown> = {}) => ({
  id,
  scenario,
  kind: 'summit',
  title: id,
  status: 'proposed',
  summary: 'Proposed.',
  ...extra,
});

describe('the seeded scenario', () => {
  it('has its title, description, tags and the counts of its four threads', async () => {
    // Act
    const r = await s.call('GET', `/scenarios/${SEED_SCENARIO}`, reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: 'russia-ukraine-talks',
      title: 'Russia–Ukraine talks',
      tags: expect.arrayContaining(['russia', 'ukraine']),
      threadCount: 4,
      statusCounts: { agreed: 1, announced: 1, proposed: 1, rejected: 1 },
      staleCount: 0,
      overdueCount: 0,
      version: expect.any(Number),
    });
    expect(r.body.description).toMatch(/Istanbul on 16 May 2025/);
    expect(Object.keys(r.body)).toEqual([
      'id',
      'title',
      'description',
      'tags',
      'keywords',
      'public',
      'threadCount',
      'statusCounts',
      'staleCount',
      'overdueCount',
      'createdAt',
      'updatedAt',
      'version',
    ]);
    expect(r.headers.get('etag')).toBe(`"v${r.body.version}"`);
  });
});

describe('POST /scenarios', () => {
  it('creates a scenario: 201 with Location, ETag and the whole resource, readable afterwards', async () => {
    // Act
    const r = await s.call('POST', '/scenarios', {
      body: {
        id: 'gaza-ceasefire',
        title: 'Gaza ceasefire',
        description: 'Phased truce talks.',
        tags: ['gaza', 'israel', 'gaza'],
      },
    });
    // Assess
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/scenarios/gaza-ceasefire');
    expect(r.headers.get('etag')).toBe('"v1"');
    expect(r.body).toEqual({
      id: 'gaza-ceasefire',
      title: 'Gaza ceasefire',
      description: 'Phased truce talks.',
      tags: ['gaza', 'israel'],
      keywords: [],
      public: false,
      threadCount: 0,
      statusCounts: {},
      staleCount: 0,
      overdueCount: 0,
      createdAt: expect.any(String),
      updatedAt: r.body.createdAt,
      version: 1,
    });
    const read = await s.call('GET', '/scenarios/gaza-ceasefire', reader);
    expect(read.body).toEqual(r.body);
  });

  it('defaults description to empty and tags to none', async () => {
    const r = await s.call('POST', '/scenarios', { body: { id: 'bare', title: 'Bare' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ description: '', tags: [] });
  });

  it('answers 409 scenario_exists for a taken id', async () => {
    // Act
    const r = await s.call('POST', '/scenarios', { body: { id: SEED_SCENARIO, title: 'Again' } });
    // Assess
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('scenario_exists');
  });

  it('replays the first response for a repeated Idempotency-Key, and refuses it with another body', async () => {
    // Prepare
    const headers = { 'Idempotency-Key': 'scenario-once' };
    const first = await s.call('POST', '/scenarios', { headers, body: { id: 'once', title: 'Once' } });
    // Act
    const again = await s.call('POST', '/scenarios', { headers, body: { id: 'once', title: 'Once' } });
    const other = await s.call('POST', '/scenarios', { headers, body: { id: 'once', title: 'Other' } });
    // Assess
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_mismatch');
  });

  it('answers 400 naming each field outside the limits, blank or unknown', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'x1', title: '' }, 'title'],
      [{ id: 'x1', title: ' \u200b ' }, 'title'],
      [{ id: 'x1', title: 'a'.repeat(201) }, 'title'],
      [{ id: 'x1', title: 'T', description: 'd'.repeat(4001) }, 'description'],
      [{ id: 'x1', title: 'T', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
      [{ id: 'x1', title: 'T', tags: ['Not A Slug'] }, 'tags[0]'],
      [{ id: 'Not_A_Slug', title: 'T' }, 'id'],
      [{ id: 'x1' }, 'title'],
      [{ id: 'x1', title: 'T', colour: 'red' }, 'colour'],
      [{ id: 'x1', title: 'T', threadCount: 3 }, 'threadCount'],
    ];
    for (const [body, path] of cases) {
      const r = await s.call('POST', '/scenarios', { body });
      expect({ path, status: r.status, code: r.body.code }).toEqual({
        path,
        status: 400,
        code: 'validation_error',
      });
      expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
    // At the limits: accepted.
    const ok = await s.call('POST', '/scenarios', {
      body: {
        id: 'x1',
        title: 'a'.repeat(200),
        description: 'd'.repeat(4000),
        tags: Array.from({ length: 20 }, (_, i) => `t${i}`),
      },
    });
    expect(ok.status).toBe(201);
  });

  it('refuses the reserved id import with 400 naming id and why: GET /scenarios/import is the import route, never a scenario', async () => {
    // Act
    const r = await s.call('POST', '/scenarios', { body: { id: 'import', title: 'Import' } });
    const read = await s.call('GET', '/scenarios/import', reader);
    // Assess
    expect([r.status, r.body.code]).toEqual([400, 'validation_error']);
    expect(r.body.errors).toEqual([
      expect.objectContaining({ path: 'id', message: expect.stringContaining('is reserved') }),
    ]);
    expect(r.body.errors[0].message).toContain('POST /scenarios/import');
    // The path is the import's: GET is 405 there, never a scenario's 200 or 404.
    expect(read.status).toBe(405);
    // A slug that merely starts with it is an ordinary id.
    expect((await s.call('POST', '/scenarios', { body: { id: 'imports', title: 'Imports' } })).status).toBe(
      201,
    );
  });

  it('needs the editor role: 403 for a reader, 401 without a token', async () => {
    expect(
      (await s.call('POST', '/scenarios', { role: 'reader', body: { id: 'nope', title: 'No' } })).status,
    ).toBe(403);
    expect(
      (await s.call('POST', '/scenarios', { role: null, body: { id: 'nope', title: 'No' } })).status,
    ).toBe(401);
    expect(
      (await s.call('PATCH', `/scenarios/${SEED_SCENARIO}`, { role: 'reader', body: { title: 'No' } }))
        .status,
    ).toBe(403);
    expect((await s.call('GET', '/scenarios', { role: null })).status).toBe(401);
    expect((await s.call('GET', '/scenarios/nope', reader)).status).toBe(404);
  });
});

describe('GET /scenarios/{id}', () => {
  it('answers 404 not_found for an unknown or impossible id', async () => {
    for (const id of ['no-such-scenario', 'Not_A_Slug']) {
      const r = await s.call('GET', `/scenarios/${id}`, reader);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await s.call('GET', `/scenarios/${SEED_SCENARIO}`, reader);
    const again = await s.call('GET', `/scenarios/${SEED_SCENARIO}`, {
      role: 'reader',
      headers: { 'If-None-Match': first.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('GET /scenarios', () => {
  beforeAll(async () => {
    for (const [id, tags] of [
      ['list-a', ['europe', 'trade']],
      ['list-b', ['europe']],
      ['list-c', ['asia']],
      ['list-d', ['europe']],
    ] as const) {
      expect((await s.call('POST', '/scenarios', { body: { id, title: id, tags } })).status).toBe(201);
    }
  });

  it('lists every scenario by id', async () => {
    const r = await s.call('GET', '/scenarios?limit=100', reader);
    expect(r.status).toBe(200);
    const all = ids(r);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'list-d', SEED_SCENARIO]));
    expect(r.body.nextToken).toBeNull();
  });

  it('filters by tag, and pages a filtered list without skipping', async () => {
    // Act
    const first = await s.call('GET', '/scenarios?tag=europe&limit=2', reader);
    const second = await s.call(
      'GET',
      `/scenarios?tag=europe&limit=2&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    // Assess
    expect(ids(first)).toEqual(['list-a', 'list-b']);
    expect(ids(second)).toEqual(['list-d']);
    expect(second.body.nextToken).toBeNull();
    expect(ids(await s.call('GET', '/scenarios?tag=nothing-tagged', reader))).toEqual([]);
  });

  it('walks all scenarios page by page', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r: { body: { items: { id: string }[]; nextToken: string | null } } = await s.call(
        'GET',
        `/scenarios?limit=1${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        reader,
      );
      expect(r.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...ids(r));
      token = r.body.nextToken;
      pages++;
    } while (token && pages < 50);
    expect(token).toBeNull();
    expect(seen).toEqual(ids(await s.call('GET', '/scenarios?limit=100', reader)));
  });

  it('refuses bad parameters and a token of another filter with 400', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['tag=Not_A_Slug', 'tag'],
      ['colour=red', 'colour'],
      ['nextToken=junk', 'nextToken'],
    ]) {
      const r = await s.call('GET', `/scenarios?${query}`, reader);
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([expect.objectContaining({ path: param })]);
    }
    const page = await s.call('GET', '/scenarios?tag=europe&limit=1', reader);
    const borrowed = await s.call(
      'GET',
      `/scenarios?tag=asia&nextToken=${encodeURIComponent(page.body.nextToken)}`,
      reader,
    );
    expect(borrowed.status).toBe(400);
    const threadsToken = (await s.call('GET', '/threads?limit=1', reader)).body.nextToken;
    expect(
      (await s.call('GET', `/scenarios?nextToken=${encodeURIComponent(threadsToken)}`, reader)).status,
    ).toBe(400);
  });

  it('answers 304 while the page is unchanged, and 200 once a scenario on it changed', async () => {
    // Prepare
    const first = await s.call('GET', '/scenarios?tag=europe', reader);
    const etag = first.headers.get('etag')!;
    // Act / Assess
    expect(
      (await s.call('GET', '/scenarios?tag=europe', { role: 'reader', headers: { 'If-None-Match': etag } }))
        .status,
    ).toBe(304);
    await s.call('PATCH', '/scenarios/list-b', { body: { description: 'Changed.' } });
    const changed = await s.call('GET', '/scenarios?tag=europe', {
      role: 'reader',
      headers: { 'If-None-Match': etag },
    });
    expect(changed.status).toBe(200);
  });
});

describe('PATCH /scenarios/{id}', () => {
  beforeAll(async () => {
    await s.call('POST', '/scenarios', { body: { id: 'patched', title: 'Patched', tags: ['one'] } });
  });

  it('changes title, description and tags: 200 with the whole resource, one version on', async () => {
    // Act
    const r = await s.call('PATCH', '/scenarios/patched', {
      body: { title: 'Patched again', description: 'Now described.', tags: ['two', 'three'] },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: 'patched',
      title: 'Patched again',
      description: 'Now described.',
      tags: ['two', 'three'],
      threadCount: 0,
      version: 2,
    });
    expect(r.headers.get('etag')).toBe('"v2"');
    expect((await s.call('GET', '/scenarios/patched', reader)).body).toEqual(r.body);
  });

  it('keeps the version when nothing changes', async () => {
    const before = (await s.call('GET', '/scenarios/patched', reader)).body;
    const r = await s.call('PATCH', '/scenarios/patched', { body: { title: before.title } });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(before.version);
  });

  it('honours If-Match: 412 on a stale ETag, 200 on the current one', async () => {
    // Prepare
    const current = await s.call('GET', '/scenarios/patched', reader);
    // Act
    const stale = await s.call('PATCH', '/scenarios/patched', {
      headers: { 'If-Match': '"v1"' },
      body: { title: 'Lost' },
    });
    const fresh = await s.call('PATCH', '/scenarios/patched', {
      headers: { 'If-Match': current.headers.get('etag')! },
      body: { title: 'Won' },
    });
    // Assess
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');
    expect(fresh.status).toBe(200);
    expect(fresh.body.title).toBe('Won');
  });

  it('answers 400 for an empty change, limits and unknown fields; 404 for an unknown scenario', async () => {
    for (const body of [
      {},
      { title: '' },
      { title: '   ' },
      { description: 'd'.repeat(4001) },
      { tags: ['Bad Tag'] },
      { id: 'renamed' },
      { threadCount: 1 },
    ]) {
      const r = await s.call('PATCH', '/scenarios/patched', { body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
    expect((await s.call('PATCH', '/scenarios/no-such', { body: { title: 'X' } })).status).toBe(404);
  });
});

describe('scenarios of POST /threads', () => {
  it('creates a missing scenario titled with its id, and counts the thread once recounted', async () => {
    // Act
    expect((await s.call('POST', '/threads', { body: thread('iran-talks-1', 'iran-nuclear') })).status).toBe(
      201,
    );
    // Assess
    const created = await s.call('GET', '/scenarios/iran-nuclear', reader);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: 'iran-nuclear',
      title: 'iran-nuclear',
      description: '',
      tags: [],
    });
    await recount();
    const counted = await s.call('GET', '/scenarios/iran-nuclear', reader);
    expect(counted.body).toMatchObject({ threadCount: 1, statusCounts: { proposed: 1 }, staleCount: 0 });
    expect(counted.body.version).toBeGreaterThan(created.body.version);
  });

  it('leaves an existing scenario as it is', async () => {
    // Prepare
    const before = await s.call('GET', `/scenarios/${SEED_SCENARIO}`, reader);
    // Act
    expect((await s.call('POST', '/threads', { body: thread('seed-extra', SEED_SCENARIO) })).status).toBe(
      201,
    );
    await recount();
    // Assess
    const after = await s.call('GET', `/scenarios/${SEED_SCENARIO}`, reader);
    expect(after.body).toMatchObject({
      title: 'Russia–Ukraine talks',
      description: before.body.description,
      threadCount: 5,
      statusCounts: { agreed: 1, announced: 1, proposed: 2, rejected: 1 },
    });
  });

  it('refuses a thread created in, or moved into, the reserved scenario id import with 400 naming scenario', async () => {
    // Prepare
    await s.call('POST', '/threads', { body: thread('reserved-mover', 'mover-home') });
    // Act
    const created = await s.call('POST', '/threads', { body: thread('reserved-new', 'import') });
    const moved = await s.call('PATCH', '/threads/reserved-mover', { body: { scenario: 'import' } });
    // Assess
    for (const r of [created, moved]) {
      expect([r.status, r.body.code]).toEqual([400, 'validation_error']);
      expect(r.body.errors).toEqual([
        expect.objectContaining({ path: 'scenario', message: expect.stringContaining('is reserved') }),
      ]);
    }
    expect((await s.call('GET', '/threads/reserved-new', reader)).status).toBe(404);
    expect((await s.call('GET', '/threads/reserved-mover', reader)).body.scenario).toBe('mover-home');
  });

  it('creates no scenario when the thread is refused', async () => {
    expect((await s.call('POST', '/threads', { body: thread('ceasefire', 'phantom-scenario') })).status).toBe(
      409,
    );
    expect((await s.call('GET', '/scenarios/phantom-scenario', reader)).status).toBe(404);
  });
});

describe('counts follow thread writes once recounted', () => {
  beforeAll(async () => {
    await s.call('POST', '/threads', { body: thread('count-a', 'counting', { staleAfterHours: 1 }) });
    await s.call('POST', '/threads', { body: thread('count-b', 'counting') });
    await recount();
  });

  it('moves a status change into statusCounts, changing version and ETag, so an older If-Match is 412', async () => {
    // Prepare
    const before = await s.call('GET', '/scenarios/counting', reader);
    expect(before.body).toMatchObject({ threadCount: 2, statusCounts: { proposed: 2 } });
    // Act
    await s.call('POST', '/threads/count-b/updates', {
      body: { status: 'announced', summary: 'Announced.' },
    });
    const lagging = await s.call('GET', '/scenarios/counting', reader);
    await recount();
    const after = await s.call('GET', '/scenarios/counting', reader);
    // Assess: counts may lag the write until the recount, then they are right
    expect(lagging.body.statusCounts).toEqual({ proposed: 2 });
    expect(after.body).toMatchObject({ threadCount: 2, statusCounts: { announced: 1, proposed: 1 } });
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const stale = await s.call('PATCH', '/scenarios/counting', {
      headers: { 'If-Match': before.headers.get('etag')! },
      body: { title: 'Counting' },
    });
    expect(stale.status).toBe(412);
  });

  it('counts a thread flagged stale, and uncounts it when an update clears the flag', async () => {
    // Act
    await runStaleCheck(s.ctx, addHours(nowUtc(), 2));
    await recount();
    const flagged = await s.call('GET', '/scenarios/counting', reader);
    await s.call('POST', '/threads/count-a/updates', { body: { summary: 'Still proposed.' } });
    await recount();
    const cleared = await s.call('GET', '/scenarios/counting', reader);
    // Assess
    expect(flagged.body.staleCount).toBe(1);
    expect(cleared.body.staleCount).toBe(0);
  });

  it('keeps version and ETag when a recount finds the same counts', async () => {
    const before = await s.call('GET', '/scenarios/counting', reader);
    await s.call('PATCH', '/threads/count-a', { body: { title: 'Renamed' } });
    await s.ctx.recounts.request(['counting']);
    await recount();
    const after = await s.call('GET', '/scenarios/counting', reader);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
  });
});
