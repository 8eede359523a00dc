import type { FunctionName } from '../../infra/bundling';
import { LIVE_FUNCTION_ENTRIES } from '../../infra/live-api';
import { referencedIds, synth, type Resources } from './synth';

// Prepare (once per file)
const { template, functionId, cleanup } = synth();
afterAll(cleanup);
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
function statementsOf(name: FunctionName): Statement[] {
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
function grants(name: FunctionName, service: string) {
  const out: { action: string; resource: string }[] = [];
  for (const s of statementsOf(name).filter((st) => st.Effect === 'Allow')) {
    for (const action of list(s.Action).filter((a) => a.startsWith(`${service}:`))) {
      for (const resource of list(s.Resource)) out.push({ action, resource: label(resource) });
    }
  }
  return out;
}

/** `table`, `table/index/GSI3`, `bus`, or the raw JSON of anything else. */
function label(resource: unknown): string {
  if (resource === '*') return '*';
  const ids = referencedIds(resource);
  const suffix = JSON.stringify(resource).match(/"(\/index\/[^"]*)"/)?.[1] ?? '';
  if (ids.length === 1 && ids[0] === tableId) return `table${suffix}`;
  if (ids.length === 1 && ids[0] === busId && !suffix) return 'bus';
  return JSON.stringify(resource);
}

const actionsOn = (name: FunctionName, service: string, resource: string) =>
  [
    ...new Set(
      grants(name, service)
        .filter((g) => g.resource === resource)
        .map((g) => g.action),
    ),
  ].sort();
const resourcesOf = (name: FunctionName, service: string) =>
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
];

describe('least privilege per function', () => {
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
    expect(actionsOn('threads-read', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    // Every list index (GSI1, GSI2, GSI4–GSI10) and the history index; never the due indexes (GSI3, GSI11).
    const readIndexes = ['GSI1', 'GSI10', 'GSI2', 'GSI4', 'GSI5', 'GSI6', 'GSI7', 'GSI8', 'GSI9', 'LSI1'];
    for (const index of readIndexes)
      expect(actionsOn('threads-read', 'dynamodb', `table/index/${index}`)).toEqual(['dynamodb:Query']);
    expect(resourcesOf('threads-read', 'dynamodb')).toEqual([
      'table',
      ...readIndexes.map((i) => `table/index/${i}`),
    ]);
    expect(grants('threads-read', 'events')).toEqual([]);
  });

  it('lets feeds only read (GetItem/Query on the table) and Query the scenario update-time index (GSI8), nothing else', () => {
    // Act
    const actions = grants('feeds', 'dynamodb').map((g) => g.action);
    // Assess
    expect(actions.filter((a) => WRITE_ACTIONS.test(a))).toEqual([]);
    expect(actionsOn('feeds', 'dynamodb', 'table')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(actionsOn('feeds', 'dynamodb', 'table/index/GSI8')).toEqual(['dynamodb:Query']);
    expect(resourcesOf('feeds', 'dynamodb')).toEqual(['table', 'table/index/GSI8']);
    expect(grants('feeds', 'events')).toEqual([]);
  });

  it('lets threads-write run its transactions on the table and publish to the bus only', () => {
    // Assess
    expect(actionsOn('threads-write', 'dynamodb', 'table')).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(resourcesOf('threads-write', 'dynamodb')).toEqual(['table', 'table/index/GSI10']);
    expect(grants('threads-write', 'events')).toEqual([{ action: 'events:PutEvents', resource: 'bus' }]);
  });

  it('lets tokens manage token items on the table and nothing else', () => {
    // Assess
    expect(actionsOn('tokens', 'dynamodb', 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(resourcesOf('tokens', 'dynamodb')).toEqual(['table']);
    expect(grants('tokens', 'events')).toEqual([]);
  });

  it('lets kinds read and write the KINDS partition only (GetItem, Query, PutItem), nothing else', () => {
    // Prepare
    const table = statementsOf('kinds').filter(
      (st) => st.Effect === 'Allow' && list(st.Action).some((a) => a.startsWith('dynamodb:')),
    );
    // Assess
    expect(actionsOn('kinds', 'dynamodb', 'table')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(resourcesOf('kinds', 'dynamodb')).toEqual(['table']);
    // Every table statement is confined to items whose partition key is KINDS: no thread, token or idempotency item.
    expect(table.length).toBeGreaterThan(0);
    for (const st of table)
      expect(st.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['KINDS'] } });
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
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const index of ['GSI1', 'GSI3', 'GSI8', 'GSI11'])
      expect(actionsOn('stale-check', 'dynamodb', `table/index/${index}`)).toEqual(['dynamodb:Query']);
    expect(resourcesOf('stale-check', 'dynamodb')).toEqual([
      'table',
      'table/index/GSI1',
      'table/index/GSI11',
      'table/index/GSI3',
      'table/index/GSI8',
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

  it('names every index it grants on (no index/* pattern)', () => {
    for (const name of ALL_FUNCTIONS)
      for (const r of resourcesOf(name, 'dynamodb')) expect(r).toMatch(/^table(\/index\/[A-Za-z0-9]+)?$/);
  });
});

describe('least privilege to the item (dynamodb:LeadingKeys)', () => {
  /** The condition on every statement that grants table actions on the base table (not its indexes). */
  const tableConditions = (name: FunctionName) =>
    statementsOf(name)
      .filter(
        (st) =>
          st.Effect === 'Allow' &&
          list(st.Action).some((a) => a.startsWith('dynamodb:')) &&
          list(st.Resource).some((r) => label(r) === 'table'),
      )
      .map((st) => st.Condition);

  it.each([
    ['authorizer', ['TOKEN#*']],
    ['tokens', ['TOKEN#*', 'TOKENS']],
    ['scenario-recount', ['SCENARIO#*']],
    ['subscriptions', ['SUBSCRIPTIONS', 'DELIVERY#*', 'SUBLOG#*']],
    ['deliveries', ['SUBSCRIPTIONS', 'DELIVERY#*', 'SUBLOG#*']],
    ['feeds', ['THREAD#*', 'SCENARIO#*']],
  ] as [FunctionName, string[]][])(
    'confines %s to the items whose partition key matches %j, for every key of a request',
    (name, patterns) => {
      // Act
      const conditions = tableConditions(name);
      // Assess
      expect(conditions.length).toBeGreaterThan(0);
      for (const condition of conditions)
        expect(condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns } });
    },
  );

  it('leaves the index Queries unconditioned (LeadingKeys names the base table’s partition key) and grants them by name', () => {
    for (const name of ['scenario-recount', 'deliveries', 'feeds'] as FunctionName[]) {
      const onIndexes = statementsOf(name).filter((st) =>
        list(st.Resource).some((r) => label(r).startsWith('table/index/')),
      );
      expect(onIndexes.flatMap((st) => list(st.Action))).toEqual(['dynamodb:Query']);
    }
  });

  it('gives the functions that touch many item families no condition, and says so by listing them', () => {
    const unconfined = ALL_FUNCTIONS.filter(
      (n) => grants(n, 'dynamodb').length > 0 && tableConditions(n).every((c) => c === undefined),
    );
    // threads-read lists and reads every family a thread view joins; threads-write and the stale
    // check write threads, updates, revisions, scenarios, idempotency records and the outbox.
    expect(unconfined.sort()).toEqual(['stale-check', 'threads-read', 'threads-write']);
  });
});
