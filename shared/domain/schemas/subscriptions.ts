import '../zod-setup';
import * as z from 'zod/mini';
import { slug, text } from '../schema-basics';
import { EVENT_TYPES, type TrackerEventType } from '../event-types';
import { LIMITS } from '../limits';

/**
 * Webhook subscriptions: their bodies and answers.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

/** Event types a subscription may ask for; repeats are dropped, the contract's order kept. */
export const eventTypes = z.pipe(
  z
    .array(z.enum(EVENT_TYPES))
    .check(z.minLength(1, 'must name at least one event type'), z.maxLength(EVENT_TYPES.length * 2)),
  z.transform((list: TrackerEventType[]) => EVENT_TYPES.filter((t) => list.includes(t))),
);
export const subscriptionDescription = z.nullable(text(0, LIMITS.subscriptionDescription));

/** The URL is checked after parsing (http/https, and the private-address rules): 422 invalid_subscription_url. */
export const CreateSubscriptionSchema = z.strictObject({
  url: text(1, LIMITS.urlLength),
  events: z.optional(eventTypes),
  scenario: z.optional(z.nullable(slug)),
  threadId: z.optional(z.nullable(slug)),
  description: z.optional(subscriptionDescription),
});
export type CreateSubscriptionInput = z.output<typeof CreateSubscriptionSchema>;

export const PatchSubscriptionSchema = z
  .strictObject({
    status: z.optional(z.enum(['active', 'paused'])),
    events: z.optional(eventTypes),
    description: z.optional(subscriptionDescription),
  })
  .check(
    z.refine(
      (b) => b.status !== undefined || b.events !== undefined || b.description !== undefined,
      'give at least one of status, events, description',
    ),
  );
export type PatchSubscriptionInput = z.output<typeof PatchSubscriptionSchema>;

// Its own: the one building block it shares, not worth building the contract's fields (./fields.ts).
const nullableString = z.nullable(z.string());

export const SubscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  scenario: nullableString,
  threadId: nullableString,
  description: nullableString,
  status: z.enum(['active', 'paused', 'disabled']),
  createdAt: z.string(),
});

export const DeliveryAttemptSchema = z.object({
  eventId: z.string(),
  type: z.enum(EVENT_TYPES),
  attempt: z.int(),
  attemptedAt: z.string(),
  responseStatus: z.nullable(z.int()),
  error: nullableString,
  delivered: z.boolean(),
});
