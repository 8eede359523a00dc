import { liveHubs } from '../../local/server';
import { runDeliveries } from '../../shared/app/deliveries';
import { relayed } from '../support/context';
import { openLive, type LiveClient } from '../support/live-client';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.2 "Thread changes are events": ThreadChanged to subscriptions and live sockets. */

jest.setTimeout(30_000);

let s: TestServer;
const receivers: Receiver[] = [];
const sockets: LiveClient[] = [];
beforeAll(async () => {
  s = await startTestServer({ seed: false, config: { allowPrivateWebhooks: true } });
});
afterAll(async () => {
  await Promise.all(sockets.map((c) => c.close()));
  await Promise.all(receivers.map((r) => r.close()));
  await s.close();
});

const admin = { role: 'admin' as const };
const newThread = async (id: string, scenario: string) => {
  const r = await s.call('POST', '/threads', {
    body: { id, scenario, kind: 'summit', title: id, status: 'announced', summary: 'Announced.' },
  });
  expect(r.status).toBe(201);
  return r.body as { version: number };
};
const patch = async (id: string, body: Record<string, unknown>) => {
  const r = await s.call('PATCH', `/threads/${id}`, { body });
  expect(r.status).toBe(200);
  return r.body as { version: number };
};
const hook = async (body: Record<string, unknown>) => {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const r = await s.call('POST', '/subscriptions', { ...admin, body: { url: receiver.url, ...body } });
  expect(r.status).toBe(201);
  return receiver;
};
/** Everything committed is relayed, and every delivery due is attempted. */
const delivered = async () => {
  await relayed(s.ctx);
  await runDeliveries(s.ctx, Date.now());
};
/** What a receiver was sent, by thread version (deliveries are attempted concurrently: in no set order). */
const bodies = (r: Receiver) =>
  r.received.map((x) => JSON.parse(x.body)).sort((a, b) => (a.version ?? 0) - (b.version ?? 0));

describe('ThreadChanged', () => {
  it('reaches a subscription whose events name it, once per PATCH that changes something, with the fields changed and the new version; a PATCH that changes nothing sends nothing', async () => {
    // Prepare
    const only = await hook({ events: ['ThreadChanged'], scenario: 'tc-hooks' });
    const other = await hook({ events: ['UpdatePosted'], scenario: 'tc-hooks' });
    await newThread('tc-one', 'tc-hooks');
    await delivered();
    // Act
    const retitled = await patch('tc-one', { title: 'Budapest summit', keywords: ['Budapest'] });
    await patch('tc-one', { keywords: ['Budapest '], criteria: null });
    const archived = await patch('tc-one', { archived: true, title: 'Budapest summit' });
    await delivered();
    // Assess
    expect(bodies(only).map((e) => [e.type, e.threadId, e.scenario, e.changes, e.version])).toEqual([
      ['ThreadChanged', 'tc-one', 'tc-hooks', ['title', 'keywords'], retitled.version],
      ['ThreadChanged', 'tc-one', 'tc-hooks', ['archived'], archived.version],
    ]);
    expect(other.received).toEqual([]);
  });

  it('goes live to the scenario and thread followers; a move also reaches the followers of the scenario left', async () => {
    // Prepare
    await newThread('tc-live', 'tc-from');
    const client = await openLive(s.url, s.tokens.reader);
    sockets.push(client);
    client.send({ action: 'subscribe', scenario: 'tc-from' });
    await client.next((f) => f.type === 'Subscribed');
    // Act
    const expected = await patch('tc-live', { expected: { what: 'A date for the meeting', at: '2026-01' } });
    const moved = await patch('tc-live', { scenario: 'tc-to' });
    await client.next((f) => f.type === 'ThreadChanged' && f.version === moved.version);
    await liveHubs.get(s.server)!.settled();
    await client.roundTrip();
    // Assess
    const frames = client.frames.filter((f) => f.type === 'ThreadChanged');
    expect(frames).toEqual([
      expect.objectContaining({
        threadId: 'tc-live',
        scenario: 'tc-from',
        changes: ['expected'],
        version: expected.version,
      }),
      expect.objectContaining({
        threadId: 'tc-live',
        scenario: 'tc-to',
        previousScenario: 'tc-from',
        changes: ['scenario'],
        version: moved.version,
      }),
    ]);
  });

  it('a subscription may ask for ThreadChanged alone; new subscriptions get it by default', async () => {
    // Act
    const all = await s.call('POST', '/subscriptions', { ...admin, body: { url: 'http://127.0.0.1:9/x' } });
    const unknown = await s.call('POST', '/subscriptions', {
      ...admin,
      body: { url: 'http://127.0.0.1:9/x', events: ['ThreadRenamed'] },
    });
    // Assess
    expect(all.body.events).toContain('ThreadChanged');
    expect(unknown.status).toBe(400);
  });
});
