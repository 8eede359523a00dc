import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handlerFor as authorizerFor } from '../../functions/live-authorizer';
import { handlerFor as routesFor, type LiveRouteEvent } from '../../functions/live-connections';
import { handlerFor as fanOutFor } from '../../functions/live-fanout';
import { appContext, type AppContext } from '../../shared/app/context';
import { cloudLive } from '../../shared/app/live';
import { createToken, hashToken } from '../../shared/app/tokens';
import { ping, updatePosted } from '../../shared/domain/event';
import { LIVE_LIMITS, messageWindow } from '../../shared/domain/live-protocol';
import {
  ConnectionStore,
  LIVE_IDLE_MS,
  LIVE_MAX_MS,
  LIVE_TTL_GRACE_MS,
  liveExpiry,
} from '../../shared/store/connection-store';
import { LIVE_SHARDS, liveConnectionKey, liveSubscriptionKey, shardOf } from '../../shared/store/keys';
import { freshContext } from '../support/context';

/**
 * The cloud's live WebSocket over DynamoDB Local: the connection store (its keys, expiry and
 * Queries), the three functions API Gateway invokes, and the fan-out fed as EventBridge invokes it.
 * Only API Gateway's management API (an external endpoint) is faked, with aws-sdk-client-mock.
 */

const CALLBACK = 'https://abc123.execute-api.eu-west-1.amazonaws.com/live';
// The three functions over this file's table (freshContext below) instead of the environment's.
const authorizer = authorizerFor(appContext);
const routes = routesFor(() => cloudLive(appContext()));
const fanOut = fanOutFor(() => cloudLive(appContext()));
let ctx: AppContext;
let store: ConnectionStore;
let subject: string;
const management = mockClient(ApiGatewayManagementApiClient);

beforeAll(async () => {
  ctx = await freshContext({ liveCallbackUrl: CALLBACK });
  store = new ConnectionStore(ctx.db, ctx.config.tableName);
  const made = await createToken(ctx, 'wall', 'reader');
  subject = hashToken(made.token);
});
beforeEach(() => management.reset());
afterAll(() => management.restore());

const itemOf = async (Key: Record<string, string>) =>
  (await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key, ConsistentRead: true }))).Item;

const route = (routeKey: string, connectionId: string, body?: string, auth = { subject, name: 'wall' }) =>
  routes({ requestContext: { routeKey, connectionId, authorizer: auth }, body } as LiveRouteEvent);

const now = Date.now();

describe('the connection store', () => {
  it('finds the subscribers of a target across every shard, with one Query per shard', async () => {
    // Prepare: enough connections that every shard holds some
    const ids = Array.from({ length: 24 }, (_, i) => `shards-${i}`);
    expect(new Set(ids.map((id) => shardOf(id, LIVE_SHARDS))).size).toBe(LIVE_SHARDS);
    for (const id of ids) {
      await store.connect({ connectionId: id, subject, name: 'wall' }, now);
      await store.subscribe(id, { scenario: 'sharded' }, now);
    }
    const queries: unknown[] = [];
    const send = ctx.db.send.bind(ctx.db);
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof QueryCommand) queries.push(command.input);
      return send(command as never);
    }) as never);

    // Act
    const found = await store.subscribersOf({ scenario: 'sharded' }, now);
    spy.mockRestore();

    // Assess
    expect(found.map((c) => c.connectionId).sort()).toEqual([...ids].sort());
    expect(found.every((c) => c.subject === subject)).toBe(true);
    expect(queries).toHaveLength(LIVE_SHARDS);
  });

  it('keeps every item of a connection under the LIVE# prefix, with the expiry API Gateway implies', async () => {
    // Prepare
    await store.connect({ connectionId: 'keys', subject, name: 'wall' }, now);

    // Act
    await store.subscribe('keys', { threadId: 'ceasefire' }, now);

    // Assess
    const connection = await itemOf(liveConnectionKey('keys'));
    const subscription = await itemOf(liveSubscriptionKey('thread:ceasefire', 'keys'));
    expect(connection).toMatchObject({
      PK: 'LIVE#CONN#keys',
      subject,
      name: 'wall',
      targets: new Set(['thread:ceasefire']),
    });
    expect(subscription).toMatchObject({ connectionId: 'keys', subject });
    expect(subscription!.PK).toMatch(/^LIVE#thread:ceasefire#[0-3]$/);
    const expected = Math.ceil((now + LIVE_IDLE_MS + LIVE_TTL_GRACE_MS) / 1000);
    expect(connection!.expiresAt).toBe(expected);
    expect(subscription!.expiresAt).toBe(expected);
  });

  it('moves the expiry on with client messages, never past two hours after connecting', async () => {
    // Prepare
    await store.connect({ connectionId: 'aging', subject, name: 'wall' }, now);
    await store.subscribe('aging', { scenario: 'aging' }, now);
    const later = now + LIVE_MAX_MS - 60_000;

    // Act
    await store.touch('aging', now + 5 * 60_000);
    const afterTouch = (await itemOf(liveSubscriptionKey('scenario:aging', 'aging')))!.expiresAt;
    await store.touch('aging', later);

    // Assess
    expect(afterTouch).toBe(liveExpiry(now, now + 5 * 60_000));
    const capped = Math.ceil((now + LIVE_MAX_MS + LIVE_TTL_GRACE_MS) / 1000);
    expect((await itemOf(liveConnectionKey('aging')))!.expiresAt).toBe(capped);
    expect((await itemOf(liveSubscriptionKey('scenario:aging', 'aging')))!.expiresAt).toBe(capped);
  });

  it('skips expired subscriptions that TTL has not deleted yet', async () => {
    // Prepare
    await store.connect({ connectionId: 'expired', subject, name: 'wall' }, now);
    await store.subscribe('expired', { scenario: 'expiring' }, now);

    // Act
    const soon = await store.subscribersOf({ scenario: 'expiring' }, now + 60_000);
    const late = await store.subscribersOf(
      { scenario: 'expiring' },
      now + LIVE_IDLE_MS + LIVE_TTL_GRACE_MS + 1000,
    );

    // Assess
    expect(soon.map((c) => c.connectionId)).toEqual(['expired']);
    expect(late).toEqual([]);
  });

  it('refuses a subscription beyond the limit and one on an unknown connection', async () => {
    // Prepare
    await store.connect({ connectionId: 'greedy', subject, name: 'wall' }, now);
    for (let i = 0; i < 20; i++) await store.subscribe('greedy', { threadId: `t-${i}` }, now);

    // Act
    const again = await store.subscribe('greedy', { threadId: 't-3' }, now);
    const unknown = await store.subscribe('nobody', { threadId: 't-3' }, now);

    // Assess
    expect(again).toBe(true);
    expect(unknown).toBe(false);
    await expect(store.subscribe('greedy', { threadId: 't-20' }, now)).rejects.toMatchObject({
      code: 'too_many_subscriptions',
    });
    expect(await itemOf(liveConnectionKey('nobody'))).toBeUndefined();
  });
});

describe('the route function', () => {
  it('registers a connection on $connect, answers messages, and removes every item on $disconnect', async () => {
    // Act
    const connected = await route('$connect', 'routed');
    const subscribed = await route(
      '$default',
      'routed',
      JSON.stringify({ action: 'subscribe', scenario: 'desk' }),
    );
    const bad = await route('$default', 'routed', '{"action":"subscribe"}');
    const pong = await route('$default', 'routed', '{"action":"ping"}');
    const before = await store.subscribersOf({ scenario: 'desk' }, Date.now());
    const disconnected = await route('$disconnect', 'routed');

    // Assess
    expect(connected).toEqual({ statusCode: 200 });
    expect(JSON.parse(subscribed.body!)).toEqual({ type: 'Subscribed', scenario: 'desk' });
    expect(JSON.parse(bad.body!)).toMatchObject({ type: 'Error', code: 'validation_error' });
    expect(JSON.parse(pong.body!)).toEqual({ type: 'Pong' });
    expect(before.map((c) => c.connectionId)).toEqual(['routed']);
    expect(disconnected).toEqual({ statusCode: 200 });
    expect(await itemOf(liveConnectionKey('routed'))).toBeUndefined();
    expect(await itemOf(liveSubscriptionKey('scenario:desk', 'routed'))).toBeUndefined();
  });

  it('trusts the token check for a minute, then posts unauthorized and deletes the connection of a revoked token', async () => {
    // Prepare: the function's clock, moved by hand
    const realNow = Date.now.bind(Date);
    let offset = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    const made = await createToken(ctx, 'revoked-wall', 'reader');
    const revokedSubject = hashToken(made.token);
    const auth = { subject: revokedSubject, name: 'revoked-wall' };
    await route('$connect', 'revoked', undefined, auth);
    await ctx.tokens.revoke('revoked-wall');

    // Act
    const withinMinute = await route('$default', 'revoked', '{"action":"ping"}', auth);
    offset += LIVE_LIMITS.tokenRecheckMs;
    const answer = await route('$default', 'revoked', '{"action":"ping"}', auth);
    jest.restoreAllMocks();

    // Assess
    expect(JSON.parse(withinMinute.body!)).toEqual({ type: 'Pong' });
    expect(answer).toEqual({ statusCode: 200 });
    const posted = management.commandCalls(PostToConnectionCommand)[0]!.args[0].input;
    expect(JSON.parse(Buffer.from(posted.Data as Uint8Array).toString())).toMatchObject({
      type: 'Error',
      code: 'unauthorized',
    });
    expect(management.commandCalls(DeleteConnectionCommand)[0]!.args[0].input).toEqual({
      ConnectionId: 'revoked',
    });
    expect(await itemOf(liveConnectionKey('revoked'))).toBeUndefined();
  });
});

/** Where the message limit's next window starts (its windows are fixed minutes of the epoch). */
const startOfNextMinute = (ms: number) => (messageWindow(ms) + 1) * LIVE_LIMITS.messageWindowMs;

describe('the message limit of a connection', () => {
  it('counts concurrent messages exactly: 60 answered in a minute, then too_many_messages posted and the connection deleted', async () => {
    // Prepare: the function's clock a second into a fresh minute, so all of them fall in that minute
    const realNow = Date.now.bind(Date);
    const offset = startOfNextMinute(realNow()) + 1000 - realNow();
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    await route('$connect', 'flood');

    // Act
    const answers = await Promise.all(
      Array.from({ length: 80 }, () => route('$default', 'flood', '{"action":"ping"}')),
    );
    jest.restoreAllMocks();

    // Assess
    const pongs = answers.filter((a) => a.body !== undefined && JSON.parse(a.body).type === 'Pong');
    expect(pongs).toHaveLength(LIVE_LIMITS.messagesPerWindow);
    const posted = management
      .commandCalls(PostToConnectionCommand)
      .map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString()));
    expect(posted[0]).toMatchObject({ type: 'Error', code: 'too_many_messages' });
    expect(management.commandCalls(DeleteConnectionCommand)[0]!.args[0].input).toEqual({
      ConnectionId: 'flood',
    });
    expect(await itemOf(liveConnectionKey('flood'))).toBeUndefined();
  });

  it('starts every minute with a fresh allowance', async () => {
    // Prepare: the function's clock a second into a fresh minute, moved a minute on by hand
    const realNow = Date.now.bind(Date);
    let offset = startOfNextMinute(realNow()) + 1000 - realNow();
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    await route('$connect', 'steady');
    const minute = async () => {
      const out = [];
      for (let i = 0; i < LIVE_LIMITS.messagesPerWindow; i++)
        out.push(await route('$default', 'steady', '{"action":"ping"}'));
      offset += LIVE_LIMITS.messageWindowMs;
      return out;
    };

    // Act
    const answers = [...(await minute()), ...(await minute())];
    jest.restoreAllMocks();

    // Assess
    expect(answers.map((a) => JSON.parse(a.body!).type)).toEqual(
      Array(2 * LIVE_LIMITS.messagesPerWindow).fill('Pong'),
    );
    expect(management.commandCalls(DeleteConnectionCommand)).toEqual([]);
  });
});

describe('the authorizer', () => {
  it('allows a known token with its subject and name in the context, and throws Unauthorized otherwise', async () => {
    // Prepare
    const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/live/$connect';
    const made = await createToken(ctx, 'authorized', 'reader');

    // Act
    const allowed = await authorizer({ methodArn, queryStringParameters: { token: made.token } });

    // Assess
    expect(allowed.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn },
    ]);
    expect(allowed.context).toEqual({ name: 'authorized', role: 'reader', subject: hashToken(made.token) });
    await expect(authorizer({ methodArn, queryStringParameters: { token: 'st_unknown' } })).rejects.toThrow(
      'Unauthorized',
    );
    await expect(authorizer({ methodArn, queryStringParameters: null })).rejects.toThrow('Unauthorized');
  });
});

describe('the fan-out function', () => {
  it('posts the envelope to each subscriber once and deletes the items of a connection API Gateway reports gone (410)', async () => {
    // Prepare
    for (const id of ['alive', 'gone', 'both', 'elsewhere']) await route('$connect', id);
    await store.subscribe('alive', { scenario: 'fan' }, Date.now());
    await store.subscribe('gone', { threadId: 'fan-thread' }, Date.now());
    await store.subscribe('both', { scenario: 'fan' }, Date.now());
    await store.subscribe('both', { threadId: 'fan-thread' }, Date.now());
    await store.subscribe('elsewhere', { scenario: 'other' }, Date.now());
    management
      .on(PostToConnectionCommand)
      .resolves({})
      .on(PostToConnectionCommand, { ConnectionId: 'gone' })
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    const event = updatePosted(
      { id: 'fan-thread', scenario: 'fan' },
      { id: '01JZ0000000000000000000000', status: 'agreed' },
      new Date().toISOString(),
    );

    // Act
    const report = await fanOut({ detail: event });

    // Assess
    const posts = management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input);
    expect(posts.map((p) => p.ConnectionId).sort()).toEqual(['alive', 'both', 'gone']);
    for (const p of posts) expect(JSON.parse(Buffer.from(p.Data as Uint8Array).toString())).toEqual(event);
    expect(report).toEqual({ sent: 2, gone: 1, refused: 0, published: 0 });
    expect(await itemOf(liveConnectionKey('gone'))).toBeUndefined();
    expect(await itemOf(liveSubscriptionKey('thread:fan-thread', 'gone'))).toBeUndefined();
    expect(await itemOf(liveConnectionKey('alive'))).toBeDefined();
  });

  it('sends no Ping (a webhook subscription test) to live connections', async () => {
    // Prepare
    await route('$connect', 'pinged');
    await store.subscribe('pinged', { scenario: 'pings' }, Date.now());

    // Act
    const report = await fanOut({ detail: ping({ scenario: 'pings' }, new Date().toISOString()) });

    // Assess
    expect(report).toEqual({ sent: 0, gone: 0, refused: 0, published: 0 });
    expect(management.commandCalls(PostToConnectionCommand)).toEqual([]);
  });
});
