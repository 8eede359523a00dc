import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDeliveryLoop } from '../../local/delivery-loop';
import { PER_SUBSCRIPTION_IN_FLIGHT, SubscriptionFanOut } from '../../shared/app/deliveries';
import { createSubscription } from '../../shared/app/subscriptions';
import { statusChanged } from '../../shared/domain/event';
import { freshContext } from '../support/context';

/** A subscriber that holds every answer until told to give them (then answers at once). */
async function heldSubscriber() {
  const ids: string[] = [];
  const waiting: ServerResponse[] = [];
  const arrivals: (() => void)[] = [];
  let answering = false;
  const server = createServer((req, res) => {
    ids.push(String(req.headers['webhook-id']));
    req.resume();
    req.on('end', () => {
      if (answering) res.writeHead(204).end();
      else waiting.push(res);
      arrivals.splice(0).forEach((a) => a());
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise<void>((a) => arrivals.push(a));
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    ids,
    waiting,
    until,
    answer: () => {
      answering = true;
      for (const res of waiting.splice(0)) res.writeHead(204).end();
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** npm start's delivery loop (local/delivery-loop.ts) as the relay's fan-out feeds it. */
describe('the local delivery loop', () => {
  it('takes from fan-out at most 4 attempts to one subscriber, and claims the rest from the due index as those end', async () => {
    // Prepare
    const ctx = await freshContext({ allowPrivateWebhooks: true });
    const hook = await heldSubscriber();
    await createSubscription(ctx, { url: hook.url });
    const loop = startDeliveryLoop(ctx, { intervalMs: 3_600_000 });
    ctx.wakeDeliveries = loop.wake;
    ctx.deliveryLoop = loop;
    await loop.idle();
    const events = Array.from({ length: PER_SUBSCRIPTION_IN_FLIGHT + 1 }, (_, i) =>
      statusChanged({ id: `t${i}`, scenario: 's', status: 'agreed' }, 'proposed', new Date().toISOString()),
    );
    try {
      // Act: fanned out while the subscriber holds its answers, then it answers
      await new SubscriptionFanOut(() => ctx).publish(events);
      await hook.until(() => hook.waiting.length === PER_SUBSCRIPTION_IN_FLIGHT);
      const dueWhileHeld = await ctx.deliveries.due(Date.now());
      hook.answer();
      await hook.until(() => hook.ids.length === events.length);
      await loop.idle();
      // Assess: 4 attempted as fanned out, one left due, sent once the others ended; all settled
      expect(dueWhileHeld).toHaveLength(1);
      expect([...hook.ids].sort()).toEqual(events.map((e) => e.id).sort());
      expect(await ctx.deliveries.due(Date.now() + 3_600_000)).toEqual([]);
    } finally {
      loop.stop();
      hook.answer();
      await loop.idle();
      await hook.close();
    }
  });

  it('gives a subscriber its room back once it has answered, before the outcome is written (a fast subscriber does not wait for our table)', async () => {
    // Prepare: a subscriber that answers at once; recording an outcome waits at a gate
    const ctx = await freshContext({ allowPrivateWebhooks: true });
    const hook = await heldSubscriber();
    hook.answer();
    const { id: subscriptionId } = await createSubscription(ctx, { url: hook.url });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const recording: string[] = [];
    const record = ctx.deliveries.record.bind(ctx.deliveries);
    ctx.deliveries.record = async (...args: Parameters<typeof record>) => {
      recording.push(args[0].eventId);
      await gate;
      return record(...args);
    };
    const loop = startDeliveryLoop(ctx, { intervalMs: 3_600_000 });
    ctx.wakeDeliveries = loop.wake;
    ctx.deliveryLoop = loop;
    await loop.idle();
    const events = Array.from({ length: PER_SUBSCRIPTION_IN_FLIGHT }, (_, i) =>
      statusChanged({ id: `t${i}`, scenario: 's', status: 'agreed' }, 'proposed', new Date().toISOString()),
    );
    try {
      // Act: the cap's worth fanned out; every attempt answered and now recording
      await new SubscriptionFanOut(() => ctx).publish(events);
      await hook.until(() => hook.ids.length === events.length);
      while (recording.length < events.length) await new Promise((r) => setTimeout(r, 10));
      const room = events.map(() => loop.reserve(subscriptionId));
      // Assess: the whole room is free again while no outcome is written yet
      expect(room).toEqual(events.map(() => true));
      expect(loop.reserve(subscriptionId)).toBe(false);
    } finally {
      for (let i = 0; i < events.length; i++) loop.release(subscriptionId);
      open();
      loop.stop();
      await loop.idle();
      await hook.close();
    }
  });
});
