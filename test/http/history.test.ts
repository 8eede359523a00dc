import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };

describe('time travel and retraction', () => {
  let report: { id: string; recordedAt: string };
  let retractedAt: string;

  it('shows the thread as it stood at an occurred time (asOf) with no ETag', async () => {
    // Prepare
    await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: {
        status: 'in_progress',
        summary: 'First stage: 390 for 390.',
        occurredAt: '2025-05-23T12:00:00Z',
      },
    });
    await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: { status: 'completed', summary: 'All 1,000 exchanged.', occurredAt: '2025-05-25T12:00:00Z' },
    });
    // Act
    const mid = await s.call('GET', '/threads/prisoner-exchange?asOf=2025-05-24T00:00:00%2B00:00', reader);
    // Assess
    expect(mid.status).toBe(200);
    expect(mid.headers.get('etag')).toBeNull();
    expect(mid.body).toMatchObject({
      status: 'in_progress',
      statusSince: '2025-05-23T12:00:00.000Z',
      updateCount: 2,
      asOf: '2025-05-24T00:00:00.000Z',
      version: 3,
    });
    const now = await s.call('GET', '/threads/prisoner-exchange', reader);
    expect(now.body.status).toBe('completed');
  });

  it('answers 404 no_status_at_time before the first update', async () => {
    const r = await s.call('GET', '/threads/prisoner-exchange?asOf=2025-01-01T00:00:00Z', reader);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('no_status_at_time');
  });

  it('retracts an update, recomputing the thread without it, and refuses a second retraction', async () => {
    // Prepare
    const posted = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body: { status: 'stalled', summary: 'Reported stalled (wrongly).', occurredAt: '2025-05-26T00:00:00Z' },
    });
    report = posted.body.update;
    expect(posted.body.thread.status).toBe('stalled');
    // Act
    const r = await s.call('POST', `/threads/prisoner-exchange/updates/${report.id}/retraction`, {
      body: { reason: 'The source withdrew the story.' },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"v${r.body.thread.version}"`);
    expect(r.body.update).toMatchObject({
      id: report.id,
      retracted: true,
      retraction: { reason: 'The source withdrew the story.', retractedBy: 'local-editor' },
    });
    expect(r.body.thread).toMatchObject({
      status: 'completed',
      summary: 'All 1,000 exchanged.',
      updateCount: 3,
      version: 5,
    });
    retractedAt = r.body.update.retraction.retractedAt;
    expect(r.body.thread.lastRecordedAt).toBe(retractedAt);
    const twice = await s.call('POST', `/threads/prisoner-exchange/updates/${report.id}/retraction`, {
      body: { reason: 'Again.' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('already_retracted');
    const listed = await s.call('GET', '/threads/prisoner-exchange/updates', reader);
    expect(listed.body.items.find((u: { id: string }) => u.id === report.id)).toMatchObject({
      retracted: true,
    });
  });

  it('shows the report at a knownAt between the report and its retraction', async () => {
    const between = await s.call(
      'GET',
      `/threads/prisoner-exchange?knownAt=${encodeURIComponent(report.recordedAt)}`,
      reader,
    );
    expect(between.body).toMatchObject({ status: 'stalled', knownAt: report.recordedAt, updateCount: 4 });
    const after = await s.call(
      'GET',
      `/threads/prisoner-exchange?knownAt=${encodeURIComponent(retractedAt)}`,
      reader,
    );
    expect(after.body).toMatchObject({ status: 'completed', updateCount: 3 });
    const both = await s.call(
      'GET',
      `/threads/prisoner-exchange?asOf=2025-05-24T00:00:00Z&knownAt=${encodeURIComponent(report.recordedAt)}`,
      reader,
    );
    expect(both.body).toMatchObject({
      status: 'in_progress',
      asOf: '2025-05-24T00:00:00.000Z',
      knownAt: report.recordedAt,
    });
  });

  it('refuses to retract the last update carrying a status', async () => {
    const [only] = (await s.call('GET', '/threads/ceasefire/updates', reader)).body.items;
    const r = await s.call('POST', `/threads/ceasefire/updates/${only.id}/retraction`, {
      body: { reason: 'Test.' },
    });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('cannot_retract_last_status');
    expect((await s.call('GET', '/threads/ceasefire', reader)).body.version).toBe(1);
  });

  it('honours If-Match and Idempotency-Key on retractions', async () => {
    const posted = await s.call('POST', '/threads/sanctions/updates', {
      body: { status: 'adopted', summary: 'Adopted?' },
    });
    const path = `/threads/sanctions/updates/${posted.body.update.id}/retraction`;
    const stale = await s.call('POST', path, { body: { reason: 'Wrong.' }, headers: { 'If-Match': '"v1"' } });
    expect(stale.status).toBe(412);
    const ok = await s.call('POST', path, {
      body: { reason: 'Wrong.' },
      headers: { 'If-Match': posted.headers.get('etag')!, 'Idempotency-Key': 'r-1' },
    });
    expect(ok.status).toBe(200);
    const replay = await s.call('POST', path, {
      body: { reason: 'Wrong.' },
      headers: { 'Idempotency-Key': 'r-1' },
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(ok.text);
  });

  it('answers 404 for an unknown update and 400 naming a bad asOf or knownAt', async () => {
    expect(
      (
        await s.call('POST', '/threads/sanctions/updates/01JW3Z8K2Q5V7XH3M4N6P8R0ST/retraction', {
          body: { reason: 'x' },
        })
      ).status,
    ).toBe(404);
    for (const [param, value] of [
      ['asOf', 'yesterday'],
      ['knownAt', '2025-05-16T10:00'],
      ['knownAt', '2025-02-29'],
      ['asOf', '2025-13-01T00:00:00Z'],
    ]) {
      const r = await s.call('GET', `/threads/sanctions?${param}=${value}`, reader);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe(param);
    }
  });
});
