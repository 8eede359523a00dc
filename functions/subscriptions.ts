import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  patchSubscription,
  pingSubscription,
} from '../shared/app/subscriptions';
import { functionContext, useBus, useWebhooks } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { eventBridgeBus } from '../shared/events/bus';
import { systemLookup } from '../shared/events/webhook-url';
import { lambdaHandler } from '../shared/http/handler';
import { empty, json } from '../shared/http/response';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({
  subscriptions: parts.subscriptions,
  deliveries: parts.deliveries,
  idempotency: parts.idempotency,
});

// This function publishes (EVENT_BUS_NAME): it brings the EventBridge bus, which the others leave out.
useBus(eventBridgeBus);
// Subscription URLs are resolved and checked against private addresses when created or changed.
useWebhooks(systemLookup);

/**
 * Webhook subscriptions (admin). Like POST /tokens, POST /subscriptions does not honour
 * Idempotency-Key: its answer holds the secret, which is never stored to be replayed.
 */
export const handler = lambdaHandler(
  'subscriptions',
  {
    'POST /subscriptions': async (req) => {
      const created = await createSubscription(req.ctx, req.body);
      return json(201, created, { Location: `/subscriptions/${created.id}`, 'Cache-Control': 'no-store' });
    },
    'GET /subscriptions': async (req) => json(200, { items: await listSubscriptions(req.ctx) }),
    'GET /subscriptions/{id}': async (req) => json(200, await getSubscription(req.ctx, req.params.id)),
    'PATCH /subscriptions/{id}': async (req) =>
      json(200, await patchSubscription(req.ctx, req.params.id, req.body)),
    'DELETE /subscriptions/{id}': async (req) => {
      await deleteSubscription(req.ctx, req.params.id);
      return empty(204);
    },
    'POST /subscriptions/{id}/ping': async (req) => json(202, await pingSubscription(req.ctx, req.params.id)),
  },
  appContext,
);
