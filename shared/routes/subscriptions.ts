import {
  CreateSubscriptionSchema,
  DeliveryAttemptSchema,
  PatchSubscriptionSchema,
  SubscriptionSchema,
} from '../domain/schemas/subscriptions';
import type { DeclaredRoute } from './route';
import { SUBSCRIPTION, items, jsonSchema } from './shapes';

/** The subscriptions function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const SUBSCRIPTIONS_ROUTES = [
  {
    route: 'POST /subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'createSubscription',
    summary: 'Subscribe a webhook (the secret is shown once)',
    description: 'Needs the admin role. Idempotency-Key is not honoured: the secret is never replayed.',
    body: { schema: CreateSubscriptionSchema, label: 'The subscription' },
    responses: {
      201: {
        description: 'The subscription with its secret, shown this once',
        location: '/subscriptions/{id}',
        body: (ref) => ({
          allOf: [
            ref(SubscriptionSchema),
            {
              type: 'object',
              required: ['secret'],
              properties: { secret: { type: 'string', pattern: '^whsec_' } },
            },
          ],
        }),
      },
    },
    problems: { 422: 'invalid_subscription_url' },
  },
  {
    route: 'GET /subscriptions',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'listSubscriptions',
    summary: 'List webhook subscriptions',
    responses: {
      200: {
        description: 'Every subscription, oldest first; never a secret',
        body: items(SubscriptionSchema),
      },
    },
  },
  {
    route: 'GET /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'getSubscription',
    summary: 'Get a subscription with its latest 50 delivery attempts',
    params: { id: SUBSCRIPTION },
    responses: {
      200: {
        description: 'The subscription and its latest 50 delivery attempts, newest first',
        body: (ref) => ({
          allOf: [
            ref(SubscriptionSchema),
            {
              type: 'object',
              required: ['deliveries'],
              properties: { deliveries: { type: 'array', maxItems: 50, items: ref(DeliveryAttemptSchema) } },
            },
          ],
        }),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'PATCH /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'patchSubscription',
    summary: 'Pause, resume or change a subscription',
    params: { id: SUBSCRIPTION },
    body: { schema: PatchSubscriptionSchema, label: 'The change' },
    responses: {
      200: {
        description: 'The whole subscription after the change (status active also restarts a disabled one)',
        body: SubscriptionSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'DELETE /subscriptions/{id}',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription',
    params: { id: SUBSCRIPTION },
    responses: { 204: { description: 'Deleted; pending deliveries are dropped' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'POST /subscriptions/{id}/ping',
    group: 'subscriptions',
    role: 'admin',
    operationId: 'pingSubscription',
    summary: 'Send a Ping to this subscription only',
    params: { id: SUBSCRIPTION },
    responses: {
      202: {
        description: 'The Ping event, queued for this subscription only (even when paused)',
        body: jsonSchema({ type: 'object' }),
      },
    },
    problems: { 404: 'not_found' },
  },
] as const satisfies readonly DeclaredRoute[];
