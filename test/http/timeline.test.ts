import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { threadKey } from '../../shared/store/keys';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
const posted: Record<string, { id: string; recordedAt: string }> = {};
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  // Prepare: two threads of one scenario, updates interleaved in occurred time and posted out of order.
  const thread = async (id: string, status: string, occurredAt: string) =>
    (posted[`${id}:${status}`] = (
      await s.call('POST', '/threads', {
        body: {
          id,
          scenario: 'timeline-desk',
          kind: 'summit',
          title: id,
          status,
          summary: `${id} ${status}.`,
          occurredAt,
        },
      })
    ).body);
  const update = async (id: string, name: string, body: Record<string, unknown>) =>
    (posted[name] = (
      await s.call('POST', `/threads/${id}/updates`, { body: { summary: `${id} ${name}.`, ...body } })
    ).body.update);
  await thread('summit', 'announced', '2025-06-01');
  await thread('talks', 'announced', '2025-06-02');
  await update('summit', 'scheduled', { status: 'scheduled', occurredAt: '2025-06-10' });
  await update('summit', 'note', { status: null, occurredAt: '2025-06-11' });
  await update('summit', 'again', { status: 'scheduled', occurredAt: '2025-06-12' });
  await update('talks', 'held', { status: 'held', occurredAt: '2025-06-05T12:00:00Z' });
  await update('summit', 'postponed', { status: 'postponed', occurredAt: '2025-06-20' });
  await update('summit', 'cancelled', { status: 'cancelled', occurredAt: '2025-06-25' });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
const row = (i: { threadId: string; status: string; previousStatus: string | null; occurredAt: string }) => [
  i.threadId,
  i.previousStatus,
  i.status,
  i.occurredAt.slice(0, 10),
];

describe('GET /scenarios/{id}/timeline', () => {
  it('lists the status changes of every thread, oldest occurredAt first, with the previous status (null for a first status)', async () => {
    // Act
    const r = await s.call('GET', '/scenarios/timeline-desk/timeline', reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.items.map(row)).toEqual([
      ['summit', null, 'announced', '2025-06-01'],
      ['talks', null, 'announced', '2025-06-02'],
      ['talks', 'announced', 'held', '2025-06-05'],
      ['summit', 'announced', 'scheduled', '2025-06-10'],
      ['summit', 'scheduled', 'postponed', '2025-06-20'],
      ['summit', 'postponed', 'cancelled', '2025-06-25'],
    ]);
    expect(r.body.items[3]).toEqual({
      threadId: 'summit',
      updateId: posted.scheduled!.id,
      status: 'scheduled',
      previousStatus: 'announced',
      occurredAt: '2025-06-10T00:00:00.000Z',
      occurredPrecision: 'day',
      summary: 'summit scheduled.',
      key: false,
    });
    expect(r.body.nextToken).toBeNull();
  });

  it('answers 304 to its ETag, and 404 for an unknown scenario', async () => {
    const r = await s.call('GET', '/scenarios/timeline-desk/timeline', reader);
    expect(r.headers.get('etag')).toMatch(/^"/);
    expect(
      (
        await s.call('GET', '/scenarios/timeline-desk/timeline', {
          ...reader,
          headers: { 'If-None-Match': r.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);
    expect((await s.call('GET', '/scenarios/no-such-desk/timeline', reader)).status).toBe(404);
  });

  it('pages with limit and nextToken: the pages together are the whole timeline', async () => {
    const whole = (await s.call('GET', '/scenarios/timeline-desk/timeline', reader)).body.items;
    const pages: unknown[] = [];
    let token: string | null = null;
    do {
      const r: { status: number; body: { items: unknown[]; nextToken: string | null } } = await s.call(
        'GET',
        `/scenarios/timeline-desk/timeline?limit=2${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        reader,
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      pages.push(...r.body.items);
      token = r.body.nextToken;
    } while (token);
    expect(pages).toEqual(whole);
    const forged = await s.call('GET', '/scenarios/timeline-desk/timeline?nextToken=abc', reader);
    expect(forged.status).toBe(400);
  });

  it('drops a retracted change, joining the runs around it; knownAt before the retraction still shows it, with the wording known then', async () => {
    // Prepare
    const amended = await s.call('PATCH', `/threads/summit/updates/${posted.postponed!.id}`, {
      body: { summary: 'summit postponed (amended).' },
    });
    const retraction = await s.call('POST', `/threads/summit/updates/${posted.scheduled!.id}/retraction`, {
      body: { reason: 'Never set.' },
    });
    // Act
    const now = await s.call('GET', '/scenarios/timeline-desk/timeline', reader);
    const knownBefore = await s.call(
      'GET',
      `/scenarios/timeline-desk/timeline?knownAt=${encodeURIComponent(posted.cancelled!.recordedAt)}`,
      reader,
    );
    const knownEarly = await s.call(
      'GET',
      `/scenarios/timeline-desk/timeline?knownAt=${encodeURIComponent(posted.scheduled!.recordedAt)}`,
      reader,
    );
    // Assess: the again-scheduled update (12 June) now starts the scheduled run
    expect(retraction.status).toBe(200);
    expect(now.body.items.map(row)).toEqual([
      ['summit', null, 'announced', '2025-06-01'],
      ['talks', null, 'announced', '2025-06-02'],
      ['talks', 'announced', 'held', '2025-06-05'],
      ['summit', 'announced', 'scheduled', '2025-06-12'],
      ['summit', 'scheduled', 'postponed', '2025-06-20'],
      ['summit', 'postponed', 'cancelled', '2025-06-25'],
    ]);
    expect(now.body.items[4].summary).toBe('summit postponed (amended).');
    expect(knownBefore.headers.get('etag')).toBeNull();
    expect(knownBefore.body.items.map(row)[3]).toEqual(['summit', 'announced', 'scheduled', '2025-06-10']);
    expect(knownBefore.body.items[4].summary).toBe('summit postponed.');
    expect(amended.body.update.revisedAt > posted.cancelled!.recordedAt).toBe(true);
    expect(knownEarly.body.items.map(row)).toEqual([
      ['summit', null, 'announced', '2025-06-01'],
      ['talks', null, 'announced', '2025-06-02'],
      ['summit', 'announced', 'scheduled', '2025-06-10'],
    ]);
  });

  it('leaves out archived threads unless archived=any', async () => {
    // Prepare: archive `talks` (the flag as the thread item carries it)
    await s.ctx.db.send(
      new UpdateCommand({
        TableName: s.ctx.config.tableName,
        Key: threadKey('talks'),
        UpdateExpression: 'SET archived = :t',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
    // Act
    const dflt = await s.call('GET', '/scenarios/timeline-desk/timeline', reader);
    const any = await s.call('GET', '/scenarios/timeline-desk/timeline?archived=any', reader);
    const board = await s.call('GET', '/threads?scenario=timeline-desk&asOf=2025-06-30', reader);
    // Assess
    expect(dflt.body.items.every((i: { threadId: string }) => i.threadId === 'summit')).toBe(true);
    expect(any.body.items.filter((i: { threadId: string }) => i.threadId === 'talks')).toHaveLength(2);
    expect(board.body.items.map((t: { id: string }) => t.id)).toEqual(['summit']);
  });
});
