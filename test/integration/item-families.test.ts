import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handler as authorizer } from '../../functions/authorizer';
import { handler as deliveries } from '../../functions/deliveries';
import { handler as feeds } from '../../functions/feeds';
import { handler as kinds } from '../../functions/kinds';
import { handler as recount } from '../../functions/scenario-recount';
import { handler as subscriptions } from '../../functions/subscriptions';
import { handler as tokens } from '../../functions/tokens';
import type { FunctionName } from '../../infra/bundling';
import { ACCESS } from '../../infra/permissions';
import type { AppContext } from '../../shared/app/context';
import { createThread, postUpdate } from '../../shared/app/threads';
import { createToken } from '../../shared/app/tokens';
import { statusChanged } from '../../shared/domain/event';
import { freshContext } from '../support/context';
import { startReceiver, type Receiver } from '../support/receiver';

/**
 * The IAM policy confines these functions to their item families with dynamodb:LeadingKeys
 * (infra/permissions.ts): in the cloud, a key outside them is AccessDenied. DynamoDB Local does not
 * enforce IAM, so this runs each function's real handler over DynamoDB Local, records the partition
 * key of every base-table request it sends (index Queries are granted apart, without the condition),
 * and checks each one against the function's leading-key patterns, as IAM's StringLike would.
 */

interface Sent {
  command: string;
  pk: string;
}

/** Partition keys of the base-table items a command names (Get/Put/Update/Delete, batches, transactions, Query). */
function partitionKeys(command: string, input: Record<string, any>): string[] {
  const pkOf = (o: Record<string, any> | undefined) => (o?.PK === undefined ? [] : [String(o.PK)]);
  switch (command) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return pkOf(input.Key);
    case 'PutItem':
      return pkOf(input.Item);
    case 'BatchGetItem':
      return Object.values(input.RequestItems as Record<string, { Keys: Record<string, any>[] }>).flatMap(
        (r) => r.Keys.flatMap(pkOf),
      );
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, Record<string, any>>[]).flatMap((t) =>
        Object.values(t).flatMap((op) => [...pkOf(op.Key), ...pkOf(op.Item)]),
      );
    case 'Query': {
      if (input.IndexName) return [];
      // Every store queries the base table as `PK = :pk`.
      const name = /^PK = (:\w+)/.exec(String(input.KeyConditionExpression))?.[1];
      if (!name) throw new Error(`unexpected key condition ${input.KeyConditionExpression}`);
      return [String(input.ExpressionAttributeValues[name])];
    }
    default:
      throw new Error(`no rule for ${command}: add one before granting it`);
  }
}

function record(db: DynamoDBDocumentClient) {
  let sent: Sent[] = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      for (const pk of partitionKeys(command, args.input as Record<string, any>)) sent.push({ command, pk });
      return next(args);
    },
    { step: 'initialize', name: 'item-family-recorder' },
  );
  return {
    take: () => {
      const taken = sent;
      sent = [];
      return taken;
    },
  };
}

/** IAM's StringLike: `*` matches any run of characters, everything else itself. */
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);
const outside = (name: FunctionName, sent: Sent[]) =>
  sent.filter(({ pk }) => !ACCESS[name].leadingKeys!.some((pattern) => like(pattern, pk)));

const admin = { name: 'ops-admin', role: 'admin', subject: 'ops-admin-hash', scheme: 'bearer' };
const request = (
  routeKey: string,
  { params = {}, body }: { params?: Record<string, string>; body?: unknown } = {},
): APIGatewayProxyEventV2 => {
  const [method, path] = routeKey.split(' ') as [string, string];
  const rawPath = path.replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? '');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { lambda: admin },
      requestId: 'r',
      routeKey,
      stage: '$default',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
};
const status = (result: unknown) => (result as { statusCode: number }).statusCode;

let ctx: AppContext;
let sent: ReturnType<typeof record>;
let hook: Receiver;
beforeAll(async () => {
  // Feed links are built on the public URL the stack gives the feeds function.
  ctx = await freshContext({ allowPrivateWebhooks: true, publicUrl: 'https://api.example.org' });
  sent = record(ctx.db);
  hook = await startReceiver();
});
afterAll(() => hook.close());

describe('functions confined to item families by dynamodb:LeadingKeys', () => {
  it('the authorizer reads and updates token-hash items only', async () => {
    // Prepare
    const { token } = await createToken(ctx, 'desk', 'reader');
    sent.take();
    // Act
    const answer = await authorizer({ headers: { authorization: `Bearer ${token}` } });
    await authorizer({ headers: { authorization: 'Bearer st_unknown' } });
    // Assess
    expect(answer.context).toMatchObject({ name: 'desk', role: 'reader' });
    const keys = sent.take();
    expect(keys.map((k) => k.command)).toEqual(expect.arrayContaining(['GetItem', 'UpdateItem']));
    expect(outside('authorizer', keys)).toEqual([]);
  });

  it('the tokens function creates, lists and revokes within token items', async () => {
    // Act
    const created = await tokens(request('POST /tokens', { body: { name: 'night-desk', role: 'editor' } }));
    const listed = await tokens(request('GET /tokens'));
    const revoked = await tokens(request('DELETE /tokens/{name}', { params: { name: 'night-desk' } }));
    // Assess
    expect([status(created), status(listed), status(revoked)]).toEqual([201, 200, 204]);
    const keys = sent.take();
    expect(keys.length).toBeGreaterThan(3);
    expect(outside('tokens', keys)).toEqual([]);
  });

  it('the kinds function writes the KINDS partition only', async () => {
    // Act
    const put = await kinds(
      request('PUT /kinds/{kind}', {
        params: { kind: 'mediation' },
        body: {
          label: 'Mediation',
          statuses: [
            { name: 'offered', terminal: false },
            { name: 'done', terminal: true },
          ],
        },
      }),
    );
    // Assess
    expect(status(put)).toBe(201);
    const keys = sent.take();
    expect(keys.length).toBeGreaterThan(0);
    expect(outside('kinds', keys)).toEqual([]);
  });

  it('the recount function reads and writes scenario items only (threads come from the scenario index)', async () => {
    // Prepare: threads in a scenario that has no item yet is the widest path (it creates one)
    await createThread(
      ctx,
      { id: 'family-t1', scenario: 'families', kind: 'summit', title: 't', status: 'proposed', summary: 's' },
      { principal: { name: 'test', role: 'editor' } },
    );
    await ctx.recounts.flush();
    sent.take();
    const body = JSON.stringify({ detail: { scenario: 'families' } });
    // Act
    const result = await recount({ Records: [{ messageId: 'm1', body }] } as SQSEvent);
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const keys = sent.take();
    expect(keys.length).toBeGreaterThan(0);
    expect(outside('scenario-recount', keys)).toEqual([]);
  });

  it('the subscriptions and delivery functions stay within subscription, delivery and attempt-log items', async () => {
    // Act: the whole life of a subscription, and an event fanned out and delivered to it
    const created = await subscriptions(request('POST /subscriptions', { body: { url: hook.url } }));
    const id = JSON.parse((created as { body: string }).body).id as string;
    const steps = [
      await subscriptions(request('GET /subscriptions')),
      await subscriptions(request('GET /subscriptions/{id}', { params: { id } })),
      await subscriptions(
        request('PATCH /subscriptions/{id}', { params: { id }, body: { description: 'desk' } }),
      ),
      await subscriptions(request('POST /subscriptions/{id}/ping', { params: { id } })),
    ];
    const bySubscriptions = sent.take();
    const event = statusChanged(
      { id: 'family-t1', scenario: 'families', status: 'agreed' },
      'proposed',
      new Date().toISOString(),
    );
    const body = JSON.stringify({
      version: '0',
      source: 'scenario-tracker',
      'detail-type': event.type,
      detail: event,
    });
    const fanned = await deliveries({ Records: [{ messageId: 'm1', body }] } as SQSEvent);
    await deliveries({ time: new Date().toISOString() });
    const byDeliveries = sent.take();
    const removed = await subscriptions(request('DELETE /subscriptions/{id}', { params: { id } }));
    bySubscriptions.push(...sent.take());
    // Assess
    expect([status(created), ...steps.map(status), status(removed)]).toEqual([201, 200, 200, 200, 202, 204]);
    expect(fanned).toEqual({ batchItemFailures: [] });
    expect(hook.received.length).toBeGreaterThan(0);
    expect(byDeliveries.length).toBeGreaterThan(0);
    expect(outside('subscriptions', bySubscriptions)).toEqual([]);
    expect(outside('deliveries', byDeliveries)).toEqual([]);
  });

  it('the feeds function reads thread and scenario items only (threads come from the scenario update-time index)', async () => {
    // Prepare: two threads of one scenario (which gets its item), one with a second update
    const editor = { principal: { name: 'test', role: 'editor' } } as const;
    for (const id of ['feed-t1', 'feed-t2'])
      await createThread(
        ctx,
        { id, scenario: 'feed-families', kind: 'summit', title: id, status: 'proposed', summary: 's' },
        editor,
      );
    await postUpdate(ctx, 'feed-t1', { status: 'announced', summary: 'Announced.' }, editor);
    sent.take();
    // Act
    const threadFeed = await feeds(request('GET /threads/{id}/feed.atom', { params: { id: 'feed-t1' } }));
    const scenarioFeed = await feeds(
      request('GET /scenarios/{id}/feed.atom', { params: { id: 'feed-families' } }),
    );
    // Assess
    expect([status(threadFeed), status(scenarioFeed)]).toEqual([200, 200]);
    expect((scenarioFeed as { body: string }).body.match(/<entry>/g)).toHaveLength(3);
    const keys = sent.take();
    expect(keys.map((k) => k.command)).toEqual(expect.arrayContaining(['GetItem', 'Query']));
    expect(outside('feeds', keys)).toEqual([]);
  });

  it('would catch a key outside the family (the check itself can fail)', () => {
    expect(outside('authorizer', [{ command: 'GetItem', pk: 'TOKENS' }])).toHaveLength(1);
    expect(outside('scenario-recount', [{ command: 'GetItem', pk: 'THREAD#x' }])).toHaveLength(1);
    expect(outside('feeds', [{ command: 'GetItem', pk: 'TOKEN#x' }])).toHaveLength(1);
  });
});
