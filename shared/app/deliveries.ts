import type { TrackerEvent } from '../domain/event';
import type { Publisher } from '../events/publisher';
import { sendWebhook } from '../events/webhook-sender';
import { count, logger } from '../observability';
import type { DueDelivery, HeldDelivery } from '../store/delivery-store';
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
 *   it is never lost). A worker that attempts it at once creates it already claimed (under the
 *   lease a claim would write) and attempts it with the subscription as the fan-out read it;
 * - attempts: a due delivery is claimed (its due key moves a lease ahead), POSTed signed, logged, and
 *   settled: delivered, due again after the next delay of TRACKER_WEBHOOK_RETRY_SCHEDULE, or failed;
 * - a subscription whose deliveries have all failed for 24 hours is disabled.
 *
 * Each attempt is made with its subscription as its run read it — the fan-out's list, or the list
 * read once for a run of claims — not by a read of its own. A delivery attempted as it is fanned
 * out costs three writes (its create, its log line, its outcome) and no read; one claimed from the
 * due index, its claim besides (test/integration/delivery-cost.test.ts). Locally that list is the
 * process's (SubscriptionStore.listCached), which every change made through the server clears, so
 * a paused or deleted subscription gets nothing once the PATCH or DELETE has answered; in the cloud
 * the delivery function reads it afresh once per invocation, since changes are made by another
 * function.
 *
 * Locally the relay's fan-out hands the server's loop what it has room for, and the loop claims the
 * rest (and retries) from the due index; in the cloud the delivery function fans out queued events
 * and attempts them at once, and a schedule sweeps the due index for retries (docs/architecture.md).
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

/** A delivery created claimed by its fan-out, and its subscription as the fan-out read it. */
export interface HeldAttempt {
  delivery: HeldDelivery;
  subscription: SubscriptionRecord;
}

/** Room for attempts at once: who takes fanned-out deliveries as they are made, and how many. */
export interface AttemptRoom {
  /** Room for one more attempt to this subscription now? true takes that room. */
  reserve(subscriptionId: string): boolean;
  /** Room taken for a delivery that was not made (it existed already, or its write failed). */
  release(subscriptionId: string): void;
}

/** A worker that attempts deliveries the moment they are fanned out (the local server's loop). */
export interface AttemptsAtOnce extends AttemptRoom {
  /** Attempt these now (their room is taken already). */
  attempt(held: readonly HeldAttempt[]): void;
}

/** Room for every delivery: the cloud's function attempts all it fans out. */
export const EVERY_ATTEMPT: AttemptRoom = { reserve: () => true, release: () => undefined };

export interface FanOutOptions {
  /** The subscriptions to match; default the process's list (SubscriptionStore.listCached). */
  subscriptions?: readonly SubscriptionRecord[];
  /** Whoever attempts at once what it has room for; without it every delivery waits in the due index. */
  room?: AttemptRoom;
}

/**
 * Create the deliveries of these events, due at `nowMs`: those `room` takes already claimed (held,
 * returned with their subscriptions for an attempt now), the rest due in the due index. `created`
 * counts both. If a write fails it throws (the event stays where it is, to be fanned out again) and
 * gives the room back; what it created by then is attempted from the due index, a held one once its
 * lease has run out.
 */
export async function fanOut(
  ctx: Pick<AppContext, 'subscriptions' | 'deliveries'>,
  events: readonly TrackerEvent[],
  nowMs = Date.now(),
  options: FanOutOptions = {},
): Promise<{ created: number; held: HeldAttempt[] }> {
  const subscriptions = options.subscriptions ?? (await ctx.subscriptions.listCached(nowMs));
  const pairs = events.flatMap((event) =>
    subscriptions.filter((s) => matches(s, event)).map((subscription) => ({ event, subscription })),
  );
  // Room is reserved before any write, so one fan-out cannot take more than the room there is.
  const taken = pairs.map(({ subscription }) => options.room?.reserve(subscription.id) ?? false);
  const made = await Promise.allSettled(
    pairs.map(({ event, subscription }, i) =>
      taken[i]
        ? ctx.deliveries.createHeld(event, subscription.id, nowMs)
        : ctx.deliveries.create(event, subscription.id, nowMs),
    ),
  );
  const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
  const held: HeldAttempt[] = [];
  let created = 0;
  made.forEach((m, i) => {
    const { subscription } = pairs[i]!;
    const value = m.status === 'fulfilled' ? m.value : null;
    if (value) created++;
    if (!taken[i]) return;
    if (value && typeof value === 'object' && !failed) held.push({ delivery: value, subscription });
    else options.room!.release(subscription.id);
  });
  if (failed) throw failed.reason;
  return { created, held };
}

/**
 * The local publisher's part for subscriptions: fan out, handing the server's delivery loop what it
 * has room for; the rest wait in the due index, claimed by the loop as its attempts to that
 * subscriber end (or, with no loop, by whoever `wakeDeliveries` wakes). It fails (and so keeps the
 * events in the outbox) if a delivery item could not be written.
 */
export class SubscriptionFanOut implements Publisher {
  constructor(private readonly ctx: () => AppContext) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    const ctx = this.ctx();
    const loop = ctx.deliveryLoop;
    const { created, held } = await fanOut(ctx, events, Date.now(), loop ? { room: loop } : {});
    if (loop) {
      if (held.length) loop.attempt(held);
    } else if (created > 0) ctx.wakeDeliveries();
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
): Promise<HeldDelivery[]> {
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

/**
 * One attempt of a delivery we hold, recorded; never throws for the subscriber's failures.
 * `subscription` is as the run read it (undefined: it no longer exists). `answered` is called once
 * the subscriber is done with it (it answered, failed or timed out; or nothing was sent), before the
 * outcome is recorded: the local loop's room for attempts to that subscriber is the subscriber's,
 * not our table's.
 */
export async function attemptDelivery(
  ctx: DeliveryDeps,
  held: HeldDelivery,
  nowMs: number,
  subscription: SubscriptionRecord | undefined,
  answered: () => void = () => undefined,
): Promise<AttemptReport | null> {
  const base = { subscriptionId: held.subscriptionId, eventId: held.eventId, type: held.event.type };
  // Deleted, or no longer active (a Ping goes even to a paused one): nothing is sent.
  if (!subscription || (held.event.type !== 'Ping' && subscription.status !== 'active')) {
    answered();
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
  answered();
  // Times in the log and the schedule are the attempt's start: what `now` the run was given.
  const attemptedAt = at.toISOString();
  const line = { eventId: held.eventId, type: held.event.type, attempt, attemptedAt, ...outcome };
  const schedule = ctx.config.webhookRetrySchedule;
  let next: AttemptReport['next'];
  if (outcome.delivered) {
    next = 'delivered';
    await ctx.deliveries.record(held, line, { state: 'delivered' }, nowMs);
  } else if (attempt <= schedule.length) {
    const retryAtMs = nowMs + schedule[attempt - 1]! * 1000;
    next = new Date(retryAtMs).toISOString();
    await ctx.deliveries.record(held, line, { retryAtMs }, nowMs);
  } else {
    next = 'failed';
    count('WebhookDeliveriesFailed');
    await ctx.deliveries.record(held, line, { state: 'failed' }, nowMs);
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

/** Each subscription by id, as one run uses them. */
const byId = (subscriptions: readonly SubscriptionRecord[]) => new Map(subscriptions.map((s) => [s.id, s]));

/**
 * Attempt every delivery due at `nowMs` (the scheduled sweep, and what tests drive with explicit
 * times), with `subscriptions` as given or, when something was claimed, the process's list.
 * Attempts run concurrently: one subscriber that never answers holds only its own.
 */
export async function runDeliveries(
  ctx: DeliveryDeps,
  nowMs: number,
  subscriptions?: readonly SubscriptionRecord[],
): Promise<AttemptReport[]> {
  const claimed = await claimDue(ctx, nowMs);
  if (claimed.length === 0) return [];
  const known = byId(subscriptions ?? (await ctx.subscriptions.listCached(nowMs)));
  const reports = await Promise.all(
    claimed.map((held) =>
      attemptDelivery(ctx, held, nowMs, known.get(held.subscriptionId)).catch((error) =>
        failedRun(held, error),
      ),
    ),
  );
  return reports.filter((r): r is AttemptReport => r !== null);
}

/** Attempt what a fan-out created claimed (`HeldAttempt`), each with its subscription as the fan-out read it. */
export async function attemptHeld(
  ctx: DeliveryDeps,
  held: readonly HeldAttempt[],
  nowMs: number,
): Promise<AttemptReport[]> {
  const reports = await Promise.all(
    held.map(({ delivery, subscription }) =>
      attemptDelivery(ctx, delivery, nowMs, subscription).catch((error) => failedRun(delivery, error)),
    ),
  );
  return reports.filter((r): r is AttemptReport => r !== null);
}

/**
 * Attempt the deliveries of one event that are due now: the cloud, for a Ping, whose one delivery
 * the subscriptions function wrote before publishing it (fan-out makes none for a Ping).
 */
export async function attemptEvent(
  ctx: DeliveryDeps,
  eventId: string,
  nowMs: number,
  subscriptions: readonly SubscriptionRecord[],
): Promise<AttemptReport[]> {
  // Due by its due key (a delivery under someone's lease has its key a lease ahead).
  const due = (await ctx.deliveries.pendingOf(eventId)).filter(
    (d) => Date.parse(d.dueKey.slice(0, d.dueKey.indexOf('#'))) <= nowMs,
  );
  const claimed = await Promise.all(due.map((d) => ctx.deliveries.claim(d, nowMs)));
  const known = byId(subscriptions);
  const reports = await Promise.all(
    claimed
      .filter((c) => c !== null)
      .map((held) =>
        attemptDelivery(ctx, held, nowMs, known.get(held.subscriptionId)).catch((error) =>
          failedRun(held, error),
        ),
      ),
  );
  return reports.filter((r): r is AttemptReport => r !== null);
}

/** The table failed us mid-attempt: the lease runs out and a later run tries again. */
function failedRun(held: HeldDelivery, error: unknown): null {
  logger.warn('delivery attempt could not be recorded; it is retried when its lease ends', {
    eventId: held.eventId,
    subscriptionId: held.subscriptionId,
    error: String(error),
  });
  return null;
}
