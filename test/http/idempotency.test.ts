import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

const post = (
  key: string,
  body: unknown,
  role: 'editor' | 'admin' = 'editor',
  path = '/threads/prisoner-exchange/updates',
) => s.call('POST', path, { role, body, headers: { 'Idempotency-Key': key } });

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

  it('scopes keys to the resource, not its spelling: a percent-encoded path replays the first answer', async () => {
    // Prepare
    const body = { summary: 'One note, two spellings.' };
    const before = (await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body.updateCount;
    const first = await post('key-spelling', body, 'editor', '/threads/ceasefire/updates');
    // Act: `%63` is `c`, `%65` is `e`: the same thread
    const again = await post('key-spelling', body, 'editor', '/threads/%63easefire/updates');
    const third = await post('key-spelling', body, 'editor', '/threads/ceas%65fire/updates');
    // Assess
    expect([first.status, again.status, third.status]).toEqual([201, 201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    const after = (await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body.updateCount;
    expect(after).toBe(before + 1);
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
    const keyHash = createHash('sha256')
      .update([hashToken(s.tokens.editor), 'POST', '/threads/sanctions/updates', 'key-5'].join('\n'))
      .digest('hex');
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
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        post('key-race', body, 'editor', '/threads/trump-putin-meeting/updates'),
      ),
    );
    // Assess
    const fresh = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    const replayed = results.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') === 'true',
    );
    const waiting = results.filter((r) => r.status === 409);
    expect(fresh).toHaveLength(1);
    expect(replayed.length + waiting.length).toBe(5);
    for (const r of waiting) expect(r.body.code).toBe('idempotency_in_progress');
    for (const r of replayed) expect(r.text).toBe(fresh[0]!.text);
    expect((await s.call('GET', '/threads/trump-putin-meeting', { role: 'reader' })).body.version).toBe(
      before + 1,
    );
  });

  it('replays POST /threads too, and rejects a malformed key with 400', async () => {
    const body = {
      id: 'idem-thread',
      scenario: 'russia-ukraine-talks',
      kind: 'other',
      title: 'T',
      status: 'active',
      summary: 'S',
    };
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

describe('Idempotency-Key scoped by the token itself', () => {
  it('does not replay the old holder’s response to a token reissued under a revoked name', async () => {
    // Prepare: a token, a keyed write with it, then the token revoked and the name issued again
    const issue = async () =>
      (await s.call('POST', '/tokens', { role: 'admin', body: { name: 'night-desk', role: 'editor' } })).body
        .token as string;
    const as = (token: string) => ({
      role: null,
      headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': 'shift-1' },
    });
    const body = { summary: 'Night desk note.' };
    const first = await s.call('POST', '/threads/ceasefire/updates', { ...as(await issue()), body });
    expect((await s.call('DELETE', '/tokens/night-desk', { role: 'admin' })).status).toBe(204);
    const reissued = await issue();
    const before = (await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body.version;
    // Act
    const again = await s.call('POST', '/threads/ceasefire/updates', { ...as(reissued), body });
    // Assess: a fresh write of the new holder, not the old one's response
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.update.id).not.toBe(first.body.update.id);
    expect((await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body.version).toBe(before + 1);
  });
});

describe('lean idempotency records', () => {
  const record = async (role: 'editor' | 'admin', path: string, key: string) => {
    const { createHash } = await import('node:crypto');
    const { hashToken } = await import('../../shared/app/tokens');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { idempotencyKey } = await import('../../shared/store/keys');
    const keyHash = createHash('sha256')
      .update([hashToken(s.tokens[role]), 'POST', path, key].join('\n'))
      .digest('hex');
    return (
      await s.ctx.db.send(
        new GetCommand({
          TableName: s.ctx.config.tableName,
          Key: idempotencyKey(keyHash),
          ConsistentRead: true,
        }),
      )
    ).Item!;
  };

  it('replays create, update and retraction byte for byte, even after a later retraction and patch', async () => {
    // Prepare: the three kinds of keyed write, then later changes to what they concern
    const { largeUkrainianUpdate } = await import('../support/ukrainian');
    const thread = {
      id: 'lean-replay',
      scenario: 'russia-ukraine-talks',
      kind: 'other',
      title: 'Lean',
      status: 'active',
      summary: 'Opened.',
    };
    const note = {
      ...largeUkrainianUpdate(3),
      sources: [
        {
          url: 'https://news.example.ua/1',
          title: 'Джерело',
          publisher: 'Укрінформ',
          publishedAt: '2025-05-16T10:00:00.000Z',
        },
      ],
    };
    const created = await post('lean-create', thread, 'editor', '/threads');
    const posted = await post('lean-post', note, 'editor', '/threads/lean-replay/updates');
    const updateId = posted.body.update.id as string;
    const retractionPath = `/threads/lean-replay/updates/${updateId}/retraction`;
    const retracted = await post(
      'lean-retract',
      { reason: 'Джерело відкликало повідомлення.' },
      'editor',
      retractionPath,
    );
    await s.call('PATCH', '/threads/lean-replay', { body: { title: 'Renamed later' } });
    await s.call('POST', '/threads/lean-replay/updates', { body: { status: 'paused', summary: 'Later.' } });
    // Act
    const replays = [
      await post('lean-create', thread, 'editor', '/threads'),
      await post('lean-post', note, 'editor', '/threads/lean-replay/updates'),
      await post('lean-retract', { reason: 'Джерело відкликало повідомлення.' }, 'editor', retractionPath),
    ];
    // Assess: same status, same bytes, same headers, though the update is now retracted and the thread renamed
    const firsts = [created, posted, retracted];
    expect(firsts.map((r) => r.status)).toEqual([201, 201, 200]);
    replays.forEach((again, i) => {
      const first = firsts[i]!;
      expect(again.status).toBe(first.status);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.text).toBe(first.text);
      for (const h of ['etag', 'location', 'content-type'])
        expect(again.headers.get(h)).toBe(first.headers.get(h));
    });
    expect(replays[1]!.body.update).toMatchObject({ retracted: false, retraction: null });
    expect(replays[2]!.body.update.retraction.reason).toBe('Джерело відкликало повідомлення.');
  });

  it('keeps the outcome by reference: the record is smaller than the update it stands for', async () => {
    // Prepare
    const { largeUkrainianUpdate } = await import('../support/ukrainian');
    const body = largeUkrainianUpdate(11);
    // Act
    const first = await post('lean-size', body, 'editor', '/threads/sanctions/updates');
    // Assess: the record holds the thread snapshot and the update's id, not the ~15 KB update
    expect(first.status).toBe(201);
    const item = await record('editor', '/threads/sanctions/updates', 'lean-size');
    const recordBytes = Buffer.byteLength(JSON.stringify(item));
    const updateBytes = Buffer.byteLength(JSON.stringify(first.body.update));
    expect(updateBytes).toBeGreaterThan(14_000);
    expect(recordBytes).toBeLessThan(updateBytes / 2);
    expect(item).not.toHaveProperty('response');
    expect(item.updateId).toBe(first.body.update.id);
  });
});
