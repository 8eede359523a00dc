import type { TrackerEvent } from '../domain/event';
import type { Publisher } from '../events/publisher';
import { sendWebhook } from '../events/webhook-sender';
import { count, logger } from '../observability';
import type { Delivery, DueDelivery } from '../store/delivery-store';
import type { SubscriptionRecord } from '../store/subscription-store';
import type { AppContext } from './context';

/** What attempting deliveries takes: the stores, the address checks and the subscriber's time limit. */
export type DeliveryDeps = Pick<
  AppContext,
  'config' | 'subscriptions' | 'deliveries' | 'lookup' | 'webhookTimeoutMs' | 'wakeDeliveries'
>;

/**
 * Webhook deliveries, the same code locally and in the cloud:
 *
 * - fan-out: an event, once published, becomes one pending delivery item per matching active
 *   subscription (written before the event leaves the outbox or its queue message is deleted, so
 *   it is never lost);
 * - attempts: a due delivery is claimed (its due key moves a lease ahead), POSTed signed, logged, and
 *   settled: delivered, due again after the next delay of TRACKER_WEBHOOK_RETRY_SCHEDULE, or failed;
 * - a subscription whose deliveries have all failed for 24 hours is disabled.
 *
 * Locally the server's loop drives `runDeliveries(now)` and is woken by each fan-out; in the cloud
 * the delivery function fans out queued events and attempts them at once, and a schedule sweeps the
 * due index for retries (docs/architecture.md).
 */

/** Every delivery failed for this long: the subscription is disabled until patched back to active. */
export const DISABLE_AFTER_MS = 24 * 3_600_000;

/** The local loop runs at most this many attempts to one subscription at once: a slow one cannot take every worker. */
export const PER_SUBSCRIPTION_IN_FLIGHT = 4;
/** A sweep (runDeliveries) attempts at most this many deliveries of one subscription; the rest wait for the next. */
export const PER_SUBSCRIPTION_PER_SWEEP = 50;

export const matches = (subscription: SubscriptionRecord, event: TrackerEvent): boolean =>
  subscription.status === 'active' &&
  event.type !== 'Ping' &&
  subscription.events.includes(event.type) &&
  (subscription.scenario === null ||
    subscription.scenario === event.scenario ||
    // A thread moved out of the subscription's scenario (ThreadChanged, contract 1.2): it is told.
    subscription.scenario === event.previousScenario) &&
  (subscription.threadId === null || subscription.threadId === event.threadId);

/** Create the deliveries of these events, due at `nowMs`; returns how many were new. */
export async function fanOut(
  ctx: Pick<AppContext, 'subscriptions' | 'deliveries'>,
  events: readonly TrackerEvent[],
  nowMs = Date.now(),
): Promise<number> {
  const subscriptions = await ctx.subscriptions.listCached(nowMs);
  const made = await Promise.all(
    events.flatMap((event) =>
      subscriptions.filter((s) => matches(s, event)).map((s) => ctx.deliveries.create(event, s.id, nowMs)),
    ),
  );
  return made.filter(Boolean).length;
}

/**
 * The local publisher's part for subscriptions: fan out, then wake the delivery loop. It fails (and
 * so keeps the events in the outbox) if a delivery item could not be written.
 */
export class SubscriptionFanOut implements Publisher {
  constructor(private readonly ctx: () => AppContext) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    const ctx = this.ctx();
    if ((await fanOut(ctx, events)) > 0) ctx.wakeDeliveries();
  }
}

/** What one attempt did: what the delivery log shows, plus which subscription. */
export interface AttemptReport {
  subscriptionId: string;
  eventId: string;
  type: TrackerEvent['type'];
  attempt: number;
  delivered: boolean;
  responseStatus: number | null;
  error: string | null;
  /** What became of the delivery: due again at this time, or settled. */
  next: string | 'delivered' | 'failed' | 'dropped';
}

/**
 * Claim what is due at `nowMs`, oldest first, at most `cap` per subscription counting the
 * `inFlight(id)` attempts already running (the rest stay due for a later run).
 */
export async function claimDue(
  ctx: Pick<AppContext, 'deliveries'>,
  nowMs: number,
  cap = PER_SUBSCRIPTION_PER_SWEEP,
  inFlight: (subscriptionId: string) => number = () => 0,
): Promise<(Delivery & { leaseKey: string })[]> {
  const taken = new Map<string, number>();
  const wanted: DueDelivery[] = [];
  for (const due of await ctx.deliveries.due(nowMs)) {
    const n = (taken.get(due.subscriptionId) ?? 0) + inFlight(due.subscriptionId);
    if (n >= cap) continue;
    taken.set(due.subscriptionId, (taken.get(due.subscriptionId) ?? 0) + 1);
    wanted.push(due);
  }
  const claimed = await Promise.all(wanted.map((due) => ctx.deliveries.claim(due, nowMs)));
  return claimed.filter((c): c is NonNullable<typeof c> => c !== null);
}

/** One attempt of a claimed delivery, recorded; never throws for the subscriber's failures. */
export async function attemptDelivery(
  ctx: DeliveryDeps,
  held: Delivery & { leaseKey: string },
  nowMs: number,
): Promise<AttemptReport | null> {
  const subscription = await ctx.subscriptions.get(held.subscriptionId);
  const base = { subscriptionId: held.subscriptionId, eventId: held.eventId, type: held.event.type };
  // Deleted, or no longer active (a Ping goes even to a paused one): nothing is sent.
  if (!subscription || (held.event.type !== 'Ping' && subscription.status !== 'active')) {
    await ctx.deliveries.settle(held, held.attempt, { state: 'dropped' }, nowMs);
    return null;
  }
  const attempt = held.attempt + 1;
  const at = new Date(nowMs);
  const outcome = await sendWebhook(
    {
      url: subscription.url,
      secret: subscription.secret,
      id: held.event.id,
      at,
      body: JSON.stringify(held.event),
    },
    { allowPrivate: ctx.config.allowPrivateWebhooks, lookup: ctx.lookup, timeoutMs: ctx.webhookTimeoutMs },
  );
  // Times in the log and the schedule are the attempt's start: what `now` the run was given.
  const attemptedAt = at.toISOString();
  await ctx.deliveries.logAttempt(subscription.id, {
    eventId: held.eventId,
    type: held.event.type,
    attempt,
    attemptedAt,
    ...outcome,
  });
  const schedule = ctx.config.webhookRetrySchedule;
  let next: AttemptReport['next'];
  if (outcome.delivered) {
    next = 'delivered';
    await ctx.deliveries.settle(held, attempt, { state: 'delivered' }, nowMs);
  } else if (attempt <= schedule.length) {
    const retryAtMs = nowMs + schedule[attempt - 1]! * 1000;
    next = new Date(retryAtMs).toISOString();
    await ctx.deliveries.settle(held, attempt, { retryAtMs }, nowMs);
  } else {
    next = 'failed';
    count('WebhookDeliveriesFailed');
    await ctx.deliveries.settle(held, attempt, { state: 'failed' }, nowMs);
  }
  await trackFailures(ctx, subscription, outcome.delivered, attemptedAt, nowMs);
  return { ...base, attempt, ...outcome, next };
}

/** Keep the subscription's failure clock: started by a failure, stopped by a success; 24 h → disabled. */
async function trackFailures(
  ctx: DeliveryDeps,
  subscription: SubscriptionRecord,
  delivered: boolean,
  attemptedAt: string,
  nowMs: number,
): Promise<void> {
  if (delivered) {
    if (subscription.failingSince) await ctx.subscriptions.clearFailing(subscription.id);
    return;
  }
  if (!subscription.failingSince) {
    await ctx.subscriptions.markFailing(subscription.id, attemptedAt);
  } else if (
    subscription.status === 'active' &&
    nowMs - Date.parse(subscription.failingSince) >= DISABLE_AFTER_MS
  ) {
    if (await ctx.subscriptions.disable(subscription.id, subscription.failingSince, attemptedAt)) {
      count('WebhookSubscriptionsDisabled');
      logger.warn('subscription disabled: every delivery failed for 24 hours', {
        subscriptionId: subscription.id,
        failingSince: subscription.failingSince,
      });
    }
  }
}

/**
 * Attempt every delivery due at `nowMs` (the scheduled sweep, and what tests drive with explicit
 * times). Attempts run concurrently: one subscriber that never answers holds only its own.
 */
export async function runDeliveries(ctx: DeliveryDeps, nowMs: number): Promise<AttemptReport[]> {
  const claimed = await claimDue(ctx, nowMs);
  const reports = await Promise.all(
    claimed.map((held) => attemptDelivery(ctx, held, nowMs).catch((error) => failedRun(held, error))),
  );
  return reports.filter((r): r is AttemptReport => r !== null);
}

/** Attempt the deliveries of one event that are due now (the cloud, right after fanning it out). */
export async function attemptEvent(
  ctx: DeliveryDeps,
  eventId: string,
  nowMs: number,
): Promise<AttemptReport[]> {
  // Due by its due key (a delivery under someone's lease has its key a lease ahead).
  const due = (await ctx.deliveries.pendingOf(eventId)).filter(
    (d) => Date.parse(d.dueKey.slice(0, d.dueKey.indexOf('#'))) <= nowMs,
  );
  const claimed = await Promise.all(due.map((d) => ctx.deliveries.claim(d, nowMs)));
  const reports = await Promise.all(
    claimed
      .filter((c) => c !== null)
      .map((held) => attemptDelivery(ctx, held, nowMs).catch((error) => failedRun(held, error))),
  );
  return reports.filter((r): r is AttemptReport => r !== null);
}

/** The table failed us mid-attempt: the lease runs out and a later run tries again. */
function failedRun(held: Delivery, error: unknown): null {
  logger.warn('delivery attempt could not be recorded; it is retried when its lease ends', {
    eventId: held.eventId,
    subscriptionId: held.subscriptionId,
    error: String(error),
  });
  return null;
}
