import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  patchSubscription,
  pingSubscription,
  type SubscriptionDeps,
} from '../shared/app/subscriptions';
import { config } from '../shared/config';
import { createPublisher } from '../shared/events/bus';
import { systemLookup } from '../shared/events/outbound-url';
import { createDocumentClient } from '../shared/store/client';
import { DeliveryStore } from '../shared/store/delivery-store';
import { webhookKeys } from '../shared/store/keyring-source';
import { secretBox } from '../shared/store/secret-box';
import { SubscriptionStore } from '../shared/store/subscription-store';
import { lambdaHandler } from '../shared/http/handler';
import { SUBSCRIPTIONS_ROUTES } from '../shared/routes/subscriptions';
import { empty, json } from '../shared/http/response';

const cfg = config();
const db = createDocumentClient(cfg);
/**
 * What this function's routes use, built once per instance (its IAM role: infra/permissions.ts).
 * Subscription URLs are resolved and checked against private addresses when created or changed, and
 * a ping is published on the bus (EVENT_BUS_NAME).
 */
const deps: SubscriptionDeps = {
  config: cfg,
  subscriptions: new SubscriptionStore(db, cfg.tableName, secretBox(webhookKeys(cfg))),
  deliveries: new DeliveryStore(db, cfg.tableName),
  lookup: systemLookup,
  publisher: createPublisher(cfg),
  // Deliveries are attempted by the deliveries function, from the queue and its schedule.
  wakeDeliveries: () => undefined,
};
const appContext = () => deps;

/**
 * Webhook subscriptions (admin). Like POST /tokens, POST /subscriptions does not honour
 * Idempotency-Key: its answer holds the secret, which is never stored to be replayed.
 */
export const handler = lambdaHandler(SUBSCRIPTIONS_ROUTES)(
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
