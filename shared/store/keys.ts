import { createHash } from 'node:crypto';

/**
 * Key layout of the single table (see docs/data-model.md). Every key the code writes or queries
 * is built here, so the layout is readable in one place.
 */
export const INDEX = {
  /** Threads of one scenario, by id. */
  byScenario: 'GSI1',
  /** Every thread, by id: sharded (`THREADS#<n>`), read as a k-way merge of the shards. */
  allThreads: 'GSI2',
  /** Sparse: only watched (non-terminal, not yet stale) threads, by due time; sharded (`DUE#<n>`). */
  byDue: 'GSI3',
  /**
   * No longer written nor read (issue 25): a scenario's `status=` is a filter on its GSI1 partition
   * (this key moved on every status change); the index goes in a later deploy.
   */
  byScenarioStatus: 'GSI4',
  /** Threads in one status, by id; sharded like the all-threads index. */
  byStatus: 'GSI5',
  /** Sparse: only stale threads of one scenario, by id. */
  staleByScenario: 'GSI6',
  /** Sparse: only stale threads, by id; sharded. */
  stale: 'GSI7',
  /**
   * No longer written (issue 25): a key of the update time moved on every write. `updatedSince` and
   * the scenario's feed read the changes feed (GSI12) instead; the indexes go in a later deploy.
   */
  byScenarioUpdated: 'GSI8',
  /** No longer written, as GSI8. */
  byUpdated: 'GSI9',
  /** Sparse: a thread's children (`PARENT#<id>`), by id: only threads with a parent are in it. */
  byParent: 'GSI10',
  /**
   * Sparse: threads awaiting their expected thing, by `overdueSince` (`<overdueSince>#<id>`); sharded
   * (`EXPECTED#<n>`). What the overdue check reads.
   */
  byExpected: 'GSI11',
  /**
   * Sparse: the changes feed of one scenario (`CHANGES#<scenario>`), by the table's SK (the write's
   * event id, a ULID: recorded order). Only outbox items that carry a write's changes are in it.
   */
  changesByScenario: 'GSI12',
  /** Local index: a thread's updates by occurred time, then recorded time. */
  byOccurred: 'LSI1',
} as const;

/**
 * Shards of every key that would otherwise hold all threads (all-threads listings, the due index,
 * the outbox). Fixed: a thread's shard is a hash of its id, so changing N means rewriting every
 * thread item (a migration). 8 spreads writes over 8 index partitions (8,000 WCU/s before any split
 * for heat) and costs a list page about `limit + 8` items and 8 small Queries.
 */
export const THREAD_SHARDS = 8;
export const OUTBOX_SHARDS = 8;

/** A stable shard number in [0, shards): the first 32 bits of the id's SHA-256. */
export const shardOf = (id: string, shards: number): number =>
  createHash('sha256').update(id).digest().readUInt32BE(0) % shards;

export const shardNumbers = (shards: number): number[] => Array.from({ length: shards }, (_, n) => n);

export const THREAD_SK = '#THREAD';
export const SCENARIO_SK = '#SCENARIO';
/**
 * GSI1 partition of every scenario item (GSI1SK = its id): the list of scenarios by id. One key,
 * acceptable because scenario items are written rarely (create, patch, at most one recount per
 * scenario every few seconds): see docs/capacity.md.
 */
export const SCENARIOS_LIST_PK = 'SCENARIOS';
export const UPDATE_PREFIX = 'UPDATE#';
/**
 * An update's wordings: `REVISION#<updateId>#<nnnn>` in the thread's partition. Not `UPDATE#…`, so
 * the update windows (`begins_with(SK, 'UPDATE#')`) never see them, and no LSI1SK, so LSI1 neither.
 */
export const REVISION_PREFIX = 'REVISION#';
export const TOKENS_PK = 'TOKENS';
/**
 * Contract 1.2: a thread's criteria over time, `CRITERIA#<version>` in the thread's partition (the
 * thread's version the change made: unique, and in the order they were recorded). Written only by
 * the write that sets them, read only by `GET /threads/{id}/criteria` and a `knownAt` view (which
 * reads the whole partition anyway). No index attributes: nothing else sees them.
 */
export const CRITERIA_PREFIX = 'CRITERIA#';
export const criteriaKey = (threadId: string, version: number) => ({
  PK: threadPk(threadId),
  SK: `${CRITERIA_PREFIX}${String(version).padStart(10, '0')}`,
});

/**
 * Drafts (contract 1.2): `DRAFT#<ulid>` in the thread's partition. Not `UPDATE#…` and no LSI1SK, so
 * no update window, history page or fold ever reads one (as revisions). While a draft waits, GSI1
 * lists it under its scenario's drafts scope (`draftsScope`), newest first by its ULID; published or
 * discarded, it leaves that scope.
 */
export const DRAFT_PREFIX = 'DRAFT#';
/** A published draft's item keeps this attribute (the update it became): no longer a draft. */
export const PUBLISHED_AS = 'publishedAs';

const THREAD_PREFIX = 'THREAD#';
export const threadPk = (threadId: string) => `${THREAD_PREFIX}${threadId}`;
/** The thread id of a thread item's partition key (an index query returns the item's keys). */
export const threadIdOfPk = (pk: string) => pk.slice(THREAD_PREFIX.length);
export const threadKey = (threadId: string) => ({ PK: threadPk(threadId), SK: THREAD_SK });
/**
 * A contended thread's turn (shared/store/thread-store.ts Turn): an item of its own in the thread's
 * partition, in no index (no index key attribute, no `LSI1SK`), so a claim writes ~100 bytes and no
 * index entry. Sorts after the thread item (`#TH` < `#TU`) and before its updates.
 */
export const TURN_SK = '#TURN';
/**
 * The listing item's sort key: the small item in a thread's partition that carries the thread's list
 * index keys (items.ts#listingItem). Sorts right after the thread item, before the turn and the updates.
 */
export const LISTING_SK = '#THREAD#LIST';
export const listingKey = (threadId: string) => ({ PK: threadPk(threadId), SK: LISTING_SK });
export const turnKey = (threadId: string) => ({ PK: threadPk(threadId), SK: TURN_SK });
export const updateKey = (threadId: string, updateId: string) => ({
  PK: threadPk(threadId),
  SK: `${UPDATE_PREFIX}${updateId}`,
});
export const draftKey = (threadId: string, draftId: string) => ({
  PK: threadPk(threadId),
  SK: `${DRAFT_PREFIX}${draftId}`,
});
export const revisionsPrefix = (updateId: string) => `${REVISION_PREFIX}${updateId}#`;
export const revisionKey = (threadId: string, updateId: string, revision: number) => ({
  PK: threadPk(threadId),
  SK: `${revisionsPrefix(updateId)}${String(revision).padStart(4, '0')}`,
});
export const idempotencyKey = (hash: string) => ({ PK: `IDEMPOTENCY#${hash}`, SK: '#IDEMPOTENCY' });
export const tokenHashKey = (hash: string) => ({ PK: `TOKEN#${hash}`, SK: '#TOKEN' });
export const tokenNameKey = (name: string) => ({ PK: TOKENS_PK, SK: `NAME#${name}` });
/**
 * Custom kinds: one item each, all in one partition, so one Query lists them (no Scan). Kinds are
 * few (tens), written by admins and read through a per-process cache: the partition stays cold.
 */
/**
 * The key readiness reads (GET /ready): never written, so the GetItem finds nothing and costs the
 * least a read can (0.5 RCU). What it checks is that the table answers, not what it holds.
 */
export const READINESS_KEY = { PK: 'READINESS', SK: '#READINESS' } as const;
export const KINDS_PK = 'KINDS';
export const KIND_PREFIX = 'KIND#';
export const kindKey = (kind: string) => ({ PK: KINDS_PK, SK: `${KIND_PREFIX}${kind}` });

/** List scopes: one scenario, or one shard of all threads. Filter keys are built on a scope. */
export const scenarioPk = (scenario: string) => `SCENARIO#${scenario}`;
/** The scenario item shares its partition key's text with its threads' GSI1 scope, but lives in the table's PK. */
export const scenarioKey = (scenario: string) => ({ PK: scenarioPk(scenario), SK: SCENARIO_SK });
export const threadsShardPk = (shard: number) => `THREADS#${shard}`;
export const statusPk = (scope: string, status: string) => `${scope}#STATUS#${status}`;
export const stalePk = (scope: string) => `${scope}#STALE`;
export const dueShardPk = (shard: number) => `DUE#${shard}`;
export const expectedShardPk = (shard: number) => `EXPECTED#${shard}`;
/**
 * Sort key of the due indexes (GSI3 staleness, GSI11 expectations): the time the thread falls due,
 * then its id. Times hold no `#`, so the first one ends the time.
 */
export const dueSk = (at: string, threadId: string) => `${at}#${threadId}`;
export const dueSkTime = (sk: string) => sk.slice(0, sk.indexOf('#'));
export const parentPk = (parentId: string) => `PARENT#${parentId}`;
/**
 * The scope an archived thread is listed under instead of its own: archived threads live in their
 * own partitions of every list index, so default lists never read them and `archived=true` reads
 * only them (`any` merges both). Slugs hold no `#`, so no scenario's scope can collide with it.
 */
export const archivedScope = (scope: string) => `${scope}#ARCHIVED`;
/**
 * A scenario's waiting drafts in GSI1 (`SCENARIO#<id>#DRAFTS`, GSI1SK the draft's ULID): a sparse
 * scope of the scenario index, like the archived one, so the queue is one Query of what it returns
 * and no thread list ever reads a draft (each lists its own scope).
 */
export const draftsScope = (scenario: string) => `${scenarioPk(scenario)}#DRAFTS`;
/**
 * The hour a time falls in (`YYYY-MM-DDTHH`), the grain of the keys that would otherwise move on
 * every write: a thread written many times within an hour keeps one key there, and its index entry
 * is not rewritten (DynamoDB writes an index only when the entry's key or projected attributes change).
 */
export const hourOf = (time: string) => time.slice(0, 13);
/** The first instant of a time's hour (a full ISO time). */
export const hourStart = (time: string) => `${hourOf(time)}:00:00.000Z`;

/**
 * The outbox, sharded by thread: notifications of different threads never share a partition key.
 * An event about no thread (none goes through the outbox today) is sharded by its own id.
 */
export const outboxShardPk = (shard: number) => `OUTBOX#${shard}`;
/** GSI12's partition of one scenario's changes (the changes feed, docs/data-model.md). */
export const changesScenarioPk = (scenario: string) => `CHANGES#${scenario}`;
export const outboxKey = (event: { id: string; threadId?: string | undefined }) => ({
  PK: outboxShardPk(shardOf(event.threadId ?? event.id, OUTBOX_SHARDS)),
  SK: event.id,
});

/**
 * Webhook subscriptions: one partition holding every subscription (they are few; fan-out reads them
 * all, cached briefly), and per subscription × event one delivery item in the event's partition.
 */
export const SUBSCRIPTIONS_PK = 'SUBSCRIPTIONS';
export const SUBSCRIPTION_PREFIX = 'SUB#';
export const subscriptionKey = (id: string) => ({ PK: SUBSCRIPTIONS_PK, SK: `${SUBSCRIPTION_PREFIX}${id}` });
export const deliveryKey = (eventId: string, subscriptionId: string) => ({
  PK: `DELIVERY#${eventId}`,
  SK: `${SUBSCRIPTION_PREFIX}${subscriptionId}`,
});
/**
 * Shards of the deliveries' due index (the overloaded GSI3, beside the stale check's `DUE#<n>`) and
 * of each subscription's attempt log: no partition key takes every pending delivery or every attempt.
 */
export const DELIVERY_SHARDS = 8;
export const deliveryDuePk = (shard: number) => `WEBHOOKDUE#${shard}`;
export const deliveryDueShard = (eventId: string, subscriptionId: string) =>
  shardOf(`${eventId}/${subscriptionId}`, DELIVERY_SHARDS);
export const attemptLogPk = (subscriptionId: string, shard: number) => `SUBLOG#${subscriptionId}#${shard}`;

/**
 * Live WebSocket connections in the cloud (docs/data-model.md "Live connections"): every key of the
 * family starts with `LIVE#` (the live functions' IAM is confined to it). A connection's own item,
 * and one item per subscription under its target, sharded by connection so that no target's
 * subscribers share one partition key: the fan-out reads a target's LIVE_SHARDS partitions.
 */
export const LIVE_PREFIX = 'LIVE#';
export const LIVE_SHARDS = 4;
export const liveConnectionKey = (connectionId: string) => ({
  PK: `${LIVE_PREFIX}CONN#${connectionId}`,
  SK: '#CONN',
});
/** `target` is the protocol's target key (`scenario:<id>` or `thread:<id>`). */
export const liveTargetPk = (target: string, shard: number) => `${LIVE_PREFIX}${target}#${shard}`;
export const liveSubscriptionKey = (target: string, connectionId: string) => ({
  PK: liveTargetPk(target, shardOf(connectionId, LIVE_SHARDS)),
  SK: connectionId,
});

// ---- Retired: the search index of postings (search reads the items now: shared/app/search-views.ts) ----

/** Partitions of the retired search index (postings, document records): `npm run migrate` deletes them. */
export const RETIRED_SEARCH_PREFIXES = ['SEARCH#', 'SEARCHDOC#'] as const;

/**
 * The news inbox (docs/data-model.md "Inbox"). An item lives in its own partition (`INBOX#<id>`,
 * read by id when decided) and is listed through two overloaded indexes, so no list scans: GSI1 by
 * scenario and state (`INBOX#<scenario>#<state>`: `GET /inbox`, O(page)) and GSI2 by scenario
 * (`INBOX#<scenario>`: the newest items, whatever their state, that a new entry is compared with
 * for near copies). Both sort by the item id, a ULID: newest first is a descending Query. Each
 * canonical URL an item holds (its own and its duplicates') has a claim item, so the same link
 * arriving twice finds its item with one GetItem and two racing arrivals make one item.
 */
export const INBOX_PREFIX = 'INBOX#';
export const INBOX_SK = '#INBOX';
export const inboxItemKey = (id: string) => ({ PK: `${INBOX_PREFIX}${id}`, SK: INBOX_SK });
export const inboxStatePk = (scenario: string, state: string) => `${INBOX_PREFIX}${scenario}#${state}`;
export const inboxScenarioPk = (scenario: string) => `${INBOX_PREFIX}${scenario}`;
export const INBOX_URL_PREFIX = 'INBOXURL#';
export const inboxUrlKey = (scenario: string, canonicalUrl: string) => ({
  PK: `${INBOX_URL_PREFIX}${scenario}#${createHash('sha256').update(canonicalUrl).digest('base64url')}`,
  SK: '#URL',
});

/**
 * News sources (contract 1.2; docs/data-model.md "Source"). A source lives in its own partition
 * (`SOURCE#<id>`), is listed by scenario through the overloaded GSI1 (`SOURCES#<scenario>`, by id),
 * and while active is in the sparse due index — the overloaded GSI3, beside the stale check's
 * `DUE#<n>` and the deliveries' `WEBHOOKDUE#<n>` — under `SOURCEDUE#<n>` (n a hash of its id), by
 * next fetch time: the poll finds due sources with one Query per shard, never a Scan.
 */
export const SOURCE_SHARDS = 4;
export const SOURCE_PREFIX = 'SOURCE#';
export const sourceKey = (id: string) => ({ PK: `${SOURCE_PREFIX}${id}`, SK: '#SOURCE' });
export const sourcesScenarioPk = (scenario: string) => `SOURCES#${scenario}`;
export const sourceDuePk = (shard: number) => `SOURCEDUE#${shard}`;
export const sourceDueShard = (id: string) => shardOf(id, SOURCE_SHARDS);

// ---- Scenario import (contract 1.2 "Export, import and the data package"; shared/app/archive.ts) ----

/**
 * The mark of an import under way: `IMPORT#<scenario>`, written before anything else of the scenario
 * and deleted in the transaction that writes the scenario item. While it stands, the scenario's
 * threads are an interrupted import's, which a retry may overwrite; without it they are the tracker's own.
 */
export const importKey = (scenario: string) => ({ PK: `IMPORT#${scenario}`, SK: '#IMPORT' });
