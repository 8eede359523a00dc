import { settleMs } from '../../shared/app/changes';
import { contentEtag } from '../../shared/http/etag';
import { recordCalls } from '../support/read-recorder';
import { tick, useFakeDate } from '../support/fake-date';
import { startTestServer, type TestServer } from '../support/server';

/**
 * A scenario list's ETag carries the scenario's mark once its latest write has settled
 * (shared/app/list-marks.ts): a poll holding it is answered 304 from the mark alone — the scenario's
 * newest changes-feed carrier and its item — without reading the page. The clock is Jest's fake
 * Date (timers real), moved past the changes feed's settle time where a test says so.
 */

let s: TestServer;
let settle: number;
const reader = { role: 'reader' as const };
const LIST = '/threads?scenario=gaza';

const poll = (etag: string) => s.call('GET', LIST, { ...reader, headers: { 'If-None-Match': etag } });

beforeAll(async () => {
  useFakeDate();
  s = await startTestServer({ notifications: false, seed: false });
  settle = settleMs(s.ctx.config);
  for (const [id, kind, status] of [
    ['gaza-truce', 'ceasefire', 'negotiating'],
    ['gaza-aid', 'other', 'active'],
  ] as const) {
    const created = await s.call('POST', '/threads', {
      body: { id, scenario: 'gaza', kind, title: id, status, summary: 's' },
    });
    expect(created.status).toBe(201);
  }
});
afterAll(async () => {
  await s.close();
  jest.useRealTimers();
});

describe("a scenario list's mark", () => {
  it('gives a digest-only ETag while the latest write has not settled, and answers a poll by reading the page', async () => {
    // Prepare: a write just now
    const note = await s.call('POST', '/threads/gaza-aid/updates', { body: { summary: 'Convoy crossed.' } });
    const calls = recordCalls(s.ctx.db);
    try {
      // Act
      const first = await s.call('GET', LIST, reader);
      const read = calls.take();
      const again = await poll(first.headers.get('etag')!);
      const reread = calls.take();
      // Assess
      expect(note.status).toBe(201);
      expect(first.body.items.map((t: { id: string }) => t.id)).toEqual(['gaza-aid', 'gaza-truce']);
      expect(first.headers.get('etag')).toBe(contentEtag(first.text));
      expect(again.status).toBe(304);
      // The page was read both times: the listing Query (GSI1) and the threads by key.
      for (const calls of [read, reread]) {
        expect(calls.filter((c) => c.command === 'Query').map((c) => c.index)).toContain('GSI1');
        expect(calls.some((c) => c.command === 'BatchGetItem')).toBe(true);
      }
    } finally {
      calls.detach();
    }
  });

  it('answers a poll holding the settled mark with 304 from the mark alone (one Query, one GetItem), never the page', async () => {
    // Prepare: the writes settled
    tick(settle + 1);
    const first = await s.call('GET', LIST, reader);
    const etag = first.headers.get('etag')!;
    const calls = recordCalls(s.ctx.db);
    // Act
    const again = await poll(etag);
    const taken = calls.take();
    calls.detach();
    // Assess
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^"m\.[0-9A-Z]{26}~\d+~[\w-]+\.[\w-]+"$/);
    // Its digest part is the page's, as before.
    expect(etag.endsWith(`.${contentEtag(first.text).slice(1)}`)).toBe(true);
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    // (Besides the authorizer's token read:) the changes feed's newest carrier, no list index, no thread.
    expect(taken.filter((c) => c.command === 'Query').map((c) => c.index)).toEqual(['GSI12']);
    expect(taken.filter((c) => c.command === 'BatchGetItem')).toEqual([]);
  });

  it('answers 200 with the new page once a thread of the scenario is written, settled or not', async () => {
    // Prepare
    tick(settle + 1);
    const held = (await s.call('GET', LIST, reader)).headers.get('etag')!;
    expect(held).toMatch(/^"m\./);
    // Act: a write, then polls before and after it settles
    expect((await s.call('PATCH', '/threads/gaza-truce', { body: { title: 'Gaza truce' } })).status).toBe(
      200,
    );
    const fresh = await poll(held);
    tick(settle + 1);
    const settled = await poll(held);
    const current = await poll(settled.headers.get('etag')!);
    // Assess
    expect(fresh.status).toBe(200);
    expect(fresh.body.items.find((t: { id: string }) => t.id === 'gaza-truce').title).toBe('Gaza truce');
    expect(fresh.headers.get('etag')).toBe(contentEtag(fresh.text));
    expect(settled.status).toBe(200);
    expect(settled.headers.get('etag')).toMatch(/^"m\./);
    expect(settled.headers.get('etag')).not.toBe(held);
    expect(current.status).toBe(304);
  });

  it("changes when a thread moves out of the scenario (the carrier in the scenario it left), and not for another scenario's writes", async () => {
    // Prepare
    await s.call('POST', '/threads', {
      body: { id: 'elsewhere', scenario: 'other', kind: 'other', title: 'x', status: 'active', summary: 's' },
    });
    tick(settle + 1);
    const held = (await s.call('GET', LIST, reader)).headers.get('etag')!;
    // Act
    await s.call('POST', '/threads/elsewhere/updates', { body: { summary: 'Elsewhere.' } });
    tick(settle + 1);
    const untouched = await poll(held);
    expect((await s.call('PATCH', '/threads/gaza-aid', { body: { scenario: 'other' } })).status).toBe(200);
    tick(settle + 1);
    const moved = await poll(held);
    // Assess
    expect(untouched.status).toBe(304);
    expect(moved.status).toBe(200);
    expect(moved.body.items.map((t: { id: string }) => t.id)).toEqual(['gaza-truce']);
  });

  it('still answers 304 to a digest-only ETag of the same page (clients holding a tag from before marks)', async () => {
    // Prepare
    tick(settle + 1);
    const first = await s.call('GET', LIST, reader);
    // Act
    const again = await poll(contentEtag(first.text));
    // Assess
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
  });
});
