import type { AppContext } from '../shared/app/context';
import { PER_SUBSCRIPTION_IN_FLIGHT, attemptDelivery, claimDue } from '../shared/app/deliveries';
import { logger } from '../shared/observability';

export interface DeliveryLoop {
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
 * The local server's webhook worker: every beat (and whenever a fan-out wakes it) it claims what is
 * due and starts each attempt on its own. Claiming never waits for attempts, so a subscriber that
 * never answers holds only its own deliveries (at most PER_SUBSCRIPTION_IN_FLIGHT at once), never
 * another subscriber's nor the next beat. Everything it works from is in the table: after a crash,
 * the next server finds every pending delivery (due again once its lease ran out), and its outbox
 * relay (local/outbox-stream.ts) the events a crash kept from their fan-out.
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

  const beat = async (): Promise<void> => {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      const now = Date.now();
      for (const held of await claimDue(
        ctx,
        now,
        PER_SUBSCRIPTION_IN_FLIGHT,
        (id) => inFlight.get(id) ?? 0,
      )) {
        track(held.subscriptionId, 1);
        const attempt = attemptDelivery(ctx, held, Date.now())
          .catch((error) =>
            logger.warn('delivery attempt failed; retried when its lease ends', {
              eventId: held.eventId,
              subscriptionId: held.subscriptionId,
              error: String(error),
            }),
          )
          .finally(() => {
            // A subscription at its cap may have more due than the last claim could take: claim
            // again now rather than at the next beat, so a busy subscriber is fed as fast as it answers
            // (bench/webhooks.ts, same machine, one after the other: p99 20.2 s → 6.3 s, median 7.6 → 5.4 s).
            const wasFull = (inFlight.get(held.subscriptionId) ?? 0) >= PER_SUBSCRIPTION_IN_FLIGHT;
            track(held.subscriptionId, -1);
            running.delete(attempt);
            if (wasFull) void beat();
          });
        running.add(attempt);
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
