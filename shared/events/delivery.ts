import type { TrackerEvent } from '../domain/event';
import { count, logger } from '../observability';
import type { Publisher } from './publisher';

/**
 * The outbox as delivery needs it: events committed with their change, leased while one deliverer
 * publishes them. The port delivery is written against; shared/store/outbox-store.ts implements it.
 */
export interface Outbox {
  /** Events waiting, with the lease each holds (epoch ms; past means free). */
  pending(): Promise<{ event: TrackerEvent; leaseUntil: number }[]>;
  /** Take the lease on an event; false when another deliverer holds it or it is gone. */
  claim(event: TrackerEvent, now: number): Promise<boolean>;
  remove(event: TrackerEvent): Promise<void>;
  /** Give the lease back, so the next drain may deliver the event. */
  release(event: TrackerEvent): Promise<void>;
}

/** What delivering needs: where events leave, and the outbox they wait in. */
export interface Delivery {
  publisher: Publisher;
  outbox: Outbox;
}

/**
 * Publish events a write has just committed to the outbox, then clear them. A failure is logged and
 * the events stay in the outbox; the next drain (every stale check runs one) delivers them.
 */
export async function deliver(ctx: Delivery, events: readonly TrackerEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await ctx.publisher.publish(events);
    await Promise.all(events.map((e) => ctx.outbox.remove(e)));
  } catch (error) {
    count('NotificationDeliveryFailures');
    logger.warn('notification delivery failed; kept in the outbox for the next run', {
      error: String(error),
      eventIds: events.map((e) => e.id),
    });
    // If even this fails, the lease simply runs out and a later drain retries.
    await Promise.all(events.map((e) => ctx.outbox.release(e))).catch(() => undefined);
  }
}

/** Deliver whatever earlier deliveries left behind; returns the ids delivered. */
export async function drainOutbox(ctx: Delivery, now = Date.now()): Promise<string[]> {
  const delivered: string[] = [];
  for (const { event, leaseUntil } of await ctx.outbox.pending()) {
    if (leaseUntil >= now || !(await ctx.outbox.claim(event, now))) continue;
    try {
      await ctx.publisher.publish([event]);
      await ctx.outbox.remove(event);
      delivered.push(event.id);
    } catch (error) {
      logger.warn('notification redelivery failed; will retry on the next run', {
        error: String(error),
        eventId: event.id,
      });
      await ctx.outbox.release(event).catch(() => undefined);
    }
  }
  return delivered;
}
