import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

describe('concurrent writes to one thread', () => {
  it('keeps all 20 parallel unconditional updates and counts each exactly once', async () => {
    // Prepare
    const before = (await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body;
    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.call('POST', '/threads/ceasefire/updates', { body: { status: i % 2 ? 'negotiating' : 'proposed', summary: `writer ${i}`, occurredAt: `2025-06-01T00:00:${String(i).padStart(2, '0')}Z` } }),
      ),
    );
    // Assess
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const after = (await s.call('GET', '/threads/ceasefire', { role: 'reader' })).body;
    expect(after.version).toBe(before.version + 20);
    expect(after.updateCount).toBe(before.updateCount + 20);
    const ids = new Set(results.map((r) => r.body.update.id));
    expect(ids.size).toBe(20);
    const listed = await s.call('GET', '/threads/ceasefire/updates?limit=100', { role: 'reader' });
    expect(listed.body.items).toHaveLength(21);
    // The projection of the full history decides, whatever order the writes landed in.
    expect(after).toMatchObject({ status: 'negotiating', summary: 'writer 19', lastOccurredAt: '2025-06-01T00:00:19.000Z' });
  });

  it('lets exactly one of 10 racing updates with the same If-Match through', async () => {
    // Prepare
    const current = await s.call('GET', '/threads/sanctions', { role: 'reader' });
    const etag = current.headers.get('etag')!;
    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.call('POST', '/threads/sanctions/updates', { body: { status: 'negotiating', summary: `racer ${i}` }, headers: { 'If-Match': etag } })),
    );
    // Assess
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(412)]);
    for (const r of results.filter((x) => x.status === 412)) expect(r.body.code).toBe('precondition_failed');
    const after = (await s.call('GET', '/threads/sanctions', { role: 'reader' })).body;
    expect(after.version).toBe(current.body.version + 1);
    expect(after.updateCount).toBe(2);
  });
});
