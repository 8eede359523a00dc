import WebSocket from 'ws';
import { publicEventHubs } from '../../local/server';
import { authSubprotocol, PUBLISH_PATH } from '../../local/public-events';
import { SEED_SCENARIO } from '../../local/seed';
import { publishPublicChanges, type PublicMessage } from '../../shared/app/public-live';
import type { TrackerEvent } from '../../shared/domain/event';
import { publicChannel } from '../../shared/domain/public-channel';
import { HttpPublicEvents, type PublicEventsTransport } from '../../shared/events/public-events';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The public channels of the local server (local/public-events.ts), which speak AWS AppSync Events'
 * protocol: the handshake and its key, subscribe and its refusals, the publish endpoint only this
 * process may use, and what a write to a public (or a private) scenario publishes.
 */

jest.setTimeout(30_000);

/** How long a test waits for a frame it expects (a bounded wait for a condition, not a sleep). */
const WAIT_MS = 5_000;

let s: TestServer;
const sockets: WebSocket[] = [];
/** Every event the server's publisher handed on, in order (wrapped around its live tap). */
const events: TrackerEvent[] = [];
beforeAll(async () => {
  s = await startTestServer({ publicCache: false });
  const r = await s.call('PATCH', `/scenarios/${SEED_SCENARIO}`, { body: { public: true } });
  expect(r.status).toBe(200);
  const previous = s.ctx.liveEvents;
  s.ctx.liveEvents = (batch) => {
    events.push(...batch);
    previous(batch);
  };
});
afterAll(async () => {
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.terminate();
  await s.close();
});

const live = () => s.ctx.config.publicEvents!;
const host = () => new URL(live().httpUrl).host;
const key = () => live().realtime!.apiKey;

/** A client as an embed is one: the two subprotocols, then frames read in order. */
interface Client {
  ws: WebSocket;
  send(message: unknown): void;
  /** The next frame that passes `match` (earlier ones are kept for later calls). */
  next(match?: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

async function connect(apiKey = key()): Promise<Client> {
  const ws = new WebSocket(live().realtime!.url, ['aws-appsync-event-ws', authSubprotocol(host(), apiKey)]);
  sockets.push(ws);
  const frames: Record<string, unknown>[] = [];
  const waiting: (() => void)[] = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const wake of waiting.splice(0)) wake();
  });
  await new Promise<void>((done, fail) => {
    ws.once('open', () => done());
    ws.once('error', fail);
  });
  return {
    ws,
    send: (message) => ws.send(JSON.stringify(message)),
    async next(match = () => true) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const at = frames.findIndex(match);
        if (at >= 0) return frames.splice(at, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(frames)}`);
        await new Promise<void>((wake) => {
          waiting.push(wake);
          setTimeout(wake, 100);
        });
      }
    },
  };
}

const auth = (apiKey = key()) => ({ host: host(), 'x-api-key': apiKey });

async function subscribed(channel: string): Promise<Client> {
  const c = await connect();
  c.send({ type: 'connection_init' });
  await c.next((m) => m.type === 'connection_ack');
  c.send({ type: 'subscribe', id: 'sub-1', channel, authorization: auth() });
  expect(await c.next((m) => m.id === 'sub-1')).toEqual({ type: 'subscribe_success', id: 'sub-1' });
  return c;
}

/** Wait (bounded) until the server's publisher has handed on an event matching `match`. */
async function eventOf(match: (e: TrackerEvent) => boolean): Promise<TrackerEvent[]> {
  const deadline = Date.now() + WAIT_MS;
  while (!events.some(match)) {
    if (Date.now() > deadline) throw new Error('no such event');
    await new Promise((r) => setTimeout(r, 20));
  }
  return events.filter(match);
}

/** A transport that only records what it is asked to publish. */
const recorder = () => {
  const published: { channel: string; events: readonly unknown[] }[] = [];
  const transport: PublicEventsTransport = {
    async publish(channel, evts) {
      published.push({ channel, events: evts });
    },
  };
  return { transport, published };
};

describe('the real-time endpoint', () => {
  it('refuses a socket whose key is not the readers’ key at the handshake (401)', async () => {
    // Act
    const ws = new WebSocket(live().realtime!.url, [
      'aws-appsync-event-ws',
      authSubprotocol(host(), 'da2-wrong'),
    ]);
    sockets.push(ws);
    ws.on('error', () => undefined);
    const status = await new Promise<number>((done) => {
      ws.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
      ws.once('open', () => done(101));
    });
    // Assess
    expect(status).toBe(401);
  });

  it('acks connection_init with its keep-alive timeout, and refuses a wrong key, another namespace, a bad path and a publish over the socket', async () => {
    // Prepare
    const c = await connect();
    // Act
    c.send({ type: 'connection_init' });
    const ack = await c.next((m) => m.type === 'connection_ack');
    c.send({
      type: 'subscribe',
      id: 'a',
      channel: `/public/${SEED_SCENARIO}`,
      authorization: auth('da2-wrong'),
    });
    c.send({ type: 'subscribe', id: 'b', channel: '/private/anything', authorization: auth() });
    c.send({ type: 'subscribe', id: 'c', channel: '/public/not_a_slug!', authorization: auth() });
    c.send({
      type: 'publish',
      id: 'd',
      channel: `/public/${SEED_SCENARIO}`,
      events: ['{}'],
      authorization: auth(),
    });
    c.send({ type: 'subscribe', id: 'e', channel: `/public/${SEED_SCENARIO}`, authorization: auth() });
    // Assess
    expect(ack.connectionTimeoutMs).toEqual(expect.any(Number));
    // The answers to these requests (the seed's own events may reach the subscribed channel too).
    const refusal = (id: string) => c.next((m) => m.id === id && m.type !== 'data');
    expect(await refusal('a')).toMatchObject({
      type: 'subscribe_error',
      errors: [{ errorType: 'UnauthorizedException' }],
    });
    expect(await refusal('b')).toMatchObject({ type: 'subscribe_error' });
    expect(await refusal('c')).toMatchObject({ type: 'subscribe_error' });
    expect(await refusal('d')).toMatchObject({
      type: 'publish_error',
      errors: [{ errorType: 'UnauthorizedException' }],
    });
    expect(await refusal('e')).toEqual({ type: 'subscribe_success', id: 'e' });
    c.send({ type: 'unsubscribe', id: 'e' });
    expect(await refusal('e')).toEqual({ type: 'unsubscribe_success', id: 'e' });
  });
});

describe('the publish endpoint', () => {
  it('refuses a publish that this process’s own publisher did not sign: unsigned, or signed with other credentials', async () => {
    // Prepare: a reader of a channel of its own, and the two outsiders
    const channel = '/public/outsiders-only';
    const c = await subscribed(channel);
    const body = JSON.stringify({ channel, events: ['{"type":"refetch","scenario":"outsiders-only"}'] });
    const outsider = new HttpPublicEvents(live().httpUrl, 'local', {
      accessKeyId: 'AKIAOUTSIDER',
      secretAccessKey: 'not-the-servers-secret',
    });
    // Act
    const unsigned = await fetch(`${s.url}${PUBLISH_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-api-key': key() },
      body,
    });
    const signedByOther = outsider.publish(channel, [{ type: 'refetch', scenario: 'outsiders-only' }]);
    await expect(signedByOther).rejects.toThrow(/403/);
    // ...then the server's own publisher, whose message must be the first the reader gets
    await s.ctx.publicEvents!.publish(channel, [{ type: 'refetch', scenario: 'mine' }]);
    // Assess
    expect(unsigned.status).toBe(403);
    const first = await c.next((m) => m.type === 'data');
    expect(JSON.parse(first.event as string)).toEqual({ type: 'refetch', scenario: 'mine' });
    expect(publicEventHubs.get(s.server)!.delivered.get(channel)).toBe(1);
  });
});

describe('what a write publishes', () => {
  it('sends a status change of a public scenario’s thread as one message: its public projection, as GET /public/scenarios/{id} shows it', async () => {
    // Prepare
    const c = await subscribed(publicChannel(SEED_SCENARIO));
    // Act
    const posted = await s.call('POST', '/threads/sanctions/updates', {
      body: { status: 'blocked', summary: 'Hungary vetoes the package.' },
    });
    expect(posted.status).toBe(201);
    // The seed's own events may still be on their way (each read the thread when it was published,
    // before or after this write): the message of this write is the one that shows its status.
    const frame = await c.next((m) => {
      if (m.type !== 'data') return false;
      const { thread } = JSON.parse(m.event as string) as PublicMessage & {
        thread?: { id: string; status: string };
      };
      return thread?.id === 'sanctions' && thread.status === 'blocked';
    });
    // Assess
    expect(frame.id).toBe('sub-1');
    const message = JSON.parse(frame.event as string) as PublicMessage;
    const view = (await s.call('GET', `/public/scenarios/${SEED_SCENARIO}`, { role: null })).body;
    const shown = view.threads.find((t: { id: string }) => t.id === 'sanctions');
    expect(message).toEqual({
      type: 'thread',
      scenario: SEED_SCENARIO,
      updatedAt: expect.any(String),
      thread: shown,
    });
    expect(shown.status).toBe('blocked');
    // Nothing of who wrote it: no token name, no author field.
    expect(frame.event).not.toMatch(/local-editor|author|createdBy|recordedBy/);
  });

  it('publishes nothing for a scenario that is not public, after one read', async () => {
    // Prepare: a thread of a scenario nobody made public, and its events as the server handed them on
    const created = await s.call('POST', '/threads', {
      body: {
        id: 'quiet-channel',
        scenario: 'quiet-talks',
        title: 'A quiet channel',
        kind: 'ceasefire',
        status: 'proposed',
        summary: 'Talks about talks.',
      },
    });
    expect(created.status).toBe(201);
    const posted = await s.call('POST', '/threads/quiet-channel/updates', {
      body: { status: 'negotiating', summary: 'Envoys meet.' },
    });
    expect(posted.status).toBe(201);
    const quiet = await eventOf((e) => e.threadId === 'quiet-channel' && e.type === 'UpdatePosted');
    const { transport, published } = recorder();
    // Act
    const report = await publishPublicChanges({ publicViews: s.ctx.publicViews, transport }, quiet);
    // Assess
    expect(published).toEqual([]);
    expect(report.reads).toBe(quiet.length);
    expect(publicEventHubs.get(s.server)!.delivered.get(publicChannel('quiet-talks'))).toBeUndefined();
  });

  it('skips what cannot change a public view without reading: the status event of a write that also posted its update, a stale flag, a ping', async () => {
    // Prepare
    const { transport, published } = recorder();
    const base = { id: '01J0000000000000000000000X', time: '2025-06-01T00:00:00Z', scenario: SEED_SCENARIO };
    const reads = { count: 0 };
    const publicViews = {
      snapshot: async (...args: Parameters<typeof s.ctx.publicViews.snapshot>) => {
        reads.count++;
        return s.ctx.publicViews.snapshot(...args);
      },
    };
    // Act
    const report = await publishPublicChanges({ publicViews, transport }, [
      {
        ...base,
        type: 'ThreadStatusChanged',
        threadId: 'sanctions',
        status: 'blocked',
        previousStatus: 'proposed',
      },
      { ...base, type: 'ThreadStale', threadId: 'sanctions', staleSince: base.time },
      { ...base, type: 'Ping' },
      { ...base, type: 'ThreadChanged', threadId: 'sanctions', changes: ['tags'], version: 9 },
    ]);
    // Assess
    expect(reads.count).toBe(0);
    expect(report.reads).toBe(0);
    expect(published).toEqual([]);
  });

  it('tells a public scenario’s readers to read it again when its title changes, and when it stops being public', async () => {
    // Prepare
    const c = await subscribed(publicChannel(SEED_SCENARIO));
    const isRefetch = (m: Record<string, unknown>) =>
      m.type === 'data' && (JSON.parse(m.event as string) as PublicMessage).type === 'refetch';
    // Act
    const retitled = await s.call('PATCH', `/scenarios/${SEED_SCENARIO}`, {
      body: { title: 'Talks, renamed' },
    });
    const first = await c.next(isRefetch);
    const hidden = await s.call('PATCH', `/scenarios/${SEED_SCENARIO}`, { body: { public: false } });
    const second = await c.next(isRefetch);
    // Assess
    expect([retitled.status, hidden.status]).toEqual([200, 200]);
    for (const frame of [first, second])
      expect(JSON.parse(frame.event as string)).toEqual({ type: 'refetch', scenario: SEED_SCENARIO });
  });
});
