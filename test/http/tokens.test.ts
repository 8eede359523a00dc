import { hashToken } from '../../shared/app/tokens';
import { startTestServer, type TestServer } from '../support/server';

/** Token management over HTTP (admin only) and what a token's life looks like from outside. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const TOKEN = /^st_[A-Za-z0-9_-]{43}$/;

/** A request with an arbitrary bearer token (or none). */
async function withToken(
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return s.call(method, path, {
    role: null,
    ...(body !== undefined ? { body } : {}),
    headers: { ...(token !== null ? { Authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

async function create(name: string, role: string) {
  const r = await s.call('POST', '/tokens', { role: 'admin', body: { name, role } });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

const expectProblem = (r: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
};

describe('POST /tokens', () => {
  it('creates a token and shows it this once, with a 256-bit random st_ value and no caching', async () => {
    // Prepare: nothing.

    // Act
    const r = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'desk-editor', role: 'editor' },
    });

    // Assess
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      name: 'desk-editor',
      role: 'editor',
      token: expect.stringMatching(TOKEN),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      selfPublish: false,
    });
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(r.body.token.slice(3), 'base64url')).toHaveLength(32);
  });

  it('gives a token that works with exactly its role', async () => {
    // Prepare
    const token = await create('dashboard', 'reader');

    // Act
    const read = await withToken(token, 'GET', '/threads');
    const write = await withToken(token, 'POST', '/threads', {
      id: 'x',
      scenario: 'x',
      kind: 'other',
      title: 'x',
      status: 'proposed',
      summary: 'x',
    });

    // Assess
    expect(read.status).toBe(200);
    expectProblem(write, 403, 'forbidden');
  });

  it('refuses a name that is taken with 409 token_exists and shows no token', async () => {
    // Prepare
    await create('taken-name', 'reader');

    // Act
    const r = await s.call('POST', '/tokens', { role: 'admin', body: { name: 'taken-name', role: 'admin' } });

    // Assess
    expectProblem(r, 409, 'token_exists');
    expect(r.text).not.toMatch(/st_/);
  });

  it.each([
    [{ name: 'Bad Name', role: 'reader' }, 'name'],
    [{ name: '', role: 'reader' }, 'name'],
    [{ name: 'a'.repeat(65), role: 'reader' }, 'name'],
    [{ name: 'trailing-', role: 'reader' }, 'name'],
    [{ name: 'ok-name', role: 'root' }, 'role'],
    [{ name: 'ok-name', role: 'Admin' }, 'role'],
    [{ name: 'ok-name' }, 'role'],
    [{ role: 'reader' }, 'name'],
    [{ name: 'ok-name', role: 'reader', token: 'st_chosen-by-client' }, 'token'],
    [{ name: 'ok-name', role: null }, 'role'],
  ])('refuses %j with 400 validation_error naming %s', async (body, path) => {
    // Prepare: nothing.

    // Act
    const r = await s.call('POST', '/tokens', { role: 'admin', body });

    // Assess
    expectProblem(r, 400, 'validation_error');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await s.ctx.tokens.list()).map((t) => t.name)).not.toContain('ok-name');
  });

  it('does not honour Idempotency-Key: a repeat is 409 token_exists, never a replayed token', async () => {
    // Prepare
    const headers = { 'Idempotency-Key': 'create-robot-1' };
    const first = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'robot', role: 'editor' },
      headers,
    });

    // Act
    const repeat = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'robot', role: 'editor' },
      headers,
    });
    const otherBodySameKey = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'robot-2', role: 'editor' },
      headers,
    });

    // Assess
    expect(first.status).toBe(201);
    expectProblem(repeat, 409, 'token_exists');
    expect(repeat.headers.get('idempotent-replayed')).toBeNull();
    expect(repeat.text).not.toContain(first.body.token);
    expect(otherBodySameKey.status).toBe(201);
    expect(otherBodySameKey.body.token).not.toBe(first.body.token);
  });
});

describe('GET /tokens', () => {
  it('lists names, roles and times but never a token or a hash', async () => {
    // Prepare
    const token = await create('lister-check', 'editor');
    const secrets = [
      token,
      hashToken(token),
      ...Object.values(s.tokens),
      ...Object.values(s.tokens).map(hashToken),
    ];

    // Act
    const r = await s.call('GET', '/tokens', { role: 'admin' });

    // Assess
    expect(r.status).toBe(200);
    for (const secret of secrets) expect(r.text).not.toContain(secret);
    expect(r.text).not.toMatch(/st_|"hash"|[0-9a-f]{64}/);
    for (const item of r.body.items)
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'lastUsedAt', 'name', 'role', 'selfPublish']);
    expect(r.body.items).toContainEqual({
      name: 'lister-check',
      role: 'editor',
      createdAt: expect.any(String),
      lastUsedAt: null,
      selfPublish: false,
    });
  });

  it('shows lastUsedAt once the token has been used', async () => {
    // Prepare
    const token = await create('used-once', 'reader');
    const before = (await s.call('GET', '/tokens', { role: 'admin' })).body.items.find(
      (t: { name: string }) => t.name === 'used-once',
    );

    // Act
    await withToken(token, 'GET', '/threads');
    const after = (await s.call('GET', '/tokens', { role: 'admin' })).body.items.find(
      (t: { name: string }) => t.name === 'used-once',
    );

    // Assess
    expect(before.lastUsedAt).toBeNull();
    expect(after.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(after.lastUsedAt >= before.createdAt).toBe(true);
  });

  it('writes lastUsedAt at most once a minute: quick repeat requests leave it unchanged', async () => {
    // Prepare
    const token = await create('busy-poller', 'reader');
    await withToken(token, 'GET', '/threads');
    const first = await s.ctx.tokens.findByHash(hashToken(token));

    // Act
    await withToken(token, 'GET', '/threads');
    await withToken(token, 'GET', '/threads');
    const later = await s.ctx.tokens.findByHash(hashToken(token));

    // Assess
    expect(first!.lastUsedAt).toEqual(expect.any(String));
    expect(later!.lastUsedAt).toBe(first!.lastUsedAt);
  });
});

describe('DELETE /tokens/{name}', () => {
  it('revokes with 204, and the token gets 401 on its very next request', async () => {
    // Prepare
    const token = await create('to-revoke', 'editor');
    expect((await withToken(token, 'GET', '/threads')).status).toBe(200);

    // Act
    const r = await s.call('DELETE', '/tokens/to-revoke', { role: 'admin' });
    const next = await withToken(token, 'GET', '/threads');

    // Assess
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expectProblem(next, 401, 'unauthorized');
    expect(next.headers.get('www-authenticate')).toBe('Bearer');
    expect(
      (await s.call('GET', '/tokens', { role: 'admin' })).body.items.map((t: { name: string }) => t.name),
    ).not.toContain('to-revoke');
  });

  it('lets a revoked name be created again, with a new token that the old one does not equal', async () => {
    // Prepare
    const old = await create('recycled', 'reader');
    await s.call('DELETE', '/tokens/recycled', { role: 'admin' });

    // Act
    const fresh = await create('recycled', 'reader');

    // Assess
    expect(fresh).not.toBe(old);
    expect((await withToken(old, 'GET', '/threads')).status).toBe(401);
    expect((await withToken(fresh, 'GET', '/threads')).status).toBe(200);
  });

  it.each(['/tokens/nobody', '/tokens/Not%20A%20Slug', '/tokens/%ZZ'])(
    'answers 404 not_found for %s',
    async (path) => {
      // Prepare: nothing.

      // Act
      const r = await s.call('DELETE', path, { role: 'admin' });

      // Assess
      expectProblem(r, 404, 'not_found');
    },
  );
});

describe('who may manage tokens', () => {
  const routes: [string, string, unknown][] = [
    ['POST', '/tokens', { name: 'sneaky', role: 'admin' }],
    ['GET', '/tokens', undefined],
    ['DELETE', '/tokens/local-admin', undefined],
  ];

  it.each(routes)('refuses readers and editors on %s %s with 403 forbidden', async (method, path, body) => {
    // Prepare: the reader and editor tokens of the test server.

    // Act
    const results = [
      await s.call(method, path, { role: 'reader', body }),
      await s.call(method, path, { role: 'editor', body }),
    ];

    // Assess
    for (const r of results) expectProblem(r, 403, 'forbidden');
    expect((await s.ctx.tokens.list()).map((t) => t.name)).toEqual(expect.arrayContaining(['local-admin']));
    expect((await s.ctx.tokens.list()).map((t) => t.name)).not.toContain('sneaky');
  });

  it.each(routes)(
    'answers %s %s without a usable token with 401 and WWW-Authenticate: Bearer',
    async (method, path, body) => {
      // Prepare
      const attempts: (Record<string, string> | null)[] = [
        null,
        { Authorization: 'Bearer st_unknownunknownunknownunknownunknownunknown00' },
        { Authorization: `Basic ${Buffer.from(`local-admin:${s.tokens.admin}`).toString('base64')}` },
        { Authorization: `Bearer` },
        { Authorization: `${s.tokens.admin}` },
        { Authorization: `Bearer ${s.tokens.admin}x` },
      ];

      // Act
      const results = await Promise.all(
        attempts.map((headers) => s.call(method, path, { role: null, body, headers: headers ?? {} })),
      );

      // Assess
      for (const r of results) {
        expectProblem(r, 401, 'unauthorized');
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
      }
    },
  );
});
