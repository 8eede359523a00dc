import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { NotFoundError } from '../domain/errors';
import { DEFAULT_EVENT_TYPES } from '../domain/event-types';
import type { CreateSubscriptionInput, PatchSubscriptionInput } from '../domain/schemas';
import { nowUtc } from '../domain/time';
import { ping, type TrackerEvent } from '../domain/event';
import { checkSubscriptionUrl } from '../events/outbound-url';
import { logger } from '../observability';
import type { AttemptRecord } from '../store/delivery-store';
import { subscriptionView, type Subscription } from '../store/subscription-store';
import type { AppContext } from './context';

/** What managing subscriptions takes: the stores, the address checks, and where a ping goes. */
export type SubscriptionDeps = Pick<
  AppContext,
  'config' | 'subscriptions' | 'deliveries' | 'lookup' | 'publisher' | 'wakeDeliveries'
>;

/** Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export const mintWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The latest attempts GET /subscriptions/{id} shows. */
export const DELIVERY_LOG_SIZE = 50;

const policy = (ctx: SubscriptionDeps) => ({
  allowPrivate: ctx.config.allowPrivateWebhooks,
  lookup: ctx.lookup,
});

export async function createSubscription(
  ctx: SubscriptionDeps,
  input: CreateSubscriptionInput,
): Promise<Subscription & { secret: string }> {
  await checkSubscriptionUrl(input.url, policy(ctx));
  const subscription: Subscription = {
    id: `sub_${ulid()}`,
    url: input.url,
    // Opt-in events (InboxItemArrived) only when named.
    events: input.events ?? [...DEFAULT_EVENT_TYPES],
    scenario: input.scenario ?? null,
    threadId: input.threadId ?? null,
    description: input.description ?? null,
    status: 'active',
    createdAt: nowUtc(),
  };
  const secret = mintWebhookSecret();
  await ctx.subscriptions.create(subscription, secret);
  return { ...subscription, secret };
}

export async function listSubscriptions(ctx: SubscriptionDeps): Promise<Subscription[]> {
  return (await ctx.subscriptions.list()).map(subscriptionView);
}

export async function getSubscription(
  ctx: SubscriptionDeps,
  id: string,
): Promise<Subscription & { deliveries: AttemptRecord[] }> {
  const [record, deliveries] = await Promise.all([
    ctx.subscriptions.get(id),
    ctx.deliveries.latestAttempts(id, DELIVERY_LOG_SIZE),
  ]);
  if (!record) throw new NotFoundError(`No subscription ${id}.`);
  return { ...subscriptionView(record), deliveries };
}

export async function patchSubscription(
  ctx: SubscriptionDeps,
  id: string,
  input: PatchSubscriptionInput,
): Promise<Subscription> {
  const record = await ctx.subscriptions.update(id, input, nowUtc());
  if (!record) throw new NotFoundError(`No subscription ${id}.`);
  return subscriptionView(record);
}

export async function deleteSubscription(ctx: SubscriptionDeps, id: string): Promise<void> {
  // Its pending deliveries are dropped when they come due; its log expires.
  if (!(await ctx.subscriptions.remove(id))) throw new NotFoundError(`No subscription ${id}.`);
}

/**
 * A Ping to this subscription only, whatever its events and even when paused. Its delivery item is
 * written first (so it goes out even if publishing fails); the event then reaches the bus (the
 * cloud's delivery function attempts it from there) or the log and TRACKER_WEBHOOK_URL locally.
 */
export async function pingSubscription(ctx: SubscriptionDeps, id: string): Promise<TrackerEvent> {
  const record = await ctx.subscriptions.get(id);
  if (!record) throw new NotFoundError(`No subscription ${id}.`);
  const event = ping(record, nowUtc());
  await ctx.deliveries.create(event, id, Date.now());
  ctx.wakeDeliveries();
  try {
    await ctx.publisher.publish([event]);
  } catch (error) {
    // The delivery item is in the table: the sweep sends it all the same.
    logger.warn('ping could not be published; its delivery goes out with the next sweep', {
      eventId: event.id,
      error: String(error),
    });
  }
  return event;
}
