import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { handlerFor } from '../../functions/deliveries';
import { startDeliveryLoop, type DeliveryLoop } from '../../local/delivery-loop';
import { SubscriptionFanOut, fanOut, runDeliveries } from '../../shared/app/deliveries';
import { appContext, type AppContext } from '../../shared/app/context';
import { createSubscription } from '../../shared/app/subscriptions';
import { statusChanged, type TrackerEvent } from '../../shared/domain/event';
import { DELIVERY_SHARDS } from '../../shared/store/keys';
import { SUBSCRIPTION_CACHE_MS } from '../../shared/store/subscription-store';
import { recordWriteCapacity, sumCapacity } from '../support/capacity-recorder';
import { freshContext } from '../support/context';
import { recordCalls, type RecordedCall } from '../support/read-recorder';
import { startReceiver, type Receiver } from '../support/receiver';

/**
 * What one webhook delivery costs DynamoDB (issue 25), counted on DynamoDB Local: every call the
 * stores send, and the write units each consumed (ReturnConsumedCapacity: INDEXES). The figures
 * are those of docs/data-model.md (patterns 30–34) and docs/capacity.md. Before this was measured
 * down, a delivery attempted at once cost five calls (create, claim, a read of its subscription,
 * log, settle) and 8 WCU.
 */

/** docs/data-model.md, whose *What a delivery costs* states these figures as measured here. */
const dataModel = () => readFileSync(join(__dirname, '..', '..', 'docs', 'data-model.md'), 'utf8');

const SUBSCRIBERS = 3;
const EVENTS = 3;
const DELIVERIES = SUBSCRIBERS * EVENTS;

let ctx: AppContext;
let hook: Receiver;

beforeEach(async () => {
  ctx = await freshContext({ allowPrivateWebhooks: true });
  hook = await startReceiver(204);
  for (let i = 0; i < SUBSCRIBERS; i++) await createSubscription(ctx, { url: hook.url });
});
afterEach(() => hook.close());

const events = (): TrackerEvent[] =>
  Array.from({ length: EVENTS }, (_, i) =>
    statusChanged({ id: `t${i}`, scenario: 's', status: 'agreed' }, 'proposed', new Date().toISOString()),
  );

/** Calls by command (and index, for a Query of one). */
const tally = (calls: readonly RecordedCall[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const c of calls) {
    const key = c.index ? `${c.command} ${c.index}` : c.command;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

describe('a webhook delivery costs', () => {
  it('three writes and no read when the local loop attempts it as it is fanned out: 5 WCU', async () => {
    // Prepare: npm start's loop, its first beat done, the process's subscription list read; no
    // beat of its own during the test (3 deliveries a subscriber stay under its room of 4)
    const loop: DeliveryLoop = startDeliveryLoop(ctx, { intervalMs: 3_600_000 });
    ctx.wakeDeliveries = loop.wake;
    ctx.deliveryLoop = loop;
    await loop.idle();
    await ctx.subscriptions.listCached();
    const calls = recordCalls(ctx.db);
    const units = recordWriteCapacity(ctx.db);
    try {
      // Act: the relay's publish, as the local server makes it
      await new SubscriptionFanOut(() => ctx).publish(events());
      await hook.waitFor(DELIVERIES);
      await loop.idle();
      // Assess: per delivery its create, its log line and its outcome; no claim, no read
      const sent = calls.take();
      const written = sumCapacity(units.take());
      expect(tally(sent)).toEqual({ PutItem: 2 * DELIVERIES, UpdateItem: DELIVERIES });
      expect(written.total / DELIVERIES).toBe(5);
      expect(written.table / DELIVERIES).toBe(3);
      expect(written.indexes).toEqual({ GSI3: 2 * DELIVERIES });
      expect(hook.received).toHaveLength(DELIVERIES);
      expect(dataModel()).toContain(
        `**${written.total / DELIVERIES} WCU in ${sent.length / DELIVERIES} calls**`,
      );
    } finally {
      loop.stop();
      calls.detach();
      units.detach();
    }
  });

  it('its claim, its log line and its outcome when claimed from the due index, and one read of the subscriptions per run', async () => {
    // Prepare: fanned out with no loop to hand them to (the stale-check tool's way): due now
    await fanOut(ctx, events());
    const calls = recordCalls(ctx.db);
    const units = recordWriteCapacity(ctx.db);
    try {
      // Act: a run past the list's cache, so it reads the subscriptions once
      const reports = await runDeliveries(ctx, Date.now() + SUBSCRIPTION_CACHE_MS + 1_000);
      // Assess
      const sent = calls.take();
      const written = sumCapacity(units.take());
      expect(reports.filter((r) => r.delivered)).toHaveLength(DELIVERIES);
      expect(tally(sent)).toEqual({
        'Query GSI3': DELIVERY_SHARDS,
        Query: 1,
        UpdateItem: 2 * DELIVERIES,
        PutItem: DELIVERIES,
      });
      expect(sent.find((c) => c.command === 'Query' && !c.index)?.consistent).toBe(true);
      // The claim moves the due key (3: the item, the GSI3 entry's delete and put); log 1; outcome 2.
      expect(written.total / DELIVERIES).toBe(6);
      expect(written.indexes).toEqual({ GSI3: 3 * DELIVERIES });
      const perDelivery = sent.filter((c) => c.command !== 'Query').length / DELIVERIES;
      expect(dataModel()).toContain(`**${written.total / DELIVERIES} WCU in ${perDelivery} calls**`);
    } finally {
      calls.detach();
      units.detach();
    }
  });

  it('three writes in the cloud function, which reads the subscriptions once per invocation', async () => {
    // Prepare: a batch of queue messages as EventBridge puts them there
    const handler = handlerFor(appContext);
    const batch = {
      Records: events().map((detail, i) => ({
        messageId: `m${i}`,
        body: JSON.stringify({ source: 'scenario-tracker', 'detail-type': detail.type, detail }),
      })),
    } as SQSEvent;
    const calls = recordCalls(ctx.db);
    try {
      // Act
      const answer = await handler(batch);
      // Assess: one list read for the batch, then per delivery its create, log line and outcome
      expect(answer).toEqual({ batchItemFailures: [] });
      expect(tally(calls.take())).toEqual({ Query: 1, PutItem: 2 * DELIVERIES, UpdateItem: DELIVERIES });
      expect(hook.received).toHaveLength(DELIVERIES);
    } finally {
      calls.detach();
    }
  });
});
