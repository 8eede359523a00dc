import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSubscription } from '../../shared/app/subscriptions';
import type { AppContext } from '../../shared/app/context';
import { freshContext } from '../support/context';
import { recordCalls } from '../support/read-recorder';

/**
 * The process's list of subscriptions (SubscriptionStore.listCached), which fan-out and the local
 * delivery loop attempt deliveries with: a change made through the store shows in it at once, so
 * the local server never attempts a delivery to a subscription paused or deleted before the attempt.
 */
let ctx: AppContext;
let id: string;

beforeEach(async () => {
  ctx = await freshContext({ allowPrivateWebhooks: true });
  ({ id } = await createSubscription(ctx, { url: 'http://127.0.0.1:9/hook' }));
});

/** Holds the answer of the next Query until released: a read under way, deterministically. */
function holdNextQuery(db: DynamoDBDocumentClient) {
  let answered!: () => void;
  let release!: () => void;
  const state = {
    answered: new Promise<void>((done) => (answered = done)),
    gate: new Promise<void>((done) => (release = done)),
    armed: true,
  };
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === 'QueryCommand' && state.armed) {
        state.armed = false;
        answered();
        await state.gate;
      }
      return out;
    },
    { step: 'initialize', name: 'test-hold-query' },
  );
  return { answered: state.answered, release, detach: () => db.middlewareStack.remove('test-hold-query') };
}

describe("the process's list of subscriptions", () => {
  it('does not keep a read that was under way while a subscription was deleted', async () => {
    // Prepare: a read of the list answered by DynamoDB, its answer not yet returned
    const t = Date.now();
    const held = holdNextQuery(ctx.db);
    const reading = ctx.subscriptions.listCached(t);
    await held.answered;
    // Act: the subscription is deleted meanwhile, then the read returns
    await ctx.subscriptions.remove(id);
    held.release();
    const underWay = await reading;
    held.detach();
    const calls = recordCalls(ctx.db);
    const next = await ctx.subscriptions.listCached(t + 1);
    // Assess: the caller of the read under way has what it read; the next one reads again
    expect(underWay.map((s) => s.id)).toEqual([id]);
    expect(next).toEqual([]);
    expect(calls.take().map((c) => c.command)).toEqual(['Query']);
  });

  it('shows a PATCH made through the store at once', async () => {
    // Prepare
    const t = Date.now();
    await ctx.subscriptions.listCached(t);
    // Act
    await ctx.subscriptions.update(id, { status: 'paused' }, new Date(t).toISOString());
    const after = await ctx.subscriptions.listCached(t + 1);
    // Assess
    expect(after.map((s) => s.status)).toEqual(['paused']);
  });

  it('follows the failure clock moved through the store without reading the list again', async () => {
    // Prepare
    const t = Date.now();
    await ctx.subscriptions.listCached(t);
    const calls = recordCalls(ctx.db);
    const at = new Date(t).toISOString();
    // Act
    await ctx.subscriptions.markFailing(id, at);
    const failing = (await ctx.subscriptions.listCached(t + 1))[0]?.failingSince;
    await ctx.subscriptions.clearFailing(id);
    const cleared = (await ctx.subscriptions.listCached(t + 2))[0]?.failingSince;
    // Assess: two writes, no read; and the table agrees
    expect([failing, cleared]).toEqual([at, null]);
    expect(calls.take().map((c) => c.command)).toEqual(['UpdateItem', 'UpdateItem']);
    expect((await ctx.subscriptions.get(id))?.failingSince).toBeNull();
  });
});
