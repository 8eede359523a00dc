import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { EXPORT_FIELDS } from '../../shared/app/export';
import { updateItem } from '../../shared/store/items';
import { threadKey, updateKey } from '../../shared/store/keys';
import { rawRequest } from '../support/raw-http';
import { parseRfc4180 } from '../support/rfc4180';
import { startTestServer, type TestServer } from '../support/server';

/** The data desk's export (contract 1.2): CSV and NDJSON of every update, streamed by the local server. */
let s: TestServer;
const ids: Record<string, string> = {};
const reader = { role: 'reader' as const };

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
  // Prepare: two threads of one scenario (one archived), updates posted out of occurred order, one
  // retracted, one with text CSV must quote; a thread of another scenario that must stay out.
  await s.call('POST', '/threads', {
    body: {
      id: 'zeta-talks',
      scenario: 'export-desk',
      kind: 'summit',
      title: 'Talks, "round two"',
      status: 'announced',
      summary: 'Announced.',
      occurredAt: '2025-06-01',
    },
  });
  await s.call('POST', '/threads', {
    body: {
      id: 'alpha-exchange',
      scenario: 'export-desk',
      kind: 'summit',
      title: 'Exchange',
      status: 'announced',
      summary: 'Said, "soon";\r\nthen nothing.',
      occurredAt: '2025-05-16T10:30:00Z',
      sources: [{ url: 'https://example.org/a?x=1&y=2' }, { url: 'https://example.org/b' }],
    },
  });
  const post = async (thread: string, name: string, body: Record<string, unknown>) =>
    (ids[name] = (await s.call('POST', `/threads/${thread}/updates`, { body })).body.update.id);
  await post('alpha-exchange', 'held', { status: 'held', summary: 'Held.', occurredAt: '2025-07' });
  // Reported late: occurred before the update above, recorded after it.
  await post('alpha-exchange', 'late', { status: null, summary: 'Earlier note.', occurredAt: '2025' });
  await post('alpha-exchange', 'wrong', { status: 'cancelled', summary: 'Wrong.', occurredAt: '2025-08-01' });
  await s.call('POST', `/threads/alpha-exchange/updates/${ids.wrong}/retraction`, {
    body: { reason: 'No.' },
  });
  ids.first = (await s.call('GET', '/threads/alpha-exchange/updates?limit=10', reader)).body.items.find(
    (u: { status: string | null }) => u.status === 'announced',
  ).id;
  // Fields another part of 1.2 writes (claims, key events), as the update item carries them.
  await s.ctx.db.send(
    new UpdateCommand({
      TableName: s.ctx.config.tableName,
      Key: updateKey('alpha-exchange', ids.held!),
      UpdateExpression: 'SET claimedBy = :p, #key = :t',
      ExpressionAttributeNames: { '#key': 'key' },
      ExpressionAttributeValues: { ':p': 'ukraine', ':t': true },
    }),
  );
  await s.ctx.db.send(
    new UpdateCommand({
      TableName: s.ctx.config.tableName,
      Key: threadKey('zeta-talks'),
      UpdateExpression: 'SET archived = :t',
      ExpressionAttributeValues: { ':t': true },
    }),
  );
  await s.call('POST', '/threads', {
    body: {
      id: 'elsewhere',
      scenario: 'other-desk',
      kind: 'summit',
      title: 'Elsewhere',
      status: 'announced',
      summary: 'Not this scenario.',
    },
  });
});
afterAll(() => s.close());

describe('GET /scenarios/{id}/export', () => {
  it('streams RFC 4180 CSV: a header, one CRLF record per update, ordered by thread then occurred time', async () => {
    // Act
    const res = await rawRequest(s.url, {
      method: 'GET',
      path: '/scenarios/export-desk/export?format=csv',
      headers: { Authorization: `Bearer ${s.tokens.reader}` },
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers['content-disposition']).toBe('attachment; filename="export-desk.csv"');
    // Streamed: chunked, never a length computed from a body held whole.
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    const [header, ...rows] = parseRfc4180(res.text);
    expect(header).toEqual([...EXPORT_FIELDS]);
    const records = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
    expect(records.map((r) => [r.thread_id, r.update_id, r.occurred_at, r.occurred_precision])).toEqual([
      ['alpha-exchange', ids.late, '2025-01-01T00:00:00.000Z', 'year'],
      ['alpha-exchange', ids.first, '2025-05-16T10:30:00.000Z', 'instant'],
      ['alpha-exchange', ids.held, '2025-07-01T00:00:00.000Z', 'month'],
      ['alpha-exchange', ids.wrong, '2025-08-01T00:00:00.000Z', 'day'],
      ['zeta-talks', expect.any(String), '2025-06-01T00:00:00.000Z', 'day'],
    ]);
    expect(records[1]).toMatchObject({
      scenario: 'export-desk',
      thread_title: 'Exchange',
      kind: 'summit',
      status: 'announced',
      claimed_by: '',
      recorded_by: 'local-editor',
      summary: 'Said, "soon";\r\nthen nothing.',
      sources: 'https://example.org/a?x=1&y=2 https://example.org/b',
      retracted: 'false',
      retracted_at: '',
      key: 'false',
    });
    expect(records[0]).toMatchObject({ status: '', sources: '' });
    expect(records[2]).toMatchObject({ claimed_by: 'ukraine', key: 'true' });
    expect(records[3]!.retracted).toBe('true');
    expect(Date.parse(records[3]!.retracted_at!)).toBeGreaterThanOrEqual(
      Date.parse(records[3]!.recorded_at!),
    );
    expect(records[4]).toMatchObject({ thread_title: 'Talks, "round two"' });
  });

  it('gives the same records as NDJSON, one object a line with typed values, and CSV by default', async () => {
    // Act
    const ndjson = await s.call('GET', '/scenarios/export-desk/export?format=ndjson', reader);
    const csv = await s.call('GET', '/scenarios/export-desk/export', reader);
    // Assess
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(ndjson.headers.get('content-disposition')).toBe('attachment; filename="export-desk.ndjson"');
    expect(ndjson.text.endsWith('\n')).toBe(true);
    const lines = ndjson.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l))).toEqual(lines.map(() => [...EXPORT_FIELDS]));
    expect(lines.map((l) => l.update_id)).toEqual([
      ids.late,
      ids.first,
      ids.held,
      ids.wrong,
      expect.any(String),
    ]);
    expect(lines[0]).toMatchObject({ status: null, claimed_by: null, retracted: false, key: false });
    expect(lines[3]).toMatchObject({
      status: 'cancelled',
      retracted: true,
      retracted_at: expect.any(String),
    });
    const [, ...rows] = parseRfc4180(csv.text);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(rows.map((r) => r[4])).toEqual(lines.map((l) => l.update_id));
  });

  it('reads a long thread page by page and keeps occurred order across pages', async () => {
    // Prepare: 150 more updates on one thread (past the export's page of 100), written straight
    // to the table in shuffled occurred order.
    await s.call('POST', '/threads', {
      body: {
        id: 'long',
        scenario: 'long-desk',
        kind: 'summit',
        title: 'Long',
        status: 'announced',
        summary: 'First.',
        occurredAt: '2020-01-01T00:00:00Z',
      },
    });
    const minutes = Array.from({ length: 150 }, (_, i) => (i * 7919) % 150);
    const items = minutes.map((m) =>
      updateItem({
        id: ulid(),
        threadId: 'long',
        status: null,
        summary: `minute ${m}`,
        occurredAt: new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString(),
        occurredPrecision: 'instant',
        recordedAt: new Date().toISOString(),
        postedBy: 'bulk',
        sources: [],
        quotes: [],
        retracted: false,
        retraction: null,
        revisedAt: null,
        revisedBy: null,
        revisionCount: 0,
        key: false,
        outlets: [],
      }),
    );
    for (let i = 0; i < items.length; i += 25)
      await s.ctx.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [s.ctx.config.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
    // Act
    const res = await s.call('GET', '/scenarios/long-desk/export?format=ndjson', reader);
    // Assess
    const summaries = res.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).summary);
    expect(summaries).toEqual(['First.', ...Array.from({ length: 150 }, (_, m) => `minute ${m}`)]);
  });

  it('gives one record per update and none per draft: a draft is for editors only until published', async () => {
    // Prepare: a thread with one draft waiting and one published.
    await s.call('POST', '/threads', {
      body: {
        id: 'drafted',
        scenario: 'draft-desk',
        kind: 'summit',
        title: 'Drafted',
        status: 'announced',
        summary: 'Announced.',
        occurredAt: '2025-01-01',
      },
    });
    const draft = (summary: string) =>
      s.call('POST', '/threads/drafted/updates', { body: { status: 'held', summary, draft: true } });
    await draft('Still a draft.');
    const published = (await draft('Published draft.')).body.update.id;
    const publishing = await s.call('POST', `/threads/drafted/updates/${published}/publish`);
    // Act
    const res = await s.call('GET', '/scenarios/draft-desk/export?format=ndjson', reader);
    // Assess
    expect(publishing.status).toBe(201);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.summary)).toEqual(['Announced.', 'Published draft.']);
  });

  it('answers 404 for a scenario with no item and no thread, 400 for an unknown format, and no body to HEAD', async () => {
    // Act
    const missing = await s.call('GET', '/scenarios/no-such-desk/export', reader);
    const bad = await s.call('GET', '/scenarios/export-desk/export?format=xlsx', reader);
    const head = await rawRequest(s.url, {
      method: 'HEAD',
      path: '/scenarios/export-desk/export',
      headers: { Authorization: `Bearer ${s.tokens.reader}` },
    });
    const anonymous = await s.call('GET', '/scenarios/export-desk/export', { role: null });
    // Assess
    expect(missing.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_error');
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['format']);
    expect(head.status).toBe(200);
    expect(head.headers['content-disposition']).toBe('attachment; filename="export-desk.csv"');
    expect(head.text).toBe('');
    expect(anonymous.status).toBe(401);
  });
});
