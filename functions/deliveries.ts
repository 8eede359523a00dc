import type { Context, SQSBatchResponse, SQSEvent, ScheduledEvent } from 'aws-lambda';
import {
  EVERY_ATTEMPT,
  attemptEvent,
  attemptHeld,
  fanOut,
  runDeliveries,
  type DeliveryDeps,
} from '../shared/app/deliveries';
import { config } from '../shared/config';
import { WEBHOOK_TIMEOUT_MS } from '../shared/domain/limits';
import type { TrackerEvent } from '../shared/domain/event';
import { systemLookup } from '../shared/events/outbound-url';
import { count, invocation, logger } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { DeliveryStore } from '../shared/store/delivery-store';
import { webhookKeys } from '../shared/store/keyring-source';
import { secretBox } from '../shared/store/secret-box';
import { SubscriptionStore } from '../shared/store/subscription-store';

const cfg = config();
const db = createDocumentClient(cfg);
/**
 * What this function uses, built once per instance (its IAM role: infra/permissions.ts). Each attempt
 * resolves the subscriber's host and refuses private addresses (the DNS-rebinding check).
 */
const deps: DeliveryDeps = {
  config: cfg,
  subscriptions: new SubscriptionStore(db, cfg.tableName, secretBox(webhookKeys(cfg))),
  deliveries: new DeliveryStore(db, cfg.tableName),
  lookup: systemLookup,
  webhookTimeoutMs: WEBHOOK_TIMEOUT_MS,
  // This function attempts what it fans out itself (below).
  wakeDeliveries: () => undefined,
};

/**
 * Webhook delivery in the cloud, two triggers:
 *
 * - the webhook queue (an EventBridge rule sends it every event of the project's bus): each event is
 *   fanned out into delivery items — before its message is deleted, so none is lost — created
 *   claimed and attempted at once (a Ping's one delivery, written by the subscriptions function,
 *   is claimed from its event's partition). A message whose fan-out failed is reported back
 *   (partial batch response) and retried by SQS, then dead-lettered (with an alarm). A subscriber's
 *   failure is not the message's: it is recorded and retried from the due index.
 * - a schedule every minute: attempt whatever is due (retries, and anything a crash left leased).
 *
 * Subscriptions are changed by another function, so a cached list could still hold one paused or
 * deleted seconds ago: each invocation reads the list afresh, once (one consistent Query), and
 * matches and attempts with it.
 */
export const handlerFor =
  (appContext: () => DeliveryDeps) =>
  async (
    event: SQSEvent | Pick<ScheduledEvent, 'time'>,
    context?: Context,
  ): Promise<SQSBatchResponse | { attempted: number }> =>
    invocation('deliveries', { context }, async () => {
      const ctx = appContext();
      const subscriptions = await ctx.subscriptions.list();
      if ('Records' in event) {
        const failures: { itemIdentifier: string }[] = [];
        const attempts: Promise<unknown>[] = [];
        for (const record of event.Records) {
          try {
            const envelope = JSON.parse(record.body) as { detail?: TrackerEvent };
            if (!envelope.detail?.id) throw new Error('message is not an EventBridge event of the tracker');
            const { held } = await fanOut(ctx, [envelope.detail], Date.now(), {
              subscriptions,
              room: EVERY_ATTEMPT,
            });
            attempts.push(attemptHeld(ctx, held, Date.now()));
            if (envelope.detail.type === 'Ping')
              attempts.push(attemptEvent(ctx, envelope.detail.id, Date.now(), subscriptions));
          } catch (error) {
            logger.warn('fan-out failed; the message returns to the queue', {
              messageId: record.messageId,
              error: String(error),
            });
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        // Failed attempts are recorded and retried from the due index; they never fail the message.
        await Promise.allSettled(attempts);
        count('WebhookFanOutFailures', failures.length);
        return { batchItemFailures: failures };
      }
      const reports = await runDeliveries(ctx, Date.now(), subscriptions);
      count('WebhookAttempts', reports.length);
      return { attempted: reports.length };
    });

export const handler = handlerFor(() => deps);
