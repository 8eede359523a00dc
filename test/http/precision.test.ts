import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { threadKey, updateKey } from '../../shared/store/keys';
import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.1, "Time precision": dates as precise as the news, over HTTP. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
const newThread = (id: string, occurredAt?: string, extra: Record<string, unknown> = {}) =>
  s.call('POST', '/threads', {
    body: {
      id,
      scenario: 'precision',
      kind: 'summit',
      title: id,
      status: 'announced',
      summary: 'Announced.',
      ...(occurredAt ? { occurredAt } : {}),
      ...extra,
    },
  });

describe('occurredAt in any form', () => {
  it.each([
    ['2025-08-15', '2025-08-15T00:00:00.000Z', 'day'],
    ['2025-08', '2025-08-01T00:00:00.000Z', 'month'],
    ['2025', '2025-01-01T00:00:00.000Z', 'year'],
    ['2025-08-15T10:00:00-04:00', '2025-08-15T14:00:00.000Z', 'instant'],
  ])(
    'stores %s as the start of its period (%s) with precision %s, on the update and the thread',
    async (given, at, precision) => {
      // Prepare
      const id = `form-${precision}`;
      // Act
      const created = await newThread(id, given);
      // Assess
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        statusSince: at,
        statusSincePrecision: precision,
        lastOccurredAt: at,
        lastOccurredPrecision: precision,
      });
      const updates = await s.call('GET', `/threads/${id}/updates`, reader);
      expect(updates.body.items[0]).toMatchObject({ occurredAt: at, occurredPrecision: precision });
      const single = await s.call('GET', `/threads/${id}/updates/${updates.body.items[0].id}`, reader);
      expect(single.body).toMatchObject({ occurredAt: at, occurredPrecision: precision });
      const read = await s.call('GET', `/threads/${id}`, reader);
      expect(read.body).toMatchObject({ statusSincePrecision: precision, lastOccurredPrecision: precision });
    },
  );

  it('defaults to instant when occurredAt is left out', async () => {
    // Act
    const created = await newThread('form-default');
    // Assess
    expect(created.body).toMatchObject({ statusSincePrecision: 'instant', lastOccurredPrecision: 'instant' });
  });

  it('carries precision on POST updates: statusSince from the run start, lastOccurred from the latest update', async () => {
    // Prepare: "the summit is set for 15 August" — a day, reported before it
    await newThread('alaska', '2025-08-08');
    // Act
    const scheduled = await s.call('POST', '/threads/alaska/updates', {
      body: { status: 'scheduled', summary: 'Set for 15 August in Alaska.', occurredAt: '2025-08-09' },
    });
    const note = await s.call('POST', '/threads/alaska/updates', {
      body: { summary: 'Venue: Anchorage.', occurredAt: '2025-08-10T18:00:00Z' },
    });
    // Assess
    expect(scheduled.status).toBe(201);
    expect(scheduled.body.update).toMatchObject({
      occurredAt: '2025-08-09T00:00:00.000Z',
      occurredPrecision: 'day',
    });
    expect(note.body.thread).toMatchObject({
      status: 'scheduled',
      statusSince: '2025-08-09T00:00:00.000Z',
      statusSincePrecision: 'day',
      lastOccurredAt: '2025-08-10T18:00:00.000Z',
      lastOccurredPrecision: 'instant',
    });
  });

  it('orders by the stored start: a day report sorts before a full time later that day', async () => {
    // Prepare
    await newThread('same-day', '2025-08-15T09:00:00Z');
    // Act: the dated report arrives later, but its period starts at midnight
    const late = await s.call('POST', '/threads/same-day/updates', {
      body: { status: 'scheduled', summary: 'Dated report.', occurredAt: '2025-08-15' },
    });
    // Assess
    expect(late.body.thread).toMatchObject({
      status: 'announced',
      lastOccurredAt: '2025-08-15T09:00:00.000Z',
      lastOccurredPrecision: 'instant',
    });
    const list = await s.call('GET', '/threads/same-day/updates', reader);
    expect(list.body.items.map((u: { occurredPrecision: string }) => u.occurredPrecision)).toEqual([
      'instant',
      'day',
    ]);
  });

  it('applies the 5-minute future limit to the start of the period', async () => {
    // Prepare
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const thisYear = now.toISOString().slice(0, 4);
    const nextYear = String(now.getUTCFullYear() + 2);
    // The day after tomorrow: its start is over a day ahead whatever the time of day now.
    const later = new Date(Date.parse(`${today}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
    await newThread('future');
    // Act
    const todayOk = await s.call('POST', '/threads/future/updates', {
      body: { summary: 'Today.', occurredAt: today },
    });
    const yearOk = await s.call('POST', '/threads/future/updates', {
      body: { summary: 'This year.', occurredAt: thisYear },
    });
    const laterBad = await s.call('POST', '/threads/future/updates', {
      body: { summary: 'Later.', occurredAt: later },
    });
    const nextYearBad = await newThread('future-2', nextYear);
    // Assess
    expect(todayOk.status).toBe(201);
    expect(yearOk.status).toBe(201);
    for (const bad of [laterBad, nextYearBad]) {
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_error');
      expect(bad.body.errors).toEqual([{ path: 'occurredAt', message: expect.stringContaining('future') }]);
    }
  });

  it.each([
    ['2025-02-29', 'not a calendar date'],
    ['2025-13', 'no month 13'],
    ['0000', 'year 0'],
    ['1899-12-31', 'before 1900'],
    ['2025-08-15T10:00:00', 'no zone'],
    ['9999-12-31T23:00:00-01:00', 'an offset moving it past year 9999'],
  ])('refuses occurredAt %j (%s) with 400 on occurredAt', async (occurredAt) => {
    // Act
    const r = await newThread('refused', occurredAt);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'occurredAt', message: expect.any(String) }]);
  });
});

describe('periods in queries', () => {
  beforeAll(async () => {
    // A summit announced on 14 August (a day), held at 22:00 UTC on 15 August (from a UTC− report).
    await newThread('summit-day', '2025-08-14');
    await s.call('POST', '/threads/summit-day/updates', {
      body: {
        status: 'held',
        summary: 'Held in the evening (18:00 in New York).',
        occurredAt: '2025-08-15T18:00:00-04:00',
      },
    });
  });

  it('reads asOf as a period as its last millisecond, and echoes that resolved UTC time', async () => {
    // Act
    const day = await s.call('GET', '/threads/summit-day?asOf=2025-08-15', reader);
    const month = await s.call('GET', '/threads/summit-day?asOf=2025-08', reader);
    const dayBefore = await s.call('GET', '/threads/summit-day?asOf=2025-08-14', reader);
    // Assess
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ status: 'held', asOf: '2025-08-15T23:59:59.999Z' });
    expect(month.body).toMatchObject({ status: 'held', asOf: '2025-08-31T23:59:59.999Z' });
    expect(dayBefore.body).toMatchObject({
      status: 'announced',
      statusSincePrecision: 'day',
      asOf: '2025-08-14T23:59:59.999Z',
    });
  });

  it('reads knownAt as a period as its last millisecond, and echoes it', async () => {
    // Prepare: the day the last update was recorded
    const today = (await s.call('GET', '/threads/summit-day', reader)).body.lastRecordedAt.slice(0, 10);
    // Act
    const known = await s.call('GET', `/threads/summit-day?knownAt=${today}`, reader);
    const before = await s.call('GET', '/threads/summit-day?knownAt=2025', reader);
    // Assess
    expect(known.body).toMatchObject({ status: 'held', knownAt: `${today}T23:59:59.999Z` });
    expect(before.status).toBe(404);
    expect(before.body.code).toBe('no_status_at_time');
  });

  it('reads updatedSince as a period as its start', async () => {
    // Prepare: the day the thread last changed, and the day after
    const today = (await s.call('GET', '/threads/summit-day', reader)).body.updatedAt.slice(0, 10);
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    // Act
    const sinceToday = await s.call('GET', `/threads?scenario=precision&updatedSince=${today}`, reader);
    const sinceTomorrow = await s.call('GET', `/threads?scenario=precision&updatedSince=${tomorrow}`, reader);
    // Assess
    expect(sinceToday.body.items.map((t: { id: string }) => t.id)).toContain('summit-day');
    expect(sinceTomorrow.body.items).toEqual([]);
  });

  it('refuses a malformed period in a query with 400 naming it', async () => {
    // Act
    const r = await s.call('GET', '/threads/summit-day?asOf=2025-02-30', reader);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'asOf', message: expect.any(String) }]);
  });
});

describe('items written before precision existed', () => {
  it('read as instant, and the next write keeps working from them', async () => {
    // Prepare: a thread and its update as the previous version wrote them (no precision attributes)
    const at = '2025-06-01T12:00:00.000Z';
    const table = s.ctx.config.tableName;
    const id = 'legacy';
    const updateId = '01JX0000000000000000000000';
    await s.ctx.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...updateKey(id, updateId),
          id: updateId,
          threadId: id,
          status: 'proposed',
          summary: 'Old.',
          occurredAt: at,
          recordedAt: at,
          postedBy: 'old',
          sources: [],
          quotes: [],
          retracted: false,
          retraction: null,
          LSI1SK: `${at}#${updateId}`,
        },
      }),
    );
    await s.ctx.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...threadKey(id),
          id,
          scenario: 'precision',
          kind: 'other',
          title: 'Legacy',
          status: 'proposed',
          statusSince: at,
          summary: 'Old.',
          lastOccurredAt: at,
          lastRecordedAt: at,
          updateCount: 1,
          version: 1,
          staleAfterHours: 168,
          stale: false,
          staleSince: null,
          createdAt: at,
          updatedAt: at,
          fold: {
            head: { occurredAt: at, recordedAt: at, id: updateId },
            runStart: { occurredAt: at, recordedAt: at, id: updateId },
            retractions: [],
            retractionsOverflow: false,
          },
        },
      }),
    );
    // Act
    const read = await s.call('GET', `/threads/${id}`, reader);
    const update = await s.call('GET', `/threads/${id}/updates/${updateId}`, reader);
    const posted = await s.call('POST', `/threads/${id}/updates`, {
      body: { summary: 'A dated note.', occurredAt: '2025-06-02' },
    });
    const late = await s.call('POST', `/threads/${id}/updates`, {
      body: { status: 'active', summary: 'A late month report.', occurredAt: '2025-05' },
    });
    // Assess
    expect(read.body).toMatchObject({ statusSincePrecision: 'instant', lastOccurredPrecision: 'instant' });
    expect(update.body.occurredPrecision).toBe('instant');
    expect(posted.body.thread).toMatchObject({
      statusSincePrecision: 'instant',
      lastOccurredAt: '2025-06-02T00:00:00.000Z',
      lastOccurredPrecision: 'day',
    });
    expect(late.body.thread).toMatchObject({
      status: 'proposed',
      statusSince: at,
      statusSincePrecision: 'instant',
      lastOccurredPrecision: 'day',
      updateCount: 3,
    });
    const asOf = await s.call('GET', `/threads/${id}?asOf=2025-05-31`, reader);
    expect(asOf.body).toMatchObject({
      status: 'active',
      statusSince: '2025-05-01T00:00:00.000Z',
      statusSincePrecision: 'month',
      lastOccurredPrecision: 'month',
    });
  });
});

describe('the worked example of docs/time.md: "the summit is set for 15 August"', () => {
  it('answers as the document says', async () => {
    // Prepare
    await newThread('trump-putin', '2025-05-16');
    // Act
    const scheduled = await s.call('POST', '/threads/trump-putin/updates', {
      body: { status: 'scheduled', summary: 'Set for 15 August, in Alaska.', occurredAt: '2025-08-08' },
    });
    const held = await s.call('POST', '/threads/trump-putin/updates', {
      body: { status: 'held', summary: 'The leaders met.', occurredAt: '2025-08-15T15:00:00-08:00' },
    });
    const late = await s.call('POST', '/threads/trump-putin/updates', {
      body: { status: 'postponed', summary: 'A wire story dated August only.', occurredAt: '2025-08' },
    });
    const wholeDay = await s.call('GET', '/threads/trump-putin?asOf=2025-08-15', reader);
    const noon = await s.call('GET', '/threads/trump-putin?asOf=2025-08-15T12:00:00Z', reader);
    const early = await s.call('GET', '/threads/trump-putin?asOf=2025-08-07', reader);
    // Assess
    expect(scheduled.body.thread).toMatchObject({
      status: 'scheduled',
      statusSince: '2025-08-08T00:00:00.000Z',
      statusSincePrecision: 'day',
    });
    expect(held.body.thread).toMatchObject({
      status: 'held',
      statusSince: '2025-08-15T23:00:00.000Z',
      statusSincePrecision: 'instant',
      lastOccurredPrecision: 'instant',
    });
    expect(late.body.thread).toMatchObject({ status: 'held' });
    expect(wholeDay.body).toMatchObject({ status: 'held', asOf: '2025-08-15T23:59:59.999Z' });
    expect(noon.body).toMatchObject({ status: 'scheduled', statusSincePrecision: 'day' });
    expect(early.body).toMatchObject({
      status: 'postponed',
      statusSince: '2025-08-01T00:00:00.000Z',
      statusSincePrecision: 'month',
    });
  });
});
