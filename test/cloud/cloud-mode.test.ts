import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_FUNCTION_ENTRIES, BUNDLING } from '../../infra/bundling';
import { openLive } from '../support/live-client';
import { startReceiver, type Receiver } from '../support/receiver';
import { startFeedServer, type FeedServer } from '../support/feed-server';
import { startCloudTest, synthesizedStack, type CloudTest } from '../support/cloud';
import { within } from '../support/within';

/**
 * Issue 22: the API as the cloud runs it. Every route and every worker once through its bundle
 * (as `cdk synth` builds it) under its role from the synthesized template, with IAM deciding each
 * AWS call (conditions included). The flows share one deployment, in order; the last test proves
 * that no call anywhere was denied, and the one after removes one permission and sees it named.
 */

const SCENARIO = 'cloud-talks';
let t: CloudTest;
let receiver: Receiver;
let feeds: FeedServer;
const ids: Record<string, string> = {};
/** When the file's writes began, and when its first threads were written (the changes feed's test). */
const fileStart = new Date().toISOString();
let threadsWrittenAt = Infinity;

beforeAll(async () => {
  receiver = await startReceiver(204);
  feeds = await startFeedServer([
    {
      title: 'Ceasefire thread cloud-a: delegations agree to meet again',
      summary: 'The delegations agreed to meet again next week.',
      url: 'https://wire.example.org/cloud/ceasefire',
      publishedAt: '2025-05-16T15:00:00.000Z',
      language: 'en',
    },
  ]);
  t = await startCloudTest();
}, 300_000);

afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await feeds?.close();
  if (!process.env.CLOUD_ASSEMBLY) synthesizedStack().cleanup();
});

describe('cloud mode: every route and worker through its bundle under its role', () => {
  it('serves health, readiness and the OpenAPI document without a token, and API Gateway refuses a missing one', async () => {
    // Act
    const health = await t.call('GET', '/health', { role: null });
    const ready = await t.call('GET', '/ready', { role: null });
    const openapi = await t.call('GET', '/openapi.json', { role: null });
    const noToken = await t.call('GET', '/threads', { role: null });
    const badToken = await t.call('GET', '/threads', { token: 'not-a-token-of-this-tracker' });
    // Assess
    expect(health.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(noToken.status).toBe(401);
    expect(badToken.status).toBe(401);
  });

  it('creates, lists, reads and patches a scenario', async () => {
    // Act
    const created = await t.call('POST', '/scenarios', { body: { id: SCENARIO, title: 'Cloud talks' } });
    const list = await t.call('GET', '/scenarios', { role: 'reader' });
    const patched = await t.call('PATCH', `/scenarios/${SCENARIO}`, {
      body: { description: 'Run in cloud mode.' },
    });
    const read = await t.call('GET', `/scenarios/${SCENARIO}`, { role: 'reader' });
    // Assess
    expect(created.status).toBe(201);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(SCENARIO);
    expect(patched.status).toBe(200);
    expect(read.body.description).toBe('Run in cloud mode.');
  });

  it('creates threads, posts updates, a late report, an amendment and a retraction', async () => {
    // Prepare
    const thread = (id: string, extra: Record<string, unknown> = {}) =>
      t.call('POST', '/threads', {
        body: {
          id,
          scenario: SCENARIO,
          kind: 'ceasefire',
          title: `Thread ${id}`,
          status: 'proposed',
          summary: 'First.',
          occurredAt: '2025-05-16T09:00:00Z',
          ...extra,
        },
      });
    // Act
    const a = await thread('cloud-a');
    const b = await thread('cloud-b', { parent: 'cloud-a' });
    threadsWrittenAt = Date.now();
    const update = await t.call('POST', '/threads/cloud-a/updates', {
      headers: { 'Idempotency-Key': 'cloud-update-1' },
      body: { status: 'rejected', summary: 'Rejected.', occurredAt: '2025-05-20T09:00:00Z' },
    });
    const late = await t.call('POST', '/threads/cloud-a/updates', {
      body: {
        status: 'proposed',
        summary: 'A late report of an earlier day.',
        occurredAt: '2025-05-18T09:00:00Z',
      },
    });
    ids.update = update.body?.update?.id;
    ids.late = late.body?.update?.id;
    const amended = await t.call('PATCH', `/threads/cloud-a/updates/${ids.update}`, {
      body: { summary: 'Rejected outright.' },
    });
    const retracted = await t.call('POST', `/threads/cloud-a/updates/${ids.late}/retraction`, {
      body: { reason: 'Wrong day.' },
    });
    const patched = await t.call('PATCH', '/threads/cloud-b', { body: { title: 'Thread B, renamed' } });
    // Assess
    expect([a.status, b.status, update.status, late.status]).toEqual([201, 201, 201, 201]);
    // Reported late: it takes its place in the history, and the newer status stands.
    expect(late.body.thread.status).toBe('rejected');
    expect(amended.status).toBe(200);
    expect(retracted.status).toBe(200);
    expect(patched.status).toBe(200);
  });

  it('reads threads, updates, revisions, boards at asOf/knownAt and the timeline', async () => {
    // Act
    const one = await t.call('GET', '/threads/cloud-a', { role: 'reader' });
    const list = await t.call('GET', `/threads?scenario=${SCENARIO}`, { role: 'reader' });
    const asOf = await t.call('GET', '/threads/cloud-a?asOf=2025-05-19T00:00:00Z', { role: 'reader' });
    const board = await t.call('GET', `/threads?scenario=${SCENARIO}&asOf=2025-05-17T00:00:00Z`, {
      role: 'reader',
    });
    const knownAt = await t.call(
      'GET',
      `/threads/cloud-a?knownAt=${encodeURIComponent(new Date().toISOString())}`,
      { role: 'reader' },
    );
    const updates = await t.call('GET', '/threads/cloud-a/updates', { role: 'reader' });
    const single = await t.call('GET', `/threads/cloud-a/updates/${ids.update}`, { role: 'reader' });
    const revisions = await t.call('GET', `/threads/cloud-a/updates/${ids.update}/revisions`, {
      role: 'reader',
    });
    const timeline = await t.call('GET', `/scenarios/${SCENARIO}/timeline`, { role: 'reader' });
    const paged = await t.call('GET', `/threads?scenario=${SCENARIO}&limit=1`, { role: 'reader' });
    const next = await t.call(
      'GET',
      `/threads?scenario=${SCENARIO}&limit=1&nextToken=${encodeURIComponent(paged.body.nextToken)}`,
      { role: 'reader' },
    );
    // Assess
    expect(one.body.status).toBe('rejected');
    expect(list.body.items).toHaveLength(2);
    expect(asOf.body.status).toBe('proposed');
    expect(board.status).toBe(200);
    expect(knownAt.status).toBe(200);
    expect(updates.body.items.length).toBeGreaterThanOrEqual(3);
    expect(single.body.summary).toBe('Rejected outright.');
    expect(revisions.body.items.length).toBe(2);
    expect(timeline.status).toBe(200);
    expect(next.body.items.map((x: { id: string }) => x.id)).toEqual(['cloud-b']);
  });

  it('flags an overdue expectation and stale threads in the scheduled check', async () => {
    // Prepare
    const expecting = await t.call('PATCH', '/threads/cloud-b', {
      body: { expected: { what: 'A signed text', at: '2025-06-01' } },
    });
    // Act
    await t.cloud.runSchedule('stale-check');
    await t.cloud.settle();
    const read = await t.call('GET', '/threads/cloud-b', { role: 'reader' });
    // Assess
    expect(expecting.status).toBe(200);
    expect(read.body.overdueSince).toBeTruthy();
  });

  it('recounts a scenario from the recount queue', async () => {
    // Act
    await t.cloud.settle();
    const scenario = await t.call('GET', `/scenarios/${SCENARIO}`, { role: 'reader' });
    // Assess
    expect(scenario.body.counts?.threads ?? scenario.body.threadCount ?? scenario.body.counts).toBeTruthy();
    expect(JSON.stringify(scenario.body)).toMatch(/2/);
  });

  it('defines and lists a custom kind', async () => {
    // Act
    const put = await t.call('PUT', '/kinds/mediation', {
      role: 'admin',
      body: {
        label: 'Mediation',
        statuses: [
          { name: 'offered', terminal: false },
          { name: 'concluded', terminal: true },
        ],
      },
    });
    const list = await t.call('GET', '/kinds', { role: 'reader' });
    // Assess
    expect(put.status).toBe(201);
    expect(list.body.items.map((k: { kind?: string; name?: string }) => k.kind ?? k.name)).toContain(
      'mediation',
    );
  });

  it('issues, lists and revokes a token (refused once the authorizer cache has expired)', async () => {
    // Act
    const issued = await t.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'cloud-desk', role: 'reader' },
    });
    const used = await t.call('GET', '/threads/cloud-a', { token: issued.body.token });
    const list = await t.call('GET', '/tokens', { role: 'admin' });
    const revoked = await t.call('DELETE', '/tokens/cloud-desk', { role: 'admin' });
    t.cloud.http.clearAuthorizerCache();
    const refused = await t.call('GET', '/threads/cloud-a', { token: issued.body.token });
    // Assess
    expect(issued.status).toBe(201);
    expect(used.status).toBe(200);
    expect(list.body.items.map((x: { name: string }) => x.name)).toContain('cloud-desk');
    expect(revoked.status).toBe(204);
    expect(refused.status).toBe(401);
  });

  it('subscribes a webhook, pings it, delivers a thread change through the queue, and removes it', async () => {
    // Act
    const created = await t.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: receiver.url, description: 'Cloud desk' },
    });
    ids.subscription = created.body.id;
    const list = await t.call('GET', '/subscriptions', { role: 'admin' });
    const one = await t.call('GET', `/subscriptions/${ids.subscription}`, { role: 'admin' });
    const patched = await t.call('PATCH', `/subscriptions/${ids.subscription}`, {
      role: 'admin',
      body: { description: 'Cloud desk 2' },
    });
    const ping = await t.call('POST', `/subscriptions/${ids.subscription}/ping`, { role: 'admin' });
    await t.cloud.settle();
    // A warm deliveries environment reads subscriptions at most every 5 s (SUBSCRIPTION_CACHE_MS); a
    // cold one at once. Recycled rather than waited for, so the test does not depend on the clock.
    t.cloud.recycle('deliveries');
    const changed = await t.call('POST', '/threads/cloud-b/updates', {
      body: { status: 'negotiating', summary: 'Talks resumed.', occurredAt: '2025-06-02T09:00:00Z' },
    });
    await t.cloud.settle();
    await t.cloud.runSchedule('deliveries');
    await t.cloud.settle();
    // Settled: every delivery the functions made has been answered.
    const received = [...receiver.received];
    const removed = await t.call('DELETE', `/subscriptions/${ids.subscription}`, { role: 'admin' });
    // Assess
    expect(created.status).toBe(201);
    expect(changed.status).toBe(201);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(ids.subscription);
    expect(one.status).toBe(200);
    expect(patched.status).toBe(200);
    expect([200, 202]).toContain(ping.status);
    expect(received.map((r) => JSON.parse(r.body).type)).toEqual(
      expect.arrayContaining(['Ping', 'ThreadStatusChanged']),
    );
    expect(removed.status).toBe(204);
  }, 120_000);

  it('serves the Atom feeds of a thread and a scenario', async () => {
    // Act
    const thread = await t.call('GET', '/threads/cloud-a/feed.atom', { role: 'reader' });
    const scenario = await t.call('GET', `/scenarios/${SCENARIO}/feed.atom`, { role: 'reader' });
    // Assess
    expect(thread.status).toBe(200);
    expect(thread.text).toContain('<feed');
    expect(scenario.status).toBe(200);
  });

  it('archives a scenario through the feeds bundle and imports it under another id through the scenario-import bundle, each under its role', async () => {
    // Prepare: the archive of this deployment's scenario, renamed (scenario and thread ids), so the
    // same tracker lacks it.
    const archive = await t.call('GET', `/scenarios/${SCENARIO}/archive`, { role: 'admin' });
    const copy = archive.text
      .replaceAll(`"${SCENARIO}"`, '"cloud-copy"')
      .replace(/"cloud-([a-z])"/g, '"copy-$1"');
    const callsBefore = t.cloud.aws.calls.length;
    // Act
    const imported = await t.call('POST', '/scenarios/import', {
      role: 'admin',
      body: copy,
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    const calls = t.cloud.aws.calls.slice(callsBefore);
    const again = await t.call('GET', '/scenarios/cloud-copy/archive', { role: 'admin' });
    // Assess
    expect(archive.status).toBe(200);
    expect(imported.status).toBe(201);
    expect(again.text).toBe(copy);
    // The import's writes are the scenario-import function's; the feeds function (a reader) wrote nothing.
    const by = (name: 'scenario-import' | 'feeds') =>
      calls.filter((c) => c.function === t.cloud.functionId(name)).map((c) => c.action);
    expect(by('scenario-import')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']),
    );
    expect(by('feeds')).toEqual([]);
  });

  it('connects to the live WebSocket, subscribes, answers a ping and fans out a change the outbox relay published from the stream', async () => {
    // Prepare
    const live = await openLive(t.cloud.url, t.tokens.reader);
    live.send({ action: 'subscribe', scenario: SCENARIO });
    await live.next((f) => f.type === 'Subscribed');
    await live.roundTrip();
    const callsBefore = t.cloud.aws.calls.length;
    // Act
    const posted = await t.call('POST', '/threads/cloud-b/updates', {
      body: { status: 'agreed', summary: 'Agreed in principle.', occurredAt: '2025-06-03T09:00:00Z' },
    });
    await t.cloud.settle();
    const frame = await live.next((f) => f.type !== 'Subscribed' && f.type !== 'Pong');
    await live.close();
    await t.cloud.settle();
    // Assess
    expect(posted.status).toBe(201);
    expect(JSON.stringify(frame)).toContain('cloud-b');
    // The write committed its events to the outbox; the relay's bundle, fed by the table's stream
    // under its role, put them on the bus (threads-write puts only its recount requests there).
    const putEvents = t.cloud.aws.calls.slice(callsBefore).filter((c) => c.action === 'events:PutEvents');
    expect(putEvents.map((c) => c.function)).toContain(t.cloud.functionId('outbox-relay'));
  });

  it('receives, pages, accepts and dismisses news inbox items through the inbox function, under its own role', async () => {
    // Prepare
    const push = (url: string, title: string) =>
      t.call('POST', '/inbox', {
        body: { scenario: SCENARIO, url, title, summary: `${title}, officials said on Tuesday.` },
      });
    const callsBefore = t.cloud.aws.calls.length;
    // Act
    const first = await push('https://news.example.com/cloud/1', 'Ceasefire thread cloud-a talks resume');
    const second = await push('https://news.example.net/cloud/2', 'Football league season opens');
    const page = await t.call('GET', `/inbox?scenario=${SCENARIO}&limit=1`);
    const next = await t.call(
      'GET',
      `/inbox?scenario=${SCENARIO}&limit=1&nextToken=${encodeURIComponent(page.body.nextToken)}`,
    );
    const third = await push('https://news.example.org/cloud/3', 'Ceasefire thread cloud-a envoys to meet');
    const accepted = await t.call('POST', `/inbox/${first.body.id}/accept`, {
      body: { threadId: 'cloud-a' },
      headers: { 'Idempotency-Key': 'cloud-inbox-accept' },
    });
    const dismissed = await t.call('POST', `/inbox/${second.body.id}/dismiss`, { body: {} });
    // Contract 1.2 "Drafts": accepting may create a draft (the draft item and the decision together).
    const drafted = await t.call('POST', `/inbox/${third.body.id}/accept`, {
      body: { threadId: 'cloud-a', draft: true },
    });
    await t.cloud.settle();
    // Assess: every call by the inbox function (none by threads-write or threads-read)
    expect([first, second, page, next, third, accepted, dismissed, drafted].map((r) => r.status)).toEqual([
      201, 201, 200, 200, 201, 201, 200, 201,
    ]);
    expect([...page.body.items, ...next.body.items].map((i: { id: string }) => i.id).sort()).toEqual(
      [first.body.id, second.body.id].sort(),
    );
    expect([accepted.body.item.state, accepted.body.thread.id]).toEqual(['accepted', 'cloud-a']);
    expect([drafted.body.item.state, drafted.body.update.draft]).toEqual(['accepted', true]);
    const calls = t.cloud.aws.calls.slice(callsBefore);
    const by = (name: 'inbox' | 'threads-write' | 'threads-read') =>
      calls.filter((c) => c.function === t.cloud.functionId(name)).map((c) => c.action);
    // The page-token key (GET /inbox pages); the accepted update's transaction (the thread's turn, the
    // update, the item's decision, the outbox item).
    expect(by('inbox')).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
    );
    expect([...by('threads-write'), ...by('threads-read')]).toEqual([]);
  });

  it('finds an update by a word of it within 5 s, the threads-read bundle reading the table under its role', async () => {
    // Prepare: a word no other item of this deployment holds.
    const callsBefore = t.cloud.aws.calls.length;
    const posted = await t.call('POST', '/threads/cloud-a/updates', {
      body: { status: null, summary: 'Envoys met in Kvarnholmen.', occurredAt: '2025-06-04T09:00:00Z' },
    });
    // Act: search until found, for at most the contract's 5 seconds.
    const found = await within(
      5_000,
      () => t.call('GET', `/search?q=kvarnholmen&scenario=${SCENARIO}`, { role: 'reader' }),
      (r) => r.status !== 200 || r.body.items.length > 0,
    );
    // Assess
    expect(posted.status).toBe(201);
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([
      expect.objectContaining({ threadId: 'cloud-a', updateId: posted.body.update.id }),
    ]);
    // Read by the search's own bundle from the table: nothing written for search.
    const searching = t.cloud.aws.calls
      .slice(callsBefore)
      .filter((c) => c.function === t.cloud.functionId('threads-read'))
      .map((c) => c.action);
    expect(searching).toEqual(expect.arrayContaining(['dynamodb:Query']));
    expect(searching.filter((a) => !/^dynamodb:(Query|BatchGetItem|GetItem)$/.test(a))).toEqual([]);
  });

  it("publishes a draft by a second editor: hidden until then, then the thread's latest update", async () => {
    // Prepare: a second editor, issued through the API.
    const second = await t.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'cloud-desk-b', role: 'editor' },
    });
    const drafted = await t.call('POST', '/threads/cloud-a/updates', {
      body: {
        draft: true,
        status: 'agreed',
        summary: 'Agreed, says one side.',
        occurredAt: '2025-06-05T09:00:00Z',
      },
    });
    const queue = await t.call('GET', `/drafts?scenario=${SCENARIO}`);
    const before = await t.call('GET', '/threads/cloud-a', { role: 'reader' });
    // Act
    const published = await t.call('POST', `/threads/cloud-a/updates/${drafted.body.update.id}/publish`, {
      token: second.body.token,
    });
    const after = await t.call('GET', '/threads/cloud-a', { role: 'reader' });
    await t.cloud.settle();
    // Assess
    expect([second.status, drafted.status, published.status]).toEqual([201, 201, 201]);
    expect(drafted.body.update).toMatchObject({ draft: true, recordedBy: 'cloud-editor' });
    expect(queue.body.items.map((d: { id: string }) => d.id)).toContain(drafted.body.update.id);
    expect(before.body.status).not.toBe('agreed');
    expect(published.body.update).toMatchObject({ postedBy: 'cloud-editor', publishedBy: 'cloud-desk-b' });
    expect(after.body.status).toBe('agreed');
  });

  it('serves a scenario made public, its embed and a badge without a token', async () => {
    // Prepare
    const made = await t.call('PATCH', `/scenarios/${SCENARIO}`, { body: { public: true } });
    // Act
    const page = await t.call('GET', `/public/scenarios/${SCENARIO}`, { role: null });
    const embed = await t.call('GET', `/embed/${SCENARIO}`, { role: null });
    const badge = await t.call('GET', `/badge/${SCENARIO}/cloud-a.svg`, { role: null });
    // Assess
    expect(made.status).toBe(200);
    expect(page.status).toBe(200);
    expect(page.body.threads.map((x: { id: string }) => x.id).sort()).toEqual(['cloud-a', 'cloud-b']);
    expect(page.text).not.toContain('cloud-editor');
    expect(embed.status).toBe(200);
    expect(embed.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(embed.text).toContain(`<scenario-tracker scenario="${SCENARIO}">`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(badge.text).toContain('<title>Thread cloud-a: agreed</title>');
  });

  it('publishes a change of the public scenario on its public channel from live-fanout, and a retitle from threads-write, each under its role', async () => {
    // Prepare: the scenario was made public by the test before
    const callsBefore = t.cloud.aws.calls.length;
    const publishedBefore = t.cloud.published.length;
    // Act
    const posted = await t.call('POST', '/threads/cloud-b/updates', {
      body: { status: 'in_effect', summary: 'The ceasefire holds.', occurredAt: '2025-06-04T09:00:00Z' },
    });
    await t.cloud.settle();
    const retitled = await t.call('PATCH', `/scenarios/${SCENARIO}`, {
      body: { title: 'Cloud talks, renamed' },
    });
    await t.cloud.settle();
    // Assess
    expect([posted.status, retitled.status]).toEqual([201, 200]);
    const messages = t.cloud.published
      .slice(publishedBefore)
      .map((p) => ({ channel: p.channel, message: JSON.parse(p.event) }));
    expect(messages).toContainEqual({
      channel: `/public/${SCENARIO}`,
      message: expect.objectContaining({
        type: 'thread',
        scenario: SCENARIO,
        thread: expect.objectContaining({ id: 'cloud-b', status: 'in_effect' }),
      }),
    });
    expect(messages).toContainEqual({
      channel: `/public/${SCENARIO}`,
      message: { type: 'refetch', scenario: SCENARIO },
    });
    expect(JSON.stringify(messages)).not.toContain('cloud-editor');
    const publishers = t.cloud.aws.calls
      .slice(callsBefore)
      .filter((c) => c.action === 'appsync:EventPublish')
      .map((c) => c.function);
    expect(new Set(publishers)).toEqual(
      new Set([t.cloud.functionId('live-fanout'), t.cloud.functionId('threads-write')]),
    );
  });

  it('polls a news source: the schedule queues it, the poller fetches it into the inbox, each under its own role', async () => {
    // Prepare
    const made = await t.call('POST', '/sources', {
      role: 'admin',
      body: { scenario: SCENARIO, url: feeds.url('/atom'), title: 'Cloud wire' },
    });
    const callsBefore = t.cloud.aws.calls.length;
    // Act: the minute's schedule, then the event → queue → poller chain to its end
    await t.cloud.runSchedule('source-schedule');
    await t.cloud.settle();
    const source = await t.call('GET', `/sources/${made.body.id}`);
    const inbox = await t.call('GET', `/inbox?scenario=${SCENARIO}&limit=100`);
    const again = await t.call('POST', `/sources/${made.body.id}/fetch`);
    // Assess
    expect(made.status).toBe(201);
    expect(source.body).toMatchObject({ lastResult: 200, failures: 0 });
    expect(inbox.body.items.find((i: { source: string }) => i.source === made.body.id)?.url).toBe(
      'https://wire.example.org/cloud/ceasefire',
    );
    expect(again.status).toBe(429);
    const calls = t.cloud.aws.calls.slice(callsBefore);
    const by = (name: 'source-schedule' | 'source-poller') =>
      calls.filter((c) => c.function === t.cloud.functionId(name)).map((c) => c.action);
    expect(by('source-schedule')).toEqual(expect.arrayContaining(['dynamodb:Query', 'events:PutEvents']));
    expect(by('source-poller')).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']),
    );
    expect(by('source-poller')).not.toContain('events:PutEvents');
  });

  it('answers every route key of the template through its function without a 5xx', async () => {
    // Prepare: each route of the synthesized API (catch-alls and HEAD twins included), its path
    // parameters filled with things that exist, a body only where one is expected (an empty one:
    // the function refuses it after reading what it needs).
    const params: Record<string, string> = {
      id: 'cloud-a',
      updateId: ids.update!,
      kind: 'mediation',
      name: 'nobody',
    };
    const routes = t.cloud.model.httpRoutes.filter((r) => r.routeKey !== '$default');
    // Act
    const answers: string[] = [];
    for (const { routeKey } of routes) {
      const [method, template] = routeKey.split(' ') as [string, string];
      const path = template
        .replace('/scenarios/{id}', `/scenarios/${SCENARIO}`)
        .replace(/\{(\w+)\}/g, (_, p: string) => params[p]!);
      const verb = method === 'ANY' ? 'OPTIONS' : method;
      const r = await t.call(verb, path, {
        role: 'admin',
        ...(['POST', 'PATCH', 'PUT'].includes(verb) ? { body: {} } : {}),
      });
      answers.push(`${routeKey} → ${r.status}`);
    }
    await t.cloud.settle();
    // Assess
    expect(routes.length).toBeGreaterThan(60);
    expect(answers.filter((a) => / → 5\d\d$/.test(a))).toEqual([]);
  });

  it("lists a scenario's changes since the file began through threads-read, oldest first, with who made them", async () => {
    // Prepare: the feed holds back what is younger than its horizon (WRITE_RETRY_BUDGET_MS + 2 s,
    // here 1 ms + 2 s: test/support/cloud.ts). The child process's clock cannot be faked, so on a
    // machine fast enough to get here sooner, wait out what is left of that fixed horizon: the
    // outcome does not depend on the machine's speed.
    const left = threadsWrittenAt + 2_001 - Date.now();
    if (left > 0) await new Promise((done) => setTimeout(done, left));
    // Act
    const r = await t.call('GET', `/scenarios/${SCENARIO}/changes?since=${encodeURIComponent(fileStart)}`, {
      role: 'reader',
    });
    // Assess
    expect(r.status).toBe(200);
    const rows = r.body.items.map((c: { type: string; threadId: string; by: string }) => [
      c.type,
      c.threadId,
      c.by,
    ]);
    expect(rows[0]).toEqual(['thread_created', 'cloud-a', 'cloud-editor']);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['thread_created', 'cloud-b', 'cloud-editor'],
        ['status_changed', 'cloud-a', 'cloud-editor'],
      ]),
    );
  });

  it('made no AWS call that its role does not allow', () => {
    // Assess
    expect(t.cloud.denials).toEqual([]);
    expect(t.cloud.events.failures).toEqual([]);
  });
});

describe('cloud mode: a missing permission is named', () => {
  it('fails a late report when threads-write may not query LSI1, naming the action, index and key', async () => {
    // Prepare: the same template, minus threads-write's Query on LSI1.
    const narrowed = await startCloudTest({
      alterFunction: (name, fn) => {
        if (name !== 'threads-write') return;
        for (const p of fn.policies)
          for (const s of p.policy.Statement) {
            const resources = [s.Resource].flat();
            if (resources.some((r) => r.endsWith('/index/LSI1')))
              s.Resource = resources.filter((r) => !r.endsWith('/index/LSI1'));
          }
        for (const p of fn.policies)
          p.policy.Statement = p.policy.Statement.filter((s) => [s.Resource].flat().length > 0);
      },
    });
    try {
      await narrowed.call('POST', '/threads', {
        body: {
          id: 'narrow',
          scenario: SCENARIO,
          kind: 'ceasefire',
          title: 'Narrow',
          status: 'proposed',
          summary: 'First.',
          occurredAt: '2025-05-20T09:00:00Z',
        },
      });
      // Act
      const late = await narrowed.call('POST', '/threads/narrow/updates', {
        body: { status: 'proposed', summary: 'Earlier.', occurredAt: '2025-05-18T09:00:00Z' },
      });
      // Assess
      expect(late.status).toBeGreaterThanOrEqual(500);
      expect(narrowed.cloud.denials).toEqual([
        expect.objectContaining({
          function: narrowed.cloud.functionId('threads-write'),
          action: 'dynamodb:Query',
          resource: expect.stringMatching(/:table\/.+\/index\/LSI1$/),
          context: { 'dynamodb:LeadingKeys': ['THREAD#narrow'] },
        }),
      ]);
    } finally {
      await narrowed.close();
    }
  }, 120_000);
});

describe('cloud mode: what the bundles carry', () => {
  it('are built in the format infra/bundling.ts chose, from the ES-module builds of the AWS SDK', () => {
    // Prepare
    const { assemblyDir } = synthesizedStack();
    const expected = BUNDLING.format === 'esm' ? 'index.mjs' : 'index.js';
    const other = BUNDLING.format === 'esm' ? 'index.js' : 'index.mjs';
    const functionAssets = readdirSync(assemblyDir).filter(
      (d) => d.startsWith('asset.') && existsSync(join(assemblyDir, d, `${expected}.map`)),
    );
    // Act
    const sdkSources = functionAssets.map((d) =>
      (
        JSON.parse(readFileSync(join(assemblyDir, d, `${expected}.map`), 'utf8')) as { sources: string[] }
      ).sources.filter((s) => s.includes('node_modules/@aws-sdk/client-dynamodb/')),
    );
    // Assess
    expect(functionAssets.length).toBeGreaterThanOrEqual(13);
    for (const d of functionAssets) expect(existsSync(join(assemblyDir, d, other))).toBe(false);
    // mainFields ['module', 'main']: the tree-shakable dist-es build, never the CommonJS one.
    const all = sdkSources.flat();
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((s) => s.includes('/dist-cjs/'))).toEqual([]);
    expect(all.some((s) => s.includes('/dist-es/'))).toBe(true);
  });

  it('bundles every function (the live ones too) with the same options: minified, a map without sources', () => {
    // Prepare
    const { assemblyDir } = synthesizedStack();
    const file = BUNDLING.format === 'esm' ? 'index.mjs' : 'index.js';
    const assets = readdirSync(assemblyDir).filter((d) => existsSync(join(assemblyDir, d, file)));
    // Assess
    expect(assets).toHaveLength(Object.keys(ALL_FUNCTION_ENTRIES).length);
    for (const d of assets) {
      const code = readFileSync(join(assemblyDir, d, file), 'utf8');
      const map = readFileSync(join(assemblyDir, d, `${file}.map`), 'utf8');
      // infra/bundling.ts BUNDLING: minify (long lines), sourceMap, sourcesContent: false.
      expect({
        d,
        minified: code.length / code.split('\n').length > 1000,
        sources: map.includes('"sources"'),
        sourcesContent: map.includes('"sourcesContent"'),
      }).toEqual({ d, minified: true, sources: true, sourcesContent: false });
    }
  });

  it('carries no part of the IAM evaluator (AGPL-3.0, a devDependency only cloud mode loads)', () => {
    // Prepare
    const { assemblyDir } = synthesizedStack();
    const bundles = readdirSync(assemblyDir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => {
        const file = ['index.js', 'index.mjs'].find((f) => existsSync(join(assemblyDir, d, f)));
        return file ? readFileSync(join(assemblyDir, d, file), 'utf8') : '';
      })
      .filter((code) => code !== '');
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    // Assess
    expect(bundles.length).toBeGreaterThanOrEqual(14);
    for (const code of bundles) expect(code).not.toMatch(/iam-simulate|cloud-copilot/);
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBeDefined();
    expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
  });
});
