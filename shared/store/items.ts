import { BUILT_IN_REGISTRY, type KindRegistry } from '../domain/kinds';
import { addHours, periodAfter } from '../domain/time';
import { CORROBORATING_OUTLETS } from '../domain/corroboration';
import type { Precision } from '../domain/time';
import type {
  CriteriaRevision,
  Claim,
  Corroboration,
  Draft,
  Expected,
  Quote,
  Retraction,
  Revision,
  Scenario,
  Source,
  StoredRevision,
  StoredUpdate,
  Thread,
  Update,
} from '../domain/types';
import {
  SCENARIOS_LIST_PK,
  THREAD_SHARDS,
  archivedScope,
  criteriaKey,
  draftKey,
  draftsScope,
  dueShardPk,
  dueSk,
  expectedShardPk,
  hourStart,
  parentPk,
  statusPk,
  revisionKey,
  scenarioKey,
  scenarioPk,
  shardOf,
  stalePk,
  listingKey,
  threadKey,
  threadsShardPk,
  updateKey,
} from './keys';

/** Fields of the Thread object, in the contract's order: also the order of a response body. */
const THREAD_FIELDS = [
  'id',
  'scenario',
  'kind',
  'title',
  'status',
  'statusSince',
  'statusSincePrecision',
  'summary',
  'lastOccurredAt',
  'lastOccurredPrecision',
  'lastRecordedAt',
  'updateCount',
  'claims',
  'disputed',
  'corroboration',
  'version',
  'staleAfterHours',
  'stale',
  'staleSince',
  'overdue',
  'overdueSince',
  'expected',
  'parent',
  'archived',
  'createdAt',
  'updatedAt',
  'keywords',
  'criteria',
] as const satisfies readonly (keyof Thread)[];

const UPDATE_FIELDS = [
  'id',
  'threadId',
  'status',
  'summary',
  'occurredAt',
  'occurredPrecision',
  'recordedAt',
  'postedBy',
  'sources',
  'quotes',
  'retracted',
  'retraction',
  'revisedAt',
  'revisedBy',
  'revisionCount',
  'key',
  'claimedBy',
  // Present only on a published draft (contract 1.2 "Drafts"); dropped below when absent.
  'publishedBy',
  'draftId',
] as const satisfies readonly (keyof Update)[];

const SOURCE_FIELDS = [
  'url',
  'title',
  'publisher',
  'publishedAt',
] as const satisfies readonly (keyof Source)[];
const QUOTE_FIELDS = ['speaker', 'text'] as const satisfies readonly (keyof Quote)[];
const RETRACTION_FIELDS = [
  'reason',
  'retractedAt',
  'retractedBy',
] as const satisfies readonly (keyof Retraction)[];

const pick = <T>(item: Record<string, unknown>, fields: readonly string[]): T =>
  Object.fromEntries(fields.map((f) => [f, item[f]])) as T;

/** Like pick, for nested maps, whose attributes DynamoDB returns in no particular order; absent ones stay absent. */
const present = <T>(item: unknown, fields: readonly string[]): T =>
  Object.fromEntries(
    fields
      .filter((f) => (item as Record<string, unknown>)[f] !== undefined)
      .map((f) => [f, (item as Record<string, unknown>)[f]]),
  ) as T;

/**
 * Items written before precision existed carry none: every time in them was a full one, so they read
 * as `instant` and old tables keep working without a migration.
 */
const INSTANT = 'instant';

const EXPECTED_FIELDS = ['what', 'at', 'precision'] as const satisfies readonly (keyof Expected)[];

/**
 * Thread items written before contract 1.1 carry no parent, archived, expected or overdue fields:
 * they read as the defaults (no migration).
 */
export const toThread = (item: Record<string, unknown>): Thread =>
  pick<Thread>(
    {
      ...item,
      statusSincePrecision: item.statusSincePrecision ?? INSTANT,
      lastOccurredPrecision: item.lastOccurredPrecision ?? INSTANT,
      // Left off the item at their defaults (issue 25: `withoutDefaults`).
      stale: item.stale ?? false,
      staleSince: item.staleSince ?? null,
      overdue: item.overdue ?? false,
      overdueSince: item.overdueSince ?? null,
      expected: item.expected ? present<Expected>(item.expected, EXPECTED_FIELDS) : null,
      parent: item.parent ?? null,
      archived: item.archived ?? false,
      // Contract 1.2: items written before it have neither.
      keywords: item.keywords ?? [],
      criteria: item.criteria ?? null,
      // Contract 1.2: written only when there is something to say (an unclaimed thread stays as small).
      claims: ((item.claims as Claim[] | undefined) ?? []).map((c) => present<Claim>(c, CLAIM_FIELDS)),
      disputed: item.disputed ?? false,
      corroboration: item.corroboration
        ? present<Corroboration>(item.corroboration, CORROBORATION_FIELDS)
        : corroborationOf((item[OUTLETS_ATTRIBUTE] as string[] | undefined) ?? []),
    },
    THREAD_FIELDS,
  );

const CLAIM_FIELDS = [
  'party',
  'status',
  'since',
  'sincePrecision',
  'updateId',
] as const satisfies readonly (keyof Claim)[];
const CORROBORATION_FIELDS = ['outlets', 'count'] as const satisfies readonly (keyof Corroboration)[];

/** The thread item's attribute holding the current status's outlets (the view's `corroboration.outlets`). */
export const OUTLETS_ATTRIBUTE = 'outlets';

const corroborationOf = (outlets: string[]): Corroboration => ({ outlets, count: outlets.length });

/**
 * An update in the contract's order, nested objects included: what is read back presents exactly
 * as what was written (a replayed response is byte for byte the first one).
 */
export function toUpdate(item: Record<string, unknown>): Update {
  // Items written before amendments existed carry no revision fields: they were never amended.
  const update = pick<Update>(
    {
      ...item,
      occurredPrecision: item.occurredPrecision ?? INSTANT,
      revisedAt: item.revisedAt ?? null,
      revisedBy: item.revisedBy ?? null,
      revisionCount: Number(item.revisionCount ?? 0),
      // Contract 1.2: items written before key events existed are not key events.
      key: item.key ?? false,
      // Stored only on claims: absent is the newsroom's own update.
      claimedBy: item.claimedBy ?? null,
    },
    UPDATE_FIELDS,
  );
  const { publishedBy, draftId, ...rest } = update;
  return {
    ...rest,
    sources: (update.sources ?? []).map((s) => present<Source>(s, SOURCE_FIELDS)),
    quotes: (update.quotes ?? []).map((q) => present<Quote>(q, QUOTE_FIELDS)),
    retraction: update.retraction ? present<Retraction>(update.retraction, RETRACTION_FIELDS) : null,
    ...(publishedBy !== undefined ? { publishedBy, draftId } : {}),
    // Only on an update accepted from the news inbox (contract 1.2): the item it came from.
    ...(typeof item.inboxItem === 'string' ? { inboxItem: item.inboxItem } : {}),
  };
}

/**
 * An update or revision item's recorded outlets (StoredUpdate, StoredRevision). Written with every
 * wording that has sources (an empty list when none of them has an outlet) and left out when it has
 * none, so a note without sources stays the item it was. Absent with sources: an item from before
 * outlets were stored (null, until `npm run migrate` fills it).
 */
export const RECORDED_OUTLETS_ATTRIBUTE = 'outlets';

export const recordedOutletsOf = (item: Record<string, unknown>): string[] | null => {
  const stored = item[RECORDED_OUTLETS_ATTRIBUTE];
  if (Array.isArray(stored)) return stored as string[];
  return Array.isArray(item.sources) && item.sources.length > 0 ? null : [];
};

/** The attribute a wording stores for its outlets (see RECORDED_OUTLETS_ATTRIBUTE). */
const outletsAttribute = (w: { sources: readonly unknown[]; outlets: string[] | null }) =>
  w.outlets !== null && w.sources.length > 0 ? { [RECORDED_OUTLETS_ATTRIBUTE]: w.outlets } : {};

/** An update as its item stores it: the contract's Update and its recorded outlets. */
export const toStoredUpdate = (item: Record<string, unknown>): StoredUpdate => ({
  ...toUpdate(item),
  outlets: recordedOutletsOf(item),
});

/** A thread or update as a response body presents it: the order a read gives. */
export const threadInOrder = (thread: Thread): Thread =>
  toThread(thread as unknown as Record<string, unknown>);
export const updateInOrder = (update: Update): Update =>
  toUpdate(update as unknown as Record<string, unknown>);

/**
 * When the stale check should next look at a thread, or undefined when it should not: a thread in a
 * terminal status is not watched, and a stale one has already been flagged for this episode. Which
 * statuses are terminal is the kind registry's answer (custom kinds included), which the writer
 * hands in: the store reads no kinds itself.
 */
export const dueAt = (thread: Thread, kinds: KindRegistry = BUILT_IN_REGISTRY): string | undefined =>
  thread.stale || thread.archived || kinds.isTerminal(thread.kind, thread.status)
    ? undefined
    : addHours(thread.lastRecordedAt, thread.staleAfterHours);

/**
 * When the overdue check should look at a thread (its `overdueSince`), or undefined while it does not
 * await anything: no `expected`, already overdue, archived, terminal, or the expected thing has
 * happened — some live update occurred at or after `expected.at`. `lastOccurredAt` is the latest
 * live update's (the projection's head), so a retraction of that update brings the thread back.
 */
export const overdueAt = (thread: Thread, kinds: KindRegistry = BUILT_IN_REGISTRY): string | undefined =>
  thread.expected === null ||
  thread.overdue ||
  thread.archived ||
  kinds.isTerminal(thread.kind, thread.status) ||
  thread.lastOccurredAt >= thread.expected.at
    ? undefined
    : periodAfter(thread.expected);

/**
 * The two scopes a thread is listed under: its scenario, and its shard of all threads. An archived
 * thread's scopes are the archived partitions of both (keys.ts#archivedScope).
 */
export const threadScopes = (thread: Pick<Thread, 'id' | 'scenario'> & { archived?: boolean }) => {
  const scopes = {
    scenario: scenarioPk(thread.scenario),
    all: threadsShardPk(shardOf(thread.id, THREAD_SHARDS)),
  };
  return thread.archived === true
    ? { scenario: archivedScope(scopes.scenario), all: archivedScope(scopes.all) }
    : scopes;
};

/** Key attributes of the sparse stale indexes: present only while the thread is stale. */
export const staleIndexKeys = (thread: Pick<Thread, 'id' | 'scenario'>) => {
  const scope = threadScopes(thread);
  return { GSI6PK: stalePk(scope.scenario), GSI7PK: stalePk(scope.all) };
};

/**
 * A thread's fields at their defaults are left off its item (toThread reads their absence as the
 * defaults): every byte of the thread item is paid on every write, twice (the transaction), and the
 * item with a realistic summary sits just around the 1 KB write unit (issue 25; docs/data-model.md,
 * *Index budget*). Items written with them still read the same.
 */
const withoutDefaults = (thread: Thread): Record<string, unknown> => {
  const { claims, disputed, corroboration, keywords, criteria, ...rest } = thread;
  const item: Record<string, unknown> = { ...rest };
  for (const [field, value] of Object.entries(DEFAULTS)) if (item[field] === value) delete item[field];
  return {
    ...item,
    ...(keywords !== undefined && keywords.length > 0 ? { keywords } : {}),
    ...(criteria !== undefined && criteria !== null ? { criteria } : {}),
    ...(claims?.length ? { claims } : {}),
    ...(disputed ? { disputed } : {}),
    // The count is the list's length: only the list is stored (thread-lists.ts filters on its size).
    ...(corroboration?.outlets.length ? { [OUTLETS_ATTRIBUTE]: corroboration.outlets } : {}),
  };
};

/** The thread fields a thread item leaves off at these values (toThread's defaults). */
const DEFAULTS: Partial<Record<keyof Thread, unknown>> = {
  statusSincePrecision: INSTANT,
  lastOccurredPrecision: INSTANT,
  stale: false,
  staleSince: null,
  overdue: false,
  overdueSince: null,
  expected: null,
  parent: null,
  archived: false,
};

/**
 * The thread item: the Thread's fields plus the key attributes of the two due indexes (GSI3: stale
 * check; GSI11: overdue check), both INCLUDE-projected and sparse. The list indexes' keys are not on
 * it: they are on its listing item (listingItem, below), so a write that changes nothing a list
 * shows or filters on — a note, most writes — writes no list index entry at all (issue 25).
 */
export function threadItem(thread: Thread, kinds: KindRegistry = BUILT_IN_REGISTRY): Record<string, unknown> {
  const due = dueAt(thread, kinds);
  const overdueFrom = overdueAt(thread, kinds);
  return {
    ...threadKey(thread.id),
    ...withoutDefaults(pick<Thread>(thread as unknown as Record<string, unknown>, THREAD_FIELDS)),
    // Sparse: the attributes exist only while the thread is watched (GSI3) or awaits `expected` (GSI11).
    // The due key holds the start of the due time's hour, not the time: a note moves the due time
    // but within the hour not the key (the stale check reads the exact due time from the thread).
    ...(due
      ? { GSI3PK: dueShardPk(shardOf(thread.id, THREAD_SHARDS)), GSI3SK: dueSk(hourStart(due), thread.id) }
      : {}),
    ...(overdueFrom
      ? {
          GSI11PK: expectedShardPk(shardOf(thread.id, THREAD_SHARDS)),
          GSI11SK: dueSk(overdueFrom, thread.id),
        }
      : {}),
  };
}

/**
 * The list index keys a thread item carried before listing items existed: `npm run migrate` and the
 * stale check's flag remove them from an older item as they put its listing item (docs/data-model.md).
 */
export const LEGACY_LIST_KEYS = [
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'GSI4PK',
  'GSI5PK',
  'GSI6PK',
  'GSI7PK',
  'GSI10PK',
  'USK',
] as const;

/**
 * The scenario-status key (GSI4) a listing item carried until a scenario's `status=` became a filter
 * on its GSI1 partition: no list reads it; the next listing put drops it, `npm run migrate` removes
 * it from the rest (docs/data-model.md, *Migrating off the scenario-status index*).
 */
export const RETIRED_LISTING_KEYS = ['GSI4PK'] as const;

/** Whether a thread item predates listing items: it still carries its list keys itself (and has no listing item). */
export const isLegacyThreadItem = (item: Record<string, unknown>): boolean => item.GSI1PK !== undefined;

/** The listing item's attribute saying the current status rests on enough outlets (contract 1.2 `corroborated`). */
export const CORROBORATED_ATTRIBUTE = 'corroborated';

/**
 * A thread's listing item (`THREAD#<id>` / `#THREAD#LIST`, issue 25): the key attributes of every
 * list index (by scenario, all threads, status over all threads, stale, parent) and exactly the attributes the list
 * Queries filter on (`kind`, `status`, `stale`, `overdue`, `archived`, `disputed`, `corroborated`,
 * `scenario`, `parent`) and the recount reads — about 400 bytes. A thread write puts it only when
 * one of these changes (`sameListing`): a note changes none, so it writes no list index entry. A
 * list page reads these from the index and the threads themselves by key (thread-batch.ts).
 */
export function listingItem(thread: Thread): Record<string, unknown> {
  const scope = threadScopes(thread);
  const outlets = thread.corroboration?.outlets.length ?? 0;
  return {
    ...listingKey(thread.id),
    id: thread.id,
    scenario: thread.scenario,
    kind: thread.kind,
    status: thread.status,
    stale: thread.stale,
    overdue: thread.overdue,
    archived: thread.archived,
    ...(thread.parent !== null ? { parent: thread.parent } : {}),
    ...(thread.disputed ? { disputed: true } : {}),
    ...(outlets >= CORROBORATING_OUTLETS ? { [CORROBORATED_ATTRIBUTE]: true } : {}),
    // By id: GSI1 (scenario), GSI2 (shard of all threads); GSI5 (status over all threads) sorts by
    // the same ids. No scenario-status key (GSI4): within one scenario `status=` is a filter on GSI1,
    // so a status change moves one key, not two (docs/data-model.md, *Index budget*).
    GSI1PK: scope.scenario,
    GSI1SK: thread.id,
    GSI2PK: scope.all,
    GSI2SK: thread.id,
    GSI5PK: statusPk(scope.all, thread.status),
    // Sparse: stale threads (GSI6, GSI7), children under their parent (GSI10).
    ...(thread.stale ? staleIndexKeys(thread) : {}),
    ...(thread.parent !== null ? { GSI10PK: parentPk(thread.parent) } : {}),
  };
}

/** Whether two listing items are the same (every attribute is a string or a boolean). */
export function sameListing(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function updateItem(update: StoredUpdate): Record<string, unknown> {
  return {
    ...updateKey(update.threadId, update.id),
    ...pick<Update>(update as unknown as Record<string, unknown>, UPDATE_FIELDS),
    ...outletsAttribute(update),
    // A plain update stores no claimedBy: an update item (and a note's WCU) stays as it was.
    ...(!update.claimedBy ? { claimedBy: undefined } : {}),
    ...(update.inboxItem !== undefined ? { inboxItem: update.inboxItem } : {}),
    // Occurred time, then the ULID (which encodes the recorded time): newest-first listing order.
    LSI1SK: `${update.occurredAt}#${update.id}`,
  };
}

// ---- Drafts (contract 1.2 "Drafts"; shared/store/draft-store.ts) ----

const DRAFT_FIELDS = [
  'id',
  'threadId',
  'scenario',
  'draft',
  'status',
  'summary',
  'occurredAt',
  'occurredPrecision',
  'recordedAt',
  'recordedBy',
  'sources',
  'quotes',
] as const satisfies readonly (keyof Draft)[];

/** A draft in the contract's order (nested maps come back from DynamoDB in no particular order). */
export const toDraft = (item: Record<string, unknown>): Draft => ({
  id: String(item.id),
  threadId: String(item.threadId),
  scenario: String(item.scenario),
  draft: true,
  status: (item.status as string | null | undefined) ?? null,
  summary: String(item.summary),
  occurredAt: String(item.occurredAt),
  occurredPrecision: (item.occurredPrecision as Precision | undefined) ?? 'instant',
  recordedAt: String(item.recordedAt),
  recordedBy: String(item.recordedBy),
  sources: ((item.sources as unknown[] | undefined) ?? []).map((s) => present<Source>(s, SOURCE_FIELDS)),
  quotes: ((item.quotes as unknown[] | undefined) ?? []).map((q) => present<Quote>(q, QUOTE_FIELDS)),
  // A drafted claim (contract 1.2 "Claims by party"): stored only when set.
  claimedBy: (item.claimedBy as string | undefined) ?? null,
  // Only on a draft accepted from the news inbox (contract 1.2).
  ...(typeof item.inboxItem === 'string' ? { inboxItem: item.inboxItem } : {}),
});

/** The draft item while it waits: its fields and its place in the scenario's queue (GSI1). */
export const draftItem = (draft: Draft): Record<string, unknown> => ({
  ...draftKey(draft.threadId, draft.id),
  ...Object.fromEntries(DRAFT_FIELDS.map((f) => [f, draft[f]])),
  ...(draft.claimedBy ? { claimedBy: draft.claimedBy } : {}),
  ...(draft.inboxItem !== undefined ? { inboxItem: draft.inboxItem } : {}),
  GSI1PK: draftsScope(draft.scenario),
  GSI1SK: draft.id,
});

const REVISION_FIELDS = [
  'revision',
  'summary',
  'sources',
  'quotes',
  'recordedAt',
  'recordedBy',
] as const satisfies readonly (keyof Revision)[];

/** A revision item: one wording of an update, in the thread's partition (no index attributes). */
export const revisionItem = (
  threadId: string,
  updateId: string,
  revision: StoredRevision,
): Record<string, unknown> => ({
  ...revisionKey(threadId, updateId, revision.revision),
  ...pick<Revision>(revision as unknown as Record<string, unknown>, REVISION_FIELDS),
  ...outletsAttribute(revision),
});

export function toRevision(item: Record<string, unknown>): Revision {
  const r = pick<Revision>(item, REVISION_FIELDS);
  return {
    ...r,
    revision: Number(r.revision),
    sources: (r.sources ?? []).map((s) => present<Source>(s, SOURCE_FIELDS)),
    quotes: (r.quotes ?? []).map((q) => present<Quote>(q, QUOTE_FIELDS)),
  };
}

/** A revision as its item stores it: the wording and its recorded outlets. */
export const toStoredRevision = (item: Record<string, unknown>): StoredRevision => ({
  ...toRevision(item),
  outlets: recordedOutletsOf(item),
});

/** An update's original wording (revision 0), for an update whose revisions were never stored. */
export const originalOf = (u: StoredUpdate): StoredRevision => ({
  revision: 0,
  summary: u.summary,
  sources: u.sources,
  quotes: u.quotes,
  recordedAt: u.recordedAt,
  recordedBy: u.postedBy,
  outlets: u.outlets,
});

/** Fields of the Scenario object, in the contract's order. */
const SCENARIO_FIELDS = [
  'id',
  'title',
  'description',
  'tags',
  'keywords',
  'public',
  'threadCount',
  'statusCounts',
  'staleCount',
  'overdueCount',
  'createdAt',
  'updatedAt',
  'version',
] as const satisfies readonly (keyof Scenario)[];

/** The scenario item's attribute: when the counts on it were computed (the start of that recount). */
export const COUNTED_AT = 'countedAt';

/** A scenario as a response presents it; status counts sorted by status (a map comes back in no order). */
export function toScenario(item: Record<string, unknown>): Scenario {
  const scenario = pick<Scenario>(item, SCENARIO_FIELDS);
  const counts = (scenario.statusCounts ?? {}) as Record<string, number>;
  return {
    ...scenario,
    description: scenario.description ?? '',
    tags: scenario.tags ?? [],
    keywords: scenario.keywords ?? [],
    // Scenarios written before contract 1.2 have no attribute: not public.
    public: scenario.public === true,
    statusCounts: Object.fromEntries(
      Object.keys(counts)
        .sort()
        .map((k) => [k, Number(counts[k])]),
    ),
  };
}

/**
 * The scenario item: the Scenario's fields, its key, and its place in the list of scenarios (GSI1,
 * partition `SCENARIOS`, by id; thread items use GSI1 under `SCENARIO#<id>`, so the two never mix).
 */
export const scenarioItem = (scenario: Scenario, countedAt?: string): Record<string, unknown> => ({
  ...scenarioKey(scenario.id),
  ...toScenario(scenario as unknown as Record<string, unknown>),
  GSI1PK: SCENARIOS_LIST_PK,
  GSI1SK: scenario.id,
  ...(countedAt ? { [COUNTED_AT]: countedAt } : {}),
});

/**
 * A criteria revision item (contract 1.2), keyed by the thread version its write made. Its revision
 * number is not stored: it is its place in the thread's list (revisions are never removed).
 */
export const criteriaItem = (
  threadId: string,
  version: number,
  revision: Omit<CriteriaRevision, 'revision'>,
): Record<string, unknown> => ({
  ...criteriaKey(threadId, version),
  text: revision.text,
  recordedAt: revision.recordedAt,
  recordedBy: revision.recordedBy,
});

/** A thread's criteria revision items, oldest first, numbered from 1. */
export const toCriteriaRevisions = (items: readonly Record<string, unknown>[]): CriteriaRevision[] =>
  items.map((item, i) => ({
    revision: i + 1,
    text: (item.text as string | null | undefined) ?? null,
    recordedAt: String(item.recordedAt),
    recordedBy: String(item.recordedBy),
  }));
