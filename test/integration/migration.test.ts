import { freePort, startDynamoLocal, type RunningDynamo } from '../../local/dynamodb-local';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createContext, type AppContext } from '../../shared/app/context';
import {
  amendUpdate,
  createThread,
  postUpdate,
  retractUpdate,
  type WriteResult,
} from '../../shared/app/threads';
import { readConfig } from '../../shared/config';
import { project, type UpdateFacts } from '../../shared/domain/projection';
import { listingKey, threadKey, SCENARIO_SK } from '../../shared/store/keys';
import { LEGACY_LIST_KEYS, RETIRED_LISTING_KEYS, listingItem, toThread } from '../../shared/store/items';
import type { ThreadFilter } from '../../shared/store/thread-lists';
import { relayed } from '../support/context';
import { tableDefinition } from '../../shared/store/table';
import { main as migrateCli } from '../../local/migrate-cli';
import { migrateItems, readAllItems } from '../../local/migration';
import { ChangeStore } from '../../shared/store/change-store';
import { decodeTime } from 'ulid';
import { itemsRead, recordCalls } from '../support/read-recorder';
import { RecordingPublisher } from '../support/recording-publisher';
import { startTestServer, type TestServer } from '../support/server';

/**
 * `npm run migrate` over a table the previous main wrote with its own code (test/fixtures/v1-table.json,
 * a Scan of it: seed, updates with a late report, a note and a retraction, a second scenario with a
 * stale-flagged thread, a PATCH, a token, three idempotency records, one pending outbox event and the
 * change counters), in a table created with that main's definition. Then the app and its HTTP API
 * must see exactly what the first model held.
 */

type Item = Record<string, any>;
const FIXTURE: Item[] = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'v1-table.json'), 'utf8'));
const PENDING_EVENT = FIXTURE.find((i) => i.PK === 'OUTBOX')!.event;
const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });

/** The table as the previous main created it: GSI1–GSI3 (GSI2PK `THREADS`, GSI3PK `DUE` unsharded) and LSI1. */
function v1TableDefinition(tableName: string): CreateTableCommandInput {
  const s = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const index = (name: string, pk: string, sk: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      s('PK'),
      s('SK'),
      s('GSI1PK'),
      s('GSI1SK'),
      s('GSI2PK'),
      s('GSI2SK'),
      s('GSI3PK'),
      s('GSI3SK'),
      s('LSI1SK'),
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      index('GSI1', 'GSI1PK', 'GSI1SK'),
      index('GSI2', 'GSI2PK', 'GSI2SK'),
      {
        ...index('GSI3', 'GSI3PK', 'GSI3SK'),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['scenario', 'status'] },
      },
    ],
    LocalSecondaryIndexes: [index('LSI1', 'PK', 'LSI1SK')],
  };
}

const ADMIN = { requestTimeout: 30_000 };

/**
 * This file's own DynamoDB Local: adding global indexes makes DynamoDB Local rebuild them, which on
 * the run's shared instance waits behind every other file's traffic (minutes on a busy machine).
 */
let dynamo: RunningDynamo | undefined;
beforeAll(async () => {
  dynamo = await startDynamoLocal({ port: await freePort(), timeoutMs: 120_000 });
}, 180_000);
afterAll(async () => {
  await dynamo?.stop();
});

const endpoint = () => {
  if (!dynamo) throw new Error("this file's DynamoDB Local did not start");
  return dynamo.endpoint;
};

/** A context over a table of the first model, loaded with the fixture. */
async function v1Table(publisher = new RecordingPublisher()): Promise<AppContext> {
  const tableName = `v1-${randomUUID().slice(0, 8)}`;
  // Patient calls: table changes in DynamoDB Local take seconds on a busy machine.
  const ctx = createContext(
    readConfig({ DYNAMODB_ENDPOINT: endpoint(), TABLE_NAME: tableName, DYNAMODB_TIMEOUT_MS: '20000' }),
    { publisher },
  );
  await ctx.db.send(new CreateTableCommand(v1TableDefinition(tableName)), ADMIN);
  await ctx.db.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
    ADMIN,
  );
  for (let i = 0; i < FIXTURE.length; i += 25) {
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: FIXTURE.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  return ctx;
}

async function cli(
  ctx: AppContext,
  ...argv: string[]
): Promise<{ code: number; summary: Item; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await migrateCli(
    argv,
    { DYNAMODB_ENDPOINT: endpoint(), TABLE_NAME: ctx.config.tableName },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, summary: JSON.parse(out[out.length - 1] ?? 'null'), err };
}

/** The table's items, in a stable order: what two migrations are compared by. */
/** The table's items in key order; a scenario item's clock readings (when this run made and counted it) left out. */
const contents = async (ctx: AppContext) =>
  (await readAllItems(ctx.db, ctx.config.tableName))
    .map((i) =>
      i.SK === SCENARIO_SK
        ? { ...i, createdAt: '(when made)', updatedAt: '(when made)', countedAt: '(when made)' }
        : i,
    )
    .sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));

const ids = (body: { items: { id: string }[] }) => body.items.map((t) => t.id);

const fixtureUpdates = (threadId: string): UpdateFacts[] =>
  FIXTURE.filter((i) => i.threadId === threadId && String(i.SK).startsWith('UPDATE#')).map((i) => ({
    id: i.id,
    status: i.status,
    summary: i.summary,
    occurredAt: i.occurredAt,
    recordedAt: i.recordedAt,
    retraction: i.retraction,
    // The first model's updates had no sources.
    outlets: [],
  }));

describe('npm run migrate over a table of the first data model', () => {
  let ctx: AppContext;
  let bus: RecordingPublisher;
  let server: TestServer;
  let first: { code: number; summary: Item; err: string[] };

  beforeAll(async () => {
    bus = new RecordingPublisher();
    ctx = await v1Table(bus);
    first = await cli(ctx);
    server = await startTestServer({
      seed: false,
      config: { tableName: ctx.config.tableName, dynamodbEndpoint: endpoint() },
    });
    // Six index creations: DynamoDB Local takes about a second for each, far longer when the run's
    // other tests keep it busy. The only table in this file whose indexes are added.
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    ctx?.db.destroy();
  });

  it('adds the missing indexes and rewrites every thread, moves the outbox event, deletes the counters and the old idempotency records', async () => {
    // Assess (the migration ran in beforeAll)
    expect({ code: first.code, err: first.err.filter((l) => !/index GSI\d/.test(l)) }).toEqual({
      code: 0,
      err: [],
    });
    expect(first.summary).toMatchObject({
      complete: true,
      dryRun: false,
      resumed: false,
      indexesAdded: ['GSI4', 'GSI5', 'GSI6', 'GSI7', 'GSI8', 'GSI9', 'GSI10', 'GSI11', 'GSI12'],
      threadsRewritten: 5,
      foldsStored: 5,
      threadsWithoutFold: 0,
      outboxMoved: 1,
      countersDeleted: 3,
      idempotencyDeleted: 3,
    });
    const { Table } = await ctx.db.send(new DescribeTableCommand({ TableName: ctx.config.tableName }));
    expect(Table!.GlobalSecondaryIndexes!.map((i) => [i.IndexName, i.IndexStatus]).sort()).toEqual(
      tableDefinition('x')
        .GlobalSecondaryIndexes!.map((i) => [i.IndexName, 'ACTIVE'])
        .sort(),
    );
    const { Items: counters = [] } = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'CHANGES' },
      }),
    );
    expect(counters).toEqual([]);
    for (const old of FIXTURE.filter((i) => String(i.PK).startsWith('IDEMPOTENCY#'))) {
      expect(
        (
          await ctx.db.send(
            new GetCommand({ TableName: ctx.config.tableName, Key: { PK: old.PK, SK: old.SK } }),
          )
        ).Item,
      ).toBeUndefined();
    }
    const { Items: oldOutbox = [] } = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'OUTBOX' },
      }),
    );
    expect(oldOutbox).toEqual([]);
  });

  it('lists the threads by every filter through the HTTP API', async () => {
    // Act
    const all = await server.call('GET', '/threads', { role: 'reader' });
    const scenario = await server.call('GET', '/threads?scenario=russia-ukraine-talks', { role: 'reader' });
    const proposed = await server.call('GET', '/threads?status=proposed', { role: 'reader' });
    const scenarioProposed = await server.call(
      'GET',
      '/threads?scenario=russia-ukraine-talks&status=proposed',
      { role: 'reader' },
    );
    const stale = await server.call('GET', '/threads?stale=true', { role: 'reader' });
    const scenarioStale = await server.call('GET', '/threads?scenario=black-sea-talks&stale=true', {
      role: 'reader',
    });
    const changed = await server.call(
      'GET',
      `/threads?updatedSince=${encodeURIComponent('2026-11-28T16:16:51.400Z')}`,
      { role: 'reader' },
    );
    const scenarioChanged = await server.call(
      'GET',
      `/threads?scenario=russia-ukraine-talks&updatedSince=${encodeURIComponent('2026-11-28T16:16:51.400Z')}`,
      { role: 'reader' },
    );
    // Assess
    expect(ids(all.body)).toEqual([
      'black-sea',
      'ceasefire',
      'prisoner-exchange',
      'sanctions',
      'trump-putin-meeting',
    ]);
    expect(ids(scenario.body)).toEqual([
      'ceasefire',
      'prisoner-exchange',
      'sanctions',
      'trump-putin-meeting',
    ]);
    expect(ids(proposed.body)).toEqual(['black-sea', 'sanctions']);
    expect(ids(scenarioProposed.body)).toEqual(['sanctions']);
    expect(ids(stale.body)).toEqual(['black-sea']);
    expect(ids(scenarioStale.body)).toEqual(['black-sea']);
    expect(ids(changed.body)).toEqual(['black-sea', 'ceasefire', 'sanctions']);
    expect(ids(scenarioChanged.body)).toEqual(['ceasefire', 'sanctions']);
  });

  it('shows each thread, its history and its views asOf as the first model held them', async () => {
    for (const threadItem of FIXTURE.filter((i) => i.SK === '#THREAD')) {
      // Act
      const thread = await server.call('GET', `/threads/${threadItem.id}`, { role: 'reader' });
      const history = await server.call('GET', `/threads/${threadItem.id}/updates`, { role: 'reader' });
      // Assess: the Thread exactly as stored, its ETag unchanged, every update
      const fields = Object.fromEntries(
        Object.entries(threadItem).filter(([k]) => !/^(PK|SK|GSI\d[PS]K)$/.test(k)),
      );
      // Items of the first model knew no precision: a time was an instant.
      // Nor parents, archiving or expectations: the defaults.
      expect(thread.body).toEqual({
        ...fields,
        statusSincePrecision: 'instant',
        lastOccurredPrecision: 'instant',
        parent: null,
        archived: false,
        expected: null,
        overdue: false,
        overdueSince: null,
        // Nor keywords or criteria (contract 1.2).
        keywords: [],
        criteria: null,
        // Nor claims (contract 1.2); the outlets come from the fold the migration stored.
        claims: [],
        disputed: false,
        corroboration: project(fixtureUpdates(threadItem.id))!.corroboration,
      });
      expect(thread.headers.get('etag')).toBe(`"v${threadItem.version}"`);
      expect(history.body.items.map((u: Item) => u.id).sort()).toEqual(
        fixtureUpdates(threadItem.id)
          .map((u) => u.id)
          .sort(),
      );
    }
    for (const [id, asOf] of [
      ['prisoner-exchange', '2025-05-15T23:00:00.000Z'],
      ['prisoner-exchange', '2025-05-20T00:00:00.000Z'],
      ['prisoner-exchange', '2025-05-23T12:00:00.000Z'],
      ['prisoner-exchange', '2025-05-25T00:00:00.000Z'],
      ['ceasefire', '2025-05-21T00:00:00.000Z'],
      ['ceasefire', '2025-05-16T00:00:00.000Z'],
    ] as const) {
      // Act
      const view = await server.call('GET', `/threads/${id}?asOf=${encodeURIComponent(asOf)}`, {
        role: 'reader',
      });
      // Assess: the one projection over the fixture's own updates
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject(project(fixtureUpdates(id), { asOf })!);
    }
  });

  it('gives each scenario of the first model its scenario item, titled with its id and counted', async () => {
    // Act
    const talks = await server.call('GET', '/scenarios/russia-ukraine-talks', { role: 'reader' });
    const blackSea = await server.call('GET', '/scenarios/black-sea-talks', { role: 'reader' });
    // Assess
    expect(talks.body).toMatchObject({
      id: 'russia-ukraine-talks',
      title: 'russia-ukraine-talks',
      threadCount: 4,
      staleCount: 0,
    });
    expect(talks.body.statusCounts).toEqual({ rejected: 1, in_progress: 1, proposed: 1, announced: 1 });
    expect(blackSea.body).toMatchObject({
      id: 'black-sea-talks',
      threadCount: 1,
      staleCount: 1,
      statusCounts: { proposed: 1 },
    });
  });

  it('publishes the pending outbox event once, through the relay: its move to its shard is a new outbox item on the stream', async () => {
    // Act
    const published = await relayed(ctx);
    // Assess
    expect(published).toBe(1);
    expect(bus.events).toEqual([PENDING_EVENT]);
  });

  it('changes nothing when run a second time', async () => {
    // Prepare
    const before = await contents(ctx);
    // Act (in two segments, as a reminder that the segment count does not matter)
    const again = await cli(ctx, '--segments', '2', '--max-items', '1000');
    // Assess
    expect(again.code).toBe(0);
    expect(again.summary).toMatchObject({
      complete: true,
      indexesAdded: [],
      threadsRewritten: 0,
      outboxMoved: 0,
      countersDeleted: 0,
      idempotencyDeleted: 0,
      retries: 0,
    });
    expect(again.summary.unchanged).toBe(again.summary.examined);
    expect(await contents(ctx)).toEqual(before);
  });

  it('makes the first in-order write after it read the thread item only', async () => {
    // Prepare: the process has loaded its kind registry (once per process, cached: not per write)
    await ctx.kinds.registry();
    const recorder = recordCalls(ctx.db);
    try {
      // Act
      const result = JSON.parse(
        (
          await postUpdate(
            ctx,
            'prisoner-exchange',
            { status: 'completed', summary: 'All exchanged.', occurredAt: '2025-06-01T00:00:00Z' },
            editor,
          ).then(render)
        ).body,
      ) as WriteResult;
      // Assess
      const calls = recorder.take();
      // Its two notifications (UpdatePosted, ThreadStatusChanged) commit in the transaction; the relay publishes them.
      expect(calls.map((c) => c.command)).toEqual(['GetItem', 'TransactWriteItems']);
      expect(itemsRead(calls)).toBe(1);
      const { thread, updates } = await ctx.threads.loadHistory('prisoner-exchange');
      expect(thread).toMatchObject(project(updates)!);
      expect(result.thread).toMatchObject({ status: 'completed', updateCount: 5, version: 5 });
    } finally {
      recorder.detach();
    }
  });
});

describe('npm run migrate, interrupted and in parallel', () => {
  it('goes on from its checkpoint after a stop and ends with the table an uninterrupted run gives', async () => {
    // Prepare: one table migrated in one go, one stopped every 4 items, one in 3 parallel segments
    const whole = await v1Table();
    const stopped = await v1Table();
    const parallel = await v1Table();
    try {
      // (the item pass alone: the indexes are not the point here, and adding them keeps DynamoDB Local busy)
      expect((await migrateItems(whole.db, whole.config.tableName)).complete).toBe(true);
      // Act
      const runs: Item[] = [];
      for (let i = 0; i < 20; i++) {
        const run = await migrateItems(stopped.db, stopped.config.tableName, { maxItems: 4 });
        runs.push(run);
        if (run.complete) break;
      }
      const split = await migrateItems(parallel.db, parallel.config.tableName, { segments: 3, pageSize: 4 });
      // Assess
      expect(runs.length).toBeGreaterThan(3);
      expect(runs.slice(0, -1).every((r) => !r.complete)).toBe(true);
      expect(runs.slice(1).every((r) => r.resumed)).toBe(true);
      // Every item once; and the listing items the pass itself put (issue 25) that a later page or a
      // resumed run reaches (they are new-shape items, left alone): at most one per thread.
      const examined = runs.reduce((n, r) => n + r.examined, 0);
      expect(examined).toBeGreaterThanOrEqual(FIXTURE.length);
      expect(examined).toBeLessThanOrEqual(FIXTURE.length + FIXTURE.filter((i) => i.SK === '#THREAD').length);
      expect(split).toMatchObject({ complete: true, segments: 3 });
      expect(split.examined).toBeGreaterThanOrEqual(FIXTURE.length);
      const expected = await contents(whole);
      expect(await contents(stopped)).toEqual(expected);
      expect(await contents(parallel)).toEqual(expected);
    } finally {
      for (const c of [whole, stopped, parallel]) c.db.destroy();
    }
  }, 180_000);

  it('reports with --dry-run what it would change, and changes nothing', async () => {
    // Prepare
    const ctx = await v1Table();
    try {
      const before = await contents(ctx);
      // Act
      const dry = await cli(ctx, '--dry-run');
      // Assess
      expect(dry.code).toBe(0);
      expect(dry.summary).toMatchObject({
        dryRun: true,
        complete: true,
        threadsRewritten: 5,
        foldsStored: 5,
        outboxMoved: 1,
        countersDeleted: 3,
        idempotencyDeleted: 3,
        indexesAdded: [],
      });
      expect(dry.summary.indexesMissing).toEqual([
        'GSI4',
        'GSI5',
        'GSI6',
        'GSI7',
        'GSI8',
        'GSI9',
        'GSI10',
        'GSI11',
        'GSI12',
      ]);
      expect(await contents(ctx)).toEqual(before);
    } finally {
      ctx.db.destroy();
    }
  });

  it('never overwrites a thread a live write changed meanwhile: it reads it again and migrates what that write left', async () => {
    // Prepare: the first time the migration puts `sanctions`, an old-model write lands just before it
    const ctx = await v1Table();
    let raced = false;
    ctx.db.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Item;
        // A thread's Put, alone or (with its changes feed carrier) first in a transaction.
        const pk = (input.Item ?? input.TransactItems?.[0]?.Put?.Item)?.PK;
        if (
          !raced &&
          (context.commandName === 'PutItemCommand' || context.commandName === 'TransactWriteItemsCommand') &&
          (pk === 'THREAD#sanctions' || pk?.S === 'THREAD#sanctions')
        ) {
          raced = true;
          await ctx.db.send(
            new UpdateCommand({
              TableName: ctx.config.tableName,
              Key: threadKey('sanctions'),
              UpdateExpression: 'SET title = :t, version = version + :one',
              ExpressionAttributeValues: { ':t': 'Renamed meanwhile', ':one': 1 },
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'race-a-live-write' },
    );
    try {
      // Act
      const summary = await migrateItems(ctx.db, ctx.config.tableName);
      // Assess
      expect(summary).toMatchObject({ complete: true, retries: 1, threadsRewritten: 5 });
      const { Item } = await ctx.db.send(
        new GetCommand({
          TableName: ctx.config.tableName,
          Key: threadKey('sanctions'),
          ConsistentRead: true,
        }),
      );
      expect(Item).toMatchObject({ title: 'Renamed meanwhile', version: 3, fold: expect.any(Object) });
      // Its list keys moved to its listing item, in the same transaction (issue 25).
      expect(Item!.GSI4PK).toBeUndefined();
      const { Item: listing } = await ctx.db.send(
        new GetCommand({
          TableName: ctx.config.tableName,
          Key: listingKey('sanctions'),
          ConsistentRead: true,
        }),
      );
      expect(listing).toMatchObject({ id: 'sanctions', GSI1PK: 'SCENARIO#russia-ukraine-talks' });
      expect(listing!.GSI4PK).toBeUndefined();
    } finally {
      ctx.db.destroy();
    }
  });

  it('leaves a new-shape table alone', async () => {
    // Prepare: a table the current code wrote (the test server seeds it)
    const fresh = await startTestServer();
    try {
      await fresh.call('POST', '/threads/ceasefire/updates', { body: { status: null, summary: 'A note.' } });
      await fresh.ctx.db.send(
        new PutCommand({
          TableName: fresh.ctx.config.tableName,
          Item: { PK: 'TOKENS', SK: 'NAME#x', name: 'x' },
        }),
      );
      const before = await contents(fresh.ctx);
      // Act
      const summary = await migrateItems(fresh.ctx.db, fresh.ctx.config.tableName);
      // Assess
      expect(summary).toMatchObject({
        complete: true,
        threadsRewritten: 0,
        outboxMoved: 0,
        countersDeleted: 0,
        idempotencyDeleted: 0,
      });
      expect(await contents(fresh.ctx)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });
});

/**
 * `npm run migrate` over a table the main before the hour keys wrote with its own code
 * (test/fixtures/v2-table.json, a Scan of it: a thread with 400-character notes, a status change and
 * a PATCH; a parent whose count of children was removed, as threads written before the parent rule
 * have none, with two children; a counted parent with one; a stale-flagged thread), in a table of
 * that main's definition (the same indexes as now). Its due and update-time keys held the exact time.
 */
const V2: Item[] = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'v2-table.json'), 'utf8'));

/** A new table of today's definition holding `items` as they are (a Scan of an older main's table). */
async function fixtureTable(prefix: string, items: readonly Item[]): Promise<AppContext> {
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  const ctx = createContext(
    readConfig({ DYNAMODB_ENDPOINT: endpoint(), TABLE_NAME: tableName, DYNAMODB_TIMEOUT_MS: '20000' }),
    { publisher: new RecordingPublisher() },
  );
  await ctx.db.send(new CreateTableCommand(tableDefinition(tableName)), ADMIN);
  for (let i = 0; i < items.length; i += 25) {
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  return ctx;
}

const v2Table = () => fixtureTable('v2', V2);

const threadItems = async (ctx: AppContext) =>
  (await readAllItems(ctx.db, ctx.config.tableName)).filter((i) => i.SK === '#THREAD');

describe('npm run migrate over a table of the exact-time keys', () => {
  it('moves the due keys to their hour, drops the update-time key, counts the uncounted parent’s children, and then changes nothing', async () => {
    // Prepare
    const ctx = await v2Table();
    try {
      const before = V2.filter((i) => i.SK === '#THREAD');
      expect(before.every((i) => /T\d\d:\d\d:\d\d\.\d{3}Z#/.test(i.USK))).toBe(true);
      // Act
      const first = await cli(ctx);
      const second = await cli(ctx);
      // Assess
      expect(first).toMatchObject({ code: 0, err: [] });
      expect(first.summary).toMatchObject({
        complete: true,
        threadsRewritten: before.length,
        childCountsSet: 1,
        threadsWithoutFold: 0,
        indexesAdded: [],
      });
      expect(second.summary).toMatchObject({ complete: true, threadsRewritten: 0, childCountsSet: 0 });
      const after = new Map((await threadItems(ctx)).map((i) => [i.id as string, i]));
      for (const old of before) {
        const now = after.get(old.id)!;
        // No key of the update time any more (GSI8/GSI9 are not written, issue 25).
        expect(now.USK).toBeUndefined();
        if (old.GSI3SK !== undefined)
          expect(now.GSI3SK).toBe(`${old.GSI3SK.slice(0, 13)}:00:00.000Z#${old.id}`);
        else expect(now.GSI3SK).toBeUndefined();
        // Everything else as it was: the thread it reads as (fields at their defaults are left off the
        // item now), the fold as stored; the list keys on its listing item.
        expect(toThread(now)).toEqual(toThread(old));
        expect(now.fold).toEqual(old.fold);
        // (But the status keys: `status=` is a filter now.)
        const listKeys = LEGACY_LIST_KEYS.filter(
          (k) =>
            k !== 'USK' && old[k] !== undefined && !(RETIRED_LISTING_KEYS as readonly string[]).includes(k),
        );
        const { Item: listing } = await ctx.db.send(
          new GetCommand({ TableName: ctx.config.tableName, Key: listingKey(old.id), ConsistentRead: true }),
        );
        expect(listing).toMatchObject(Object.fromEntries(listKeys.map((k) => [k, old[k]])));
        for (const key of RETIRED_LISTING_KEYS) expect(listing![key]).toBeUndefined();
      }
      expect(after.get('parent-uncounted')!.childCount).toBe(2);
      expect(after.get('parent-counted')!.childCount).toBe(1);
      expect(after.get('child-a')!.childCount).toBeUndefined();
    } finally {
      ctx.db.destroy();
    }
  });

  it('leaves each thread it rewrites the carrier its last write would leave now, so the changes feed names threads last written before it (updatedSince)', async () => {
    // Prepare
    const ctx = await v2Table();
    try {
      const ids = V2.filter((i) => i.SK === '#THREAD')
        .map((i) => String(i.id))
        .sort();
      const since = Date.parse('2026-12-07T00:00:00.000Z');
      const feed = new ChangeStore(ctx.db, ctx.config.tableName);
      const named = async () =>
        [...(await feed.threadsWrittenSince(undefined, since, 1000)).threadIds].sort();
      const carriers = async () =>
        (await readAllItems(ctx.db, ctx.config.tableName)).filter((i) => i.GSI12PK !== undefined);
      const before = await named();
      // Act
      await migrateItems(ctx.db, ctx.config.tableName);
      const after = await named();
      const written = await carriers();
      await migrateItems(ctx.db, ctx.config.tableName);
      // Assess: each thread once, at its update time (a ULID of it), hidden from the feed itself
      expect(before).toEqual([]);
      expect(after).toEqual(ids);
      expect(written).toHaveLength(ids.length);
      for (const c of written) {
        const [change] = c.changes as { threadId: string; at: string; type: string }[];
        const thread = V2.find((i) => i.id === change!.threadId && i.SK === '#THREAD')!;
        expect(change).toMatchObject({ type: 'touched', at: thread.updatedAt });
        expect(decodeTime(String(c.SK).slice(0, 26))).toBe(Date.parse(thread.updatedAt));
      }
      expect(await carriers()).toEqual(written);
      expect((await feed.globalPage({ after: '0'.repeat(28), horizonMs: Date.now() }, 100)).items).toEqual(
        [],
      );
    } finally {
      ctx.db.destroy();
    }
  });

  it('goes on from its checkpoint after a stop, and a write after it keeps the hour keys', async () => {
    // Prepare
    const whole = await v2Table();
    const stopped = await v2Table();
    try {
      await migrateItems(whole.db, whole.config.tableName);
      // Act
      const runs: Item[] = [];
      for (let i = 0; i < 20; i++) {
        const run = await migrateItems(stopped.db, stopped.config.tableName, { maxItems: 3 });
        runs.push(run);
        if (run.complete) break;
      }
      await postUpdate(stopped, 'talks', { status: null, summary: 'After the migration.' }, editor).then(
        render,
      );
      // Assess
      expect(runs.length).toBeGreaterThan(2);
      expect(runs.slice(1).every((r) => r.resumed)).toBe(true);
      // The write's thread, and its notification (an outbox item the table's stream relays, kept until its TTL).
      const untouched = (i: Item) => i.PK !== 'THREAD#talks' && !String(i.PK).startsWith('OUTBOX#');
      const expected = (await contents(whole)).filter(untouched);
      expect((await contents(stopped)).filter(untouched)).toEqual(expected);
      const { Item } = await stopped.db.send(
        new GetCommand({
          TableName: stopped.config.tableName,
          Key: threadKey('talks'),
          ConsistentRead: true,
        }),
      );
      expect(Item!.USK).toBeUndefined();
    } finally {
      for (const c of [whole, stopped]) c.db.destroy();
    }
  });
});

/**
 * A table the main before listing items wrote (test/fixtures/v3-table.json: a Scan of what a91d812's
 * own code wrote — a stale thread, an overdue one, a parent and its child, an archived thread, one
 * moved to another scenario, a disputed one and a corroborated one; every list key on the thread item).
 */
const V3: Item[] = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'v3-table.json'), 'utf8'));

const v3Table = () => fixtureTable('v3', V3);

describe('npm run migrate over a table the main before listing items wrote', () => {
  const S = 'istanbul-talks';
  const FILTERS: ThreadFilter[] = [
    {},
    { scenario: S },
    { status: 'proposed' },
    { scenario: S, status: 'agreed' },
    { stale: true },
    { scenario: S, stale: true },
    { stale: false },
    { parent: 'summit' },
    { archived: 'true' },
    { scenario: S, archived: 'any' },
    { overdue: true },
    { disputed: true },
    { corroborated: true },
    { scenario: S, corroborated: false },
    { kind: 'summit' },
  ];
  const lists = async (ctx: AppContext) => {
    const out: string[][] = [];
    for (const f of FILTERS) out.push((await ctx.threads.listThreads(f, 50)).items.map((t) => t.id));
    return out;
  };

  it('puts each thread’s listing item and takes the list keys off the thread item; every list answers as before; a second run changes nothing', async () => {
    // Prepare
    const ctx = await v3Table();
    try {
      const threads = V3.filter((i) => i.SK === '#THREAD');
      expect(threads.every((i) => i.GSI1PK !== undefined)).toBe(true);
      const before = await lists(ctx);
      const countsBefore = await ctx.scenarios.countedThreads(S);
      // Act
      const first = await cli(ctx);
      const second = await cli(ctx);
      // Assess
      expect(first).toMatchObject({ code: 0, err: [] });
      expect(first.summary).toMatchObject({ complete: true, threadsRewritten: threads.length });
      expect(second.summary).toMatchObject({ complete: true, threadsRewritten: 0 });
      const all = await readAllItems(ctx.db, ctx.config.tableName);
      for (const old of threads) {
        const now = all.find((i) => i.PK === old.PK && i.SK === '#THREAD')!;
        for (const key of LEGACY_LIST_KEYS) expect(now[key]).toBeUndefined();
        const listing = all.find((i) => i.PK === old.PK && i.SK === '#THREAD#LIST');
        expect(listing).toEqual(listingItem(toThread(now)));
        // The keys the thread item had, now on its listing item.
        // (But the status keys: `status=` is a filter now, *Migrating off the status indexes*.)
        const moved = LEGACY_LIST_KEYS.filter(
          (k) =>
            k !== 'USK' && old[k] !== undefined && !(RETIRED_LISTING_KEYS as readonly string[]).includes(k),
        );
        for (const key of moved) expect(listing![key]).toBe(old[key]);
        for (const key of RETIRED_LISTING_KEYS) expect(listing![key]).toBeUndefined();
      }
      expect(before.every((ids) => ids.length > 0)).toBe(true);
      expect(await lists(ctx)).toEqual(before);
      expect(await ctx.scenarios.countedThreads(S)).toEqual(countsBefore);
    } finally {
      ctx.db.destroy();
    }
  });

  it('records the outlets of the updates and revisions written before outlets were recorded; a write before it folds them from their sources; a second run records none', async () => {
    // Prepare: a migrated table; a thread whose status run rests on three updates with sources (one
    // amended, one accepted from the inbox with a copy); then every recorded `outlets` removed: the
    // update and revision items as the previous main wrote them
    const ctx = await v3Table();
    try {
      await cli(ctx);
      const id = 'outlets-before';
      const src = (...urls: string[]) => urls.map((url) => ({ url }));
      await createThread(
        ctx,
        {
          id,
          scenario: S,
          kind: 'summit',
          title: 'Venue',
          status: 'proposed',
          summary: 'Proposed.',
          occurredAt: '2025-06-01T00:00:00.000Z',
          sources: src('https://www.reuters.com/a'),
          quotes: [],
        },
        editor,
      );
      const second = await postUpdate(
        ctx,
        id,
        {
          status: 'proposed',
          summary: 'Again.',
          occurredAt: '2025-06-02T00:00:00.000Z',
          sources: src('https://news.bbc.co.uk/b'),
        },
        editor,
      );
      await amendUpdate(ctx, id, second.update!.id, { sources: src('https://apnews.com/b') }, editor);
      const third = await postUpdate(
        ctx,
        id,
        {
          status: 'proposed',
          summary: 'Wire.',
          occurredAt: '2025-06-03T00:00:00.000Z',
          sources: src('https://kyivindependent.com/c', 'https://www.theguardian.com/copy'),
          inboxItem: 'inb_01JOUTLETS',
        },
        editor,
      );
      const withSources = async () =>
        (await readAllItems(ctx.db, ctx.config.tableName)).filter(
          (i) => /^(UPDATE|REVISION)#/.test(String(i.SK)) && Array.isArray(i.sources) && i.sources.length > 0,
        );
      const recorded = await withSources();
      expect(recorded.every((i) => Array.isArray(i.outlets))).toBe(true);
      for (const i of recorded)
        await ctx.db.send(
          new UpdateCommand({
            TableName: ctx.config.tableName,
            Key: { PK: i.PK, SK: i.SK },
            UpdateExpression: 'REMOVE outlets',
          }),
        );
      // Act: a write that folds the run's updates again (the retraction of one), then the migration, twice
      const retracted = await retractUpdate(ctx, id, third.update!.id, 'Wrong story.', editor);
      const first = await cli(ctx);
      const again = await cli(ctx);
      // Assess
      expect(third.thread.corroboration).toEqual({
        outlets: ['apnews.com', 'kyivindependent.com', 'reuters.com'],
        count: 3,
      });
      expect(retracted.thread.corroboration).toEqual({ outlets: ['apnews.com', 'reuters.com'], count: 2 });
      // The retracted update's item was written again by the retraction, with its outlets.
      expect(first.summary).toMatchObject({ complete: true, outletsRecorded: recorded.length - 1 });
      expect(again.summary).toMatchObject({ complete: true, outletsRecorded: 0 });
      const outletsByKey = (items: Item[]) =>
        Object.fromEntries(items.map((i) => [`${i.PK}|${i.SK}`, i.outlets]));
      expect(outletsByKey(await withSources())).toEqual(outletsByKey(recorded));
      const asKnown = await ctx.threads.loadHistory(id);
      expect(asKnown.revisions.get(second.update!.id)!.map((r) => r.outlets)).toEqual([
        ['bbc.co.uk'],
        ['apnews.com'],
      ]);
    } finally {
      ctx.db.destroy();
    }
  });

  it('takes the status keys off the listing items the previous main wrote; no list changes; a second run trims nothing', async () => {
    // Prepare: the migrated table, its listing items given the status keys 902e4e6's listingItem wrote
    const ctx = await v3Table();
    try {
      await cli(ctx);
      const listings = (await readAllItems(ctx.db, ctx.config.tableName)).filter(
        (i) => i.SK === '#THREAD#LIST',
      );
      for (const l of listings)
        await ctx.db.send(
          new UpdateCommand({
            TableName: ctx.config.tableName,
            Key: { PK: l.PK, SK: l.SK },
            UpdateExpression: 'SET GSI4PK = :s4, GSI5PK = :s5',
            ExpressionAttributeValues: {
              ':s4': `${String(l.GSI1PK)}#STATUS#${String(l.status)}`,
              ':s5': `${String(l.GSI2PK)}#STATUS#${String(l.status)}`,
            },
          }),
        );
      const before = await lists(ctx);
      // Act
      const first = await cli(ctx);
      const second = await cli(ctx);
      // Assess
      expect(first.summary).toMatchObject({
        complete: true,
        listingsTrimmed: listings.length,
        threadsRewritten: 0,
      });
      expect(second.summary).toMatchObject({ complete: true, listingsTrimmed: 0 });
      const after = (await readAllItems(ctx.db, ctx.config.tableName)).filter((i) => i.SK === '#THREAD#LIST');
      for (const l of after)
        expect(l).toEqual(
          listingItem(
            toThread(
              (
                await ctx.db.send(
                  new GetCommand({ TableName: ctx.config.tableName, Key: { PK: l.PK, SK: '#THREAD' } }),
                )
              ).Item!,
            ),
          ),
        );
      expect(await lists(ctx)).toEqual(before);
    } finally {
      ctx.db.destroy();
    }
  });
});
