import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

const post = (key: string, body: unknown, role: 'editor' | 'admin' = 'editor', path = '/threads/prisoner-exchange/updates') =>
  s.call('POST', path, { role, body, headers: { 'Idempotency-Key': key } });

describe('Idempotency-Key', () => {
  it('replays the first response, byte for byte, and writes nothing more', async () => {
    // Prepare
    const body = { status: 'in_progress', summary: 'First stage.', occurredAt: '2025-05-23T12:00:00Z' };
    const first = await post('key-1', body);
    // Act: same JSON, other key order and spacing
    const again = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: '{ "occurredAt": "2025-05-23T12:00:00Z",\n "summary": "First stage.", "status": "in_progress" }',
      headers: { 'Idempotency-Key': 'key-1' },
    });
    // Assess
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const thread = (await s.call('GET', '/threads/prisoner-exchange', { role: 'reader' })).body;
    expect(thread.version).toBe(2);
    expect(thread.updateCount).toBe(2);
  });

  it('refuses the same key with a different body: 422 idempotency_key_mismatch', async () => {
    await post('key-2', { summary: 'A note.' });
    const r = await post('key-2', { summary: 'Another note.' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('idempotency_key_mismatch');
  });

  it('scopes keys to the caller and to the path', async () => {
    const a = await post('key-3', { summary: 'Editor note.' });
    const b = await post('key-3', { summary: 'Admin note.' }, 'admin');
    const c = await post('key-3', { summary: 'Other thread.' }, 'editor', '/threads/sanctions/updates');
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(c.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not remember failures, so a corrected request may reuse the key', async () => {
    const bad = await post('key-4', { status: 'held', summary: 'Wrong kind.' });
    expect(bad.status).toBe(422);
    const good = await post('key-4', { status: 'completed', summary: 'Right kind.' });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 409 idempotency_in_progress while the first request still runs', async () => {
    // Prepare: a claim held by a request that has not finished (as if it were still running)
    const body = { summary: 'Slow note.' };
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('../../shared/http/canonical-json');
    const { hashToken } = await import('../../shared/app/tokens');
    const keyHash = createHash('sha256').update([hashToken(s.tokens.editor), 'POST', '/threads/sanctions/updates', 'key-5'].join('\n')).digest('hex');
    const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    await s.ctx.idempotency.claim(keyHash, 'someone-else', bodyHash, 60, 86400);
    // Act
    const r = await post('key-5', body, 'editor', '/threads/sanctions/updates');
    // Assess
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('idempotency_in_progress');
  });

  it('applies one of several simultaneous requests with the same key; the others wait their turn or replay', async () => {
    // Prepare
    const before = (await s.call('GET', '/threads/trump-putin-meeting', { role: 'reader' })).body.version;
    const body = { status: 'scheduled', summary: 'A date is set.' };
    // Act
    const results = await Promise.all(Array.from({ length: 6 }, () => post('key-race', body, 'editor', '/threads/trump-putin-meeting/updates')));
    // Assess
    const fresh = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    const replayed = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === 'true');
    const waiting = results.filter((r) => r.status === 409);
    expect(fresh).toHaveLength(1);
    expect(replayed.length + waiting.length).toBe(5);
    for (const r of waiting) expect(r.body.code).toBe('idempotency_in_progress');
    for (const r of replayed) expect(r.text).toBe(fresh[0]!.text);
    expect((await s.call('GET', '/threads/trump-putin-meeting', { role: 'reader' })).body.version).toBe(before + 1);
  });

  it('replays POST /threads too, and rejects a malformed key with 400', async () => {
    const body = { id: 'idem-thread', scenario: 'russia-ukraine-talks', kind: 'other', title: 'T', status: 'active', summary: 'S' };
    const first = await post('key-6', body, 'editor', '/threads');
    const again = await post('key-6', body, 'editor', '/threads');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const bad = await post('bad key with spaces', body, 'editor', '/threads');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('Idempotency-Key');
  });
});
