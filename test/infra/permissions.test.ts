import type { AnyFunctionName, FunctionName } from '../../infra/bundling';
import { like } from '../support/iam';
import { LIVE_FUNCTION_ENTRIES } from '../../infra/live-api';
import { referencedIds, synthesized, type Resources } from './synth';

// Prepare (once per file)
const { template, functionId } = synthesized('default');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const tableId = ofType('AWS::DynamoDB::Table')[0]![0];
const busId = ofType('AWS::Events::EventBus')[0]![0];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every statement that applies to a function's role: its inline policies and attached Policy resources. */
function statementsOf(name: AnyFunctionName): Statement[] {
  const roleId = referencedIds(resources[functionId(name)]!.Properties!.Role)[0]!;
  const role = resources[roleId]!;
  const inline = (
    (role.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = ofType('AWS::IAM::Policy')
    .filter(([, p]) => referencedIds(p.Properties!.Roles).includes(roleId))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

/** Actions of a service granted to a function, with a description of each resource they apply to. */
function grants(name: AnyFunctionName, service: string) {
  const out: { action: string; resource: string }[] = [];
  for (const s of statementsOf(name).filter((st) => st.Effect === 'Allow')) {
    for (const action of list(s.Action).filter((a) => a.startsWith(`${service}:`))) {
      for (const resource of list(s.Resource)) out.push({ action, resource: label(resource) });
    }
  }
  return out;
}

/** `table`, `table/index/GSI3`, `table/stream`, `bus`, or the raw JSON of anything else. */
function label(resource: unknown): string {
  if (resource === '*') return '*';
  const ids = referencedIds(resource);
  if (JSON.stringify(resource) === JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] }))
    return 'table/stream';
  const suffix = JSON.stringify(resource).match(/"(\/index\/[^"]*)"/)?.[1] ?? '';
  if (ids.length === 1 && ids[0] === tableId) return `table${suffix}`;
  if (ids.length === 1 && ids[0] === busId && !suffix) return 'bus';
  return JSON.stringify(resource);
}

const actionsOn = (name: AnyFunctionName, service: string, resource: string) =>
  [
    ...new Set(
      grants(name, service)
        .filter((g) => g.resource === resource)
        .map((g) => g.action),
    ),
  ].sort();
const resourcesOf = (name: AnyFunctionName, service: string) =>
  [...new Set(grants(name, service).map((g) => g.resource))].sort();

const WRITE_ACTIONS =
  /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|ConditionCheckItem|TransactWriteItems|Create|Delete|Update|Restore|Import)/;
const ALL_FUNCTIONS: FunctionName[] = [
  'health',
  'threads-read',
  'threads-write',
  'tokens',
  'kinds',
  'authorizer',
  'stale-check',
  'scenario-recount',
  'subscriptions',
  'deliveries',
  'feeds',
  'outbox-relay',
  'inbox',
  'source-schedule',
  'source-poller',
  'scenario-import',
];

describe('least privilege per function', () => {
  it('lets the outbox relay read the table’s stream and publish to the bus, and touch no item of the table', () => {
    // Act
    const dynamodb = grants('outbox-relay', 'dynamodb');
    // Assess: every grant on the table's stream (its StreamArn), none on the table or an index
    expect(dynamodb.map((g) => g.action).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    expect(resourcesOf('outbox-relay', 'dynamodb')).toEqual(['table/stream']);
    expect(grants('outbox-relay', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets no other function read the table’s stream', () => {
    for (const name of ALL_FUNCTIONS.filter((n) => n !== 'outbox-relay'))
      expect(grants(name, 'dynamodb').filter((g) => g.resource === 'table/stream')).toEqual([]);
  });

  it('gives health no access to the table and no events permission', () => {
    // Act / Assess
    expect(grants('health', 'dynamodb')).toEqual([]);
    expect(grants('health', 'events')).toEqual([]);
  });

  it('lets threads-read only read: GetItem/BatchGetItem/Query on the table and Query on its read indexes', () => {
    // Act
    const actions = grants('threads-read', 'dynamodb').map((g) => g.action);
    // Assess
    expect(actions.filter((a) => WRITE_ACTIONS.test(a))).toEqual([]);
    // BatchGetItem: search's postings of a word for its candidates, and a page of results (GET /search).
    expect(actionsOn('threads-read', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    // Every list index (GSI1, GSI2, GSI5–GSI7, GSI10), the history index and the changes feed's
    // (GSI12, which `updatedSince` reads too); never the due indexes (GSI3, GSI11), nor GSI4 (a
    // scenario's `status=` is a filter on GSI1) or GSI8/GSI9, which nothing writes any more (issue 25).
    const readIndexes = ['GSI1', 'GSI10', 'GSI12', 'GSI2', 'GSI5', 'GSI6', 'GSI7', 'LSI1'];
    for (const index of readIndexes)
      expect(actionsOn('threads-read', 'dynamodb', `table/index/${index}`)).toEqual(['dynamodb:Query']);
    expect(resourcesOf('threads-read', 'dynamodb')).toEqual([
      'table',
      ...readIndexes.map((i) => `table/index/${i}`),
    ]);
    expect(grants('threads-read', 'events')).toEqual([]);
  });

  it('lets feeds only read (GetItem/BatchGetItem/Query on the table) and Query the scenario index by id (GSI1), its changes feed (GSI12) and the occurred-time index (LSI1), nothing else', () => {
    // Act
    const actions = grants('feeds', 'dynamodb').map((g) => g.action);
    // Assess: the archive is a read; its import is the scenario-import function's
    expect(actions.filter((a) => WRITE_ACTIONS.test(a))).toEqual([]);
    // BatchGetItem: the scenario feed's threads by key, after its changes feed (GSI12).
    expect(actionsOn('feeds', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    for (const index of ['GSI1', 'GSI12', 'LSI1'])
      expect(actionsOn('feeds', 'dynamodb', `table/index/${index}`)).toEqual(['dynamodb:Query']);
    expect([...resourcesOf('feeds', 'dynamodb')].sort()).toEqual([
      'table',
      'table/index/GSI1',
      'table/index/GSI12',
      'table/index/LSI1',
    ]);
    expect(grants('feeds', 'events')).toEqual([]);
  });

  it('lets scenario-import write only what an import writes: the import mark, thread partitions and scenario items by Put or BatchWrite, the feed carriers by BatchWrite; query only GSI1; never an UpdateItem, never the bus', () => {
    // Act
    const actions = grants('scenario-import', 'dynamodb').map((g) => g.action);
    // Assess
    expect(actions).not.toContain('dynamodb:UpdateItem');
    expect(actionsOn('scenario-import', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      // The kinds its threads name (the registry: one Query of KINDS), nothing else by Query.
      'dynamodb:Query',
    ]);
    // Whether the scenario has threads already (both scopes of GSI1); no partition or feed is read.
    expect(resourcesOf('scenario-import', 'dynamodb')).toEqual(['table', 'table/index/GSI1']);
    expect(actionsOn('scenario-import', 'dynamodb', 'table/index/GSI1')).toEqual(['dynamodb:Query']);
    expect(grants('scenario-import', 'events')).toEqual([]);
  });

  it('lets threads-write run its transactions on the table, query LSI1 (late reports, retractions) and GSI10, and publish to the bus only', () => {
    // Assess
    expect(actionsOn('threads-write', 'dynamodb', 'table')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn('threads-write', 'dynamodb', 'table/index/LSI1')).toEqual(['dynamodb:Query']);
    // The news inbox's indexes (GSI1 to match, GSI2 for near copies) are the inbox function's, not its.
    expect(resourcesOf('threads-write', 'dynamodb')).toEqual([
      'table',
      'table/index/GSI10',
      'table/index/LSI1',
    ]);
    expect(grants('threads-write', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets the inbox function write what accepting posts (thread, idempotency record, outbox) and its items, query GSI1, GSI2 and LSI1, and publish to the bus', () => {
    // Assess
    // BatchGetItem: the threads a scenario's list (GSI1's listing items) names.
    expect(actionsOn('inbox', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // A scenario's threads to match against and its items in one state (GSI1), its newest items for
    // near copies (GSI2), its latest thread write (GSI12: is the thread index current?), a late
    // report's window (LSI1, accepting).
    expect(resourcesOf('inbox', 'dynamodb')).toEqual([
      'table',
      'table/index/GSI1',
      'table/index/GSI12',
      'table/index/GSI2',
      'table/index/LSI1',
    ]);
    expect(grants('inbox', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets tokens manage token items on the table (create, list, revoke: no update) and nothing else', () => {
    // Assess
    expect(actionsOn('tokens', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(resourcesOf('tokens', 'dynamodb')).toEqual(['table']);
    expect(grants('tokens', 'events')).toEqual([]);
  });

  it('lets kinds read and write the KINDS partition only (GetItem, PutItem), nothing else', () => {
    // Prepare
    const table = statementsOf('kinds').filter(
      (st) => st.Effect === 'Allow' && list(st.Action).some((a) => a.startsWith('dynamodb:')),
    );
    // Assess
    expect(actionsOn('kinds', 'dynamodb', 'table')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(resourcesOf('kinds', 'dynamodb')).toEqual(['table']);
    // Every table statement is confined to items whose partition key is KINDS: no thread, token or idempotency item.
    expect(table.length).toBeGreaterThan(0);
    for (const st of table)
      expect(st.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KINDS'] } });
    expect(grants('kinds', 'events')).toEqual([]);
  });

  it('lets the authorizer only GetItem and UpdateItem (read a token by hash, record lastUsedAt)', () => {
    // Assess
    expect(grants('authorizer', 'dynamodb')).toEqual([
      { action: 'dynamodb:GetItem', resource: 'table' },
      { action: 'dynamodb:UpdateItem', resource: 'table' },
    ]);
    expect(grants('authorizer', 'events')).toEqual([]);
  });

  it('lets the stale check query the table, the due index and the scenario indexes (its sweep), flag threads and publish to the bus', () => {
    // Assess
    expect(actionsOn('stale-check', 'dynamodb', 'table')).toEqual([
      // The due index holds the due hour: the listed threads' exact due time (shared/store/due-store.ts).
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const index of ['GSI1', 'GSI3', 'GSI11', 'GSI12'])
      expect(actionsOn('stale-check', 'dynamodb', `table/index/${index}`)).toEqual(['dynamodb:Query']);
    expect(resourcesOf('stale-check', 'dynamodb')).toEqual([
      'table',
      'table/index/GSI1',
      'table/index/GSI11',
      'table/index/GSI12',
      'table/index/GSI3',
    ]);
    expect(grants('stale-check', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets the recount function read and write scenario items and query only the scenario index; no bus', () => {
    // Assess
    expect(actionsOn('scenario-recount', 'dynamodb', 'table')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn('scenario-recount', 'dynamodb', 'table/index/GSI1')).toEqual(['dynamodb:Query']);
    expect(resourcesOf('scenario-recount', 'dynamodb')).toEqual(['table', 'table/index/GSI1']);
    expect(grants('scenario-recount', 'events')).toEqual([]);
    // Consuming its queue only.
    expect(resourcesOf('scenario-recount', 'sqs')).toHaveLength(1);
  });

  it('lets subscriptions manage subscription and delivery items on the table and publish a ping to the bus', () => {
    expect(actionsOn('subscriptions', 'dynamodb', 'table')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(resourcesOf('subscriptions', 'dynamodb')).toEqual(['table']);
    expect(grants('subscriptions', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets deliveries write delivery items, query the due index and consume the webhook queue, and nothing else', () => {
    expect(actionsOn('deliveries', 'dynamodb', 'table')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(resourcesOf('deliveries', 'dynamodb')).toEqual(['table', 'table/index/GSI3']);
    expect(grants('deliveries', 'events')).toEqual([]);
    const queueId = Object.keys(resources).find(
      (id) => id.startsWith('WebhookQueue') && resources[id]!.Type === 'AWS::SQS::Queue',
    )!;
    expect(
      grants('deliveries', 'sqs')
        .map((g) => g.action)
        .sort(),
    ).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(new Set(grants('deliveries', 'sqs').map((g) => g.resource))).toEqual(
      new Set([JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] })]),
    );
    for (const name of ALL_FUNCTIONS.filter((n) => n !== 'deliveries'))
      expect({ name, webhookQueue: grants(name, 'sqs').filter((g) => g.resource.includes(queueId)) }).toEqual(
        { name, webhookQueue: [] },
      );
  });

  it('lets each function write logs only to its own log group', () => {
    for (const name of ALL_FUNCTIONS) {
      // Prepare
      const logGroupId = (resources[functionId(name)]!.Properties!.LoggingConfig as { LogGroup: unknown })
        .LogGroup;
      // Act
      const logs = grants(name, 'logs');
      // Assess
      expect(logs.length).toBeGreaterThan(0);
      for (const g of logs)
        expect({ name, resource: referencedIds(JSON.parse(g.resource))[0] }).toEqual({
          name,
          resource: referencedIds(logGroupId)[0],
        });
    }
  });

  it('attaches no AWS managed policy to any function role', () => {
    for (const name of ALL_FUNCTIONS) {
      const roleId = referencedIds(resources[functionId(name)]!.Properties!.Role)[0]!;
      expect({ name, managed: resources[roleId]!.Properties!.ManagedPolicyArns }).toEqual({
        name,
        managed: undefined,
      });
    }
  });
});

describe('no wildcards', () => {
  const everyStatement = () => [
    ...ofType('AWS::IAM::Policy').flatMap(([id, p]) =>
      (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.map((s) => ({ id, s })),
    ),
    ...ofType('AWS::IAM::Role').flatMap(([id, r]) =>
      (
        (r.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []
      ).flatMap((p) => p.PolicyDocument.Statement.map((s) => ({ id, s }))),
    ),
  ];

  it('grants no "*" or "service:*" action anywhere in the stack', () => {
    // Act
    const wild = everyStatement().filter(({ s }) =>
      list(s.Action).some((a) => a === '*' || a.endsWith(':*')),
    );
    // Assess
    expect(wild).toEqual([]);
  });

  it('grants on resource "*" only the X-Ray trace upload actions, which support no resource-level permissions', () => {
    // Act
    const onStar = everyStatement().filter(({ s }) => s.Effect === 'Allow' && list(s.Resource).includes('*'));
    // Assess
    expect(onStar.length).toBe(ALL_FUNCTIONS.length + Object.keys(LIVE_FUNCTION_ENTRIES).length);
    for (const { s } of onStar)
      expect(list(s.Action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it("keeps every role's inline policies within IAM's 10,240-character limit, ARNs counted generously", () => {
    // Prepare: an ARN resolves to at most ~150 characters (a long stack and table name, an index)
    const ARN = 'x'.repeat(150);
    const resolved = (doc: unknown) =>
      JSON.stringify(doc, (_k, v: unknown) =>
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        ('Fn::Join' in v || 'Fn::GetAtt' in v || 'Ref' in v)
          ? ARN
          : v,
      );
    // Act
    const sizes = new Map<string, number>();
    for (const [, p] of ofType('AWS::IAM::Policy'))
      for (const role of referencedIds(p.Properties!.Roles))
        sizes.set(role, (sizes.get(role) ?? 0) + resolved(p.Properties!.PolicyDocument).length);
    // Assess
    expect(sizes.size).toBeGreaterThan(0);
    for (const [role, size] of sizes) expect({ role, under: size < 10_240 }).toEqual({ role, under: true });
  });

  it('names every index it grants on (no index/* pattern)', () => {
    for (const name of ALL_FUNCTIONS)
      for (const r of resourcesOf(name, 'dynamodb'))
        expect(r).toMatch(/^table(\/index\/[A-Za-z0-9]+|\/stream)?$/);
  });
});

describe('least privilege to the item (dynamodb:LeadingKeys)', () => {
  const EVERY_FUNCTION: AnyFunctionName[] = [
    ...ALL_FUNCTIONS,
    ...(Object.keys(LIVE_FUNCTION_ENTRIES) as AnyFunctionName[]),
  ];
  /** Every statement of a function that grants DynamoDB actions, with what it applies to. */
  const tableStatements = (name: AnyFunctionName) =>
    statementsOf(name)
      .filter((st) => st.Effect === 'Allow' && list(st.Action).some((a) => a.startsWith('dynamodb:')))
      .map((st) => ({
        actions: list(st.Action),
        resources: list(st.Resource).map(label),
        keys: (st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []) as string[],
        condition: st.Condition,
      }));
  /** The LeadingKeys patterns of a function's statements on one resource (`table`, `table/index/GSI1`). */
  const keysOn = (name: AnyFunctionName, resource: string) =>
    [...new Set(tableStatements(name).flatMap((s) => (s.resources.includes(resource) ? s.keys : [])))].sort();
  /** Whether any statement lets the function do one of `actions` to an item keyed `pk` on the base table. */
  const may = (name: AnyFunctionName, actions: RegExp, pk: string) =>
    tableStatements(name).some(
      (s) =>
        s.resources.includes('table') &&
        s.actions.some((a) => actions.test(a)) &&
        s.keys.some((k) => like(k, pk)),
    );

  // The relay has no table or index statement: its only DynamoDB grant is the stream, which has no items to key.
  it.each(EVERY_FUNCTION.filter((n) => n !== 'health' && n !== 'outbox-relay'))(
    'confines every table and index statement of %s with ForAllValues:StringLike on dynamodb:LeadingKeys',
    (name) => {
      // Act
      const statements = tableStatements(name);
      // Assess
      expect(statements.length).toBeGreaterThan(0);
      // A statement on the stream alone (the outbox relay's) has no items to key.
      for (const s of statements.filter((s) => !s.resources.every((r) => r === 'table/stream'))) {
        expect({ name, resources: s.resources, keys: s.keys.length > 0 }).toEqual({
          name,
          resources: s.resources,
          keys: true,
        });
        expect(
          Object.keys(s.condition!).filter((op) => /LeadingKeys/.test(JSON.stringify(s.condition![op]))),
        ).toEqual(['ForAllValues:StringLike']);
      }
    },
  );

  it.each([
    ['authorizer', ['TOKEN#*']],
    ['live-authorizer', ['TOKEN#*']],
    ['tokens', ['TOKEN#*', 'TOKENS']],
    ['kinds', ['KINDS']],
    ['scenario-recount', ['SCENARIO#*']],
    ['subscriptions', ['DELIVERY#*', 'SUBLOG#*', 'SUBSCRIPTIONS']],
    ['deliveries', ['DELIVERY#*', 'SUBLOG#*', 'SUBSCRIPTIONS']],
    ['feeds', ['SCENARIO#*', 'THREAD#*']],
    // The import's mark, the kinds its threads name and the feed's carriers (shared/store/archive-store.ts).
    ['scenario-import', ['IMPORT#*', 'KINDS', 'OUTBOX#*', 'SCENARIO#*', 'THREAD#*']],
    // The outbox partitions: the global changes feed reads them (Query only, below).
    ['threads-read', ['KINDS', 'OUTBOX#*', 'READINESS', 'SCENARIO#*', 'THREAD#*']],
    ['threads-write', ['IDEMPOTENCY#*', 'KINDS', 'OUTBOX#*', 'SCENARIO#*', 'THREAD#*']],
    [
      'inbox',
      ['IDEMPOTENCY#*', 'INBOX#*', 'INBOXURL#*', 'KINDS', 'OUTBOX#*', 'SCENARIO#*', 'SOURCE#*', 'THREAD#*'],
    ],
    // News sources (contract 1.2): the schedule reads only the due index (below); the poller its
    // source, the inbox's items and claims, what matching reads, and the outbox of InboxItemArrived.
    ['source-poller', ['INBOX#*', 'INBOXURL#*', 'KINDS', 'OUTBOX#*', 'SCENARIO#*', 'SOURCE#*', 'THREAD#*']],
    ['source-schedule', []],
    ['stale-check', ['KINDS', 'OUTBOX#*', 'SCENARIO#*', 'THREAD#*']],
    ['live-connections', ['LIVE#*', 'TOKEN#*']],
    // And the public channels' publisher: a change's scenario(s) and thread, in one BatchGetItem.
    ['live-fanout', ['LIVE#*', 'SCENARIO#*', 'THREAD#*', 'TOKEN#*']],
  ] as [AnyFunctionName, string[]][])(
    'confines %s on the base table to the items keyed %j',
    (name, patterns) => {
      // Act / Assess
      expect(keysOn(name, 'table')).toEqual(patterns);
    },
  );

  it('confines each index Query to the index partitions the function reads (LeadingKeys is the index partition key there)', () => {
    // Assess
    const lists = { GSI1: ['SCENARIO#*'], GSI2: ['THREADS#*'], GSI5: ['THREADS#*'] };
    for (const [index, keys] of Object.entries({
      ...lists,
      GSI1: ['SCENARIO#*', 'SCENARIOS'],
      GSI6: ['SCENARIO#*'],
      GSI7: ['THREADS#*'],
      GSI10: ['PARENT#*'],
      LSI1: ['THREAD#*'],
      GSI12: ['CHANGES#*'],
    }))
      expect({ index, keys: keysOn('threads-read', `table/index/${index}`) }).toEqual({ index, keys });
    expect(keysOn('threads-write', 'table/index/LSI1')).toEqual(['THREAD#*']);
    expect(keysOn('threads-write', 'table/index/GSI10')).toEqual(['PARENT#*']);
    // GET /inbox: a scenario's items in one state (INBOX#<scenario>#<state>); matching: its threads.
    expect(keysOn('inbox', 'table/index/GSI1')).toEqual(['INBOX#*', 'SCENARIO#*', 'SOURCES#*']);
    expect(keysOn('inbox', 'table/index/GSI2')).toEqual(['INBOX#*']);
    expect(keysOn('inbox', 'table/index/LSI1')).toEqual(['THREAD#*']);
    expect(keysOn('stale-check', 'table/index/GSI3')).toEqual(['DUE#*']);
    expect(keysOn('stale-check', 'table/index/GSI11')).toEqual(['EXPECTED#*']);
    expect(keysOn('stale-check', 'table/index/GSI1')).toEqual(['SCENARIO#*', 'SCENARIOS']);
    expect(keysOn('deliveries', 'table/index/GSI3')).toEqual(['WEBHOOKDUE#*']);
    // News sources: only the schedule reads their due key; the poller and the inbox never query GSI3.
    expect(keysOn('source-schedule', 'table/index/GSI3')).toEqual(['SOURCEDUE#*']);
    expect(keysOn('source-poller', 'table/index/GSI3')).toEqual([]);
    expect(keysOn('inbox', 'table/index/GSI3')).toEqual([]);
    expect(keysOn('source-poller', 'table/index/GSI1')).toEqual(['SCENARIO#*']);
    expect(keysOn('source-poller', 'table/index/LSI1')).toEqual(['THREAD#*']);
    // Matching's index is current while the scenario's changes feed names no newer thread write.
    expect(keysOn('inbox', 'table/index/GSI12')).toEqual(['CHANGES#*']);
    expect(keysOn('source-poller', 'table/index/GSI12')).toEqual(['CHANGES#*']);
    expect(keysOn('scenario-recount', 'table/index/GSI1')).toEqual(['SCENARIO#*']);
    expect(keysOn('feeds', 'table/index/GSI12')).toEqual(['CHANGES#*']);
    expect(keysOn('scenario-import', 'table/index/GSI1')).toEqual(['SCENARIO#*']);
    expect(keysOn('stale-check', 'table/index/GSI12')).toEqual(['CHANGES#*']);
  });

  it("lets scenario-import delete only its import mark, and touch the outbox only by BatchWriteItem (an import's feed carriers)", () => {
    // Assess
    expect(may('scenario-import', /^dynamodb:DeleteItem$/, 'THREAD#t')).toBe(false);
    expect(may('scenario-import', /^dynamodb:DeleteItem$/, 'SCENARIO#s')).toBe(false);
    expect(may('scenario-import', /^dynamodb:DeleteItem$/, 'IMPORT#s')).toBe(true);
    expect(may('scenario-import', /^dynamodb:(PutItem|DeleteItem|GetItem|Query)$/, 'OUTBOX#3')).toBe(false);
    expect(may('scenario-import', /^dynamodb:BatchWriteItem$/, 'OUTBOX#3')).toBe(true);
    // It reads no partition back (the archive's reads are feeds'): Query only of KINDS on the table.
    expect(may('scenario-import', /^dynamodb:Query$/, 'THREAD#t')).toBe(false);
  });

  it('lets only scenario-import write an IMPORT# mark, and no HTTP Basic function (feeds) write anything', () => {
    // Assess
    const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;
    expect(EVERY_FUNCTION.filter((n) => may(n, WRITES, 'IMPORT#s'))).toEqual(['scenario-import']);
    for (const pk of ['THREAD#t', 'SCENARIO#s', 'OUTBOX#3', 'IMPORT#s', 'KINDS'])
      expect({ pk, writes: may('feeds', WRITES, pk) }).toEqual({ pk, writes: false });
  });

  it('keeps threads-read from token hashes, subscription secrets, idempotency records, and the outbox but for Query (the changes feed)', () => {
    for (const pk of ['TOKEN#abc', 'TOKENS', 'SUBSCRIPTIONS', 'IDEMPOTENCY#abc', 'DELIVERY#e', 'LIVE#CONN#c'])
      expect({ pk, readable: may('threads-read', /^dynamodb:/, pk) }).toEqual({ pk, readable: false });
    expect(may('threads-read', /^dynamodb:(?!Query$)/, 'OUTBOX#3')).toBe(false);
    expect(may('threads-read', /^dynamodb:Query$/, 'OUTBOX#3')).toBe(true);
  });

  it('keeps the inbox function from what only threads-write does: no scenario write, no deletion of a thread’s items (drafts), no parent index', () => {
    // Assess
    expect(may('inbox', /^dynamodb:(PutItem|UpdateItem|DeleteItem)$/, 'SCENARIO#s')).toBe(false);
    expect(may('inbox', /^dynamodb:DeleteItem$/, 'THREAD#t')).toBe(false);
    expect(resourcesOf('inbox', 'dynamodb')).not.toContain('table/index/GSI10');
  });

  it('lets only tokens and the authorizers (lastUsedAt) write a TOKEN# item: never threads-write or the stale check', () => {
    const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;
    const writers = EVERY_FUNCTION.filter((n) => may(n, WRITES, 'TOKEN#abc'));
    expect(writers.sort()).toEqual(['authorizer', 'live-authorizer', 'tokens']);
    for (const name of ['threads-write', 'stale-check'] as const)
      expect({ name, writesTokens: may(name, WRITES, 'TOKEN#abc') }).toEqual({ name, writesTokens: false });
  });

  it('lets the writers only put an outbox item (in their transactions), no function update or delete one, and only threads-read query them (the changes feed)', () => {
    // Assess: the stream carries the item to the relay and DynamoDB's TTL removes it (the source poller's: InboxItemArrived)
    const putters = EVERY_FUNCTION.filter((n) => may(n, /^dynamodb:PutItem$/, 'OUTBOX#3'));
    expect(putters.sort()).toEqual(['inbox', 'source-poller', 'stale-check', 'threads-write']);
    const others = /^dynamodb:(UpdateItem|DeleteItem|GetItem)$/;
    expect(EVERY_FUNCTION.filter((n) => may(n, others, 'OUTBOX#3'))).toEqual([]);
    // A scenario import restores the feed's carriers (no event in them: the relay passes over them).
    expect(EVERY_FUNCTION.filter((n) => may(n, /^dynamodb:BatchWriteItem$/, 'OUTBOX#3'))).toEqual([
      'scenario-import',
    ]);
    expect(EVERY_FUNCTION.filter((n) => may(n, /^dynamodb:Query$/, 'OUTBOX#3'))).toEqual(['threads-read']);
  });

  it.each(['authorizer', 'live-authorizer'] as AnyFunctionName[])(
    "limits %s's UpdateItem with dynamodb:Attributes to lastUsedAt (and the key), returning nothing else",
    (name) => {
      // Act
      const updates = statementsOf(name).filter(
        (st) => st.Effect === 'Allow' && list(st.Action).includes('dynamodb:UpdateItem'),
      );
      // Assess
      expect(updates).toHaveLength(1);
      expect(list(updates[0]!.Action)).toEqual(['dynamodb:UpdateItem']);
      expect(updates[0]!.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['PK', 'SK', 'lastUsedAt'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
      });
    },
  );
});
