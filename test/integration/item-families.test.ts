import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { like } from '../support/iam';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as authorizerFunction from '../../functions/authorizer';
import * as deliveriesFunction from '../../functions/deliveries';
import * as feedsFunction from '../../functions/feeds';
import * as kindsFunction from '../../functions/kinds';
import * as recountFunction from '../../functions/scenario-recount';
import * as subscriptionsFunction from '../../functions/subscriptions';
import * as tokensFunction from '../../functions/tokens';
import * as threadsReadFunction from '../../functions/threads-read';
import * as threadsWriteFunction from '../../functions/threads-write';
import * as inboxFunction from '../../functions/inbox';
import * as scenarioImportFunction from '../../functions/scenario-import';
import * as staleCheckFunction from '../../functions/stale-check';
import * as liveAuthorizerFunction from '../../functions/live-authorizer';
import * as liveRoutesFunction from '../../functions/live-connections';
import type { LiveRouteEvent } from '../../functions/live-connections';
import * as liveFanOutFunction from '../../functions/live-fanout';
import * as sourceScheduleFunction from '../../functions/source-schedule';
import * as sourcePollerFunction from '../../functions/source-poller';
import { startFeedServer } from '../support/feed-server';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import type { AnyFunctionName } from '../../infra/bundling';
import { LIMITED_RETURN_VALUES, tableStatementsOf, type TableStatement } from '../../infra/permissions';
import { tableDefinition } from '../../shared/store/table';
import { appContext, type AppContext } from '../../shared/app/context';
import { cloudLive } from '../../shared/app/live';
import { createThread, patchThread, postUpdate } from '../../shared/app/threads';
import { createToken, hashToken } from '../../shared/app/tokens';
import { statusChanged } from '../../shared/domain/event';
import { freshContext } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';
import { startReceiver, type Receiver } from '../support/receiver';

/**
 * Every table statement of every function's role carries dynamodb:LeadingKeys (infra/permissions.ts,
 * derived from shared/store/access.ts): in the cloud, a key outside the function's families, an
 * index it may not query, or an attribute its update may not name is AccessDenied. DynamoDB Local
 * does not enforce IAM, so this runs each function's real handler over DynamoDB Local, records every
 * item request it sends (a transaction's parts one by one, as IAM authorises them; an index Query
 * by the value of that index's partition key, which is what LeadingKeys means there), and checks
 * each against the function's statements as IAM would: the action, the resource (the table or that
 * index), every key by StringLike, and the attributes of an attribute-limited update.
 */

interface Sent {
  action: string;
  /** The index a Query reads; undefined for the base table. */
  index?: string;
  keys: string[];
  /** Top-level attribute names an UpdateItem names (its key, its expressions). */
  attributes?: string[];
  returnValues?: string;
}

/** Each index's partition key attribute (the local index's is the table's PK), from the table's definition. */
const DEFINITION = tableDefinition('any');
const INDEX_PK = new Map(
  [...(DEFINITION.GlobalSecondaryIndexes ?? []), ...(DEFINITION.LocalSecondaryIndexes ?? [])].map((i) => [
    i.IndexName!,
    i.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName!,
  ]),
);

const EXPRESSION_WORDS = new Set(
  'SET REMOVE ADD DELETE AND OR NOT IN BETWEEN attribute_exists attribute_not_exists attribute_type begins_with contains size list_append if_not_exists'.split(
    ' ',
  ),
);
/** The top-level attribute names an update names: its key's and every name in its expressions. */
function attributesOf(op: Record<string, any>): string[] {
  const names = new Set<string>(Object.keys(op.Key ?? {}));
  for (const expression of [op.UpdateExpression, op.ConditionExpression]) {
    const text = String(expression ?? '').replace(/:\w+/g, ' ');
    for (const [token] of text.matchAll(/#?[A-Za-z_][\w]*(\.[#\w.]+)?/g)) {
      const top = token.split('.')[0]!;
      if (EXPRESSION_WORDS.has(top)) continue;
      names.add(top.startsWith('#') ? String(op.ExpressionAttributeNames[top]) : top);
    }
  }
  return [...names].sort();
}

/** The item requests a command makes, as IAM authorises them. */
function requestsOf(command: string, input: Record<string, any>): Sent[] {
  const pkOf = (o: Record<string, any> | undefined) => (o?.PK === undefined ? [] : [String(o.PK)]);
  switch (command) {
    case 'GetItem':
    case 'DeleteItem':
    case 'ConditionCheckItem':
      return [{ action: command, keys: pkOf(input.Key) }];
    case 'UpdateItem':
      return [
        {
          action: command,
          keys: pkOf(input.Key),
          attributes: attributesOf(input),
          ...(input.ReturnValues ? { returnValues: String(input.ReturnValues) } : {}),
        },
      ];
    case 'PutItem':
      return [{ action: command, keys: pkOf(input.Item) }];
    case 'BatchGetItem':
      return [
        {
          action: command,
          keys: Object.values(input.RequestItems as Record<string, { Keys: Record<string, any>[] }>).flatMap(
            (r) => r.Keys.flatMap(pkOf),
          ),
        },
      ];
    case 'TransactWriteItems': {
      const ACTIONS: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      return (input.TransactItems as Record<string, Record<string, any>>[]).flatMap((t) =>
        Object.entries(t).flatMap(([kind, op]) => requestsOf(ACTIONS[kind]!, op)),
      );
    }
    case 'Query': {
      // The partition key's equality is the key condition's first clause (`PK = :pk`, `#pk = :pk`).
      const [, name, value] = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression)) ?? [];
      if (!name || !value) throw new Error(`unexpected key condition ${input.KeyConditionExpression}`);
      const attribute = name.startsWith('#') ? input.ExpressionAttributeNames[name] : name;
      const expected = input.IndexName ? INDEX_PK.get(input.IndexName) : 'PK';
      if (attribute !== expected)
        throw new Error(`${input.IndexName ?? 'table'} is keyed by ${expected}, not ${attribute}`);
      return [
        {
          action: command,
          ...(input.IndexName ? { index: String(input.IndexName) } : {}),
          keys: [String(input.ExpressionAttributeValues[value])],
        },
      ];
    }
    case 'BatchWriteItem':
      return [
        {
          action: command,
          keys: Object.values(
            input.RequestItems as Record<
              string,
              { PutRequest?: { Item: Record<string, any> }; DeleteRequest?: { Key: Record<string, any> } }[]
            >,
          ).flatMap((requests) => requests.flatMap((r) => pkOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key))),
        },
      ];
    default:
      throw new Error(`no rule for ${command}: add one before granting it`);
  }
}

function record(db: DynamoDBDocumentClient) {
  let sent: Sent[] = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      sent.push(...requestsOf(command, args.input as Record<string, any>));
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

/** Whether one of the statements allows the request, as IAM would decide it. */
const allows = (statements: TableStatement[], r: Sent) =>
  statements.some(
    (s) =>
      s.actions.includes(`dynamodb:${r.action}`) &&
      (r.index === undefined ? s.indexes === undefined : (s.indexes ?? []).includes(r.index as never)) &&
      r.keys.every((k) => s.keys.some((pattern) => like(pattern, k))) &&
      (s.attributes === undefined ||
        ((r.attributes ?? []).every((a) => s.attributes!.includes(a)) &&
          (r.returnValues === undefined ||
            (LIMITED_RETURN_VALUES as readonly string[]).includes(r.returnValues)))),
  );
/** The requests the function's role would refuse. */
const denied = (name: AnyFunctionName, sent: Sent[]) =>
  sent.filter((r) => !allows(tableStatementsOf(name), r));

const admin = { name: 'ops-admin', role: 'admin', subject: 'ops-admin-hash', scheme: 'bearer' };
const request = (
  routeKey: string,
  {
    params = {},
    body,
    query = {},
    headers = {},
  }: {
    params?: Record<string, string>;
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 => {
  const [method, path] = routeKey.split(' ') as [string, string];
  const rawPath = path.replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? '');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json', ...headers },
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
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

const CALLBACK = 'https://abc123.execute-api.eu-west-1.amazonaws.com/live';
// API Gateway's management API is an external endpoint: faked; every table call is real.
const management = mockClient(ApiGatewayManagementApiClient);
afterAll(() => management.restore());

// Each function's own handler, over this file's context (every store, on the recorded client)
// instead of the clients its module builds from the environment.
const authorizer = authorizerFunction.handlerFor(appContext);
const deliveries = deliveriesFunction.handlerFor(appContext);
const feeds = feedsFunction.handler.with(appContext);
const kinds = kindsFunction.handler.with(appContext);
const recount = recountFunction.handlerFor(appContext);
const subscriptions = subscriptionsFunction.handler.with(appContext);
const tokens = tokensFunction.handler.with(appContext);
const threadsRead = threadsReadFunction.handler.with(appContext);
const threadsWrite = threadsWriteFunction.handler.with(appContext);
const inbox = inboxFunction.handler.with(appContext);
const scenarioImport = scenarioImportFunction.handler.with(appContext);
const staleCheck = staleCheckFunction.handlerFor(appContext);
const liveAuthorizer = liveAuthorizerFunction.handlerFor(appContext);
const liveRoutes = liveRoutesFunction.handlerFor(() => cloudLive(appContext()));
const liveFanOut = liveFanOutFunction.handlerFor(() => cloudLive(appContext()));
const sourcePoller = sourcePollerFunction.handlerFor(appContext);

let ctx: AppContext;
const bus = new RecordingPublisher();
let sent: ReturnType<typeof record>;
let hook: Receiver;
beforeAll(async () => {
  // Published events stop at a bus, as in the cloud: no in-process fan-out runs inside a function's
  // request and sends requests that are not the function's (the deliveries and live fan-out
  // functions are run on their own below).
  // Kinds are read afresh on every use, as a cold function reads them (no cache warmed by another).
  ctx = await freshContext(
    {
      allowPrivateWebhooks: true,
      liveCallbackUrl: CALLBACK,
      kindsCacheSeconds: 0,
      // Feed links are built on the public URL the stack gives the feeds function.
      publicUrl: 'https://api.example.org',
    },
    { publisher: bus },
  );
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
    expect(keys.map((k) => k.action)).toEqual(expect.arrayContaining(['GetItem', 'UpdateItem']));
    expect(denied('authorizer', keys)).toEqual([]);
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
    expect(denied('tokens', keys)).toEqual([]);
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
    expect(denied('kinds', keys)).toEqual([]);
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
    expect(denied('scenario-recount', keys)).toEqual([]);
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
    expect(denied('subscriptions', bySubscriptions)).toEqual([]);
    expect(denied('deliveries', byDeliveries)).toEqual([]);
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
    // The scenario's threads by their newest write: its changes feed (GSI12), then the threads by key.
    expect(keys.map((k) => k.index ?? k.action)).toEqual(
      expect.arrayContaining(['GetItem', 'Query', 'GSI12', 'BatchGetItem']),
    );
    expect(denied('feeds', keys)).toEqual([]);
  });

  it('the feeds function exports, describes and calendars a scenario within its grants (the Lambda entry point buffers the export)', async () => {
    // Prepare: the scenario of the test above, and an expected event set by PATCH (the calendar's state)
    const editor = { principal: { name: 'test', role: 'editor' } } as const;
    await patchThread(
      ctx,
      'feed-t2',
      { expected: { what: 'Summit', at: '2026-03-01T00:00:00.000Z', precision: 'day' } },
      editor,
    );
    sent.take();
    // Act
    const csv = await feeds(request('GET /scenarios/{id}/export', { params: { id: 'feed-families' } }));
    const pkg = await feeds(
      request('GET /scenarios/{id}/datapackage.json', { params: { id: 'feed-families' } }),
    );
    const ics = await feeds(request('GET /scenarios/{id}/calendar.ics', { params: { id: 'feed-families' } }));
    // Assess
    expect([status(csv), status(pkg), status(ics)]).toEqual([200, 200, 200]);
    const exported = csv as { body: string; isBase64Encoded?: boolean; stream?: unknown };
    expect(exported.stream).toBeUndefined();
    expect(exported.isBase64Encoded).toBe(true);
    expect(Buffer.from(exported.body, 'base64').toString('utf8').split('\r\n').filter(Boolean)).toHaveLength(
      4,
    );
    expect((ics as { body: string }).body).toContain('UID:feed-t2@scenario-tracker');
    expect(denied('feeds', sent.take())).toEqual([]);
  });

  it('the feeds function archives a scenario, and scenario-import imports it elsewhere, each within its grants', async () => {
    // Prepare: the scenario of the tests above, archived by feeds
    sent.take();
    const archived = await feeds(request('GET /scenarios/{id}/archive', { params: { id: 'feed-families' } }));
    const reads = sent.take();
    // its copy under new scenario and thread ids
    const text = Buffer.from((archived as { body: string }).body, 'base64').toString('utf8');
    const copy = text.replaceAll('feed-families', 'feed-copies').replaceAll('"feed-t', '"copy-t');
    // Act
    const imported = await scenarioImport({
      ...request('POST /scenarios/import', { headers: { 'content-type': 'application/x-ndjson' } }),
      body: copy,
    });
    // Assess
    expect([status(archived), status(imported)]).toEqual([200, 201]);
    expect(denied('feeds', reads)).toEqual([]);
    const writes = sent.take();
    expect(writes.map((k) => k.action)).toEqual(
      expect.arrayContaining(['Query', 'GetItem', 'BatchGetItem', 'PutItem', 'BatchWriteItem', 'DeleteItem']),
    );
    expect(denied('scenario-import', writes)).toEqual([]);
  });

  it('threads-write creates, updates (late too), retracts, amends, moves and archives within its families and indexes', async () => {
    // Prepare
    sent.take();
    const write = (routeKey: string, opts: Parameters<typeof request>[1]) =>
      threadsWrite(request(routeKey, opts));
    const key = (n: number) => ({ 'idempotency-key': `families-${n}` });
    // Act: every write route, with and without Idempotency-Key
    const results = [
      await write('POST /scenarios', { body: { id: 'iam-families', title: 'IAM' }, headers: key(1) }),
      await write('PATCH /scenarios/{id}', {
        params: { id: 'iam-families' },
        body: { title: 'IAM families' },
      }),
      await write('POST /threads', {
        body: {
          id: 'iam-parent',
          scenario: 'iam-families',
          kind: 'summit',
          title: 'p',
          status: 'proposed',
          summary: 's',
        },
        headers: key(2),
      }),
      await write('POST /threads', {
        body: {
          id: 'iam-child',
          scenario: 'iam-families',
          kind: 'summit',
          title: 'c',
          status: 'proposed',
          summary: 's',
          parent: 'iam-parent',
        },
      }),
      await write('POST /threads/{id}/updates', {
        params: { id: 'iam-parent' },
        body: { status: 'announced', summary: 'Announced.', occurredAt: '2025-05-20T12:00:00Z' },
        headers: key(3),
      }),
      // A late report: occurred before the latest update (the LSI1 window after it).
      await write('POST /threads/{id}/updates', {
        params: { id: 'iam-parent' },
        body: { status: 'proposed', summary: 'Earlier.', occurredAt: '2025-05-18T12:00:00Z' },
      }),
    ];
    const late = JSON.parse((results[5] as { body: string }).body) as { update: { id: string } };
    results.push(
      await write('POST /threads/{id}/updates/{updateId}/retraction', {
        params: { id: 'iam-parent', updateId: late.update.id },
        body: { reason: 'Wrong date.' },
        headers: key(4),
      }),
    );
    const announced = JSON.parse((results[4] as { body: string }).body) as { update: { id: string } };
    results.push(
      await write('PATCH /threads/{id}/updates/{updateId}', {
        params: { id: 'iam-parent', updateId: announced.update.id },
        body: { summary: 'Announced, with a date.' },
      }),
      await write('PATCH /threads/{id}', {
        params: { id: 'iam-child' },
        body: { parent: null, title: 'c2' },
      }),
      await write('PATCH /threads/{id}', { params: { id: 'iam-parent' }, body: { parent: 'iam-child' } }),
      await write('PATCH /threads/{id}', { params: { id: 'iam-child' }, body: { archived: true } }),
      // Contract 1.2: criteria (a revision item), keywords, and a key flag.
      await write('PATCH /threads/{id}', {
        params: { id: 'iam-parent' },
        body: { criteria: 'agreed: both sides confirm.', keywords: ['IAM'] },
      }),
      await write('PATCH /threads/{id}/updates/{updateId}', {
        params: { id: 'iam-parent', updateId: announced.update.id },
        body: { key: true },
      }),
      // A replay: the idempotency record answers.
      await write('POST /threads/{id}/updates', {
        params: { id: 'iam-parent' },
        body: { status: 'announced', summary: 'Announced.', occurredAt: '2025-05-20T12:00:00Z' },
        headers: key(3),
      }),
    );
    // Assess
    expect(results.map(status)).toEqual([
      201, 200, 201, 201, 201, 201, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const keys = sent.take();
    expect(new Set(keys.map((k) => k.index ?? k.action))).toEqual(
      new Set(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'LSI1', 'GSI10']),
    );
    expect(denied('threads-write', keys)).toEqual([]);
  });

  it('drafts (contract 1.2): threads-write drafts, publishes and discards, threads-read lists them, within their families', async () => {
    // Prepare: a thread of its own; the publish comes from a second editor
    await createThread(
      ctx,
      {
        id: 'iam-drafts',
        scenario: 'iam-drafts',
        kind: 'summit',
        title: 'D',
        status: 'proposed',
        summary: 'P.',
      },
      { principal: { name: 'seed', role: 'admin' } },
    );
    sent.take();
    const second = (event: APIGatewayProxyEventV2) => {
      (event.requestContext as unknown as { authorizer: { lambda: object } }).authorizer.lambda = {
        ...admin,
        name: 'second-desk',
        subject: 'second-desk-hash',
      };
      return event;
    };
    const drafted = async (n: number) =>
      JSON.parse(
        (
          (await threadsWrite(
            request('POST /threads/{id}/updates', {
              params: { id: 'iam-drafts' },
              body: { status: 'announced', summary: `Draft ${n}.`, draft: true },
              headers: { 'idempotency-key': `families-draft-${n}` },
            }),
          )) as { body: string }
        ).body,
      ).update.id as string;
    // Act
    const [one, two] = [await drafted(1), await drafted(2)];
    const writes = [
      await threadsWrite(
        second(
          request('POST /threads/{id}/updates/{updateId}/publish', {
            params: { id: 'iam-drafts', updateId: one },
          }),
        ),
      ),
      await threadsWrite(
        request('DELETE /threads/{id}/updates/{updateId}', { params: { id: 'iam-drafts', updateId: two } }),
      ),
    ];
    const writeKeys = sent.take();
    const reads = [
      await threadsRead(
        request('GET /threads/{id}/updates', { params: { id: 'iam-drafts' }, query: { drafts: 'true' } }),
      ),
      await threadsRead(request('GET /drafts', { query: { scenario: 'iam-drafts' } })),
    ];
    const readKeys = sent.take();
    // Assess
    expect(writes.map(status)).toEqual([201, 204]);
    expect(reads.map(status)).toEqual([200, 200]);
    expect(denied('threads-write', writeKeys)).toEqual([]);
    expect(denied('threads-read', readKeys)).toEqual([]);
    expect(readKeys.some((k) => k.index === 'GSI1')).toBe(true);
  });

  it('the inbox function receives, deduplicates, matches, lists, accepts and dismisses inbox items within its families and indexes', async () => {
    // Prepare
    const write = (routeKey: string, opts: Parameters<typeof request>[1]) => inbox(request(routeKey, opts));
    await threadsWrite(
      request('POST /threads', {
        body: {
          id: 'iam-inbox',
          scenario: 'iam-inbox',
          kind: 'summit',
          title: 'Trump–Putin meeting',
          status: 'announced',
          summary: 's',
        },
      }),
    );
    const item = (url: string, title: string, summary = '') =>
      write('POST /inbox', { body: { scenario: 'iam-inbox', url, title, summary } });
    const wire =
      'President Donald Trump said Friday he will meet with Russian President Vladimir Putin next Friday in Alaska.';
    sent.take();
    // Act: a new item, the same link again, a near copy elsewhere, an acceptance, a dismissal, the list
    const first = await item('https://example.com/a', 'Trump sets meeting date with Putin in Alaska', wire);
    const again = await item(
      'https://EXAMPLE.com/a#top',
      'Trump sets meeting date with Putin in Alaska',
      wire,
    );
    const copy = await item(
      'https://example.org/b',
      'Trump sets meeting date with Putin in Alaska',
      `(AP) ${wire}`,
    );
    const other = await item('https://example.net/c', 'Liverpool win the Premier League title');
    const id = (r: unknown) => (JSON.parse((r as { body: string }).body) as { id: string }).id;
    const accepted = await write('POST /inbox/{id}/accept', {
      params: { id: id(first) },
      body: { threadId: 'iam-inbox' },
      headers: { 'idempotency-key': 'families-inbox' },
    });
    const dismissed = await write('POST /inbox/{id}/dismiss', {
      params: { id: id(other) },
      body: {},
      headers: { 'idempotency-key': 'families-dismiss' },
    });
    const writeKeys = sent.take();
    const listed = await write('GET /inbox', { query: { scenario: 'iam-inbox', state: 'accepted' } });
    const listKeys = sent.take();
    // Assess
    expect([first, again, copy, other, accepted, dismissed, listed].map(status)).toEqual([
      201, 200, 200, 201, 201, 200, 200,
    ]);
    expect(new Set(writeKeys.map((k) => k.index ?? k.action))).toEqual(
      // GSI12: the scenario's latest thread write, whether matching's thread index is current.
      // BatchGetItem: the threads a scenario's list (GSI1's listing items) names.
      new Set(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchGetItem', 'GSI1', 'GSI12', 'GSI2', 'LSI1']),
    );
    expect(listKeys.map((k) => k.index ?? k.action)).toEqual(['GSI1']);
    expect(denied('inbox', [...writeKeys, ...listKeys])).toEqual([]);
    // What threads-write no longer needs: the inbox's items and indexes are refused to it now.
    expect(denied('threads-write', writeKeys).length).toBeGreaterThan(0);
  });

  it('news sources (contract 1.2): the inbox function manages and fetches them, the schedule finds the due ones, the poller polls one, each within its families and indexes', async () => {
    // Prepare: a feed on 127.0.0.1 (private addresses allowed in this context) and a thread to match
    const feeds = await startFeedServer([
      { title: 'Trump and Putin to meet in Alaska', url: 'https://wire.example.org/iam/alaska' },
    ]);
    const other = await startFeedServer([
      { title: 'Putin arrives in Anchorage for the summit', url: 'https://wire.example.org/iam/anchorage' },
    ]);
    try {
      await threadsWrite(
        request('POST /threads', {
          body: {
            id: 'iam-sources',
            scenario: 'iam-sources',
            kind: 'summit',
            title: 'Trump–Putin meeting',
            status: 'announced',
            summary: 's',
          },
        }),
      );
      const write = (routeKey: string, opts: Parameters<typeof request>[1]) => inbox(request(routeKey, opts));
      const id = (r: unknown) => (JSON.parse((r as { body: string }).body) as { id: string }).id;
      sent.take();
      // Act: the inbox function's routes
      // With an Idempotency-Key: the source and the key's completion in one transaction.
      const made = await write('POST /sources', {
        body: { scenario: 'iam-sources', url: feeds.url('/rss') },
        headers: { 'idempotency-key': 'families-source' },
      });
      const polled = await write('POST /sources', {
        body: { scenario: 'iam-sources', url: other.url('/json') },
      });
      const read = await write('GET /sources/{id}', { params: { id: id(made) } });
      const listed = await write('GET /sources', { query: { scenario: 'iam-sources' } });
      const patched = await write('PATCH /sources/{id}', {
        params: { id: id(made) },
        body: { intervalMinutes: 30 },
      });
      const fetched = await write('POST /sources/{id}/fetch', { params: { id: id(made) } });
      const deleted = await write('DELETE /sources/{id}', { params: { id: id(made) } });
      const inboxKeys = sent.take();
      // The schedule: the due sources (its PutEvents is no table call; recorded here instead)
      const dispatched: string[] = [];
      await sourceScheduleFunction.handlerFor(() => ({
        sources: ctx.sources,
        dispatch: { dispatch: async (ids) => void dispatched.push(...ids) },
      }))({});
      const scheduleKeys = sent.take();
      // The poller: one queued due source
      const batch = await sourcePoller({
        Records: [{ messageId: 'm1', body: JSON.stringify({ detail: { sourceId: id(polled) } }) }],
      } as unknown as SQSEvent);
      const pollerKeys = sent.take();
      // Assess
      expect([made, polled, read, listed, patched, fetched, deleted].map(status)).toEqual([
        201, 201, 200, 200, 200, 200, 204,
      ]);
      expect(dispatched).toContain(id(polled));
      expect(batch).toEqual({ batchItemFailures: [] });
      expect((await ctx.sources.get(id(polled), true))?.lastResult).toBe(200);
      expect(new Set(scheduleKeys.map((k) => k.index ?? k.action))).toEqual(new Set(['GSI3']));
      expect(denied('inbox', inboxKeys)).toEqual([]);
      expect(denied('source-schedule', scheduleKeys)).toEqual([]);
      expect(denied('source-poller', pollerKeys)).toEqual([]);
      // Neither reaches the other's part: the poller never lists or deletes, the schedule reads no item.
      expect(denied('source-poller', inboxKeys).length).toBeGreaterThan(0);
      expect(denied('source-schedule', pollerKeys).length).toBeGreaterThan(0);
    } finally {
      await feeds.close();
      await other.close();
    }
  });

  it('threads-read serves every read route, every list filter and history view within its families and indexes', async () => {
    // Prepare
    await ctx.recounts.flush();
    sent.take();
    const read = (routeKey: string, opts: Parameters<typeof request>[1] = {}) =>
      threadsRead(request(routeKey, opts));
    const scenario = 'iam-families';
    // Act
    const results = [
      await read('GET /threads'),
      await read('GET /threads', { query: { scenario } }),
      await read('GET /threads', { query: { scenario, status: 'announced' } }),
      await read('GET /threads', { query: { status: 'announced' } }),
      await read('GET /threads', { query: { scenario, stale: 'true' } }),
      await read('GET /threads', { query: { stale: 'true' } }),
      // Recent: read from the changes feed's carriers (GSI12, the outbox partitions) and the threads by key.
      await read('GET /threads', {
        query: { scenario, updatedSince: new Date(Date.now() - 86_400_000).toISOString() },
      }),
      await read('GET /threads', {
        query: { updatedSince: new Date(Date.now() - 86_400_000).toISOString() },
      }),
      await read('GET /threads', { query: { parent: 'iam-child' } }),
      await read('GET /threads', { query: { scenario, archived: 'any', kind: 'summit' } }),
      await read('GET /threads/{id}', { params: { id: 'iam-parent' } }),
      await read('GET /threads/{id}', {
        params: { id: 'iam-parent' },
        query: { asOf: '2025-05-21T00:00:00Z' },
      }),
      await read('GET /threads/{id}', {
        params: { id: 'iam-parent' },
        // Now, to the millisecond: cut to the second it could fall before the thread was recorded.
        query: { knownAt: new Date().toISOString() },
      }),
      await read('GET /threads/{id}/updates', { params: { id: 'iam-parent' } }),
      await read('GET /scenarios'),
      await read('GET /scenarios/{id}', { params: { id: scenario } }),
      await read('GET /scenarios/{id}/timeline', { params: { id: scenario } }),
      await read('GET /kinds'),
    ];
    const { items } = JSON.parse((results[13] as { body: string }).body) as { items: { id: string }[] };
    results.push(
      await read('GET /threads/{id}/updates/{updateId}', {
        params: { id: 'iam-parent', updateId: items[0]!.id },
      }),
      await read('GET /threads/{id}/updates/{updateId}/revisions', {
        params: { id: 'iam-parent', updateId: items[0]!.id },
      }),
      // Contract 1.2: the criteria revisions, in the thread's partition.
      await read('GET /threads/{id}/criteria', { params: { id: 'iam-parent' } }),
      await read('GET /scenarios/{id}/timeline', { params: { id: scenario }, query: { key: 'true' } }),
      // The changes feed: a scenario's (GSI12) and every scenario's (the outbox partitions, Query only).
      await read('GET /scenarios/{id}/changes', {
        params: { id: scenario },
        query: { since: new Date(Date.now() - 86_400_000).toISOString() },
      }),
      await read('GET /changes', { query: { since: new Date(Date.now() - 86_400_000).toISOString() } }),
    );
    // Assess
    expect(results.map(status)).toEqual(results.map(() => 200));
    const keys = sent.take();
    expect(new Set(keys.map((k) => k.index ?? k.action))).toEqual(
      new Set([
        'GetItem',
        'Query',
        'LSI1',
        'GSI1',
        'GSI2',
        'GSI5',
        'GSI6',
        'GSI7',
        'GSI10',
        'GSI12',
        'BatchGetItem',
      ]),
    );
    expect(denied('threads-read', keys)).toEqual([]);
  });

  it('GET /search reads the scenarios, their threads and updates, and then only the writes since and what they name', async () => {
    // Prepare: the views read whole on the first search; a write after it.
    sent.take();
    const first = await threadsRead(request('GET /search', { query: { q: 't' } }));
    const reading = sent.take();
    appContext().search.refreshOnNextSearch();
    // Act: the next search catches up.
    const again = await threadsRead(request('GET /search', { query: { q: 't' } }));
    const catchingUp = sent.take();
    // Assess
    expect(status(first)).toBe(200);
    expect(JSON.parse((first as { body: string }).body).items.length).toBeGreaterThan(0);
    expect(status(again)).toBe(200);
    // Queries, and the threads its list partitions name (BatchGetItem: GSI1 holds their listing items).
    expect(new Set(reading.map((k) => k.action))).toEqual(new Set(['Query', 'BatchGetItem']));
    // (BatchGetItem too when writes of the last seconds name items to read again.)
    expect(catchingUp.map((k) => k.action)).toContain('Query');
    expect(catchingUp.filter((k) => k.action !== 'Query' && k.action !== 'BatchGetItem')).toEqual([]);
    expect(denied('threads-read', [...reading, ...catchingUp])).toEqual([]);
  });

  it('the stale check flags stale and overdue threads (their notifications into the outbox) and sweeps counts within its families and indexes', async () => {
    // Prepare: a watched thread due in an hour, one awaiting something due yesterday
    const editor = { principal: { name: 'test', role: 'editor' } } as const;
    await createThread(
      ctx,
      {
        id: 'iam-stale',
        scenario: 'iam-check',
        kind: 'summit',
        title: 't',
        status: 'proposed',
        summary: 's',
        staleAfterHours: 1,
      },
      editor,
    );
    const daysAgo = (n: number) =>
      new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const [yesterday, twoDaysAgo] = [daysAgo(1), daysAgo(2)];
    await createThread(
      ctx,
      {
        id: 'iam-overdue',
        scenario: 'iam-check',
        kind: 'summit',
        title: 't',
        status: 'proposed',
        summary: 's',
        // Its only update occurred before the expected time: nothing has happened since.
        occurredAt: twoDaysAgo,
        expected: { what: 'A date', at: yesterday, precision: 'instant' },
      },
      editor,
    );
    sent.take();
    // Act
    const result = await staleCheck({ time: new Date(Date.now() + 2 * 3_600_000).toISOString() });
    // Assess
    expect(result.flagged).toContain('iam-stale');
    expect(result.overdue).toContain('iam-overdue');
    const keys = sent.take();
    expect(new Set(keys.map((k) => k.index ?? k.action))).toEqual(
      new Set([
        'GetItem',
        'BatchGetItem',
        'Query',
        'PutItem',
        'UpdateItem',
        'GSI1',
        'GSI3',
        'GSI11',
        'GSI12',
      ]),
    );
    expect(denied('stale-check', keys)).toEqual([]);
  });

  it('the live functions stay within token-hash and LIVE# items, the authorizer updating lastUsedAt only', async () => {
    // Prepare
    const { token } = await createToken(ctx, 'iam-wall', 'reader');
    const subject = hashToken(token);
    management.on(PostToConnectionCommand).resolves({});
    sent.take();
    // Act
    const allowed = await liveAuthorizer({ queryStringParameters: { token }, methodArn: 'arn' } as never);
    const byAuthorizer = sent.take();
    const route = (routeKey: string, body?: string) =>
      liveRoutes({
        requestContext: { routeKey, connectionId: 'iam-conn', authorizer: { subject, name: 'iam-wall' } },
        body,
      } as LiveRouteEvent);
    const answers = [
      await route('$connect'),
      await route('$default', JSON.stringify({ action: 'subscribe', scenario: 'iam-families' })),
    ];
    const byRoutes = sent.take();
    const fanned = await liveFanOut({
      detail: statusChanged(
        { id: 'iam-parent', scenario: 'iam-families', status: 'agreed' },
        'announced',
        new Date().toISOString(),
      ),
    });
    const byFanOut = sent.take();
    answers.push(await route('$disconnect'));
    byRoutes.push(...sent.take());
    // Assess
    expect(JSON.stringify(allowed)).toContain('Allow');
    expect(answers.map(status)).toEqual([200, 200, 200]);
    expect(fanned.sent).toBe(1);
    expect(byAuthorizer.map((k) => k.action).sort()).toEqual(['GetItem', 'UpdateItem']);
    expect(denied('live-authorizer', byAuthorizer)).toEqual([]);
    expect(denied('live-connections', byRoutes)).toEqual([]);
    expect(denied('live-fanout', byFanOut)).toEqual([]);
  });

  it('would catch a key outside the family, an index not granted, an attribute not granted (the check itself can fail)', () => {
    expect(denied('authorizer', [{ action: 'GetItem', keys: ['TOKENS'] }])).toHaveLength(1);
    expect(denied('scenario-recount', [{ action: 'GetItem', keys: ['THREAD#x'] }])).toHaveLength(1);
    expect(denied('feeds', [{ action: 'GetItem', keys: ['TOKEN#x'] }])).toHaveLength(1);
    expect(denied('threads-read', [{ action: 'GetItem', keys: ['TOKEN#x'] }])).toHaveLength(1);
    expect(denied('threads-read', [{ action: 'Query', keys: ['IDEMPOTENCY#x'] }])).toHaveLength(1);
    expect(denied('threads-read', [{ action: 'Query', index: 'GSI3', keys: ['DUE#0'] }])).toHaveLength(1);
    expect(denied('threads-write', [{ action: 'PutItem', keys: ['TOKEN#x'] }])).toHaveLength(1);
    expect(
      denied('stale-check', [{ action: 'UpdateItem', keys: ['TOKEN#x'], attributes: ['lastUsedAt'] }]),
    ).toHaveLength(1);
    expect(denied('feeds', [{ action: 'Query', index: 'GSI8', keys: ['THREADS#0'] }])).toHaveLength(1);
    const touch = { action: 'UpdateItem', keys: ['TOKEN#x'] };
    expect(denied('authorizer', [{ ...touch, attributes: ['PK', 'lastUsedAt'] }])).toEqual([]);
    expect(denied('authorizer', [{ ...touch, attributes: ['PK', 'role'] }])).toHaveLength(1);
    expect(
      denied('authorizer', [{ ...touch, attributes: ['PK', 'lastUsedAt'], returnValues: 'ALL_NEW' }]),
    ).toHaveLength(1);
  });
});
