import type { AppContext } from '../shared/app/context';
import {
  PER_SUBSCRIPTION_IN_FLIGHT,
  attemptDelivery,
  claimDue,
  type AttemptsAtOnce,
} from '../shared/app/deliveries';
import { logger } from '../shared/observability';
import type { HeldDelivery } from '../shared/store/delivery-store';
import type { SubscriptionRecord } from '../shared/store/subscription-store';

/** Set as the context's `deliveryLoop` (with `wakeDeliveries = wake`), fan-out hands it what it has room for. */
export interface DeliveryLoop extends AttemptsAtOnce {
  /** Look for due deliveries now (a fan-out made some). */
  wake(): void;
  /** Stop claiming; attempts already running finish. */
  stop(): void;
  /** Resolves when no attempt is running (for tests and a clean shutdown). */
  idle(): Promise<void>;
}

export interface DeliveryLoopOptions {
  /** How often due deliveries are looked for, in ms (retries come due on this beat). */
  intervalMs?: number;
}

/**
 * The local server's webhook worker. Fan-out hands it the deliveries it has room for, created
 * already claimed (HeldAttempt), and it attempts them at once; every beat (and whenever it is woken)
 * it claims what else is due — retries, and what it had no room for — reads the subscription list
 * once for them (the process's cached list), and starts each attempt on its own. Neither waits for
 * attempts, so a subscriber that never answers holds only its own deliveries (at most
 * PER_SUBSCRIPTION_IN_FLIGHT at once, held or claimed), never another subscriber's nor the next
 * beat. Everything it works from is in the table: after a crash, the next server finds every
 * pending delivery (due again once its lease ran out), and its outbox relay
 * (local/outbox-stream.ts) the events a crash kept from their fan-out.
 */
export function startDeliveryLoop(ctx: AppContext, options: DeliveryLoopOptions = {}): DeliveryLoop {
  const intervalMs = options.intervalMs ?? 1000;
  const inFlight = new Map<string, number>();
  const running = new Set<Promise<unknown>>();
  let claiming = false;
  let again = false;
  let stopped = false;

  const track = (subscriptionId: string, delta: number) => {
    const n = (inFlight.get(subscriptionId) ?? 0) + delta;
    if (n <= 0) inFlight.delete(subscriptionId);
    else inFlight.set(subscriptionId, n);
  };

  /**
   * Start one attempt whose room is taken already; give the room back as soon as the subscriber is
   * done with it (`answered`: it answered, failed or timed out), not when its outcome is recorded —
   * the room bounds what one subscriber is sent at once; recording is our table's work, and holding
   * the room through it made a fast subscriber wait for our writes (bench/webhooks.ts: half the live
   * deliveries then went to the due index instead of straight out).
   */
  const start = (held: HeldDelivery, subscription: SubscriptionRecord | undefined) => {
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      // A subscription at its cap may have more due than the last claim could take (or the
      // fan-out could hand over): claim again now rather than at the next beat, so a busy
      // subscriber is fed as fast as it answers (bench/webhooks.ts, same machine, one after the
      // other: p99 20.2 s → 6.3 s, median 7.6 → 5.4 s).
      const wasFull = (inFlight.get(held.subscriptionId) ?? 0) >= PER_SUBSCRIPTION_IN_FLIGHT;
      track(held.subscriptionId, -1);
      if (wasFull) void beat();
    };
    const attempt = attemptDelivery(ctx, held, Date.now(), subscription, free)
      .catch((error) =>
        logger.warn('delivery attempt failed; retried when its lease ends', {
          eventId: held.eventId,
          subscriptionId: held.subscriptionId,
          error: String(error),
        }),
      )
      .finally(() => {
        free();
        running.delete(attempt);
      });
    running.add(attempt);
  };

  const beat = async (): Promise<void> => {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      const now = Date.now();
      const claimed = await claimDue(ctx, now, PER_SUBSCRIPTION_IN_FLIGHT, (id) => inFlight.get(id) ?? 0);
      for (const held of claimed) track(held.subscriptionId, 1);
      if (claimed.length > 0) {
        // One read of the list for the whole beat (none while the process's cached list is fresh).
        let subscriptions: SubscriptionRecord[];
        try {
          subscriptions = await ctx.subscriptions.listCached(now);
        } catch (error) {
          for (const held of claimed) track(held.subscriptionId, -1);
          throw error;
        }
        const known = new Map(subscriptions.map((s) => [s.id, s]));
        for (const held of claimed) start(held, known.get(held.subscriptionId));
      }
    } catch (error) {
      logger.warn('delivery run failed; the next beat tries again', { error: String(error) });
    } finally {
      claiming = false;
    }
    if (again) {
      again = false;
      await beat();
    }
  };

  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  void beat();
  return {
    wake: () => void beat(),
    reserve: (subscriptionId) => {
      if (stopped || (inFlight.get(subscriptionId) ?? 0) >= PER_SUBSCRIPTION_IN_FLIGHT) return false;
      track(subscriptionId, 1);
      return true;
    },
    release: (subscriptionId) => track(subscriptionId, -1),
    attempt: (held) => {
      for (const { delivery, subscription } of held) start(delivery, subscription);
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    idle: async () => {
      while (running.size > 0 || claiming)
        await Promise.race([...running, new Promise((r) => setTimeout(r, 10))]);
    },
  };
}
