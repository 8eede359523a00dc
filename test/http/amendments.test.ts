import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
const enc = encodeURIComponent;

/** A fresh thread with an original update and a later one; returns their ids. */
async function threadWithTwoUpdates(id: string) {
  await s.call('POST', '/threads', {
    body: {
      id,
      scenario: 'amend-desk',
      kind: 'summit',
      title: id,
      status: 'announced',
      summary: 'Annnounced.',
      occurredAt: '2025-06-01',
    },
  });
  const first = await s.call('POST', `/threads/${id}/updates`, {
    body: {
      status: 'scheduled',
      summary: 'Set for 15 Agust.',
      occurredAt: '2025-06-10',
      sources: [{ url: 'https://example.org/a' }],
    },
  });
  return { first: first.body.update, thread: first.body.thread };
}

describe('PATCH /threads/{id}/updates/{updateId}', () => {
  it('amends the summary: 200 { update, thread }, the thread one version on with the ETag, its summary following the latest update', async () => {
    // Prepare
    const { first, thread } = await threadWithTwoUpdates('amend-summary');
    // Act
    const r = await s.call('PATCH', `/threads/amend-summary/updates/${first.id}`, {
      body: { summary: 'Set for 15 August.' },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"v${thread.version + 1}"`);
    expect(r.body.update).toMatchObject({
      id: first.id,
      summary: 'Set for 15 August.',
      status: 'scheduled',
      occurredAt: first.occurredAt,
      revisionCount: 1,
      revisedBy: 'local-editor',
      sources: [{ url: 'https://example.org/a' }],
    });
    expect(r.body.update.revisedAt).toEqual(expect.any(String));
    expect(r.body.thread).toMatchObject({
      version: thread.version + 1,
      summary: 'Set for 15 August.',
      status: 'scheduled',
      updateCount: 2,
      lastRecordedAt: thread.lastRecordedAt,
    });
    expect((await s.call('GET', '/threads/amend-summary', reader)).body.summary).toBe('Set for 15 August.');
    expect((await s.call('GET', `/threads/amend-summary/updates/${first.id}`, reader)).body).toMatchObject({
      summary: 'Set for 15 August.',
      revisionCount: 1,
    });
  });

  it('amends sources and quotes alone, keeping the summary; an earlier update amended leaves the thread summary alone', async () => {
    // Prepare
    const { first } = await threadWithTwoUpdates('amend-sources');
    const original = (await s.call('GET', '/threads/amend-sources/updates', reader)).body.items[1];
    // Act
    const sources = await s.call('PATCH', `/threads/amend-sources/updates/${first.id}`, {
      body: { sources: [{ url: 'https://example.org/b', publisher: 'Reuters' }] },
    });
    const quotes = await s.call('PATCH', `/threads/amend-sources/updates/${first.id}`, {
      body: { quotes: [{ speaker: 'Peskov', text: 'Nothing is fixed.' }] },
    });
    const older = await s.call('PATCH', `/threads/amend-sources/updates/${original.id}`, {
      body: { summary: 'Announced.' },
    });
    // Assess
    expect(sources.body.update).toMatchObject({
      summary: 'Set for 15 Agust.',
      sources: [{ url: 'https://example.org/b', publisher: 'Reuters' }],
      revisionCount: 1,
    });
    expect(quotes.body.update).toMatchObject({
      sources: [{ url: 'https://example.org/b', publisher: 'Reuters' }],
      quotes: [{ speaker: 'Peskov', text: 'Nothing is fixed.' }],
      revisionCount: 2,
    });
    expect(older.status).toBe(200);
    expect(older.body.update).toMatchObject({ summary: 'Announced.', revisionCount: 1 });
    expect(older.body.thread.summary).toBe('Set for 15 Agust.');
  });

  it('refuses status and occurredAt (400 naming the field), an empty change (400), an unknown update (404)', async () => {
    const { first } = await threadWithTwoUpdates('amend-refused');
    const status = await s.call('PATCH', `/threads/amend-refused/updates/${first.id}`, {
      body: { summary: 'x', status: 'held' },
    });
    expect(status.status).toBe(400);
    expect(status.body.errors).toEqual([
      { path: 'status', message: expect.stringContaining('cannot be amended') },
    ]);
    const occurred = await s.call('PATCH', `/threads/amend-refused/updates/${first.id}`, {
      body: { occurredAt: '2025-06-11' },
    });
    expect(occurred.status).toBe(400);
    expect(occurred.body.errors.map((e: { path: string }) => e.path)).toContain('occurredAt');
    expect((await s.call('PATCH', `/threads/amend-refused/updates/${first.id}`, { body: {} })).status).toBe(
      400,
    );
    const missing = await s.call('PATCH', '/threads/amend-refused/updates/01JV0000000000000000000000', {
      body: { summary: 'x' },
    });
    expect(missing.status).toBe(404);
    expect((await s.call('GET', '/threads/amend-refused', reader)).body.version).toBe(2);
  });

  it('answers 409 already_retracted for a retracted update', async () => {
    const { first } = await threadWithTwoUpdates('amend-retracted');
    await s.call('POST', `/threads/amend-retracted/updates/${first.id}/retraction`, {
      body: { reason: 'Wrong.' },
    });
    const r = await s.call('PATCH', `/threads/amend-retracted/updates/${first.id}`, {
      body: { summary: 'Fixed.' },
    });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('already_retracted');
  });

  it('honours If-Match: 412 on a stale ETag, 200 on the current one', async () => {
    const { first, thread } = await threadWithTwoUpdates('amend-if-match');
    const stale = await s.call('PATCH', `/threads/amend-if-match/updates/${first.id}`, {
      body: { summary: 'Fixed.' },
      headers: { 'If-Match': `"v${thread.version - 1}"` },
    });
    expect(stale.status).toBe(412);
    const current = await s.call('PATCH', `/threads/amend-if-match/updates/${first.id}`, {
      body: { summary: 'Fixed.' },
      headers: { 'If-Match': `"v${thread.version}"` },
    });
    expect(current.status).toBe(200);
  });

  it('changes nothing when the wording is the same (no revision, same version)', async () => {
    const { first, thread } = await threadWithTwoUpdates('amend-same');
    const r = await s.call('PATCH', `/threads/amend-same/updates/${first.id}`, {
      body: { summary: first.summary },
    });
    expect(r.status).toBe(200);
    expect(r.body.thread.version).toBe(thread.version);
    expect(r.body.update.revisionCount).toBe(0);
  });
});

describe('GET /threads/{id}/updates/{updateId}/revisions', () => {
  it('lists every wording oldest first, revision 0 the original; an unamended update has only its original', async () => {
    // Prepare
    const { first } = await threadWithTwoUpdates('amend-revisions');
    const before = await s.call('GET', `/threads/amend-revisions/updates/${first.id}/revisions`, reader);
    const one = await s.call('PATCH', `/threads/amend-revisions/updates/${first.id}`, {
      body: { summary: 'Set for 15 August.' },
    });
    const two = await s.call('PATCH', `/threads/amend-revisions/updates/${first.id}`, {
      body: { quotes: [{ speaker: 'Ushakov', text: 'Confirmed.' }] },
      role: 'admin',
    });
    // Act
    const r = await s.call('GET', `/threads/amend-revisions/updates/${first.id}/revisions`, reader);
    // Assess
    expect(before.body.items).toEqual([
      {
        revision: 0,
        summary: 'Set for 15 Agust.',
        sources: [{ url: 'https://example.org/a' }],
        quotes: [],
        recordedAt: first.recordedAt,
        recordedBy: 'local-editor',
      },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      {
        revision: 0,
        summary: 'Set for 15 Agust.',
        sources: [{ url: 'https://example.org/a' }],
        quotes: [],
        recordedAt: first.recordedAt,
        recordedBy: 'local-editor',
      },
      {
        revision: 1,
        summary: 'Set for 15 August.',
        sources: [{ url: 'https://example.org/a' }],
        quotes: [],
        recordedAt: one.body.update.revisedAt,
        recordedBy: 'local-editor',
      },
      {
        revision: 2,
        summary: 'Set for 15 August.',
        sources: [{ url: 'https://example.org/a' }],
        quotes: [{ speaker: 'Ushakov', text: 'Confirmed.' }],
        recordedAt: two.body.update.revisedAt,
        recordedBy: 'local-admin',
      },
    ]);
    expect(
      (
        await s.call('GET', `/threads/amend-revisions/updates/${first.id}/revisions`, {
          ...reader,
          headers: { 'If-None-Match': r.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);
    expect(
      (await s.call('GET', '/threads/amend-revisions/updates/01JV0000000000000000000000/revisions', reader))
        .status,
    ).toBe(404);
  });

  it('leaves revision items out of the update list and the history', async () => {
    const { first } = await threadWithTwoUpdates('amend-listing');
    await s.call('PATCH', `/threads/amend-listing/updates/${first.id}`, { body: { summary: 'Fixed.' } });
    const listed = await s.call('GET', '/threads/amend-listing/updates', reader);
    expect(listed.body.items).toHaveLength(2);
    const late = await s.call('POST', '/threads/amend-listing/updates', {
      body: { status: 'postponed', summary: 'Late report.', occurredAt: '2025-06-05' },
    });
    expect(late.body.thread).toMatchObject({ status: 'scheduled', summary: 'Fixed.', updateCount: 3 });
  });
});

describe('knownAt and the wording known then', () => {
  it('shows the summary as worded at knownAt, before and after an amendment', async () => {
    // Prepare
    const { first, thread } = await threadWithTwoUpdates('amend-known');
    const amended = await s.call('PATCH', `/threads/amend-known/updates/${first.id}`, {
      body: { summary: 'Set for 15 August.' },
    });
    // Act
    const before = await s.call('GET', `/threads/amend-known?knownAt=${enc(thread.lastRecordedAt)}`, reader);
    const after = await s.call(
      'GET',
      `/threads/amend-known?knownAt=${enc(amended.body.update.revisedAt)}`,
      reader,
    );
    const asOf = await s.call('GET', '/threads/amend-known?asOf=2025-06-30', reader);
    // Assess
    expect(before.body).toMatchObject({ summary: 'Set for 15 Agust.', knownAt: thread.lastRecordedAt });
    expect(after.body.summary).toBe('Set for 15 August.');
    expect(asOf.body.summary).toBe('Set for 15 August.');
  });
});

describe('replays after an amendment', () => {
  it('replays the original POST with the wording of its first response', async () => {
    // Prepare
    await s.call('POST', '/threads', {
      body: {
        id: 'amend-replay',
        scenario: 'amend-desk',
        kind: 'summit',
        title: 'Replay',
        status: 'announced',
        summary: 'Announced.',
      },
    });
    const key = { 'Idempotency-Key': 'amend-replay-1' };
    const body = { status: 'scheduled', summary: 'Set for 15 Agust.', occurredAt: '2025-06-10' };
    const first = await s.call('POST', '/threads/amend-replay/updates', { body, headers: key });
    await s.call('PATCH', `/threads/amend-replay/updates/${first.body.update.id}`, {
      body: { summary: 'Set for 15 August.' },
    });
    await s.call('PATCH', `/threads/amend-replay/updates/${first.body.update.id}`, {
      body: { summary: 'Set for 15 August 2025.' },
    });
    // Act
    const replay = await s.call('POST', '/threads/amend-replay/updates', { body, headers: key });
    // Assess
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
  });
});
