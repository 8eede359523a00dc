import {
  INDEX,
  KINDS_PK,
  LIVE_PREFIX,
  SCENARIOS_LIST_PK,
  SUBSCRIPTIONS_PK,
  TOKENS_PK,
  READINESS_KEY,
  attemptLogPk,
  changesScenarioPk,
  deliveryDuePk,
  deliveryKey,
  dueShardPk,
  expectedShardPk,
  idempotencyKey,
  importKey,
  inboxItemKey,
  inboxUrlKey,
  outboxShardPk,
  parentPk,
  scenarioPk,
  threadPk,
  threadsShardPk,
  tokenHashKey,
  sourceDuePk,
  sourceKey,
  sourcesScenarioPk,
} from './keys';

/**
 * What each store does to the table, declared once, next to the key builders it is derived from.
 * infra/permissions.ts builds every function's IAM statements from the stores it is built with and
 * the uses it names of each; test/integration/item-families.test.ts runs the functions and checks
 * every request against them. Keyed by store, not by function, so it outlives how a function is
 * composed. Imports nothing but the key layout: infra reads it without loading a store.
 */

/** The DynamoDB item actions the stores use (transactions are authorised by their parts' actions). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'BatchWriteItem';

export type IndexName = (typeof INDEX)[keyof typeof INDEX];

/** One grant: actions on the items whose partition key matches `keys`. */
export interface Grant {
  readonly actions: readonly TableAction[];
  /**
   * Partition-key values allowed, as IAM StringLike patterns (`*`: any text). For an index Query
   * they are values of the index's partition key (GSI1PK, ...), which is what DynamoDB checks
   * `dynamodb:LeadingKeys` against there; for the local index, the table's PK.
   */
  readonly keys: readonly string[];
  /** Query this index rather than act on the base table. */
  readonly index?: IndexName;
  /**
   * UpdateItem may name these attributes only (`dynamodb:Attributes`, key attributes included), and
   * return no others (`dynamodb:ReturnValues` NONE, UPDATED_OLD or UPDATED_NEW when given).
   */
  readonly attributes?: readonly string[];
}

/** A partition key's family: its text up to the variable part, then `*` (`TOKEN#<hash>` → `TOKEN#*`). */
export const family = (pk: string, variable: string | number): string => {
  const at = pk.indexOf(String(variable));
  if (at <= 0) throw new Error(`${pk} has no constant prefix before ${variable}`);
  return `${pk.slice(0, at)}*`;
};
const V = '\u0000';
const N = 987_654_321;

/** The key families, each from its builder in ./keys. */
export const FAMILY = {
  /** A thread's partition: its thread item, updates and revisions (and LSI1, which shares PK). */
  thread: family(threadPk(V), V),
  /** A scenario's item; in GSI1/GSI4/GSI6 its threads' scopes (`SCENARIO#<id>`, `…#ARCHIVED`, `…#STATUS#…`, `…#STALE`). */
  scenario: family(scenarioPk(V), V),
  /** GSI1's one partition listing every scenario. */
  scenarioList: SCENARIOS_LIST_PK,
  /** All-threads shards in GSI2/GSI5/GSI7 (`THREADS#<n>`, with their archived and status scopes). */
  threadShards: family(threadsShardPk(N), N),
  /** GSI10: a thread's children. */
  parent: family(parentPk(V), V),
  /** GSI3: watched threads by due time. */
  due: family(dueShardPk(N), N),
  /** GSI11: threads awaiting their expected thing. */
  expected: family(expectedShardPk(N), N),
  idempotency: family(idempotencyKey(V).PK, V),
  outbox: family(outboxShardPk(N), N),
  /** GSI12: a scenario's changes feed. */
  changes: family(changesScenarioPk(V), V),
  tokenHash: family(tokenHashKey(V).PK, V),
  tokenNames: TOKENS_PK,
  kinds: KINDS_PK,
  subscriptions: SUBSCRIPTIONS_PK,
  delivery: family(deliveryKey(V, 'x').PK, V),
  attemptLog: family(attemptLogPk(V, 0), V),
  /** GSI3: webhook deliveries by due time (beside the stale check's `DUE#<n>`). */
  deliveryDue: family(deliveryDuePk(N), N),
  live: `${LIVE_PREFIX}*`,
  /** The one key readiness reads, never written (GET /ready). */
  readiness: READINESS_KEY.PK,
  /**
   * The news inbox: an item's partition (`INBOX#<id>`) and, in GSI1 and GSI2, a scenario's items
   * (`INBOX#<scenario>#<state>`, `INBOX#<scenario>`): one family, since all start `INBOX#`.
   */
  inbox: family(inboxItemKey(V).PK, V),
  /** The claim of a canonical URL in a scenario's inbox (`INBOXURL#<scenario>#<hash>`). */
  inboxUrl: family(inboxUrlKey(V, 'x').PK, V),
  /** A news source's item (`SOURCE#<id>`, contract 1.2). */
  source: family(sourceKey(V).PK, V),
  /** GSI1: a scenario's sources (`SOURCES#<scenario>`). */
  sourcesScenario: family(sourcesScenarioPk(V), V),
  /** GSI3: active sources by next fetch time (`SOURCEDUE#<n>`, beside `DUE#<n>` and `WEBHOOKDUE#<n>`). */
  sourceDue: family(sourceDuePk(N), N),
  /** The mark of a scenario import under way (`IMPORT#<scenario>`). */
  importMark: family(importKey(V).PK, V),
} as const;

const query = (index: IndexName, ...keys: string[]): Grant => ({ actions: ['Query'], index, keys });
const F = FAMILY;

/** The attributes the authorizers' UpdateItem names (shared/store/token-store.ts `touch`): lastUsedAt, and the keys. */
export const TOKEN_TOUCH_ATTRIBUTES = ['PK', 'SK', 'lastUsedAt'] as const;

/**
 * Each store's uses: a use is a named set of grants, and a function names the uses it makes of each
 * store it is built with (infra/permissions.ts).
 */
export const STORE_ACCESS = {
  // shared/store/thread-store.ts and thread-lists.ts
  threads: {
    /** A thread's items by key and by partition: thread, updates, revisions. */
    read: [{ actions: ['GetItem', 'Query'], keys: [F.thread] }],
    /** A thread's updates by occurred time (LSI1): history pages, `asOf`, the timeline, a late report's window. */
    history: [query(INDEX.byOccurred, F.thread)],
    /**
     * Thread lists (GET /threads, boards, the timeline): each filter's own index (listing items), the
     * page's threads by key; `updatedSince` from the changes feed's carriers (GSI12, the outbox
     * partitions) and the threads by key.
     */
    lists: [
      query(INDEX.byScenario, F.scenario),
      query(INDEX.staleByScenario, F.scenario),
      query(INDEX.allThreads, F.threadShards),
      query(INDEX.byStatus, F.threadShards),
      query(INDEX.stale, F.threadShards),
      query(INDEX.byParent, F.parent),
      query(INDEX.changesByScenario, F.changes),
      { actions: ['Query'], keys: [F.outbox] },
      { actions: ['BatchGetItem'], keys: [F.thread] },
    ],
    /** Whether a thread has children (`hasChildren`). */
    children: [query(INDEX.byParent, F.parent)],
    /**
     * A scenario's threads by id (GSI1's listing items, then the threads by key) and no other list:
     * the export and the calendar, and what the inbox matches an arrival against (contract 1.2).
     */
    scenarioThreads: [query(INDEX.byScenario, F.scenario), { actions: ['BatchGetItem'], keys: [F.thread] }],
    /**
     * A write's turn (its own item: UpdateItem to claim and to give back, also in the holder's
     * commit), the queue mark (UpdateItem) and its transaction: thread, update, revisions, and the
     * parent's child count (an UpdateItem under the parent rules' condition).
     */
    write: [{ actions: ['PutItem', 'UpdateItem'], keys: [F.thread] }],
  },
  // shared/store/draft-store.ts (contract 1.2 "Drafts"; a publish's marker is part of `threads.write`)
  drafts: {
    /** A draft by key, a thread's drafts (its partition's `DRAFT#` range). */
    read: [{ actions: ['GetItem', 'Query'], keys: [F.thread] }],
    /** A scenario's queue: GSI1's drafts scope (`SCENARIO#<id>#DRAFTS`). */
    queue: [query(INDEX.byScenario, F.scenario)],
    /** Store a draft (PutItem, in a transaction with its idempotency completion) and discard one. */
    write: [{ actions: ['PutItem', 'DeleteItem'], keys: [F.thread] }],
    /** Store a draft only (an inbox item accepted as a draft, with its decision): never discard one. */
    store: [{ actions: ['PutItem'], keys: [F.thread] }],
  },
  // shared/store/scenario-store.ts
  scenarios: {
    read: [{ actions: ['GetItem'], keys: [F.scenario] }],
    /** GET /scenarios: the list partition of GSI1. */
    list: [query(INDEX.byScenario, F.scenarioList)],
    /** Create (PutItem, also `createIfAbsent`) and patch (UpdateItem). */
    write: [{ actions: ['PutItem', 'UpdateItem'], keys: [F.scenario] }],
    /** A recount: the scenario's threads (GSI1), its counts saved; created when missing. */
    recount: [
      { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: [F.scenario] },
      query(INDEX.byScenario, F.scenario),
    ],
    /**
     * A scenario's latest thread write alone (`latestThreadChange`: the newest carrier of its changes
     * feed, GSI12): whether the inbox's thread index is still current (shared/app/inbox.ts).
     */
    latestChange: [query(INDEX.changesByScenario, F.changes)],
    /** The sweep: every scenario (GSI1's list) and each one's latest thread write (its changes feed, GSI12). */
    sweep: [query(INDEX.byScenario, F.scenarioList), query(INDEX.changesByScenario, F.changes)],
  },
  // shared/store/token-store.ts
  tokens: {
    /** A token by hash (`findByHash`). */
    verify: [{ actions: ['GetItem'], keys: [F.tokenHash] }],
    /** lastUsedAt, and nothing else of a token (`touch`). */
    touch: [{ actions: ['UpdateItem'], keys: [F.tokenHash], attributes: TOKEN_TOUCH_ATTRIBUTES }],
    /** Create, list (by name, then lastUsedAt by hash), revoke. */
    manage: [
      { actions: ['GetItem', 'Query', 'PutItem', 'DeleteItem'], keys: [F.tokenNames] },
      { actions: ['BatchGetItem', 'PutItem', 'DeleteItem'], keys: [F.tokenHash] },
    ],
  },
  // shared/store/kind-store.ts
  kindStore: {
    /** Every custom kind, one Query: what the registry cache loads. */
    registry: [{ actions: ['Query'], keys: [F.kinds] }],
    /** Define a kind: read it, write it conditional on its version (PUT /kinds/{kind}). */
    define: [{ actions: ['GetItem', 'PutItem'], keys: [F.kinds] }],
  },
  // shared/store/idempotency-store.ts
  idempotency: {
    /** Claim and release a key; the completion is a PutItem in the guarded write's transaction. */
    guard: [{ actions: ['PutItem', 'DeleteItem'], keys: [F.idempotency] }],
  },
  // shared/store/outbox-store.ts (and the transactions that enqueue: thread-store, due-store)
  outbox: {
    /**
     * A notification committed with its change; nothing else touches it (the table's stream carries
     * it to the relay, DynamoDB's TTL removes it).
     */
    enqueue: [{ actions: ['PutItem'], keys: [F.outbox] }],
  },
  // shared/store/change-store.ts
  changes: {
    /** The changes feed: a scenario's (GSI12), every scenario's (the outbox partitions, read only). */
    read: [query(INDEX.changesByScenario, F.changes), { actions: ['Query'], keys: [F.outbox] }],
  },
  // shared/store/due-store.ts
  due: {
    /**
     * Read the due indexes and the listed threads (BatchGetItem, consistent: the version the flag
     * is conditioned on); flag a thread (UpdateItem) with its listing item (PutItem; its notification
     * is `outbox.enqueue`) or take it out.
     */
    flag: [
      query(INDEX.byDue, F.due),
      query(INDEX.byExpected, F.expected),
      { actions: ['BatchGetItem', 'UpdateItem', 'PutItem'], keys: [F.thread] },
    ],
  },
  // shared/store/subscription-store.ts
  subscriptions: {
    read: [{ actions: ['GetItem', 'Query'], keys: [F.subscriptions] }],
    /** Create, update, remove (the admin routes). */
    manage: [{ actions: ['PutItem', 'UpdateItem', 'DeleteItem'], keys: [F.subscriptions] }],
    /** A delivery's outcome on its subscription: the failure clock, and disabling. */
    health: [{ actions: ['UpdateItem'], keys: [F.subscriptions] }],
  },
  // shared/store/delivery-store.ts
  deliveries: {
    /** An event's delivery to a subscription. */
    create: [{ actions: ['PutItem'], keys: [F.delivery] }],
    /** A subscription's latest attempts (its log). */
    attempts: [{ actions: ['Query'], keys: [F.attemptLog] }],
    /** An event's pending deliveries, due ones (GSI3), claimed and settled, each attempt logged. */
    run: [
      query(INDEX.byDue, F.deliveryDue),
      { actions: ['Query', 'UpdateItem'], keys: [F.delivery] },
      { actions: ['PutItem'], keys: [F.attemptLog] },
    ],
  },
  // shared/store/feed-store.ts
  feeds: {
    /**
     * A thread's newest updates, a scenario's item and its threads by their newest write (the
     * scenario's changes feed, GSI12, then the threads by key).
     */
    read: [
      { actions: ['Query', 'BatchGetItem'], keys: [F.thread] },
      { actions: ['GetItem'], keys: [F.scenario] },
      query(INDEX.changesByScenario, F.changes),
    ],
  },
  // shared/store/public-store.ts
  publicViews: {
    /**
     * The public channel's publisher (shared/app/public-live.ts): per change, the scenario items it
     * names and the thread item, in one BatchGetItem.
     */
    fanOut: [{ actions: ['BatchGetItem'], keys: [F.scenario, F.thread] }],
  },
  // shared/store/connection-store.ts
  connections: {
    /** A connection's item and its subscription items. */
    manage: [{ actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], keys: [F.live] }],
    /** A target's subscribers (a Query per shard); gone connections removed. */
    fanOut: [{ actions: ['Query', 'DeleteItem'], keys: [F.live] }],
  },
  // shared/store/search-source.ts
  search: {
    /**
     * GET /search's views (shared/app/search-views.ts): every scenario's id, a scenario's threads
     * and waiting drafts (GSI1), a thread's updates (its partition), the writes since (the changes
     * feed's carriers: GSI12, or the outbox partitions) and the items they name (BatchGetItem).
     */
    query: [
      query(INDEX.byScenario, SCENARIOS_LIST_PK, F.scenario),
      { actions: ['Query', 'BatchGetItem'], keys: [F.thread] },
      query(INDEX.changesByScenario, F.changes),
      { actions: ['Query'], keys: [F.outbox] },
    ],
  },
  // shared/store/inbox-store.ts
  inbox: {
    /** `GET /inbox`: a scenario's items in one state (GSI1). */
    list: [query(INDEX.byScenario, F.inbox)],
    /**
     * An arrival (POST /inbox, a polled feed): the URL's claim and its item, the scenario's newest
     * items for near copies (GSI2), the new item with its claim or a duplicate added (transactions);
     * a decision (UpdateItem, in the accepted update's transaction when accepting).
     */
    receive: [
      { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: [F.inbox, F.inboxUrl] },
      query(INDEX.allThreads, F.inbox),
    ],
  },
  // shared/store/source-store.ts (contract 1.2, news sources)
  sources: {
    /** The admin routes: a source by key (create, read, patch, delete) and a scenario's list (GSI1). */
    manage: [
      { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], keys: [F.source] },
      query(INDEX.byScenario, F.sourcesScenario),
    ],
    /** A fetch: read the source, take it (the minute guard), record the outcome and its due key. */
    poll: [{ actions: ['GetItem', 'UpdateItem'], keys: [F.source] }],
    /** The due sources: one Query of GSI3 per shard. */
    due: [query(INDEX.byDue, F.sourceDue)],
  },
  // shared/store/archive-store.ts (contract 1.2: the scenario archive and its import)
  archives: {
    /** The archive: each thread's whole partition, the scenario's changes-feed carriers (GSI12). */
    read: [{ actions: ['Query'], keys: [F.thread] }, query(INDEX.changesByScenario, F.changes)],
    /**
     * The import: its mark (read, put; deleted in the last transaction), which thread ids exist
     * (BatchGetItem), thread items (PutItem) and their partitions and the feed's carriers
     * (BatchWriteItem), the scenario item (PutItem in the last transaction). No event is ever put:
     * the carriers hold no `event`.
     */
    restore: [
      { actions: ['GetItem', 'PutItem', 'DeleteItem'], keys: [F.importMark] },
      { actions: ['BatchGetItem', 'PutItem', 'BatchWriteItem'], keys: [F.thread] },
      { actions: ['BatchWriteItem'], keys: [F.outbox] },
      { actions: ['PutItem'], keys: [F.scenario] },
    ],
  },
  // shared/store/readiness.ts
  readiness: {
    /** One GetItem of a key nobody writes: is the database answering? */
    probe: [{ actions: ['GetItem'], keys: [F.readiness] }],
  },
} as const satisfies Record<string, Record<string, readonly Grant[]>>;

export type StoreName = keyof typeof STORE_ACCESS;
/** The uses of a store, by name. */
export type StoreUse<S extends StoreName> = keyof (typeof STORE_ACCESS)[S];
/** What a function makes of each store it is built with. */
export type StoreUses = { readonly [S in StoreName]?: readonly StoreUse<S>[] };

/** The grants of a function's store uses, in declaration order. */
export function grantsOf(uses: StoreUses): Grant[] {
  return (Object.entries(uses) as [StoreName, readonly string[]][]).flatMap(([store, names]) =>
    names.flatMap((use) => {
      const grants = (STORE_ACCESS[store] as Record<string, readonly Grant[]>)[use];
      if (!grants) throw new Error(`${store} has no use named ${use}`);
      return grants;
    }),
  );
}
