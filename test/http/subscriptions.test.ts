import { Webhook } from 'standardwebhooks';
import { startReceiver, type Receiver } from '../support/receiver';
import { claimDue, runDeliveries } from '../../shared/app/deliveries';
import { DELIVERY_LEASE_MS } from '../../shared/store/delivery-store';
import { WEBHOOK_TIMEOUT_MS } from '../../shared/domain/limits';
import { relayed } from '../support/context';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Webhook subscriptions over HTTP, with real receivers on 127.0.0.1. The test server runs no
 * delivery loop: each test drives `runDeliveries(now)` with explicit times.
 */
let server: TestServer;
const receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};

beforeEach(async () => {
  server = await startTestServer({
    seed: false,
    config: { allowPrivateWebhooks: true, webhookRetrySchedule: [10, 60] },
  });
});
afterEach(async () => {
  await server.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const admin = { role: 'admin' as const };
const subscribe = async (body: Record<string, unknown>) => {
  const res = await server.call('POST', '/subscriptions', { ...admin, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
};
/** A write, then its events relayed from the table's stream (so its deliveries exist when it returns). */
const relayedAfter = async <T>(write: Promise<T>): Promise<T> => {
  const answer = await write;
  await relayed(server.ctx);
  return answer;
};
const thread = (id: string, scenario = 'talks', status = 'proposed') =>
  relayedAfter(
    server.call('POST', '/threads', {
      body: { id, scenario, kind: 'ceasefire', title: `Thread ${id}`, status, summary: 'First.' },
    }),
  );
const post = (id: string, status: string | null) =>
  relayedAfter(server.call('POST', `/threads/${id}/updates`, { body: { status, summary: 'Next.' } }));
const types = (r: Receiver) => r.received.map((x) => JSON.parse(x.body).type as string);

describe('subscriptions', () => {
  it('are created with a secret shown only once, listed and read without it, patched, and deleted', async () => {
    // Prepare
    const hook = await receiver();
    // Act
    const created = await server.call('POST', '/subscriptions', {
      ...admin,
      body: { url: hook.url, description: 'Desk' },
    });
    const list = await server.call('GET', '/subscriptions', admin);
    const one = await server.call('GET', `/subscriptions/${created.body.id}`, admin);
    const paused = await server.call('PATCH', `/subscriptions/${created.body.id}`, {
      ...admin,
      body: { status: 'paused', events: ['UpdatePosted', 'ThreadCreated', 'UpdatePosted'] },
    });
    const deleted = await server.call('DELETE', `/subscriptions/${created.body.id}`, admin);
    const gone = await server.call('GET', `/subscriptions/${created.body.id}`, admin);
    // Assess
    expect(created.headers.get('location')).toBe(`/subscriptions/${created.body.id}`);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^sub_[0-9A-Z]{26}$/),
      url: hook.url,
      events: [
        'ThreadCreated',
        'ThreadStatusChanged',
        'UpdatePosted',
        'UpdateAmended',
        'UpdateRetracted',
        'ThreadStale',
        'ThreadOverdue',
        'ThreadChanged',
        'Ping',
      ],
      scenario: null,
      threadId: null,
      description: 'Desk',
      status: 'active',
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(Buffer.from(created.body.secret.slice(6), 'base64')).toHaveLength(32);
    const { secret: _secret, ...shown } = created.body;
    expect(list.body).toEqual({ items: [shown] });
    expect(one.body).toEqual({ ...shown, deliveries: [] });
    expect(JSON.stringify([list.body, one.body, paused.body])).not.toContain(created.body.secret);
    expect(paused.body).toEqual({ ...shown, status: 'paused', events: ['ThreadCreated', 'UpdatePosted'] });
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
  });

  it('are admin only, refuse other schemes with 422 and a bad body with 400, and ignore Idempotency-Key', async () => {
    // Act
    const asEditor = await server.call('POST', '/subscriptions', {
      body: { url: 'https://example.org/hook' },
    });
    const ftp = await server.call('POST', '/subscriptions', {
      ...admin,
      body: { url: 'ftp://example.org/hook' },
    });
    const notUrl = await server.call('POST', '/subscriptions', { ...admin, body: { url: 'hook' } });
    const badType = await server.call('POST', '/subscriptions', {
      ...admin,
      body: { url: 'https://example.org/hook', events: ['Nope'] },
    });
    const badStatus = await server.call('PATCH', '/subscriptions/sub_01JZ0000000000000000000000', {
      ...admin,
      body: { status: 'disabled' },
    });
    const keyed = {
      ...admin,
      body: { url: 'http://127.0.0.1:9/hook' },
      headers: { 'Idempotency-Key': 'same' },
    };
    const first = await server.call('POST', '/subscriptions', keyed);
    const second = await server.call('POST', '/subscriptions', keyed);
    // Assess
    expect(asEditor.status).toBe(403);
    expect([ftp.status, ftp.body.code, notUrl.status, notUrl.body.code]).toEqual([
      422,
      'invalid_subscription_url',
      422,
      'invalid_subscription_url',
    ]);
    expect(ftp.body.errors).toEqual([{ path: 'url', message: expect.any(String) }]);
    expect([badType.status, badType.body.errors[0].path]).toEqual([400, 'events[0]']);
    expect(badStatus.status).toBe(400);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.secret).not.toBe(first.body.secret);
  });

  it('deliver each matching event signed per Standard Webhooks, verified by the reference library', async () => {
    // Prepare
    const hook = await receiver();
    const sub = await subscribe({ url: hook.url });
    // Act
    await thread('t1');
    await post('t1', 'agreed');
    const reports = await runDeliveries(server.ctx, Date.now());
    // Assess
    expect(reports.every((r) => r.delivered)).toBe(true);
    expect(types(hook).sort()).toEqual(['ThreadCreated', 'ThreadStatusChanged', 'UpdatePosted']);
    const verifier = new Webhook(sub.secret);
    for (const r of hook.received) {
      const event = verifier.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      });
      expect(event).toEqual(
        expect.objectContaining({ id: r.headers['webhook-id'], threadId: 't1', scenario: 'talks' }),
      );
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(() =>
      verifier.verify(`${hook.received[0]!.body} `, hook.received[0]!.headers as Record<string, string>),
    ).toThrow();
    // Delivered once: nothing is due any more.
    expect(await runDeliveries(server.ctx, Date.now() + 3_600_000)).toEqual([]);
  });

  it('filter by event type, scenario and thread', async () => {
    // Prepare
    const [byType, byScenario, byThread] = [await receiver(), await receiver(), await receiver()];
    await subscribe({ url: byType.url, events: ['ThreadStatusChanged'] });
    await subscribe({ url: byScenario.url, scenario: 'other' });
    await subscribe({ url: byThread.url, threadId: 't2' });
    // Act
    await thread('t1');
    await thread('t2');
    await thread('t3', 'other');
    await post('t1', 'agreed');
    await post('t2', null);
    await runDeliveries(server.ctx, Date.now());
    // Assess
    expect(byType.received.map((r) => JSON.parse(r.body)).map((e) => `${e.type}:${e.threadId}`)).toEqual([
      'ThreadStatusChanged:t1',
    ]);
    expect(byScenario.received.map((r) => JSON.parse(r.body)).map((e) => `${e.type}:${e.threadId}`)).toEqual([
      'ThreadCreated:t3',
    ]);
    expect(
      byThread.received
        .map((r) => JSON.parse(r.body))
        .map((e) => `${e.type}:${e.threadId}:${e.status}`)
        .sort(),
    ).toEqual(['ThreadCreated:t2:proposed', 'UpdatePosted:t2:null']);
  });

  it('retry a 500 after each delay of the schedule with the same webhook-id, then record it failed', async () => {
    // Prepare: the schedule is 10 s, 60 s: three attempts in all
    const hook = await receiver(500);
    const sub = await subscribe({ url: hook.url, events: ['ThreadCreated'] });
    await thread('t1');
    const t0 = Date.now();
    // Act
    const first = await runDeliveries(server.ctx, t0);
    const early = await runDeliveries(server.ctx, t0 + 9_999);
    const second = await runDeliveries(server.ctx, t0 + 10_000);
    const third = await runDeliveries(server.ctx, t0 + 70_000);
    const after = await runDeliveries(server.ctx, t0 + 10 * 86_400_000);
    // Assess
    expect(first.map((r) => [r.attempt, r.responseStatus, r.next])).toEqual([
      [1, 500, new Date(t0 + 10_000).toISOString()],
    ]);
    expect(early).toEqual([]);
    expect(second.map((r) => [r.attempt, r.next])).toEqual([[2, new Date(t0 + 70_000).toISOString()]]);
    expect(third.map((r) => [r.attempt, r.next])).toEqual([[3, 'failed']]);
    expect(after).toEqual([]);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(hook.received.map((r) => Number(r.headers['webhook-timestamp']))).toEqual(
      [t0, t0 + 10_000, t0 + 70_000].map((t) => Math.floor(t / 1000)),
    );
    const log = (await server.call('GET', `/subscriptions/${sub.id}`, admin)).body.deliveries;
    expect(
      log.map((d: { attempt: number; responseStatus: number; delivered: boolean; error: string }) => [
        d.attempt,
        d.responseStatus,
        d.delivered,
        d.error,
      ]),
    ).toEqual([
      [3, 500, false, 'answered 500'],
      [2, 500, false, 'answered 500'],
      [1, 500, false, 'answered 500'],
    ]);
  });

  it('attempt a delivery again when the attempt that claimed it never settled (a crash), once its lease has run out and not before', async () => {
    // Prepare: a delivery claimed as an attempt starts, then nothing more (the process died)
    const hook = await receiver(204);
    await subscribe({ url: hook.url, events: ['ThreadCreated'] });
    await thread('t1');
    const t0 = Date.now();
    const [held] = await claimDue(server.ctx, t0);
    // Act
    const underLease = await runDeliveries(server.ctx, t0 + DELIVERY_LEASE_MS - 1);
    const afterLease = await runDeliveries(server.ctx, t0 + DELIVERY_LEASE_MS);
    // Assess: the same event, its first recorded attempt, delivered once
    expect(held?.eventId).toBeDefined();
    expect(underLease).toEqual([]);
    expect(afterLease.map((r) => [r.eventId, r.attempt, r.next])).toEqual([[held!.eventId, 1, 'delivered']]);
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([held!.eventId]);
  });

  it('retry a refused connection and a subscriber that does not answer in time, and deliver once it answers', async () => {
    // Prepare: one receiver that hangs, one address nobody listens on
    server.ctx.webhookTimeoutMs = 300;
    const slow = await receiver('hang');
    const closed = await receiver();
    const closedUrl = closed.url;
    await closed.close();
    await subscribe({ url: slow.url, events: ['ThreadCreated'] });
    await subscribe({ url: closedUrl, events: ['ThreadCreated'] });
    await thread('t1');
    const t0 = Date.now();
    // Act
    const first = await runDeliveries(server.ctx, t0);
    slow.answer = 200;
    // The shipped patience for the attempts that must succeed (a busy machine can take 0.3 s to answer)
    server.ctx.webhookTimeoutMs = WEBHOOK_TIMEOUT_MS;
    const second = await runDeliveries(server.ctx, t0 + 10_000);
    // Assess
    expect(first.map((r) => [r.delivered, r.responseStatus, r.error?.replace(/:.*/, '')]).sort()).toEqual([
      [false, null, 'ECONNREFUSED'],
      [false, null, 'no answer within 0.3 s'],
    ]);
    expect(second.map((r) => [r.attempt, r.delivered]).sort()).toEqual([
      [2, false],
      [2, true],
    ]);
  });

  it('do not let a subscriber that never answers hold back another one', async () => {
    // Prepare
    const dead = await receiver('hang');
    const live = await receiver();
    await subscribe({ url: dead.url, events: ['ThreadCreated'] });
    await subscribe({ url: live.url, events: ['ThreadCreated'] });
    await thread('t1');
    // Act: the run is not awaited; the live receiver gets its event while the dead one still hangs
    const run = runDeliveries(server.ctx, Date.now());
    const gotLive = await live.waitFor(1);
    const deadSoFar = await dead.waitFor(1);
    // Assess
    expect(gotLive).toHaveLength(1);
    expect(deadSoFar[0]!.answered).toBeNull();
    // Let the dead one go: its connection is cut, which ends the run.
    await dead.close();
    const reports = await run;
    expect(reports.map((r) => r.delivered).sort()).toEqual([false, true]);
  });

  it('keep a delivery log of the latest 50 attempts, newest first', async () => {
    // Prepare: 30 threads, each ThreadCreated attempted twice (a 500, then a retry)
    const hook = await receiver(500);
    const sub = await subscribe({ url: hook.url, events: ['ThreadCreated'] });
    for (let i = 0; i < 30; i++) await thread(`t${i}`);
    const t0 = Date.now();
    await runDeliveries(server.ctx, t0);
    await runDeliveries(server.ctx, t0 + 10_000);
    // Act
    const log = (await server.call('GET', `/subscriptions/${sub.id}`, admin)).body.deliveries as {
      attempt: number;
      attemptedAt: string;
    }[];
    // Assess
    expect(hook.received).toHaveLength(60);
    expect(log).toHaveLength(50);
    expect(log.filter((d) => d.attempt === 2)).toHaveLength(30);
    expect(log.map((d) => d.attemptedAt)).toEqual([...log.map((d) => d.attemptedAt)].sort().reverse());
  });

  it('become disabled once every delivery has failed for 24 hours, and deliver again once patched active', async () => {
    // Prepare
    const hook = await receiver(503);
    const sub = await subscribe({ url: hook.url, events: ['ThreadCreated'] });
    await thread('t1');
    const t0 = Date.now();
    await runDeliveries(server.ctx, t0);
    await thread('t2');
    // Act: still failing 23 h later: active; 24 h later: disabled
    await runDeliveries(server.ctx, t0 + 23 * 3_600_000);
    const at23h = (await server.call('GET', `/subscriptions/${sub.id}`, admin)).body.status;
    await thread('t3');
    await runDeliveries(server.ctx, t0 + 24 * 3_600_000);
    const at24h = (await server.call('GET', `/subscriptions/${sub.id}`, admin)).body.status;
    await thread('t4');
    const whileDisabled = await runDeliveries(server.ctx, t0 + 25 * 3_600_000);
    hook.answer = 200;
    const patched = await server.call('PATCH', `/subscriptions/${sub.id}`, {
      ...admin,
      body: { status: 'active' },
    });
    await thread('t5');
    const afterwards = await runDeliveries(server.ctx, Date.now() + 26 * 3_600_000);
    // Assess
    expect([at23h, at24h, patched.body.status]).toEqual(['active', 'disabled', 'active']);
    expect(whileDisabled).toEqual([]);
    expect(
      afterwards.map((r) => [
        JSON.parse(hook.received.find((x) => x.headers['webhook-id'] === r.eventId)!.body).threadId,
        r.delivered,
      ]),
    ).toEqual([['t5', true]]);
  });

  it('ping only the subscription pinged, even when paused, with its scenario', async () => {
    // Prepare
    const [pinged, other] = [await receiver(), await receiver()];
    const sub = await subscribe({ url: pinged.url, events: ['ThreadCreated'], scenario: 'talks' });
    await subscribe({ url: other.url });
    await server.call('PATCH', `/subscriptions/${sub.id}`, { ...admin, body: { status: 'paused' } });
    // Act
    const res = await server.call('POST', `/subscriptions/${sub.id}/ping`, admin);
    await runDeliveries(server.ctx, Date.now());
    const missing = await server.call('POST', '/subscriptions/sub_01JZ0000000000000000000000/ping', admin);
    // Assess
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.any(String),
      type: 'Ping',
      time: expect.any(String),
      scenario: 'talks',
    });
    expect(pinged.received.map((r) => JSON.parse(r.body))).toEqual([res.body]);
    expect(other.received).toEqual([]);
    expect(missing.status).toBe(404);
  });

  it('send nothing fanned out to a subscription before it was paused or deleted, once the PATCH or DELETE has answered', async () => {
    // Prepare: each change comes between a fan-out to that subscription (the process's list read)
    // and the run that attempts it
    const [paused, deleted] = [await receiver(), await receiver()];
    const a = await subscribe({ url: paused.url, events: ['ThreadCreated'] });
    const b = await subscribe({ url: deleted.url, events: ['ThreadStatusChanged'] });
    // Act
    await thread('t1');
    await server.call('PATCH', `/subscriptions/${a.id}`, { ...admin, body: { status: 'paused' } });
    const afterPause = await runDeliveries(server.ctx, Date.now());
    await post('t1', 'agreed');
    await server.call('DELETE', `/subscriptions/${b.id}`, admin);
    const afterDelete = await runDeliveries(server.ctx, Date.now());
    const later = await runDeliveries(server.ctx, Date.now() + 3_600_000);
    // Assess: nothing sent, and nothing left due (both dropped)
    expect([afterPause, afterDelete, later]).toEqual([[], [], []]);
    expect([paused.received, deleted.received]).toEqual([[], []]);
  });

  it('send nothing to a paused subscription but a ping', async () => {
    // Prepare
    const hook = await receiver();
    const sub = await subscribe({ url: hook.url });
    await server.call('PATCH', `/subscriptions/${sub.id}`, { ...admin, body: { status: 'paused' } });
    // Act
    await thread('t1');
    const reports = await runDeliveries(server.ctx, Date.now());
    // Assess
    expect(reports).toEqual([]);
    expect(hook.received).toEqual([]);
  });
});
