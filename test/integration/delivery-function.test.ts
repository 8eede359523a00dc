import type { SQSEvent } from 'aws-lambda';
import { handlerFor } from '../../functions/deliveries';
import { appContext, createContext } from '../../shared/app/context';
import { createSubscription, patchSubscription } from '../../shared/app/subscriptions';
import { statusChanged } from '../../shared/domain/event';
import { freshContext } from '../support/context';
import { startReceiver } from '../support/receiver';

/** The cloud's delivery function, over DynamoDB Local, fed queue messages as EventBridge puts them there. */
const message = (id: string, body: string) => ({ messageId: id, body }) as SQSEvent['Records'][number];
const fromBus = (detail: unknown) =>
  JSON.stringify({ version: '0', source: 'scenario-tracker', 'detail-type': 'ThreadStatusChanged', detail });

// The function over this file's table (freshContext) instead of the environment's.
const handler = handlerFor(appContext);

describe('the delivery function', () => {
  it('fans out and delivers each queued event once, reports only the messages it could not fan out, and sweeps nothing more', async () => {
    // Prepare
    const ctx = await freshContext({ allowPrivateWebhooks: true });
    const hook = await startReceiver();
    try {
      await createSubscription(ctx, { url: hook.url, events: ['ThreadStatusChanged'] });
      const event = statusChanged(
        { id: 't1', scenario: 's', status: 'agreed' },
        'proposed',
        new Date().toISOString(),
      );
      const batch = { Records: [message('m1', fromBus(event)), message('m2', 'not json')] } as SQSEvent;
      // Act: the batch, then the same message again (SQS delivers at least once), then a sweep
      const first = await handler(batch);
      const again = await handler({ Records: [message('m1', fromBus(event))] } as SQSEvent);
      const sweep = await handler({ time: new Date().toISOString() });
      // Assess
      expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
      expect(again).toEqual({ batchItemFailures: [] });
      expect(sweep).toEqual({ attempted: 0 });
      expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([event.id]);
    } finally {
      await hook.close();
    }
  });

  it('reads the subscriptions afresh each invocation: nothing goes to one the subscriptions function paused a moment before', async () => {
    // Prepare: the subscriptions function is another process, with a store (and list) of its own
    const ctx = await freshContext({ allowPrivateWebhooks: true });
    const subscriptionsFunction = createContext(ctx.config);
    const hook = await startReceiver();
    try {
      const sub = await createSubscription(ctx, { url: hook.url, events: ['ThreadStatusChanged'] });
      const event = (status: string) =>
        statusChanged({ id: 't1', scenario: 's', status }, 'proposed', new Date().toISOString());
      const [before, after] = [event('agreed'), event('collapsed')];
      // Act: one event delivered, the subscription paused elsewhere, the next event
      await handler({ Records: [message('m1', fromBus(before))] } as SQSEvent);
      await patchSubscription(subscriptionsFunction, sub.id, { status: 'paused' });
      await handler({ Records: [message('m2', fromBus(after))] } as SQSEvent);
      // Assess
      expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([before.id]);
    } finally {
      await hook.close();
    }
  });
});
