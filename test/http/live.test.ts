import { liveHubs } from '../../local/server';
import { logger } from '../../shared/observability';
import { liveUrl, openLive, refusedHandshake, type LiveClient } from '../support/live-client';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The live WebSocket of the local server (contract 1.1 "Live updates"), driven by a real ws client:
 * the handshake, the protocol's messages, and events written over HTTP arriving on the socket. How
 * fast they arrive is measured in `npm run bench`; here each event is awaited.
 */

jest.setTimeout(30_000);

let s: TestServer;
const open: LiveClient[] = [];
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await s.close();
});

const connect = async (token = s.tokens.reader) => {
  const client = await openLive(s.url, token);
  open.push(client);
  return client;
};

/** Every fan-out started has finished, and whatever it sent has reached the client. */
const quiet = async (client: LiveClient) => {
  await liveHubs.get(s.server)!.settled();
  await client.roundTrip();
};

const update = (summary: string, status: string | null = 'in_progress') => ({
  status,
  summary,
  occurredAt: '2025-06-01T12:00:00Z',
});

const newThread = async (id: string, scenario: string) => {
  const r = await s.call('POST', '/threads', {
    body: { id, scenario, kind: 'other', title: id, status: 'proposed', summary: 'Start.' },
  });
  expect(r.status).toBe(201);
};

describe('the handshake', () => {
  it('refuses a connection without a token with 401 and problem details', async () => {
    // Act
    const r = await refusedHandshake(liveUrl(s.url));

    // Assess
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(r.body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('refuses an unknown token with 401', async () => {
    // Act
    const r = await refusedHandshake(liveUrl(s.url, 'st_not-a-token'));

    // Assess
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthorized');
  });

  it('answers 404 for a WebSocket upgrade anywhere but /live', async () => {
    // Act
    const r = await refusedHandshake(`${s.url.replace('http', 'ws')}/threads?token=${s.tokens.reader}`);

    // Assess
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
  });

  it('takes a reader token (every role includes reader)', async () => {
    // Act
    const client = await connect(s.tokens.reader);
    client.send({ action: 'subscribe', scenario: 'russia-ukraine-talks' });

    // Assess
    expect(await client.next((f) => f.type === 'Subscribed')).toEqual({
      type: 'Subscribed',
      scenario: 'russia-ukraine-talks',
    });
  });

  it('never logs the token, refused or accepted', async () => {
    // Prepare
    const captured: string[] = [];
    const previous = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    const capture = (chunk: unknown) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      // Act
      await refusedHandshake(liveUrl(s.url, 'st_refused-secret-value'));
      const client = await connect(s.tokens.editor);
      client.send({ action: 'subscribe', threadId: 'sanctions' });
      await client.next((f) => f.type === 'Subscribed');
      await s.call('POST', '/threads/sanctions/updates', { body: update('Logged?', 'negotiating') });
      await client.next((f) => f.type === 'UpdatePosted');
      await client.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
      logger.setLogLevel(previous as Parameters<typeof logger.setLogLevel>[0]);
    }

    // Assess
    expect(captured.join('')).not.toContain('st_refused-secret-value');
    expect(captured.join('')).not.toContain(s.tokens.editor);
  });
});

describe('subscriptions and events', () => {
  it('sends a scenario subscriber the envelopes of a write to one of its threads', async () => {
    // Prepare
    const client = await connect();
    client.send({ action: 'subscribe', scenario: 'russia-ukraine-talks' });
    await client.next((f) => f.type === 'Subscribed');

    // Act
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', { body: update('Second stage.') });

    // Assess
    expect(r.status).toBe(201);
    const posted = await client.next((f) => f.type === 'UpdatePosted' && f.updateId === r.body.update.id);
    expect(posted).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      type: 'UpdatePosted',
      time: expect.any(String),
      scenario: 'russia-ukraine-talks',
      threadId: 'prisoner-exchange',
      updateId: r.body.update.id,
      status: 'in_progress',
    });
    const changed = await client.next(
      (f) => f.type === 'ThreadStatusChanged' && f.threadId === 'prisoner-exchange',
    );
    expect(changed).toMatchObject({ status: 'in_progress', previousStatus: 'agreed' });
  });

  it('sends a thread subscriber a retraction of one of its updates', async () => {
    // Prepare
    const client = await connect();
    client.send({ action: 'subscribe', threadId: 'ceasefire' });
    await client.next((f) => f.type === 'Subscribed');
    const posted = await s.call('POST', '/threads/ceasefire/updates', {
      body: update('Talks resume.', null),
    });

    // Act
    const r = await s.call('POST', `/threads/ceasefire/updates/${posted.body.update.id}/retraction`, {
      body: { reason: 'Misreported.' },
    });

    // Assess
    expect(r.status).toBe(200);
    expect(
      await client.next((f) => f.type === 'UpdateRetracted' && f.updateId === posted.body.update.id),
    ).toMatchObject({ scenario: 'russia-ukraine-talks', threadId: 'ceasefire', status: null });
  });

  it('delivers nothing of another scenario or another thread', async () => {
    // Prepare
    await newThread('elsewhere', 'another-scenario');
    const byScenario = await connect();
    byScenario.send({ action: 'subscribe', scenario: 'russia-ukraine-talks' });
    const byThread = await connect();
    byThread.send({ action: 'subscribe', threadId: 'trump-putin-meeting' });
    await byScenario.next((f) => f.type === 'Subscribed');
    await byThread.next((f) => f.type === 'Subscribed');

    // Act
    const other = await s.call('POST', '/threads/elsewhere/updates', { body: update('Elsewhere.', null) });
    const sibling = await s.call('POST', '/threads/sanctions/updates', { body: update('Sibling.', null) });
    await byScenario.next((f) => f.updateId === sibling.body.update.id);
    await quiet(byScenario);
    await quiet(byThread);

    // Assess
    expect(other.status).toBe(201);
    const events = (c: LiveClient) => c.frames.filter((f) => f.id);
    expect(events(byScenario).filter((e) => e.scenario !== 'russia-ukraine-talks')).toEqual([]);
    expect(events(byThread)).toEqual([]);
  });

  it('sends an event once to a connection subscribed to both its scenario and its thread', async () => {
    // Prepare
    const client = await connect();
    client.send({ action: 'subscribe', scenario: 'russia-ukraine-talks' });
    client.send({ action: 'subscribe', threadId: 'prisoner-exchange' });
    await client.next((f) => f.type === 'Subscribed' && f.threadId === 'prisoner-exchange');

    // Act
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', { body: update('Once.', null) });
    await client.next((f) => f.updateId === r.body.update.id);
    await quiet(client);

    // Assess
    expect(client.frames.filter((f) => f.updateId === r.body.update.id)).toHaveLength(1);
  });

  it('stops sending a target after unsubscribe, and answers Unsubscribed', async () => {
    // Prepare
    const client = await connect();
    client.send({ action: 'subscribe', threadId: 'sanctions' });
    await client.next((f) => f.type === 'Subscribed');

    // Act
    client.send({ action: 'unsubscribe', threadId: 'sanctions' });
    const answer = await client.next((f) => f.type === 'Unsubscribed');
    const r = await s.call('POST', '/threads/sanctions/updates', { body: update('Unheard.', null) });
    await quiet(client);

    // Assess
    expect(answer).toEqual({ type: 'Unsubscribed', threadId: 'sanctions' });
    expect(r.status).toBe(201);
    expect(client.frames.filter((f) => f.id)).toEqual([]);
  });
});

describe('bad messages', () => {
  const cases: [string, string, string][] = [
    ['text that is not JSON', 'subscribe me', '(message)'],
    ['a JSON array', '[1]', '(message)'],
    ['an unknown action', JSON.stringify({ action: 'follow', scenario: 'x' }), 'action'],
    ['both targets', JSON.stringify({ action: 'subscribe', scenario: 'a', threadId: 'b' }), '(message)'],
    ['no target', JSON.stringify({ action: 'subscribe' }), '(message)'],
    [
      'a target that is not a slug',
      JSON.stringify({ action: 'subscribe', scenario: 'Not A Slug' }),
      'scenario',
    ],
    ['an unknown field', JSON.stringify({ action: 'ping', extra: 1 }), 'extra'],
  ];
  it.each(cases)(
    'answers %s with a validation_error frame and keeps the connection',
    async (_, raw, path) => {
      // Prepare
      const client = await connect();

      // Act
      client.send(raw);
      const error = await client.next((f) => f.type === 'Error');

      // Assess
      expect(error).toMatchObject({
        type: 'Error',
        code: 'validation_error',
        title: expect.any(String),
        detail: expect.any(String),
        errors: [expect.objectContaining({ path })],
      });
      await client.roundTrip();
      await client.close();
    },
  );

  it('answers a binary message with an error frame', async () => {
    // Prepare
    const client = await connect();

    // Act
    client.ws.send(Buffer.from(JSON.stringify({ action: 'ping' })), { binary: true });

    // Assess
    expect(await client.next((f) => f.type === 'Error')).toMatchObject({
      code: 'validation_error',
      errors: [{ path: '(message)', message: expect.stringContaining('text message') }],
    });
    await client.close();
  });

  it('refuses a subscription beyond the limit with too_many_subscriptions, then closes the connection with 4429', async () => {
    // Prepare
    const client = await connect();
    for (let i = 0; i < 20; i++) client.send({ action: 'subscribe', threadId: `thread-${i}` });
    await client.next((f) => f.type === 'Subscribed' && f.threadId === 'thread-19');

    // Act
    client.send({ action: 'subscribe', threadId: 'one-too-many' });

    // Assess
    expect(await client.next((f) => f.type === 'Error')).toMatchObject({ code: 'too_many_subscriptions' });
    expect(await client.closed).toEqual({ code: 4429, reason: 'too many subscriptions' });
  });
});

describe('the connection over time', () => {
  it('closes a connection with 4401 when its token was revoked, instead of sending the next event', async () => {
    // Prepare
    const made = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'wall-screen', role: 'reader' },
    });
    const client = await connect(made.body.token);
    client.send({ action: 'subscribe', threadId: 'sanctions' });
    await client.next((f) => f.type === 'Subscribed');
    expect((await s.call('DELETE', '/tokens/wall-screen', { role: 'admin' })).status).toBe(204);

    // Act
    const r = await s.call('POST', '/threads/sanctions/updates', { body: update('After revocation.', null) });

    // Assess
    expect(r.status).toBe(201);
    expect(await client.closed).toEqual({ code: 4401, reason: 'token revoked' });
    expect(client.frames.filter((f) => f.id)).toEqual([]);
    expect(client.frames.at(-1)).toMatchObject({ type: 'Error', code: 'unauthorized' });
  });

  it('closes a connection with 4401 at the periodic check when no event comes first', async () => {
    // Prepare
    const quick = await startTestServer({ seed: false, live: { idleMs: 600_000, tokenCheckMs: 50 } });
    try {
      const made = await quick.call('POST', '/tokens', {
        role: 'admin',
        body: { name: 'idle-wall', role: 'reader' },
      });
      const client = await openLive(quick.url, made.body.token);

      // Act
      await quick.call('DELETE', '/tokens/idle-wall', { role: 'admin' });

      // Assess
      expect((await client.closed).code).toBe(4401);
    } finally {
      await quick.close();
    }
  });

  it('pings the client (keepalive)', async () => {
    // Prepare
    const quick = await startTestServer({ seed: false, live: { idleMs: 600_000, pingMs: 50 } });
    try {
      const client = await openLive(quick.url, quick.tokens.reader);

      // Act
      const pinged = await new Promise<boolean>((done) => client.ws.once('ping', () => done(true)));

      // Assess
      expect(pinged).toBe(true);
      await client.close();
    } finally {
      await quick.close();
    }
  });

  it('closes a connection idle for the configured time with 1001', async () => {
    // Prepare: pings far apart, so only idleness can end the connection
    const quick = await startTestServer({ seed: false, live: { idleMs: 300 } });
    try {
      const client = await openLive(quick.url, quick.tokens.reader);

      // Act
      const closed = await client.closed;

      // Assess
      expect(closed).toEqual({ code: 1001, reason: 'idle' });
    } finally {
      await quick.close();
    }
  });
});
