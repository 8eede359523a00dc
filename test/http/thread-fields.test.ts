import { runStaleCheck } from '../../shared/app/stale-check';
import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.1, "Threads: new fields and changes" and its precise points: parent, archived, expected, moving, changing kind. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

let n = 0;
/** A new thread of `kind` in `scenario`, with a unique id. */
async function thread(
  scenario = 'fields',
  extra: Record<string, unknown> = {},
  kind = 'summit',
  status = 'proposed',
) {
  const id = `t${++n}-${Date.now().toString(36)}`;
  const r = await s.call('POST', '/threads', {
    body: {
      id,
      scenario,
      kind,
      title: `Thread ${id}`,
      status,
      summary: 'Opened.',
      occurredAt: '2025-06-01T10:00:00Z',
      ...extra,
    },
  });
  expect(r.status).toBe(201);
  return r.body as Record<string, any>;
}
const patch = (id: string, body: unknown) => s.call('PATCH', `/threads/${id}`, { body });
const get = async (id: string) => (await s.call('GET', `/threads/${id}`, { role: 'reader' })).body;
const ids = async (query: string) => {
  const r = await s.call('GET', `/threads?${query}`, { role: 'reader' });
  expect(r.status).toBe(200);
  return (r.body.items as { id: string }[]).map((t) => t.id);
};

describe('new thread fields', () => {
  it('a new thread carries the 1.1 defaults', async () => {
    // Act
    const t = await thread();
    // Assess
    expect(t).toMatchObject({
      parent: null,
      archived: false,
      expected: null,
      overdue: false,
      overdueSince: null,
    });
  });

  it('POST /threads accepts expected in any time form and parent', async () => {
    // Prepare
    const p = await thread('with-kids');
    // Act
    const t = await thread('with-kids', {
      parent: p.id,
      expected: { what: 'Summit held', at: '2025-08-15' },
    });
    // Assess
    expect(t).toMatchObject({
      parent: p.id,
      expected: { what: 'Summit held', at: '2025-08-15T00:00:00.000Z', precision: 'day' },
    });
    expect(await get(t.id)).toMatchObject({
      parent: p.id,
      expected: { what: 'Summit held', at: '2025-08-15T00:00:00.000Z', precision: 'day' },
    });
  });
});

describe('expected', () => {
  it('is set with its precision, bumps the version, and setting the same value changes nothing', async () => {
    // Prepare
    const t = await thread();
    // Act
    const set = await patch(t.id, { expected: { what: 'Talks resume', at: '2025-09' } });
    const again = await patch(t.id, { expected: { what: 'Talks resume', at: '2025-09' } });
    // Assess
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      version: 2,
      expected: { what: 'Talks resume', at: '2025-09-01T00:00:00.000Z', precision: 'month' },
    });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(2);
    expect(again.body.updatedAt).toBe(set.body.updatedAt);
    expect(again.headers.get('etag')).toBe('"v2"');
  });

  it('is cleared with null', async () => {
    // Prepare
    const t = await thread('fields', { expected: { what: 'Talks', at: '2026' } });
    // Act
    const r = await patch(t.id, { expected: null });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ expected: null, version: 2 });
  });

  it('accepts a full time with a zone and up to 10 years ahead', async () => {
    // Prepare
    const t = await thread();
    const nineYears = new Date().getUTCFullYear() + 9;
    // Act
    const instant = await patch(t.id, { expected: { what: 'Vote', at: '2025-10-23T12:00:00+02:00' } });
    const far = await patch(t.id, { expected: { what: 'Vote', at: String(nineYears) } });
    // Assess
    expect(instant.body.expected).toEqual({
      what: 'Vote',
      at: '2025-10-23T10:00:00.000Z',
      precision: 'instant',
    });
    expect(far.status).toBe(200);
  });

  it('takes back expected exactly as a GET shows it, precision included, and changes nothing', async () => {
    // Prepare
    const t = await thread('fields', { expected: { what: 'Talks resume', at: '2025-09' } });
    const shown = (await get(t.id)).expected;
    // Act
    const sentBack = await patch(t.id, { expected: shown });
    // Assess
    expect(shown).toEqual({ what: 'Talks resume', at: '2025-09-01T00:00:00.000Z', precision: 'month' });
    expect(sentBack.status).toBe(200);
    expect(sentBack.body.version).toBe(t.version);
    expect(sentBack.body.expected).toEqual(shown);
  });

  it('sets a coarser precision given as the first millisecond of its period', async () => {
    // Prepare
    const t = await thread();
    // Act
    const r = await patch(t.id, {
      expected: { what: 'Vote', at: '2025-01-01T00:00:00Z', precision: 'year' },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.expected).toEqual({ what: 'Vote', at: '2025-01-01T00:00:00.000Z', precision: 'year' });
  });

  it.each([
    ['a precision finer than at', { what: 'x', at: '2025-09', precision: 'day' }],
    ['a time that does not start its period', { what: 'x', at: '2025-09-02T00:00:00Z', precision: 'month' }],
    ['an unknown precision', { what: 'x', at: '2025-09', precision: 'week' }],
  ])('is 400 at precision for %s', async (_label, expected) => {
    // Prepare
    const t = await thread();
    // Act
    const r = await patch(t.id, { expected });
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('expected.precision');
  });

  it.each([
    ['more than 10 years ahead', { what: 'x', at: String(new Date().getUTCFullYear() + 11) }],
    ['before 1900', { what: 'x', at: '1899-12-31' }],
    ['a malformed time', { what: 'x', at: '2025-13' }],
    ['an empty what', { what: '', at: '2025-08-15' }],
    ['a what over 200 characters', { what: 'w'.repeat(201), at: '2025-08-15' }],
    ['an unknown field', { what: 'x', at: '2025-08-15', when: 'soon' }],
    ['no at', { what: 'x' }],
  ])('is 400 for %s', async (_label, expected) => {
    // Prepare
    const t = await thread();
    // Act
    const r = await patch(t.id, { expected });
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_error');
  });
});

describe('archived', () => {
  it('leaves archived threads out of lists unless archived=true|any; they stay readable and writable', async () => {
    // Prepare
    const live = await thread('arch');
    const gone = await thread('arch');
    // Act
    const r = await patch(gone.id, { archived: true });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ archived: true, version: 2 });
    expect(await ids('scenario=arch')).toEqual([live.id]);
    expect(await ids('scenario=arch&archived=false')).toEqual([live.id]);
    expect(await ids('scenario=arch&archived=true')).toEqual([gone.id]);
    expect(await ids('scenario=arch&archived=any')).toEqual([live.id, gone.id].sort());
    expect(await ids('archived=true')).toContain(gone.id);
    expect(await ids('limit=100')).not.toContain(gone.id);
    expect(await ids('status=proposed&archived=true&scenario=arch')).toEqual([gone.id]);
    expect((await get(gone.id)).archived).toBe(true);
    const posted = await s.call('POST', `/threads/${gone.id}/updates`, {
      body: { status: 'announced', summary: 'Still news.' },
    });
    expect(posted.status).toBe(201);
    expect(posted.body.thread).toMatchObject({ archived: true, status: 'announced' });
  });

  it('unarchiving lists the thread again; archiving twice changes nothing', async () => {
    // Prepare
    const t = await thread('unarch');
    await patch(t.id, { archived: true });
    // Act
    const same = await patch(t.id, { archived: true });
    const back = await patch(t.id, { archived: false });
    // Assess
    expect(same.body.version).toBe(2);
    expect(back.body).toMatchObject({ archived: false, version: 3 });
    expect(await ids('scenario=unarch')).toEqual([t.id]);
  });

  it('rejects an unknown archived value', async () => {
    expect((await s.call('GET', '/threads?archived=maybe', { role: 'reader' })).status).toBe(400);
  });
});

describe('parent', () => {
  it("lists a thread's children and detaches with null", async () => {
    // Prepare
    const p = await thread('family');
    const a = await thread('family');
    const b = await thread('family');
    // Act
    const ra = await patch(a.id, { parent: p.id });
    await patch(b.id, { parent: p.id });
    // Assess
    expect(ra.status).toBe(200);
    expect(ra.body).toMatchObject({ parent: p.id, version: 2 });
    expect(await ids(`parent=${p.id}`)).toEqual([a.id, b.id].sort());
    expect(await ids(`parent=${p.id}&scenario=family`)).toEqual([a.id, b.id].sort());
    expect(await ids(`parent=${p.id}&scenario=elsewhere`)).toEqual([]);
    const detached = await patch(b.id, { parent: null });
    expect(detached.body.parent).toBeNull();
    expect(await ids(`parent=${p.id}`)).toEqual([a.id]);
    await patch(a.id, { archived: true });
    expect(await ids(`parent=${p.id}`)).toEqual([]);
    expect(await ids(`parent=${p.id}&archived=true`)).toEqual([a.id]);
  });

  it('is 422 invalid_parent for a missing thread, itself, a child, another scenario, or a thread with children', async () => {
    // Prepare
    const p = await thread('rules');
    const child = await thread('rules', { parent: p.id });
    const other = await thread('rules-other');
    const lone = await thread('rules');
    // Act
    const cases = [
      await patch(lone.id, { parent: 'no-such-thread' }),
      await patch(lone.id, { parent: lone.id }),
      await patch(lone.id, { parent: child.id }),
      await patch(lone.id, { parent: other.id }),
      await patch(p.id, { parent: lone.id }),
      await s.call('POST', '/threads', {
        body: {
          id: `x-${n++}`,
          scenario: 'rules',
          kind: 'summit',
          title: 'x',
          status: 'proposed',
          summary: 'x',
          parent: other.id,
        },
      }),
    ];
    // Assess
    for (const r of cases) {
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('invalid_parent');
    }
    expect((await get(lone.id)).version).toBe(1);
  });

  it('a thread with a parent or with children cannot move scenario (422 invalid_parent); detached, it can', async () => {
    // Prepare
    const p = await thread('movers');
    const c = await thread('movers', { parent: p.id });
    // Act
    const movingChild = await patch(c.id, { scenario: 'movers-2' });
    const movingParent = await patch(p.id, { scenario: 'movers-2' });
    const detachAndMove = await patch(c.id, { parent: null, scenario: 'movers-2' });
    // Assess
    expect(movingChild.status).toBe(422);
    expect(movingChild.body.code).toBe('invalid_parent');
    expect(movingParent.status).toBe(422);
    expect(movingParent.body.code).toBe('invalid_parent');
    expect(detachAndMove.status).toBe(200);
    expect(detachAndMove.body).toMatchObject({ scenario: 'movers-2', parent: null });
  });
});

describe('moving a thread', () => {
  it('moves it with its history, creates the target scenario, and lists it there', async () => {
    // Prepare
    const t = await thread('from-here');
    await s.call('POST', `/threads/${t.id}/updates`, {
      body: { status: 'announced', summary: 'Announced.', occurredAt: '2025-06-02' },
    });
    // Act
    const r = await patch(t.id, { scenario: 'brand-new-target' });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      scenario: 'brand-new-target',
      status: 'announced',
      updateCount: 2,
      version: 3,
    });
    expect((await s.call('GET', '/scenarios/brand-new-target', { role: 'reader' })).status).toBe(200);
    expect(await ids('scenario=brand-new-target')).toEqual([t.id]);
    expect(await ids('scenario=from-here')).toEqual([]);
    const history = await s.call('GET', `/threads/${t.id}/updates`, { role: 'reader' });
    expect(history.body.items).toHaveLength(2);
  });
});

describe('changing kind', () => {
  it('is allowed when every status of the history exists in the new kind', async () => {
    // Prepare: proposed, negotiating exist in both ceasefire and sanctions.
    const t = await thread('kinds', {}, 'ceasefire', 'proposed');
    await s.call('POST', `/threads/${t.id}/updates`, { body: { status: 'negotiating', summary: 'Talks.' } });
    // Act
    const r = await patch(t.id, { kind: 'sanctions' });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'sanctions', version: 3 });
  });

  it('is 422 invalid_status when a status of the history, even a retracted one, is not in the new kind', async () => {
    // Prepare: `violated` is a ceasefire status only; the update carrying it is retracted.
    const t = await thread('kinds', {}, 'ceasefire', 'proposed');
    const u = await s.call('POST', `/threads/${t.id}/updates`, {
      body: { status: 'violated', summary: 'Shelling.' },
    });
    await s.call('POST', `/threads/${t.id}/updates/${u.body.update.id}/retraction`, {
      body: { reason: 'Wrong thread.' },
    });
    // Act
    const r = await patch(t.id, { kind: 'sanctions' });
    // Assess
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('invalid_status');
    expect((await get(t.id)).kind).toBe('ceasefire');
  });

  it('is 400 for an unknown kind', async () => {
    // Prepare
    const t = await thread();
    // Act / Assess
    expect((await patch(t.id, { kind: 'no_such_kind' })).status).toBe(400);
  });
});

describe('overdue over HTTP', () => {
  it('a flagged thread shows overdue, is listed by overdue=true, and an update at expected.at clears it', async () => {
    // Prepare
    const t = await thread('late-desk', {
      expected: { what: 'Summit held', at: '2025-08-15' },
      staleAfterHours: 8760,
    });
    const other = await thread('late-desk', { staleAfterHours: 8760 });
    // Act
    await runStaleCheck(s.ctx, '2025-08-16T00:00:00.000Z');
    // Assess
    expect(await get(t.id)).toMatchObject({
      overdue: true,
      overdueSince: '2025-08-16T00:00:00.000Z',
      version: 2,
    });
    expect(await ids('scenario=late-desk&overdue=true')).toEqual([t.id]);
    expect(await ids('scenario=late-desk&overdue=false')).toEqual([other.id]);
    const held = await s.call('POST', `/threads/${t.id}/updates`, {
      body: { status: 'held', summary: 'Held.', occurredAt: '2025-08-15' },
    });
    expect(held.body.thread).toMatchObject({ overdue: false, overdueSince: null, version: 3 });
    expect(await ids('scenario=late-desk&overdue=true')).toEqual([]);
  });

  it('rejects an unknown overdue value', async () => {
    expect((await s.call('GET', '/threads?overdue=maybe', { role: 'reader' })).status).toBe(400);
  });
});
