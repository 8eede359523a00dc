import { settleMs } from '../../shared/app/changes';
import { runStaleCheck } from '../../shared/app/stale-check';
import { itemsRead, recordCalls } from '../support/read-recorder';
import { tick, useFakeDate } from '../support/fake-date';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Contract 1.2, "What changed since". The test clock is Jest's fake Date (timers stay real): every
 * write of this file is recorded in the same millisecond unless a test moves the clock on, and the
 * feed's settle time (WRITE_RETRY_BUDGET_MS + 2 s) passes only when a test says so.
 */

let s: TestServer;
let settle: number;
const reader = { role: 'reader' as const };

beforeAll(async () => {
  useFakeDate();
  s = await startTestServer({ notifications: false, seed: false });
  settle = settleMs(s.ctx.config);
});
afterAll(async () => {
  await s.close();
  jest.useRealTimers();
});

const thread = (id: string, scenario: string, extra: Record<string, unknown> = {}) =>
  s.call('POST', '/threads', {
    body: {
      id,
      scenario,
      kind: 'summit',
      title: id,
      status: 'announced',
      summary: `${id} announced.`,
      occurredAt: '2025-06-01T00:00:00Z',
      ...extra,
    },
  });
const post = (id: string, body: Record<string, unknown>) =>
  s.call('POST', `/threads/${id}/updates`, { body: { summary: `${id} update.`, ...body } });

/** Every change after `since`, page by page (`limit` each). */
async function readAll(path: string, since: string, limit = 100) {
  const items: any[] = [];
  let token: string | null = null;
  do {
    const q = `since=${encodeURIComponent(since)}&limit=${limit}${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`;
    const r = await s.call('GET', `${path}?${q}`, reader);
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    token = r.body.nextToken;
  } while (token);
  return items;
}

const row = (c: any) => [c.type, c.threadId, c.by];

describe('GET /scenarios/{id}/changes', () => {
  it('lists every kind of change a write makes, oldest first, with who made it and distinct increasing cursors though they share a millisecond', async () => {
    // Prepare: everything below is recorded in one millisecond of the test clock.
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-summit', 'changes-a', { occurredAt: '2025-06-01T00:00:00Z' });
    const scheduled = (await post('ch-summit', { status: 'scheduled', occurredAt: '2025-06-10T00:00:00Z' }))
      .body.update;
    const note = (await post('ch-summit', { occurredAt: '2025-06-11T00:00:00Z' })).body.update;
    const late = (await post('ch-summit', { occurredAt: '2025-06-05T00:00:00Z' })).body.update;
    await s.call('PATCH', `/threads/ch-summit/updates/${note.id}`, { body: { summary: 'Reworded.' } });
    await s.call('POST', `/threads/ch-summit/updates/${scheduled.id}/retraction`, {
      body: { reason: 'Wrong.' },
    });
    await s.call('PATCH', '/threads/ch-summit', {
      body: { title: 'The summit', expected: { what: 'A date', at: '2027-01-01' } },
    });
    await s.call('PATCH', '/threads/ch-summit', { body: { expected: null, archived: true } });
    await s.call('PATCH', '/threads/ch-summit', { body: { archived: false, scenario: 'changes-b' } });
    tick(settle + 1);
    // Act
    const a = await readAll('/scenarios/changes-a/changes', since);
    const b = await readAll('/scenarios/changes-b/changes', since);
    // Assess
    const editor = 'local-editor';
    expect(a.map(row)).toEqual([
      ['thread_created', 'ch-summit', editor],
      ['update', 'ch-summit', editor],
      ['status_changed', 'ch-summit', editor],
      ['update', 'ch-summit', editor],
      ['late_update', 'ch-summit', editor],
      ['amended', 'ch-summit', editor],
      ['retracted', 'ch-summit', editor],
      ['status_changed', 'ch-summit', editor],
      ['expected_set', 'ch-summit', editor],
      ['changed', 'ch-summit', editor],
      ['archived', 'ch-summit', editor],
      ['expected_cleared', 'ch-summit', editor],
      ['moved', 'ch-summit', editor],
      ['unarchived', 'ch-summit', editor],
    ]);
    // The move is in the feed of the scenario it went to as well, with the same cursor.
    expect(b.map(row)).toEqual([
      ['moved', 'ch-summit', editor],
      ['unarchived', 'ch-summit', editor],
    ]);
    expect(b.map((c) => c.cursor)).toEqual(a.slice(-2).map((c) => c.cursor));
    expect(a[a.length - 2]).toMatchObject({ scenario: 'changes-b', previousScenario: 'changes-a' });
    expect(a[1]).toMatchObject({
      updateId: scheduled.id,
      status: 'scheduled',
      occurredAt: '2025-06-10T00:00:00.000Z',
    });
    expect(a[2]).toMatchObject({ status: 'scheduled', previousStatus: 'announced' });
    expect(a[4]).toMatchObject({ updateId: late.id, occurredAt: '2025-06-05T00:00:00.000Z' });
    expect(a[6]).toMatchObject({ type: 'retracted', updateId: scheduled.id, status: 'scheduled' });
    expect(a[7]).toMatchObject({ status: 'announced', previousStatus: 'scheduled' });
    expect(a[9]).toMatchObject({ fields: ['title'] });
    expect(new Set(a.map((c) => c.at)).size).toBe(1);
    const cursors = a.map((c) => c.cursor);
    expect([...cursors].sort()).toEqual(cursors);
    expect(new Set(cursors).size).toBe(cursors.length);
  });

  it('says a draft was published, by its publisher, and never shows the draft itself', async () => {
    // Prepare: the local editor token may publish its own drafts (contract 1.2 "Drafts")
    await thread('ch-draft', 'changes-drafts');
    const since = new Date(Date.now()).toISOString();
    tick(1);
    const drafted = (await post('ch-draft', { status: 'scheduled', draft: true })).body.update;
    tick(settle + 1);
    const beforePublish = await readAll('/scenarios/changes-drafts/changes', since);
    await s.call('POST', `/threads/ch-draft/updates/${drafted.id}/publish`);
    tick(settle + 1);
    // Act
    const after = await readAll('/scenarios/changes-drafts/changes', since);
    // Assess
    expect(beforePublish).toEqual([]);
    expect(after.map(row)).toEqual([
      ['published', 'ch-draft', 'local-editor'],
      ['status_changed', 'ch-draft', 'local-editor'],
    ]);
    expect(after[0]).toMatchObject({ status: 'scheduled', updateId: expect.any(String) });
    expect(after[0].updateId).not.toBe(drafted.id);
  });

  it('answers only what was recorded strictly after a cursor, and pages with nextToken', async () => {
    // Prepare
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-paged', 'changes-paged');
    for (let i = 0; i < 4; i++) await post('ch-paged', {});
    tick(settle + 1);
    const all = await readAll('/scenarios/changes-paged/changes', since);
    // Act
    const paged = await readAll('/scenarios/changes-paged/changes', since, 2);
    const afterSecond = await readAll('/scenarios/changes-paged/changes', all[1].cursor);
    // Assess
    expect(all).toHaveLength(5);
    expect(paged).toEqual(all);
    expect(afterSecond).toEqual(all.slice(2));
    expect(await readAll('/scenarios/changes-paged/changes', all[4].cursor)).toEqual([]);
  });

  it('holds back what was recorded within the settle time, so no later commit can land before a cursor handed out', async () => {
    // Prepare
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-fresh', 'changes-fresh');
    // Act
    const fresh = await readAll('/scenarios/changes-fresh/changes', since);
    tick(settle - 1);
    const almost = await readAll('/scenarios/changes-fresh/changes', since);
    tick(2);
    const settled = await readAll('/scenarios/changes-fresh/changes', since);
    // Assess
    expect(fresh).toEqual([]);
    expect(almost).toEqual([]);
    expect(settled.map(row)).toEqual([['thread_created', 'ch-fresh', 'local-editor']]);
  });

  it("records the scheduled check's stale and overdue flags with by null", async () => {
    // Prepare: a thread due after an hour, and one awaiting an expected date already past.
    await thread('ch-stale', 'changes-check', { staleAfterHours: 1 });
    await thread('ch-overdue', 'changes-check', {
      expected: { what: 'An answer', at: '2025-07-01' },
      staleAfterHours: 8760,
    });
    const since = new Date(Date.now()).toISOString();
    tick(2 * 3_600_000);
    // Act
    await runStaleCheck(s.ctx, new Date(Date.now()).toISOString());
    tick(settle + 1);
    const items = await readAll('/scenarios/changes-check/changes', since);
    // Assess
    expect(items.map(row).sort()).toEqual([
      ['overdue', 'ch-overdue', null],
      ['stale', 'ch-stale', null],
    ]);
  });

  it('answers 304 to its ETag while nothing new is settled', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-etag', 'changes-etag');
    tick(settle + 1);
    const first = await s.call('GET', `/scenarios/changes-etag/changes?since=${since}`, reader);
    const again = await s.call('GET', `/scenarios/changes-etag/changes?since=${since}`, {
      ...reader,
      headers: { 'If-None-Match': first.headers.get('etag')! },
    });
    expect(first.headers.get('etag')).toMatch(/^"/);
    expect(again.status).toBe(304);
  });

  it('refuses a since older than 400 days, a missing or malformed since, and answers 404 for an unknown scenario', async () => {
    const old = new Date(Date.now() - 401 * 86_400_000).toISOString();
    const tooOld = await s.call('GET', `/scenarios/changes-a/changes?since=${old}`, reader);
    expect(tooOld.status).toBe(400);
    expect(tooOld.body.detail).toMatch(/since.*400 days/);
    const fine = await s.call(
      'GET',
      `/scenarios/changes-a/changes?since=${new Date(Date.now() - 399 * 86_400_000).toISOString()}`,
      reader,
    );
    expect(fine.status).toBe(200);
    expect((await s.call('GET', '/changes', reader)).status).toBe(400);
    expect((await s.call('GET', '/changes?since=yesterday', reader)).status).toBe(400);
    expect(
      (await s.call('GET', `/scenarios/no-such-scenario/changes?since=${old.slice(0, 4)}`, reader)).status,
    ).toBe(400);
    const now = new Date(Date.now()).toISOString();
    expect((await s.call('GET', `/scenarios/no-such-scenario/changes?since=${now}`, reader)).status).toBe(
      404,
    );
    expect((await s.call('GET', `/changes?since=${now}`, { role: null })).status).toBe(401);
  });
});

describe('GET /changes', () => {
  it('merges every scenario in recorded order, a move once', async () => {
    // Prepare
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-global-1', 'changes-g1');
    tick(1);
    await thread('ch-global-2', 'changes-g2');
    await post('ch-global-1', { status: 'scheduled' });
    await s.call('PATCH', '/threads/ch-global-1', { body: { scenario: 'changes-g2' } });
    tick(settle + 1);
    // Act
    const items = await readAll('/changes', since, 3);
    // Assess
    expect(items.map((c) => [c.type, c.threadId, c.scenario])).toEqual([
      ['thread_created', 'ch-global-1', 'changes-g1'],
      ['thread_created', 'ch-global-2', 'changes-g2'],
      ['update', 'ch-global-1', 'changes-g1'],
      ['status_changed', 'ch-global-1', 'changes-g1'],
      ['moved', 'ch-global-1', 'changes-g2'],
    ]);
  });
});

describe('the cost of a page', () => {
  it('reads O(page): one index Query for a scenario, one Query per outbox shard for all, however long the feed', async () => {
    // Prepare: 30 changes in one scenario, and a recorder on the server's own client.
    const since = new Date(Date.now() - 1).toISOString();
    await thread('ch-long', 'changes-long');
    for (let i = 0; i < 29; i++) await post('ch-long', {});
    tick(settle + 1);
    const recorder = recordCalls(s.ctx.db);
    try {
      // Act
      recorder.take();
      const one = await s.call('GET', `/scenarios/changes-long/changes?since=${since}&limit=5`, reader);
      // (The kind registry's consistent Query may run meanwhile: only the feed's reads are counted.)
      const scenarioCalls = recorder.take().filter((c) => c.command === 'Query' && !c.consistent);
      const all = await s.call('GET', `/changes?since=${since}&limit=5`, reader);
      const globalCalls = recorder.take().filter((c) => c.command === 'Query' && !c.consistent);
      // Assess
      expect(one.body.items).toHaveLength(5);
      expect(scenarioCalls).toEqual([expect.objectContaining({ index: 'GSI12' })]);
      expect(itemsRead(scenarioCalls)).toBe(6);
      expect(all.body.items).toHaveLength(5);
      expect(globalCalls.length).toBeLessThanOrEqual(8 + 2);
      // At most 2 carriers per shard on the first round (⌈6 / 8⌉ + 1), more only from the shard that holds them.
      expect(itemsRead(globalCalls)).toBeLessThanOrEqual(16 + 8);
    } finally {
      recorder.detach();
    }
  });
});
