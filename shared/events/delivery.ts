import type { TrackerEvent } from './event';
import type { AppContext } from '../app/context';
import { count, logger } from '../observability';

/**
 * Publish events a write has just committed to the outbox, then clear them. A failure is logged and
 * the events stay in the outbox; the next drain (every stale check runs one) delivers them.
 */
export async function deliver(
  ctx: Pick<AppContext, 'publisher' | 'outbox'>,
  events: readonly TrackerEvent[],
): Promise<void> {
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
export async function drainOutbox(
  ctx: Pick<AppContext, 'publisher' | 'outbox'>,
  now = Date.now(),
): Promise<string[]> {
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
