import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { threadKey } from '../../shared/store/keys';
import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.1, "Kinds": GET /kinds, admin-defined custom kinds, and their use everywhere a kind is. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
const admin = { role: 'admin' as const };
const putKind = (kind: string, body: unknown, role: 'reader' | 'editor' | 'admin' = 'admin') =>
  s.call('PUT', `/kinds/${kind}`, { role, body });
const MEDIATION = {
  label: 'Mediation',
  statuses: [
    { name: 'offered', terminal: false },
    { name: 'accepted', terminal: false },
    { name: 'concluded', terminal: true },
  ],
};

describe('GET /kinds', () => {
  it('lists the built-in kinds with their statuses and terminal flags, the 1.1 additions included', async () => {
    // Act
    const r = await s.call('GET', '/kinds', reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toMatch(/^"/);
    const byKind = Object.fromEntries(r.body.items.map((k: { kind: string }) => [k.kind, k]));
    expect(Object.keys(byKind).sort()).toEqual([
      'ceasefire',
      'other',
      'prisoner_exchange',
      'sanctions',
      'summit',
    ]);
    expect(byKind.ceasefire).toMatchObject({ label: 'Ceasefire', builtIn: true });
    expect(byKind.ceasefire.statuses).toContainEqual({ name: 'expired', terminal: true });
    expect(byKind.ceasefire.statuses).toContainEqual({ name: 'collapsed', terminal: true });
    expect(byKind.sanctions.statuses).toContainEqual({ name: 'blocked', terminal: false });
    expect(Object.keys(r.body.items[0]).sort()).toEqual(['builtIn', 'kind', 'label', 'statuses']);
  });

  it('needs a token', async () => {
    expect((await s.call('GET', '/kinds', { role: null })).status).toBe(401);
  });
});

describe('the built-in additions', () => {
  it('lets a ceasefire expire (terminal) and sanctions be blocked', async () => {
    // Prepare
    const base = { scenario: 'kinds', summary: 'Started.', title: 'T' };
    await s.call('POST', '/threads', {
      body: { ...base, id: 'truce', kind: 'ceasefire', status: 'in_effect' },
    });
    await s.call('POST', '/threads', {
      body: { ...base, id: 'package-19', kind: 'sanctions', status: 'proposed' },
    });
    // Act
    const expired = await s.call('POST', '/threads/truce/updates', {
      body: { status: 'expired', summary: 'The 30 days ran out.' },
    });
    const blocked = await s.call('POST', '/threads/package-19/updates', {
      body: { status: 'blocked', summary: 'Vetoed by one member state.' },
    });
    // Assess
    expect(expired.status).toBe(201);
    expect(blocked.status).toBe(201);
    const item = async (id: string) =>
      (await s.ctx.db.send(new GetCommand({ TableName: s.ctx.config.tableName, Key: threadKey(id) }))).Item!;
    // Terminal: no longer watched for staleness (out of the due index); blocked is not terminal.
    expect((await item('truce')).GSI3PK).toBeUndefined();
    expect((await item('package-19')).GSI3PK).toBeDefined();
  });
});

describe('PUT /kinds/{kind}', () => {
  it('is for admins only', async () => {
    expect((await putKind('mediation', MEDIATION, 'editor')).status).toBe(403);
    expect((await putKind('mediation', MEDIATION, 'reader')).status).toBe(403);
    expect((await s.call('PUT', '/kinds/mediation', { role: null, body: MEDIATION })).status).toBe(401);
  });

  it('defines a custom kind (201), which GET /kinds then lists as not built in', async () => {
    // Act
    const created = await putKind('mediation', MEDIATION);
    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/kinds/mediation');
    expect(created.body).toEqual({ kind: 'mediation', builtIn: false, ...MEDIATION });
    const list = await s.call('GET', '/kinds', reader);
    expect(list.body.items).toContainEqual({ kind: 'mediation', builtIn: false, ...MEDIATION });
    // Ordered by kind.
    const names = list.body.items.map((k: { kind: string }) => k.kind);
    expect(names).toEqual([...names].sort());
  });

  it('makes the custom kind usable at once: POST /threads, status checks, list filters', async () => {
    // Act
    const thread = await s.call('POST', '/threads', {
      body: {
        id: 'vatican-offer',
        scenario: 'kinds',
        kind: 'mediation',
        title: 'Vatican mediation',
        status: 'offered',
        summary: 'The Vatican offered to host talks.',
      },
    });
    const wrongStatus = await s.call('POST', '/threads', {
      body: { id: 'wrong', scenario: 'kinds', kind: 'mediation', title: 'W', status: 'held', summary: 'S.' },
    });
    const update = await s.call('POST', '/threads/vatican-offer/updates', {
      body: { status: 'accepted', summary: 'Both sides accepted.' },
    });
    const badUpdate = await s.call('POST', '/threads/vatican-offer/updates', {
      body: { status: 'collapsed', summary: 'No.' },
    });
    const byKind = await s.call('GET', '/threads?kind=mediation', reader);
    const byStatus = await s.call('GET', '/threads?status=accepted', reader);
    // Assess
    expect(thread.status).toBe(201);
    expect(thread.body.kind).toBe('mediation');
    expect(wrongStatus.status).toBe(422);
    expect(wrongStatus.body.code).toBe('invalid_status');
    expect(update.status).toBe(201);
    expect(badUpdate.status).toBe(422);
    expect(byKind.body.items.map((t: { id: string }) => t.id)).toEqual(['vatican-offer']);
    expect(byStatus.body.items.map((t: { id: string }) => t.id)).toEqual(['vatican-offer']);
  });

  it('keeps threads in a custom terminal status out of the stale watch', async () => {
    // Act
    await s.call('POST', '/threads/vatican-offer/updates', {
      body: { status: 'concluded', summary: 'Talks concluded.' },
    });
    // Assess
    const item = (
      await s.ctx.db.send(
        new GetCommand({ TableName: s.ctx.config.tableName, Key: threadKey('vatican-offer') }),
      )
    ).Item!;
    expect(item.GSI3PK).toBeUndefined();
  });

  it('changes labels and terminal flags and adds statuses (200); the same definition again changes nothing (200)', async () => {
    // Prepare
    const changed = {
      label: 'Mediation offer',
      statuses: [
        { name: 'offered', terminal: false },
        { name: 'accepted', terminal: false },
        { name: 'concluded', terminal: false },
        { name: 'declined', terminal: true },
      ],
    };
    // Act
    const r = await putKind('mediation', changed);
    const again = await putKind('mediation', changed);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ kind: 'mediation', builtIn: false, ...changed });
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();
    const used = await s.call('POST', '/threads', {
      body: {
        id: 'declined-offer',
        scenario: 'kinds',
        kind: 'mediation',
        title: 'D',
        status: 'declined',
        summary: 'Declined.',
      },
    });
    expect(used.status).toBe(201);
  });

  it('never removes a status: 409 kind_conflict, and the kind stays as it was', async () => {
    // Act
    const r = await putKind('mediation', {
      label: 'Mediation',
      statuses: [{ name: 'offered', terminal: false }],
    });
    // Assess
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('kind_conflict');
    expect(r.body.detail).toContain('accepted');
    const kinds = await s.call('GET', '/kinds', reader);
    expect(kinds.body.items.find((k: { kind: string }) => k.kind === 'mediation').statuses).toHaveLength(4);
  });

  it.each(['ceasefire', 'summit', 'other'])(
    'refuses to change the built-in kind %s: 409 kind_conflict',
    async (kind) => {
      // Act
      const r = await putKind(kind, { label: 'Mine', statuses: [{ name: 'proposed', terminal: false }] });
      // Assess
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('kind_conflict');
    },
  );

  it.each([
    ['a bad kind name', 'Bad-Name', MEDIATION, 'kind'],
    ['a kind name over 40 characters', `k${'x'.repeat(40)}`, MEDIATION, 'kind'],
    ['a kind name starting with a digit', '9lives', MEDIATION, 'kind'],
    ['no statuses', 'empty_kind', { label: 'E', statuses: [] }, 'statuses'],
    [
      '31 statuses',
      'big_kind',
      { label: 'B', statuses: Array.from({ length: 31 }, (_, i) => ({ name: `s${i}`, terminal: false })) },
      'statuses',
    ],
    [
      'a status named twice',
      'twice',
      {
        label: 'T',
        statuses: [
          { name: 'a', terminal: false },
          { name: 'a', terminal: true },
        ],
      },
      'statuses',
    ],
    [
      'a bad status name',
      'bad_status',
      { label: 'B', statuses: [{ name: 'Held Up', terminal: false }] },
      'statuses[0].name',
    ],
    [
      'a status without its terminal flag',
      'no_flag',
      { label: 'B', statuses: [{ name: 'open' }] },
      'statuses[0].terminal',
    ],
    ['an empty label', 'no_label', { label: '', statuses: [{ name: 'open', terminal: false }] }, 'label'],
    ['an unknown field', 'extra', { ...MEDIATION, colour: 'red' }, 'colour'],
  ])('refuses %s (PUT /kinds/%s) with 400 naming the field', async (_what, kind, body, path) => {
    // Act
    const r = await putKind(kind, body);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_error');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('accepts exactly 30 statuses and a 40-character name', async () => {
    // Act
    const r = await putKind(`k${'x'.repeat(39)}`, {
      label: 'Many',
      statuses: Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, terminal: i === 29 })),
    });
    // Assess
    expect(r.status).toBe(201);
  });
});

describe('unknown kinds stay 400 on the field kind', () => {
  it.each([
    [
      'POST /threads',
      () =>
        s.call('POST', '/threads', {
          body: { id: 'x', scenario: 'kinds', kind: 'treaty', title: 'X', status: 'proposed', summary: 'S.' },
        }),
    ],
    ['GET /threads?kind=', () => s.call('GET', '/threads?kind=treaty', reader)],
    ['GET /threads?kind= (malformed)', () => s.call('GET', '/threads?kind=Treaty!', reader)],
  ])('%s', async (_what, call) => {
    // Act
    const r = await call();
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_error');
    expect(r.body.errors).toEqual([{ path: 'kind', message: expect.any(String) }]);
  });

  it('and a status no kind has is 400 on status in a query', async () => {
    // Act
    const r = await s.call('GET', '/threads?status=teleported', reader);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'status', message: expect.stringContaining('must be one of') }]);
  });
});

describe('the admin function answers only its route', () => {
  it('answers 405 to other methods on /kinds/{kind} and /kinds', async () => {
    // Act
    const get = await s.call('GET', '/kinds/mediation', admin);
    const post = await s.call('POST', '/kinds', { ...admin, body: MEDIATION });
    // Assess
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('PUT');
    expect(post.status).toBe(405);
  });
});
