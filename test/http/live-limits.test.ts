import { LIVE_LIMITS } from '../../shared/domain/live-protocol';
import { openLive, type LiveClient } from '../support/live-client';
import { recordCalls } from '../support/read-recorder';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The limits of one live connection (docs/security.md "WebSocket limits"), on the local server with
 * a real ws client: a connection that floods the server with messages or subscriptions is closed
 * with 4429, and nobody else waits for it; a client message checks the token again only once a
 * minute, so a flood is not a flood of database reads, and a revoked token still ends its connection
 * within that minute. The live clock is injected: it moves only when a test moves it, so which
 * message falls in which minute never depends on the machine's speed.
 */

jest.setTimeout(60_000);

let s: TestServer;
let clock = Date.UTC(2026, 0, 1);
const open: LiveClient[] = [];
beforeAll(async () => {
  // The periodic token check (every connection, on a wall-clock timer) is pushed out of the way:
  // here only client messages check tokens.
  s = await startTestServer({ live: { idleMs: 600_000, tokenCheckMs: 3_600_000, now: () => clock } });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await s.close();
});
beforeEach(() => {
  // A fresh minute for every test: each starts with a connection's full allowance.
  clock += LIVE_LIMITS.messageWindowMs;
});

const connect = async (token = s.tokens.reader) => {
  const client = await openLive(s.url, token);
  open.push(client);
  return client;
};

const count = (client: LiveClient, type: string) => client.frames.filter((f) => f.type === type).length;

describe('a connection that floods the server', () => {
  it('is closed with 4429 after 60 messages in a minute, with no token read per message, while other clients are answered', async () => {
    // Prepare
    const bystander = await connect();
    bystander.send({ action: 'subscribe', threadId: 'ceasefire' });
    await bystander.next((f) => f.type === 'Subscribed');
    const flooder = await connect();
    const recorder = recordCalls(s.ctx.db);

    // Act
    for (let i = 0; i < 20_000; i++) flooder.send({ action: 'ping' });
    const closed = await flooder.closed;
    const calls = recorder.take();
    recorder.detach();
    const other = await s.call('GET', '/threads/ceasefire', { role: 'reader' });

    // Assess
    expect(closed).toEqual({ code: 4429, reason: 'too many messages' });
    expect(count(flooder, 'Pong')).toBe(LIVE_LIMITS.messagesPerWindow);
    expect(flooder.frames.at(-1)).toMatchObject({ type: 'Error', code: 'too_many_messages' });
    expect(calls.filter((c) => c.command === 'GetItem')).toEqual([]);
    expect(other.status).toBe(200);
    await bystander.roundTrip();
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
  });

  it('is closed with 4429 after a too_many_subscriptions frame when it subscribes past the limit', async () => {
    // Prepare
    const flooder = await connect();

    // Act
    for (let i = 0; i < 3_000; i++) flooder.send({ action: 'subscribe', threadId: `thread-${i}` });
    const closed = await flooder.closed;

    // Assess
    expect(closed).toEqual({ code: 4429, reason: 'too many subscriptions' });
    expect(count(flooder, 'Subscribed')).toBe(LIVE_LIMITS.subscriptionsPerConnection);
    expect(flooder.frames.at(-1)).toMatchObject({ type: 'Error', code: 'too_many_subscriptions' });
    expect(flooder.frames).toHaveLength(LIVE_LIMITS.subscriptionsPerConnection + 1);
  });

  it('is closed with 4429 when it subscribes to one target over and over, past the message limit', async () => {
    // Prepare
    const flooder = await connect();

    // Act
    for (let i = 0; i < 3_000; i++) flooder.send({ action: 'subscribe', scenario: 'russia-ukraine-talks' });
    const closed = await flooder.closed;

    // Assess
    expect(closed).toEqual({ code: 4429, reason: 'too many messages' });
    expect(count(flooder, 'Subscribed')).toBe(LIVE_LIMITS.messagesPerWindow);
  });

  it('takes 60 messages in every minute: a connection that keeps within the limit stays open', async () => {
    // Prepare
    const client = await connect();

    // Act
    for (let minute = 1; minute <= 3; minute++) {
      for (let i = 0; i < LIVE_LIMITS.messagesPerWindow; i++) client.send({ action: 'ping' });
      // Every message of this minute answered before the clock moves on.
      await client.next(() => count(client, 'Pong') >= minute * LIVE_LIMITS.messagesPerWindow);
      clock += LIVE_LIMITS.messageWindowMs;
    }

    // Assess
    expect(count(client, 'Pong')).toBe(3 * LIVE_LIMITS.messagesPerWindow);
    expect(client.frames.filter((f) => f.type === 'Error')).toEqual([]);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe('the token check of a client message', () => {
  it('trusts the last check for a minute, then finds the token revoked and closes the connection with 4401', async () => {
    // Prepare
    const made = await s.call('POST', '/tokens', { role: 'admin', body: { name: 'wall', role: 'reader' } });
    const client = await connect(made.body.token);
    await client.roundTrip();
    expect((await s.call('DELETE', '/tokens/wall', { role: 'admin' })).status).toBe(204);

    // Act
    clock += LIVE_LIMITS.tokenRecheckMs - 1;
    await client.roundTrip();
    const stillOpen = client.ws.readyState === client.ws.OPEN;
    clock += 1;
    client.send({ action: 'ping' });
    const closed = await client.closed;

    // Assess
    expect(stillOpen).toBe(true);
    expect(closed).toEqual({ code: 4401, reason: 'token revoked' });
    expect(client.frames.at(-1)).toMatchObject({ type: 'Error', code: 'unauthorized' });
  });

  it('checks a valid token again after a minute and keeps the connection', async () => {
    // Prepare
    const client = await connect();
    const recorder = recordCalls(s.ctx.db);

    // Act
    await client.roundTrip();
    const withinMinute = recorder.take().filter((c) => c.command === 'GetItem').length;
    clock += LIVE_LIMITS.tokenRecheckMs;
    await client.roundTrip();
    const afterMinute = recorder.take().filter((c) => c.command === 'GetItem').length;
    recorder.detach();

    // Assess
    expect(withinMinute).toBe(0);
    expect(afterMinute).toBe(1);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});
