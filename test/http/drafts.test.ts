import { runDeliveries } from '../../shared/app/deliveries';
import { relayed } from '../support/context';
import { recordCalls } from '../support/read-recorder';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Contract 1.2 "Drafts: a second pair of eyes before a status flips", over HTTP through the local
 * server. Its own editor token (local-editor) may self-publish; `desk-a` and `desk-b` are editors
 * made by the admin that may not.
 */
let s: TestServer;
const hooks: Receiver[] = [];
const desks: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({ seed: false, config: { allowPrivateWebhooks: true } });
  for (const name of ['desk-a', 'desk-b']) {
    const made = await s.call('POST', '/tokens', { role: 'admin', body: { name, role: 'editor' } });
    desks[name] = made.body.token;
  }
});
afterAll(async () => {
  await s.close();
  await Promise.all(hooks.map((h) => h.close()));
});

const as = (desk: string) => ({ role: null, headers: { Authorization: `Bearer ${desks[desk]}` } });
const reader = { role: 'reader' as const };
let threads = 0;
/** A fresh ceasefire thread, `proposed`, in its own scenario unless one is named. */
const newThread = async (scenario?: string) => {
  const id = `truce-${++threads}`;
  const r = await s.call('POST', '/threads', {
    body: {
      id,
      scenario: scenario ?? `drafts-${threads}`,
      kind: 'ceasefire',
      title: `Truce ${threads}`,
      status: 'proposed',
      summary: 'Proposed.',
      occurredAt: '2025-10-20T09:00:00Z',
    },
  });
  expect(r.status).toBe(201);
  return r.body as { id: string; scenario: string; version: number };
};
const draft = (threadId: string, desk: string, body: Record<string, unknown> = {}, headers = {}) =>
  s.call('POST', `/threads/${threadId}/updates`, {
    ...as(desk),
    headers: { ...as(desk).headers, ...headers },
    body: {
      status: 'agreed',
      summary: 'A wire says agreed.',
      occurredAt: '2025-10-22',
      draft: true,
      ...body,
    },
  });

describe('POST /threads/{id}/updates with draft: true', () => {
  it('answers 201 with the draft (draft: true, recordedBy) and the thread as it was', async () => {
    // Prepare
    const thread = await newThread();
    // Act
    const r = await draft(thread.id, 'desk-a');
    // Assess
    expect(r.status).toBe(201);
    expect(r.body.update).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      threadId: thread.id,
      scenario: thread.scenario,
      draft: true,
      status: 'agreed',
      summary: 'A wire says agreed.',
      occurredAt: '2025-10-22T00:00:00.000Z',
      occurredPrecision: 'day',
      recordedAt: expect.any(String),
      recordedBy: 'desk-a',
      sources: [],
      quotes: [],
      // A drafted claim names its party (contract 1.2 "Claims by party"); the newsroom's own: null.
      claimedBy: null,
    });
    expect(r.body.thread).toMatchObject({ id: thread.id, status: 'proposed', version: thread.version });
  });

  it('changes nothing in the thread view, its updates, its board, its timeline or its feed', async () => {
    // Prepare
    const thread = await newThread();
    const before = await s.call('GET', `/threads/${thread.id}`, reader);
    // Act
    await draft(thread.id, 'desk-a', { summary: 'Unconfirmed agreement.' });
    // Assess
    const after = await s.call('GET', `/threads/${thread.id}`, reader);
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    const updates = await s.call('GET', `/threads/${thread.id}/updates`, reader);
    expect(updates.body.items.map((u: { summary: string }) => u.summary)).toEqual(['Proposed.']);
    const board = await s.call('GET', `/threads?scenario=${thread.scenario}`, reader);
    expect(board.body.items.map((t: { status: string }) => t.status)).toEqual(['proposed']);
    const timeline = await s.call('GET', `/scenarios/${thread.scenario}/timeline`, reader);
    expect(timeline.body.items.map((i: { status: string }) => i.status)).toEqual(['proposed']);
    const feed = await s.call('GET', `/threads/${thread.id}/feed.atom`, reader);
    expect(feed.status).toBe(200);
    expect(feed.text).not.toContain('Unconfirmed agreement.');
  });

  it('notifies nobody: a subscriber hears the publish, never the draft', async () => {
    // Prepare
    const thread = await newThread();
    const hook = await startReceiver();
    hooks.push(hook);
    const sub = await s.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: hook.url, threadId: thread.id },
    });
    expect(sub.status).toBe(201);
    // Act
    const drafted = await draft(thread.id, 'desk-a');
    await relayed(s.ctx);
    const afterDraft = await runDeliveries(s.ctx, Date.now());
    await s.call('POST', `/threads/${thread.id}/updates/${drafted.body.update.id}/publish`, as('desk-b'));
    await relayed(s.ctx);
    const afterPublish = await runDeliveries(s.ctx, Date.now());
    // Assess
    expect(afterDraft).toEqual([]);
    expect(afterPublish.every((r) => r.delivered)).toBe(true);
    const types = hook.received.map((r) => JSON.parse(r.body).type as string);
    expect(types.sort()).toEqual(['ThreadStatusChanged', 'UpdatePosted']);
  });

  it('is validated like any update: a status the kind lacks is 422, a missing summary 400, an unknown thread 404', async () => {
    // Prepare
    const thread = await newThread();
    // Act
    const badStatus = await draft(thread.id, 'desk-a', { status: 'elected' });
    const noSummary = await draft(thread.id, 'desk-a', { summary: undefined });
    const noThread = await draft('no-such-thread', 'desk-a');
    const listed = await s.call('GET', `/threads/${thread.id}/updates?drafts=true`);
    // Assess
    expect([badStatus.status, badStatus.body.code]).toEqual([422, 'invalid_status']);
    expect([noSummary.status, noSummary.body.code]).toEqual([400, 'validation_error']);
    expect([noThread.status, noThread.body.code]).toEqual([404, 'not_found']);
    expect(listed.body.items).toEqual([]);
  });

  it('honours Idempotency-Key: the same request again replays the same draft and stores no second one', async () => {
    // Prepare
    const thread = await newThread();
    const key = { 'Idempotency-Key': `draft-${thread.id}` };
    // Act
    const first = await draft(thread.id, 'desk-a', {}, key);
    const again = await draft(thread.id, 'desk-a', {}, key);
    const listed = await s.call('GET', `/threads/${thread.id}/updates?drafts=true`);
    // Assess
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([first.body.update.id]);
  });
});

describe('what a draft costs', () => {
  it('writes one item (the draft) in one transaction, and no thread item, outbox item or index of the thread', async () => {
    // Prepare
    const thread = await newThread();
    // The token's lastUsedAt (written at most once a minute) is brought up to date first.
    await s.call('GET', `/threads/${thread.id}`, as('desk-a'));
    const recorder = recordCalls(s.ctx.db);
    // Act
    const r = await draft(thread.id, 'desk-a');
    const calls = recorder.take();
    recorder.detach();
    // Assess
    expect(r.status).toBe(201);
    const writes = calls.filter((c) => !['GetItem', 'Query', 'BatchGetItem'].includes(c.command));
    expect(writes).toEqual([expect.objectContaining({ command: 'TransactWriteItems', itemsWritten: 1 })]);
  });

  it("reads a scenario's queue in one Query of the page it returns (limit + 1 items), however long the queue", async () => {
    // Prepare
    const thread = await newThread('long-queue');
    for (let i = 0; i < 6; i++) await draft(thread.id, 'desk-a', { summary: `Draft ${i}.` });
    const recorder = recordCalls(s.ctx.db);
    // Act
    const r = await s.call('GET', '/drafts?scenario=long-queue&limit=2');
    const queries = recorder.take().filter((c) => c.command === 'Query');
    recorder.detach();
    // Assess
    expect(r.body.items).toHaveLength(2);
    expect(queries).toEqual([expect.objectContaining({ index: 'GSI1', itemsRead: 3 })]);
  });
});

describe('seeing drafts', () => {
  it("lists a thread's drafts for editors with drafts=true, newest first, and answers a reader 403", async () => {
    // Prepare
    const thread = await newThread();
    const one = await draft(thread.id, 'desk-a', { summary: 'One.' });
    const two = await draft(thread.id, 'desk-b', { summary: 'Two.' });
    // Act
    const editor = await s.call('GET', `/threads/${thread.id}/updates?drafts=true`);
    const asReader = await s.call('GET', `/threads/${thread.id}/updates?drafts=true`, reader);
    // Assess
    expect(editor.status).toBe(200);
    expect(editor.body.items.map((d: { id: string }) => d.id)).toEqual([
      two.body.update.id,
      one.body.update.id,
    ]);
    expect(editor.body.items.every((d: { draft: boolean }) => d.draft)).toBe(true);
    expect([asReader.status, asReader.body.code]).toEqual([403, 'forbidden']);
  });

  it("lists a scenario's drafts across its threads, newest first, paged with limit and nextToken", async () => {
    // Prepare
    const first = await newThread('queue-desk');
    const second = await newThread('queue-desk');
    const elsewhere = await newThread();
    const ids: string[] = [];
    for (const [thread, n] of [
      [first, 1],
      [second, 2],
      [first, 3],
    ] as const)
      ids.push((await draft(thread.id, 'desk-a', { summary: `Draft ${n}.` })).body.update.id);
    await draft(elsewhere.id, 'desk-a');
    // Act
    const page1 = await s.call('GET', '/drafts?scenario=queue-desk&limit=2');
    const page2 = await s.call(
      'GET',
      `/drafts?scenario=queue-desk&limit=2&nextToken=${page1.body.nextToken}`,
    );
    const asReader = await s.call('GET', '/drafts?scenario=queue-desk', reader);
    // Assess
    expect(page1.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.nextToken).toEqual(expect.any(String));
    expect(page2.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(page2.body.nextToken).toBeNull();
    expect([asReader.status, asReader.body.code]).toEqual([403, 'forbidden']);
  });
});

describe('POST /threads/{id}/updates/{updateId}/publish', () => {
  it('folds the draft in as if posted then: occurredAt kept, recordedAt the publish time, publishedBy set', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-b'));
    // Assess
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({
      threadId: thread.id,
      status: 'agreed',
      summary: 'A wire says agreed.',
      occurredAt: '2025-10-22T00:00:00.000Z',
      occurredPrecision: 'day',
      postedBy: 'desk-a',
      publishedBy: 'desk-b',
      draftId: drafted.id,
    });
    expect(r.body.update.recordedAt > drafted.recordedAt).toBe(true);
    expect(r.body.thread).toMatchObject({ status: 'agreed', version: thread.version + 1 });
    expect(r.headers.get('location')).toBe(`/threads/${thread.id}/updates/${r.body.update.id}`);
    const view = await s.call('GET', `/threads/${thread.id}`, reader);
    expect(view.body.status).toBe('agreed');
    const stored = await s.call('GET', `/threads/${thread.id}/updates/${r.body.update.id}`, reader);
    expect(stored.body).toEqual(r.body.update);
    const queue = await s.call('GET', `/drafts?scenario=${thread.scenario}`);
    expect(queue.body.items).toEqual([]);
  });

  it("keeps a drafted claim a claim: published, it sets the party's claim and leaves the thread's status", async () => {
    // Prepare: 22 October 2025, the US says cancelled; a second editor checks before it goes out
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a', { status: 'collapsed', claimedBy: 'us' })).body.update;
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-b'));
    // Assess
    expect(drafted.claimedBy).toBe('us');
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({ claimedBy: 'us', status: 'collapsed', publishedBy: 'desk-b' });
    const view = await s.call('GET', `/threads/${thread.id}`, reader);
    expect(view.body.status).toBe('proposed');
    expect(view.body.claims).toEqual([
      expect.objectContaining({ party: 'us', status: 'collapsed', updateId: r.body.update.id }),
    ]);
    expect(view.body.disputed).toBe(true);
  });

  it('honours Idempotency-Key: the same publish again replays the first answer', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    const keyed = {
      ...as('desk-b'),
      headers: { ...as('desk-b').headers, 'Idempotency-Key': `pub-${thread.id}` },
    };
    // Act
    const first = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, keyed);
    const again = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, keyed);
    // Assess
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
  });

  it('honours If-Match on the thread (412 when it moved on)', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    await s.call('POST', `/threads/${thread.id}/updates`, { body: { summary: 'A note.' } });
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, {
      ...as('desk-b'),
      headers: { ...as('desk-b').headers, 'If-Match': `"${thread.version}"` },
    });
    // Assess
    expect([r.status, r.body.code]).toEqual([412, 'precondition_failed']);
  });

  it('refuses your own draft with 403 same_editor', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-a'));
    // Assess
    expect([r.status, r.body.code]).toEqual([403, 'same_editor']);
    const view = await s.call('GET', `/threads/${thread.id}`, reader);
    expect(view.body.status).toBe('proposed');
  });

  it('lets a token marked selfPublish publish its own draft, and token listings show the mark', async () => {
    // Prepare
    const made = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'solo-desk', role: 'editor', selfPublish: true },
    });
    desks['solo-desk'] = made.body.token;
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'solo-desk')).body.update;
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('solo-desk'));
    const tokens = await s.call('GET', '/tokens', { role: 'admin' });
    // Assess
    expect(made.body.selfPublish).toBe(true);
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({ postedBy: 'solo-desk', publishedBy: 'solo-desk' });
    const marks = Object.fromEntries(
      tokens.body.items.map((t: { name: string; selfPublish: boolean }) => [t.name, t.selfPublish]),
    );
    expect(marks).toMatchObject({ 'solo-desk': true, 'desk-a': false, 'local-reader': false });
  });

  it("lets the local server's own editor token publish its own drafts", async () => {
    // Prepare: the test server registers its tokens as `npm start` does
    const thread = await newThread();
    const drafted = (
      await s.call('POST', `/threads/${thread.id}/updates`, {
        body: { status: 'agreed', summary: 'Agreed, says the desk.', draft: true },
      })
    ).body.update;
    // Act
    const r = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`);
    // Assess
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({ postedBy: 'local-editor', publishedBy: 'local-editor' });
  });

  it('answers 409 not_a_draft to a second publish and to an update, 404 to an unknown id', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    const first = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-b'));
    // Act
    const twice = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-b'));
    const update = await s.call(
      'POST',
      `/threads/${thread.id}/updates/${first.body.update.id}/publish`,
      as('desk-b'),
    );
    const unknown = await s.call(
      'POST',
      `/threads/${thread.id}/updates/01JAAAAAAAAAAAAAAAAAAAAAAA/publish`,
      as('desk-b'),
    );
    // Assess
    expect([twice.status, twice.body.code]).toEqual([409, 'not_a_draft']);
    expect([update.status, update.body.code]).toEqual([409, 'not_a_draft']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    const updates = await s.call('GET', `/threads/${thread.id}/updates`, reader);
    expect(updates.body.items).toHaveLength(2);
  });
});

describe('DELETE /threads/{id}/updates/{updateId}', () => {
  it('discards a draft (204), which then is gone from every list and cannot be published', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    // Act
    const r = await s.call('DELETE', `/threads/${thread.id}/updates/${drafted.id}`, as('desk-b'));
    // Assess
    expect(r.status).toBe(204);
    expect((await s.call('GET', `/threads/${thread.id}/updates?drafts=true`)).body.items).toEqual([]);
    expect((await s.call('GET', `/drafts?scenario=${thread.scenario}`)).body.items).toEqual([]);
    const publish = await s.call('POST', `/threads/${thread.id}/updates/${drafted.id}/publish`, as('desk-b'));
    expect(publish.status).toBe(404);
  });

  it('answers 409 not_a_draft for an update or a published draft, and 404 for an unknown id', async () => {
    // Prepare
    const thread = await newThread();
    const drafted = (await draft(thread.id, 'desk-a')).body.update;
    const published = await s.call(
      'POST',
      `/threads/${thread.id}/updates/${drafted.id}/publish`,
      as('desk-b'),
    );
    // Act
    const update = await s.call('DELETE', `/threads/${thread.id}/updates/${published.body.update.id}`);
    const wasDraft = await s.call('DELETE', `/threads/${thread.id}/updates/${drafted.id}`);
    const unknown = await s.call('DELETE', `/threads/${thread.id}/updates/01JAAAAAAAAAAAAAAAAAAAAAAA`);
    // Assess
    expect([update.status, update.body.code]).toEqual([409, 'not_a_draft']);
    expect([wasDraft.status, wasDraft.body.code]).toEqual([409, 'not_a_draft']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
  });
});
