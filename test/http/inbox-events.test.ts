import { liveHubs } from '../../local/server';
import { openLive, type LiveClient } from '../support/live-client';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestServer, type TestServer } from '../support/server';
import { relayed } from '../support/context';
import { runDeliveries } from '../../shared/app/deliveries';

/**
 * InboxItemArrived (contract 1.2) is opt-in: it reaches webhook subscriptions whose `events` name it
 * and live sockets of editors that name it in `subscribe`, and nothing else. Receivers listen on
 * 127.0.0.1 (private addresses allowed, as in the webhook tests).
 */
jest.setTimeout(30_000);

let s: TestServer;
const receivers: Receiver[] = [];
const sockets: LiveClient[] = [];
beforeAll(async () => {
  s = await startTestServer({ config: { allowPrivateWebhooks: true } });
  // The seed's own notifications leave before any subscription exists.
  await relayed(s.ctx);
});
afterAll(async () => {
  await Promise.all(sockets.map((c) => c.close()));
  await Promise.all(receivers.map((r) => r.close()));
  await s.close();
});

const SCENARIO = 'russia-ukraine-talks';
const hook = async (events?: string[]) => {
  const r = await startReceiver();
  receivers.push(r);
  const created = await s.call('POST', '/subscriptions', {
    role: 'admin',
    body: { url: r.url, scenario: SCENARIO, ...(events ? { events } : {}) },
  });
  expect(created.status).toBe(201);
  return { receiver: r, subscription: created.body };
};
const socket = async (token: string) => {
  const c = await openLive(s.url, token);
  sockets.push(c);
  return c;
};

describe('InboxItemArrived', () => {
  it('goes to subscriptions and editors’ sockets that name it, with the item and its top thread, and to no other', async () => {
    // Prepare
    const named = await hook(['InboxItemArrived']);
    const unnamed = await hook();
    const editor = await socket(s.tokens.editor);
    editor.send({ action: 'subscribe', scenario: SCENARIO, events: ['InboxItemArrived'] });
    expect(await editor.next((f) => f.type === 'Subscribed')).toEqual({
      type: 'Subscribed',
      scenario: SCENARIO,
      events: ['InboxItemArrived'],
    });
    const plain = await socket(s.tokens.editor);
    plain.send({ action: 'subscribe', scenario: SCENARIO });
    await plain.next((f) => f.type === 'Subscribed');
    // Act
    const pushed = await s.call('POST', '/inbox', {
      body: {
        scenario: SCENARIO,
        url: 'https://www.ktoo.org/2025/08/08/trump-sets-meeting-date-with-putin-in-alaska/',
        title: 'Trump sets meeting date with Putin in Alaska',
        publishedAt: '2025-08-08T20:00:00Z',
      },
    });
    // Its deliveries exist once the outbox is relayed; attempt every due one now.
    await relayed(s.ctx);
    const reports = await runDeliveries(s.ctx, Date.now());
    // Assess
    expect(reports.map((r) => r.subscriptionId)).toEqual([named.subscription.id]);
    const [delivery] = named.receiver.received;
    const live = await editor.next((f) => f.type === 'InboxItemArrived');
    for (const event of [JSON.parse(delivery!.body), live])
      expect(event).toMatchObject({
        type: 'InboxItemArrived',
        scenario: SCENARIO,
        threadId: 'trump-putin-meeting',
        inboxItemId: pushed.body.id,
      });
    // Anything sent to the plain socket has arrived by now.
    await liveHubs.get(s.server)!.settled();
    await plain.roundTrip();
    expect(unnamed.receiver.received).toEqual([]);
    expect(unnamed.subscription.events).not.toContain('InboxItemArrived');
    expect(plain.frames.map((f) => f.type)).not.toContain('InboxItemArrived');
  });

  it('Every new entry becomes an inbox item and arrives: a duplicate (the same link, another spelling, a near copy) emits no InboxItemArrived', async () => {
    // Prepare: a subscription that names the event, and one new item it has received
    const { receiver } = await hook(['InboxItemArrived']);
    const summary =
      'President Donald Trump said Friday he will meet with Russian President Vladimir Putin in Alaska, as the U.S. leader pushes to end the war.';
    const first = await s.call('POST', '/inbox', {
      body: {
        scenario: SCENARIO,
        url: 'https://apnews.com/article/arrives-once',
        title: 'Trump to meet Putin',
        summary,
      },
    });
    await relayed(s.ctx);
    await runDeliveries(s.ctx, Date.now());
    const before = receiver.received.length;
    // Act
    const repeats = [
      await s.call('POST', '/inbox', {
        body: {
          scenario: SCENARIO,
          url: 'https://apnews.com/article/arrives-once',
          title: 'Trump to meet Putin',
        },
      }),
      await s.call('POST', '/inbox', {
        body: {
          scenario: SCENARIO,
          url: 'https://APNEWS.com/article/arrives-once?utm_source=x',
          title: 'Trump to meet Putin',
        },
      }),
      await s.call('POST', '/inbox', {
        body: {
          scenario: SCENARIO,
          url: 'https://www.wtop.com/arrives-once',
          title: 'Trump to meet Putin',
          summary: `(AP) — ${summary}`,
        },
      }),
    ];
    await relayed(s.ctx);
    await runDeliveries(s.ctx, Date.now());
    // Assess
    expect(first.status).toBe(201);
    expect(before).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ inboxItemId: first.body.id });
    expect(repeats.map((r) => [r.status, r.body.id])).toEqual([
      [200, first.body.id],
      [200, first.body.id],
      [200, first.body.id],
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it('is refused to a reader’s socket, and to a thread subscription', async () => {
    // Prepare
    const reader = await socket(s.tokens.reader);
    // Act
    reader.send({ action: 'subscribe', scenario: SCENARIO, events: ['InboxItemArrived'] });
    const forbidden = await reader.next((f) => f.type === 'Error');
    reader.send({ action: 'subscribe', threadId: 'ceasefire', events: ['InboxItemArrived'] });
    const invalid = await reader.next((f) => f.type === 'Error' && f.code !== 'forbidden');
    // Assess
    expect(forbidden.code).toBe('forbidden');
    expect(invalid).toMatchObject({ code: 'validation_error', errors: [{ path: 'events' }] });
  });
});
