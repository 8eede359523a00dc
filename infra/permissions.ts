import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { grantsOf, type Grant, type IndexName, type StoreUses } from '../shared/store/access';
import type { AnyFunctionName } from './bundling';

/**
 * What each function may do, in one reviewable table: the stores it is built with and what it does
 * with each (shared/store/access.ts declares what every use of a store touches, down to the
 * partition-key families and the indexes): the stores its module builds (functions/*.ts). Nothing
 * here is checked against the code by type: test/cloud/cloud-mode.test.ts runs every route and worker
 * through its real bundle under the role derived from this table, and fails on any call it denies;
 * test/integration/item-families.test.ts checks every item request of every function against it.
 *
 * Every table statement carries `dynamodb:LeadingKeys` (ForAllValues:StringLike: every key of a
 * request must match), index Queries included (there the keys are the index's partition key), and
 * names its resource: the table, or the named indexes it queries (never `index/*`, never `*`).
 * Transactions need no action of their own: each Put/Update/Delete/ConditionCheck in one is
 * authorised as PutItem/UpdateItem/DeleteItem/ConditionCheckItem on its own key.
 */
export interface FunctionAccess {
  /** The stores it is built with, and the uses it makes of each. */
  readonly stores: StoreUses;
  /** Whether it publishes to the project's event bus (notifications, recount requests). */
  readonly putEvents: boolean;
  /** Whether an event-source mapping reads the table's stream for it (STREAM_READ_ACTIONS on the stream). */
  readonly readsStream?: true;
  /**
   * Whether it publishes to the public channels of live embeds (AppSync Events: `appsync:EventPublish`
   * on the `public` namespace only, and the endpoint in its environment; infra/constructs/public-events.ts).
   */
  readonly publishesPublicEvents?: true;
}

/** What Lambda needs of a stream to read it for a function (granted on the table's stream ARN only). */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
] as const;

export const FUNCTION_ACCESS: Record<AnyFunctionName, FunctionAccess> = {
  // Liveness and the OpenAPI document: no table at all.
  health: { stores: {}, putEvents: false },
  // Reads only: threads, their lists and histories, scenarios, kinds. Never a token, subscription,
  // idempotency or outbox item, and not the due indexes (GSI3, GSI11).
  'threads-read': {
    stores: {
      threads: ['read', 'history', 'lists'],
      drafts: ['read', 'queue'],
      scenarios: ['read', 'list'],
      kindStore: ['registry'],
      readiness: ['probe'],
      changes: ['read'],
      search: ['query'],
    },
    putEvents: false,
  },
  // Writes run as transactions (thread, update, idempotency record, outbox: the relay publishes
  // from the stream) and ask for recounts on the bus; late reports and retractions read the window after them (LSI1), a move whether the
  // thread has children (GSI10).
  'threads-write': {
    stores: {
      threads: ['read', 'history', 'children', 'write'],
      drafts: ['read', 'write'],
      scenarios: ['read', 'write'],
      kindStore: ['registry'],
      idempotency: ['guard'],
      outbox: ['enqueue'],
    },
    putEvents: true,
    // PATCH /scenarios of a public scenario: its embeds are told to read it again.
    publishesPublicEvents: true,
  },
  // The news inbox: arrivals (the scenario's item; matching reads its threads and their updates), the
  // list (GSI1), decisions. Accepting posts an update through threads-write's path (postUpdate): the
  // thread and update items, the window after a late report (LSI1), the kinds, the idempotency record
  // and the outbox in its transaction, and a recount request on the bus; accepted as a draft, the draft
  // item (PutItem only: discarding is threads-write's). No moves, no
  // scenario writes. News sources (contract 1.2): their items and lists, and a fetch on demand (the
  // minute guard, the outcome and its due key); never the due index itself (the schedule reads it).
  inbox: {
    stores: {
      threads: ['read', 'history', 'write', 'scenarioThreads'],
      // The scenario's keywords (its item) and its latest thread write (is the thread index current?).
      scenarios: ['read', 'latestChange'],
      kindStore: ['registry'],
      idempotency: ['guard'],
      outbox: ['enqueue'],
      inbox: ['receive', 'list'],
      drafts: ['store'],
      sources: ['manage', 'poll'],
    },
    putEvents: true,
  },
  // News sources' clock (contract 1.2): the due sources (GSI3, every SOURCEDUE#<n> shard), each put
  // on the bus for the poll queue. No source item, no inbox.
  'source-schedule': { stores: { sources: ['due'] }, putEvents: true },
  // One source per message: the source (the minute guard, the outcome), and its entries into the
  // inbox as POST /inbox receives them (the scenario's threads and recent updates to match, the
  // kinds' cues, the item with its URL claim and its InboxItemArrived in the outbox). No thread write.
  'source-poller': {
    stores: {
      sources: ['poll'],
      inbox: ['receive'],
      // Matching's index: the scenario's threads (GSI1) and each one's recent updates (LSI1), and the
      // scenario's keywords (its item), which decide whether a text is about the scenario at all, and
      // its latest thread write (GSI12), which says whether the index built from them is current.
      threads: ['read', 'history', 'scenarioThreads'],
      scenarios: ['read', 'latestChange'],
      kindStore: ['registry'],
      outbox: ['enqueue'],
    },
    putEvents: false,
  },
  // Token management: both items of a token, listing by name and lastUsedAt by hash.
  tokens: { stores: { tokens: ['manage'] }, putEvents: false },
  // Custom kinds: the KINDS partition and nothing else (GET /kinds is a read route).
  kinds: { stores: { kindStore: ['define'] }, putEvents: false },
  // Reads a token by hash and records lastUsedAt (that attribute only).
  authorizer: { stores: { tokens: ['verify', 'touch'] }, putEvents: false },
  // The due indexes (stale: GSI3, overdue: GSI11), flags with the notification in the outbox; its sweep lists scenarios (GSI1), reads each one's latest thread write (its changes feed, GSI12), recounts.
  'stale-check': {
    stores: {
      scenarios: ['recount', 'sweep'],
      kindStore: ['registry'],
      outbox: ['enqueue'],
      due: ['flag'],
    },
    putEvents: true,
  },
  // Recounts a scenario: its item and its threads through the scenario index.
  'scenario-recount': { stores: { scenarios: ['recount'] }, putEvents: false },
  // Subscription items, a ping's delivery item, the delivery log; a ping goes to the bus.
  subscriptions: {
    stores: { subscriptions: ['read', 'manage'], deliveries: ['create', 'attempts'] },
    putEvents: true,
  },
  // Fan-out (delivery items), claims and outcomes on the due index (GSI3), the log, the failure clock.
  deliveries: {
    stores: { subscriptions: ['read', 'health'], deliveries: ['create', 'run'] },
    putEvents: false,
  },
  // The outbox relay: the table's stream (new outbox items, read by its event-source mapping) to the
  // bus; never an item of the table itself.
  'outbox-relay': { stores: {}, putEvents: true, readsStream: true },
  // The Atom feeds only read: a thread, its newest updates, a scenario and its threads by update time;
  // exports and the calendar also list a scenario's threads (GSI1) and read updates by occurred time (LSI1).
  // The scenario archive (admin) reads each thread's partition and the scenario's changes feed.
  feeds: {
    stores: {
      threads: ['read', 'history', 'scenarioThreads'],
      feeds: ['read'],
      scenarios: ['read'],
      archives: ['read'],
    },
    putEvents: false,
  },
  // The scenario import (admin) writes a scenario that is not there: whether its item exists, whether
  // it has threads (GSI1, both scopes), the kinds its threads name; then its own mark, threads, their
  // partitions, the feed's carriers (never an event), the scenario item (shared/store/archive-store.ts).
  'scenario-import': {
    stores: {
      threads: ['scenarioThreads'],
      scenarios: ['read'],
      kindStore: ['registry'],
      archives: ['restore'],
    },
    putEvents: false,
  },
  // The live WebSocket: the token at $connect (lastUsedAt too), then connection items; the token
  // rechecked on each message and before each event sent.
  'live-authorizer': { stores: { tokens: ['verify', 'touch'] }, putEvents: false },
  'live-connections': { stores: { tokens: ['verify'], connections: ['manage'] }, putEvents: false },
  // It also publishes each change of a public view on the scenario's public channel: one
  // BatchGetItem of the scenario(s) and the thread per change (publicViews.fanOut).
  'live-fanout': {
    stores: { tokens: ['verify'], connections: ['fanOut'], publicViews: ['fanOut'] },
    putEvents: false,
    publishesPublicEvents: true,
  },
};

/** ReturnValues an attribute-limited UpdateItem may ask for: none that returns other attributes. */
export const LIMITED_RETURN_VALUES = ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] as const;

/** One IAM statement on the table, before ARNs: what the stack adds to a function's role. */
export interface TableStatement {
  sid: string;
  actions: string[];
  /** Undefined: the base table; else the indexes it may Query. */
  indexes?: IndexName[];
  /** dynamodb:LeadingKeys patterns. */
  keys: string[];
  /** dynamodb:Attributes (UpdateItem of these attributes only). */
  attributes?: string[];
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const keyOf = (values: readonly string[]) => values.join('\n');

/**
 * A function's table statements, merged without widening anything: base-table grants by key family
 * (families with the same actions share a statement), attribute-limited updates apart, index Queries
 * by index (indexes with the same families share a statement).
 */
export function tableStatementsOf(name: AnyFunctionName): TableStatement[] {
  const grants = grantsOf(FUNCTION_ACCESS[name].stores);
  const out: TableStatement[] = [];

  const actionsByKey = new Map<string, Set<string>>();
  for (const g of grants.filter((g) => !g.index && !g.attributes))
    for (const key of g.keys)
      for (const a of g.actions) actionsByKey.set(key, (actionsByKey.get(key) ?? new Set()).add(a));
  const keysByActions = new Map<string, string[]>();
  for (const [key, actions] of actionsByKey) {
    const id = keyOf(sorted(actions));
    keysByActions.set(id, [...(keysByActions.get(id) ?? []), key]);
  }
  let n = 0;
  for (const [actions, keys] of keysByActions)
    out.push({ sid: `Items${++n}`, actions: actions.split('\n').map(dynamodb), keys: sorted(keys) });

  for (const [i, g] of grants
    .filter((g): g is Grant & { attributes: readonly string[] } => !!g.attributes)
    .entries())
    out.push({
      sid: `ItemAttributes${i + 1}`,
      actions: sorted(g.actions).map(dynamodb),
      keys: sorted(g.keys),
      attributes: sorted(g.attributes),
    });

  const keysByIndex = new Map<IndexName, Set<string>>();
  for (const g of grants.filter((g): g is Grant & { index: IndexName } => !!g.index)) {
    if (g.actions.some((a) => a !== 'Query')) throw new Error(`${name}: an index is only ever queried`);
    for (const key of g.keys) keysByIndex.set(g.index, (keysByIndex.get(g.index) ?? new Set()).add(key));
  }
  const indexesByKeys = new Map<string, IndexName[]>();
  for (const [index, keys] of keysByIndex) {
    const id = keyOf(sorted(keys));
    indexesByKeys.set(id, [...(indexesByKeys.get(id) ?? []), index]);
  }
  n = 0;
  for (const [keys, indexes] of indexesByKeys)
    out.push({
      sid: `IndexQuery${++n}`,
      actions: ['dynamodb:Query'],
      indexes: sorted(indexes) as IndexName[],
      keys: keys.split('\n'),
    });
  return out;
}

const dynamodb = (action: string) => `dynamodb:${action}`;

/** The IAM statement of one TableStatement on this table. */
export function policyStatement(table: ITable, s: TableStatement): PolicyStatement {
  return new PolicyStatement({
    sid: s.sid,
    actions: s.actions,
    resources: s.indexes ? s.indexes.map((i) => `${table.tableArn}/index/${i}`) : [table.tableArn],
    conditions: {
      // ForAllValues: every key of the request (a batch) must match, not just one.
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': s.keys },
      ...(s.attributes
        ? {
            // The documented way to confine an update to attributes: every attribute it names is
            // listed, and it returns nothing beyond what it updated.
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': s.attributes },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': [...LIMITED_RETURN_VALUES] },
          }
        : {}),
    },
  });
}

/** The functions that publish to the public channels (FUNCTION_ACCESS `publishesPublicEvents`). */
export const PUBLIC_EVENT_PUBLISHERS = (Object.keys(FUNCTION_ACCESS) as AnyFunctionName[]).filter(
  (name) => FUNCTION_ACCESS[name].publishesPublicEvents === true,
);

/**
 * The functions that write outbox items (FUNCTION_ACCESS `outbox: ['enqueue']`): the stack deploys
 * them after the outbox relay, so the relay reads an outbox item's shape before any writer writes it
 * (a write's events on one item, issue 25).
 */
export const OUTBOX_WRITERS = (Object.keys(FUNCTION_ACCESS) as AnyFunctionName[]).filter((name) =>
  (FUNCTION_ACCESS[name].stores.outbox as readonly string[] | undefined)?.includes('enqueue'),
);

/** Give a function's role its table statements (FUNCTION_ACCESS), no more. */
export function grantTableAccess(
  fn: { addToRolePolicy(statement: PolicyStatement): void },
  table: ITable,
  name: AnyFunctionName,
): void {
  for (const s of tableStatementsOf(name)) fn.addToRolePolicy(policyStatement(table, s));
}
