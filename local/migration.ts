import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { encodeTime } from 'ulid';
import { ensureScenario, recountScenario } from '../shared/app/scenarios';
import { ScenarioStore } from '../shared/store/scenario-store';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  TransactionCanceledException,
  UpdateTableCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndexDescription,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  DeleteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { outletsOf } from '../shared/domain/outlets';
import { cursorOf, foldAll, stateOf, type UpdateFacts } from '../shared/domain/projection';
import {
  RECORDED_OUTLETS_ATTRIBUTE,
  RETIRED_LISTING_KEYS,
  recordedOutletsOf,
  isLegacyThreadItem,
  listingItem,
  threadItem,
  toThread,
} from '../shared/store/items';
import {
  CALENDAR_ATTRIBUTE,
  CHILDREN_ATTRIBUTE,
  QUEUE_ATTRIBUTE,
  storedCursor,
} from '../shared/store/thread-store';
import {
  INDEX,
  LISTING_SK,
  SCENARIO_SK,
  THREAD_SK,
  UPDATE_PREFIX,
  REVISION_PREFIX,
  OUTBOX_SHARDS,
  outboxKey,
  outboxShardPk,
  parentPk,
  shardOf,
  threadPk,
  RETIRED_SEARCH_PREFIXES,
} from '../shared/store/keys';
import { CHANGES_ATTRIBUTE, carrierItem } from '../shared/store/outbox-store';
import { touchedChange } from '../shared/domain/changes';
import type { Thread } from '../shared/domain/types';
import { tableDefinition } from '../shared/store/table';
import type { TrackerEvent } from '../shared/domain/event';

/**
 * The one-off migration from the first data model (docs/data-model.md, "Migrating from the first
 * data model"). An admin tool, not a request path: it is the one place that Scans the table, which
 * is why it lives under local/ and not shared/.
 *
 * Every item's change is decided by a pure function of the item (and, for a thread, of its updates)
 * that returns null once the item is in the new shape, so a second pass changes nothing and an
 * interrupted pass can simply go on. Writes are conditional: a thread is replaced only at the
 * version the plan was made from (a live write meanwhile makes us re-read and plan again), an
 * outbox event moves in one transaction that requires the old item still to be there.
 */

/** The checkpoint's sort key: one migration, one checkpoint item (`PK=MIGRATION`). */
export const MIGRATION_ID = '2-sharded-keys';
export const CHECKPOINT_PK = 'MIGRATION';
const checkpointKey = { PK: CHECKPOINT_PK, SK: MIGRATION_ID };

/** The thread item's attribute holding the projection's cursor (shared/store/thread-store.ts). */
const FOLD_ATTRIBUTE = 'fold';

/** A thread's count of children, which the children's own writes keep: carried over as it is. */
const keptChildren = (item: Item): Item =>
  item[CHILDREN_ATTRIBUTE] !== undefined ? { [CHILDREN_ATTRIBUTE]: item[CHILDREN_ATTRIBUTE] } : {};

/**
 * Whether a thread's count of children cannot be trusted: absent (written before the parent rule
 * counted children; fine only if it has none) or below zero (a child that attached uncounted and then
 * left). The pass then counts its children in the parent index.
 */
export const childCountInDoubt = (item: Item): boolean =>
  typeof item[CHILDREN_ATTRIBUTE] !== 'number' || (item[CHILDREN_ATTRIBUTE] as number) < 0;

/**
 * The count a thread should carry, given its children counted in the parent index (undefined: not
 * counted, the stored one stands): an absent count stays absent while it has no children.
 */
const childrenOf = (item: Item, counted: number | undefined): Item =>
  counted === undefined || (counted === 0 && item[CHILDREN_ATTRIBUTE] === undefined)
    ? keptChildren(item)
    : { [CHILDREN_ATTRIBUTE]: counted };

type Item = Record<string, unknown>;
type Key = { PK: string; SK: string };

/** A thread item replaced by its new shape, at the version it was read at. */
export type ThreadChange = {
  kind: 'thread';
  item: Item;
  expectedVersion: number;
  /** The count of children as read (undefined: none stored): a child attaching meanwhile changes it, not the version. */
  expectedChildren: number | undefined;
  withFold: boolean;
  /** The count of children was set from the parent index. */
  childrenCounted: boolean;
  /** The changes feed's carrier of the thread's last write, written with it (backfillCarrier). */
  carrier?: Item;
  /**
   * The thread's listing item (items.ts#listingItem), written with it, for an item that still carries
   * its list keys itself (written before listing items existed, issue 25): they leave the thread item.
   */
  listing?: Item;
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The carrier a thread's last write leaves today (shared/app/threads.ts: its TOUCHED mark), for a
 * thread last written before the changes feed existed, so that `updatedSince` and the scenario's
 * Atom feed, which read the feed, find it. Its key is the thread's update time (a ULID of it) and a
 * hash of its id and version in place of the random part: a second pass writes the same item. The
 * TTL runs from the update time, so a thread not written for over 400 days gets one that DynamoDB
 * removes soon (no `since` that old reads the feed).
 */
export function backfillCarrier(thread: Thread): Item {
  const ms = Date.parse(thread.updatedAt);
  const hash = createHash('sha256').update(`${thread.id}#${thread.version}`).digest();
  const random = Array.from(hash.subarray(0, 16), (b) => CROCKFORD[b % 32]).join('');
  return carrierItem(
    { PK: outboxShardPk(shardOf(thread.id, OUTBOX_SHARDS)), SK: `${encodeTime(ms, 10)}${random}` },
    [touchedChange(thread, { by: null, at: thread.updatedAt })],
    ms,
  );
}

/** What one item needs. */
export type Change =
  | ThreadChange
  | { kind: 'move-outbox'; item: Item; from: Key }
  | { kind: 'delete-counter'; key: Key }
  | { kind: 'delete-search'; key: Key }
  | { kind: 'delete-idempotency'; key: Key }
  | { kind: 'trim-listing'; key: Key }
  | { kind: 'record-outlets'; key: Key; item: Item };

const keyOf = (item: Item): Key => ({ PK: String(item.PK), SK: String(item.SK) });

/** An item as DynamoDB would give it back: attributes that are undefined are not stored at all. */
const stored = (item: Item): Item =>
  Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined));

export const isThreadItem = (item: Item): boolean =>
  typeof item.PK === 'string' && item.PK.startsWith('THREAD#') && item.SK === THREAD_SK;

/** The projection's facts of a stored update. */
const factsOf = (item: Item): UpdateFacts => ({
  id: String(item.id),
  status: (item.status as string | null | undefined) ?? null,
  summary: String(item.summary),
  occurredAt: String(item.occurredAt),
  recordedAt: String(item.recordedAt),
  retraction: (item.retraction as { retractedAt: string } | null | undefined) ?? null,
  // Contract 1.2: claims and the sources' outlets are part of the fold.
  claimedBy: (item.claimedBy as string | undefined) ?? null,
  // Recorded, or derived from the sources as the write path records them (the pass fills the item too).
  outlets: recordedOutletsOf(item) ?? outletsOf(item as { sources: { url: string }[]; inboxItem?: string }),
});

/** The fold's fields that older items never held (contract 1.2): taken from the fold, not compared. */
const ADDED_IN_1_2 = new Set<string>(['claims', 'disputed', 'corroboration']);

/**
 * A thread item in the new shape: exactly what `threadItem` (the write path's own builder) makes of
 * its Thread, plus the fold cursor of its whole history — but only when that fold agrees with the
 * state the item holds (it always should: the first model projected every write from the whole
 * history). A cursor that disagreed would be refused by `resumeFold` anyway, or worse, carried on;
 * without one the next write folds the whole history and stores the right one.
 */
export function migrateThread(
  item: Item,
  updates: readonly UpdateFacts[],
  countedChildren?: number,
): ThreadChange | null {
  const read = toThread(item);
  const fold = foldAll(updates);
  const state = stateOf(fold);
  const agrees =
    state !== null &&
    (Object.keys(state) as (keyof typeof state)[]).every((k) => ADDED_IN_1_2.has(k) || state[k] === read[k]);
  const existing = item[FOLD_ATTRIBUTE] as Item | undefined;
  // A cursor the new code stored is kept as stored (either form: thread-store.ts reads both): it is
  // the same fold (the property test of resume.ts). A new one is stored as the write path stores it.
  const cursor = existing ?? (agrees ? storedCursor(cursorOf(fold)) : undefined);
  // A new cursor comes with the claims and outlets of the same fold (they belong together: resumeFold).
  const thread =
    existing === undefined && cursor !== undefined
      ? { ...read, claims: state!.claims, disputed: state!.disputed, corroboration: state!.corroboration }
      : read;
  const next = stored({
    ...threadItem(thread),
    ...(cursor ? { [FOLD_ATTRIBUTE]: cursor } : {}),
    ...childrenOf(item, countedChildren),
    ...keptCalendar(item),
  });
  if (isDeepStrictEqual(next, item)) return null;
  return {
    kind: 'thread',
    item: next,
    // Written by older code (the new code's items need no rewrite): its last write may predate the
    // changes feed, which `updatedSince` reads, so the carrier it would leave now is written with it.
    carrier: backfillCarrier(read),
    ...(isLegacyThreadItem(item) ? { listing: listingItem(thread) } : {}),
    expectedVersion: Number(thread.version),
    expectedChildren: typeof item[CHILDREN_ATTRIBUTE] === 'number' ? item[CHILDREN_ATTRIBUTE] : undefined,
    withFold: cursor !== undefined && existing === undefined,
    childrenCounted: next[CHILDREN_ATTRIBUTE] !== item[CHILDREN_ATTRIBUTE],
  };
}

/**
 * Whether a thread item needs its history read to decide: not when it already carries a cursor and
 * every index key `threadItem` would give it (what a write by the new code leaves).
 */
/** The calendar's state (shared/store/thread-store.ts): the thread's own record, kept as it is. */
const keptCalendar = (item: Item): Item => ({
  ...(item[CALENDAR_ATTRIBUTE] !== undefined ? { [CALENDAR_ATTRIBUTE]: item[CALENDAR_ATTRIBUTE] } : {}),
  // The queue mark of contended writers (thread-store.ts Turn): theirs, kept as it is.
  ...(item[QUEUE_ATTRIBUTE] !== undefined ? { [QUEUE_ATTRIBUTE]: item[QUEUE_ATTRIBUTE] } : {}),
});

export function threadNeedsHistory(item: Item): boolean {
  if (item[FOLD_ATTRIBUTE] === undefined) return true;
  return !isDeepStrictEqual(
    stored({
      ...threadItem(toThread(item)),
      [FOLD_ATTRIBUTE]: item[FOLD_ATTRIBUTE],
      ...keptChildren(item),
      ...keptCalendar(item),
    }),
    item,
  );
}

/**
 * Every other item. Updates, tokens and new-shape records are left alone. The change counters are
 * deleted; the single outbox partition's events move to their thread's shard; idempotency records
 * of the first model (keyed by the token's name, holding the whole `response`) are deleted: no
 * request can reach them any more (the key hash changed), TTL would remove them within 24 h, and
 * deleting them now leaves no item of the old shape behind. An old *in-progress* claim looks exactly
 * like a new one, so claims are never touched (their lock and TTL run out).
 */
export function migrateOther(item: Item): Exclude<Change, { kind: 'thread' }> | null {
  const key = keyOf(item);
  if (key.PK === 'CHANGES') return { kind: 'delete-counter', key };
  // An update or revision with sources and no recorded outlets (written before they were recorded).
  if (
    key.PK.startsWith('THREAD#') &&
    (key.SK.startsWith(UPDATE_PREFIX) || key.SK.startsWith(REVISION_PREFIX)) &&
    recordedOutletsOf(item) === null
  )
    return { kind: 'record-outlets', key, item };
  // A listing item with the scenario-status key it no longer needs (a scenario's `status=` is a filter now).
  if (key.SK === LISTING_SK && RETIRED_LISTING_KEYS.some((k) => item[k] !== undefined))
    return { kind: 'trim-listing', key };
  // The search index of postings (SEARCH#, SEARCHDOC#) is gone: search reads the items themselves.
  if (RETIRED_SEARCH_PREFIXES.some((p) => key.PK.startsWith(p))) return { kind: 'delete-search', key };
  if (key.PK === 'OUTBOX') {
    const event = item.event as TrackerEvent;
    return { kind: 'move-outbox', item: { ...item, ...outboxKey(event) }, from: key };
  }
  if (
    key.PK.startsWith('IDEMPOTENCY#') &&
    item.state === 'completed' &&
    item.response !== undefined &&
    item.thread === undefined
  ) {
    return { kind: 'delete-idempotency', key };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Indexes

/** Global indexes the table definition has and the table lacks, in definition order. Throws on an index whose keys differ. */
export function missingIndexes(table: TableDescription, tableName: string) {
  const wanted = tableDefinition(tableName).GlobalSecondaryIndexes ?? [];
  const have = new Map(
    (table.GlobalSecondaryIndexes ?? []).map((i: GlobalSecondaryIndexDescription) => [i.IndexName!, i]),
  );
  for (const index of wanted) {
    const found = have.get(index.IndexName!);
    if (found && !isDeepStrictEqual(found.KeySchema, index.KeySchema)) {
      throw new Error(
        `index ${index.IndexName} exists with other keys (${JSON.stringify(found.KeySchema)}); it cannot be changed in place`,
      );
    }
  }
  return wanted.filter((i) => !have.has(i.IndexName!));
}

/** Describe calls wait longer than a request's timeout: DynamoDB Local can be slow over table changes. */
const ADMIN = { requestTimeout: 30_000 };

export interface IndexOptions {
  /** Poll interval while an index is created (ms). */
  pollMs?: number;
  /** How long to wait for one index to become ACTIVE (ms, default 10 minutes). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Add the global indexes the table lacks, one UpdateTable at a time (DynamoDB creates one index per
 * call, and the next call waits until the table is ACTIVE again), each waited for until ACTIVE.
 * For a local table only: a stack's table belongs to CloudFormation (docs/deploy.md).
 */
export async function addMissingIndexes(
  db: DynamoDBDocumentClient,
  tableName: string,
  options: IndexOptions = {},
): Promise<string[]> {
  const definition = tableDefinition(tableName);
  const attributes = new Map(
    (definition.AttributeDefinitions ?? []).map((a: AttributeDefinition) => [a.AttributeName!, a]),
  );
  const added: string[] = [];
  // The outbox relay reads the table's stream (local/outbox-stream.ts): turned on before any item
  // moves, so an outbox event the migration moves to its shard reaches the relay as a new item.
  if (!(await describe(db, tableName)).StreamSpecification?.StreamEnabled)
    await db.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: definition.StreamSpecification! }),
      ADMIN,
    );
  for (;;) {
    const table = await describe(db, tableName);
    // An index an interrupted run asked for is still being built: wait for it before asking for another.
    const building = table.GlobalSecondaryIndexes?.find((i) => i.IndexStatus !== 'ACTIVE');
    if (building) {
      await waitActive(
        db,
        tableName,
        building.IndexName!,
        options.pollMs ?? 250,
        options.timeoutMs ?? 600_000,
      );
      continue;
    }
    const index = missingIndexes(table, tableName)[0];
    if (!index) return added;
    options.log?.(`adding index ${index.IndexName}`);
    const names = [...new Set(index.KeySchema!.map((k) => k.AttributeName!))];
    await db.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: names.map((n) => attributes.get(n)!),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.IndexName!,
              KeySchema: index.KeySchema!,
              Projection: index.Projection!,
            },
          },
        ],
      }),
      ADMIN,
    );
    const started = Date.now();
    await waitActive(db, tableName, index.IndexName!, options.pollMs ?? 250, options.timeoutMs ?? 600_000);
    options.log?.(`index ${index.IndexName} is ACTIVE after ${Date.now() - started} ms`);
    added.push(index.IndexName!);
  }
}

async function describe(db: DynamoDBDocumentClient, tableName: string): Promise<TableDescription> {
  const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }), ADMIN);
  return Table!;
}

async function waitActive(
  db: DynamoDBDocumentClient,
  tableName: string,
  indexName: string,
  pollMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(db, tableName);
    const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName);
    if (table.TableStatus === 'ACTIVE' && index?.IndexStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new Error(
        `index ${indexName} is still ${index?.IndexStatus ?? 'absent'} (table ${table.TableStatus}) after ${Math.round(timeoutMs / 1000)} s; run again to go on waiting`,
      );
    }
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

// ---------------------------------------------------------------------------------------------
// The pass over the items

export interface MigrationOptions {
  /** Report what would change; write nothing (no checkpoint either). */
  dryRun?: boolean;
  /** Stop after examining this many items (checkpointed: the next run goes on from there). */
  maxItems?: number;
  /** Parallel Scan segments (default 1). A resumed run keeps the segment count it started with. */
  segments?: number;
  /** Items per Scan page (default 100). */
  pageSize?: number;
  /** Attempts at one thread when live writes keep moving its version (default 10). */
  maxAttempts?: number;
}

export interface MigrationSummary {
  migration: string;
  dryRun: boolean;
  /** True when this run went on from an interrupted one's checkpoint. */
  resumed: boolean;
  /** True when every item was examined (false: stopped by --max-items; run again to go on). */
  complete: boolean;
  segments: number;
  examined: number;
  threadsRewritten: number;
  /** Of those, how many got their fold cursor now. */
  foldsStored: number;
  /** Threads whose stored state disagrees with their history: rewritten without a cursor. */
  threadsWithoutFold: number;
  /** Parents whose count of children was absent or below zero and is now what the parent index holds. */
  childCountsSet: number;
  outboxMoved: number;
  countersDeleted: number;
  idempotencyDeleted: number;
  /** Listing items whose retired scenario-status key (GSI4) was removed. */
  listingsTrimmed: number;
  /** Updates and revisions that got their recorded outlets (RecordedOutlets in shared/domain/types.ts). */
  outletsRecorded: number;
  /** Postings and document records of the retired search index. */
  searchItemsDeleted: number;
  /** Thread writes that lost to a live write and were planned again. */
  retries: number;
  unchanged: number;
  /**
   * Scenarios of the threads this run examined that had no scenario item (the first model knew
   * scenarios only as a thread field): created, titled with their id, and counted.
   */
  scenariosEnsured: number;
}

interface Checkpoint {
  segments: number;
  /** Per segment: where its Scan resumes (the key of the last item handled), 'done', or null (not started). */
  positions: (Key | 'done' | null)[];
}

type Counts = Omit<
  MigrationSummary,
  'migration' | 'dryRun' | 'resumed' | 'complete' | 'segments' | 'scenariosEnsured'
>;

/**
 * Run (or go on with) the migration pass. Each segment Scans its part of the table page by page and
 * handles every item before moving the checkpoint past it; the checkpoint item records where every
 * segment stands. A finished pass clears the checkpoint, so running again starts a new pass, which
 * finds nothing to do (or what an older version of the code wrote meanwhile).
 */
export async function migrateItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  options: MigrationOptions = {},
): Promise<MigrationSummary> {
  const dryRun = options.dryRun ?? false;
  // A dry run looks at the whole table; a real run goes on from an interrupted one's checkpoint.
  const resumedFrom = dryRun ? null : await readCheckpoint(db, tableName);
  const checkpoint: Checkpoint = resumedFrom ?? {
    segments: Math.max(1, options.segments ?? 1),
    positions: [],
  };
  while (checkpoint.positions.length < checkpoint.segments) checkpoint.positions.push(null);
  const counts: Counts = {
    examined: 0,
    threadsRewritten: 0,
    foldsStored: 0,
    threadsWithoutFold: 0,
    childCountsSet: 0,
    outboxMoved: 0,
    countersDeleted: 0,
    idempotencyDeleted: 0,
    listingsTrimmed: 0,
    outletsRecorded: 0,
    searchItemsDeleted: 0,
    retries: 0,
    unchanged: 0,
  };
  const budget = { left: options.maxItems ?? Number.POSITIVE_INFINITY };
  // Children are counted in the parent index; a table of the first model has none yet (and no
  // thread of it has children): its threads' counts are left for a later pass.
  const parentIndex = (await describe(db, tableName)).GlobalSecondaryIndexes?.some(
    (i) => i.IndexName === INDEX.byParent && i.IndexStatus === 'ACTIVE',
  );
  const run = new Pass(db, tableName, dryRun, counts, options.maxAttempts ?? 10, parentIndex === true);
  // Segments save the checkpoint one after another, each a snapshot taken when its page was done,
  // so a slower save can never put an older position back.
  let saving = Promise.resolve();
  const save = () => {
    const snapshot: Checkpoint = { segments: checkpoint.segments, positions: [...checkpoint.positions] };
    saving = saving.then(() => saveCheckpoint(db, tableName, snapshot));
    return saving;
  };

  await Promise.all(
    checkpoint.positions.map(async (position, segment) => {
      if (position === 'done') return;
      let start: Key | undefined = position ?? undefined;
      for (;;) {
        if (budget.left <= 0) return;
        const limit = Math.min(options.pageSize ?? 100, budget.left);
        budget.left -= limit; // reserved; what is not used is given back below
        const page = await db.send(
          new ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            Limit: limit,
            ExclusiveStartKey: start,
            ...(checkpoint.segments > 1 ? { Segment: segment, TotalSegments: checkpoint.segments } : {}),
          }),
        );
        const items = page.Items ?? [];
        budget.left += limit - items.length;
        for (const item of items) {
          await run.handle(item);
          start = keyOf(item);
        }
        const end = page.LastEvaluatedKey === undefined;
        checkpoint.positions[segment] = end ? 'done' : (start ?? null);
        if (!dryRun) await save();
        if (end) return;
        // A page cut short by our own limit resumes after its last item; DynamoDB's key says the same.
        start = (page.LastEvaluatedKey as Key | undefined) ?? start;
      }
    }),
  );

  const complete = checkpoint.positions.every((p) => p === 'done');
  await saving;
  if (complete && !dryRun) await db.send(new DeleteCommand({ TableName: tableName, Key: checkpointKey }));
  const scenariosEnsured = dryRun ? 0 : await ensureScenarios(db, tableName, run.scenarios);
  return {
    migration: MIGRATION_ID,
    dryRun,
    resumed: resumedFrom !== null,
    complete,
    segments: checkpoint.segments,
    ...counts,
    scenariosEnsured,
  };
}

/**
 * Give every scenario seen that has no scenario item one (titled with its id, as contract 1.1 creates
 * one implicitly), counted at once. A scenario that already has its item is left alone (its counts
 * are the recounter's business), so a second run changes nothing; should a run stop between the two
 * steps, the scheduled check's sweep recounts the scenario.
 */
async function ensureScenarios(
  db: DynamoDBDocumentClient,
  tableName: string,
  ids: ReadonlySet<string>,
): Promise<number> {
  const ctx = { scenarios: new ScenarioStore(db, tableName) };
  let created = 0;
  for (const id of ids) {
    if (!(await ensureScenario(ctx, id))) continue;
    await recountScenario(ctx, id);
    created++;
  }
  return created;
}

class Pass {
  /** The scenarios of the threads examined: they get scenario items and counts at the end. */
  readonly scenarios = new Set<string>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly dryRun: boolean,
    private readonly counts: Counts,
    private readonly maxAttempts: number,
    private readonly countsChildren: boolean,
  ) {}

  async handle(scanned: Item): Promise<void> {
    // The checkpoint, scenario items and the changes feed's carriers (which only this model has, and
    // this pass may have made).
    if (
      scanned.PK === CHECKPOINT_PK ||
      (scanned.SK === SCENARIO_SK && String(scanned.PK).startsWith('SCENARIO#')) ||
      (String(scanned.PK).startsWith('OUTBOX#') && scanned[CHANGES_ATTRIBUTE] !== undefined)
    )
      return;
    this.counts.examined++;
    if (isThreadItem(scanned)) return this.thread(scanned);
    const change = migrateOther(scanned);
    if (!change) {
      this.counts.unchanged++;
      return;
    }
    if (change.kind === 'move-outbox') {
      this.counts.outboxMoved++;
      if (!this.dryRun) await this.moveOutbox(change.item, change.from);
    } else if (change.kind === 'trim-listing') {
      this.counts.listingsTrimmed++;
      if (!this.dryRun) await this.trimListing(change.key);
    } else if (change.kind === 'record-outlets') {
      this.counts.outletsRecorded++;
      if (!this.dryRun) await this.recordOutlets(change.key, change.item);
    } else {
      if (change.kind === 'delete-counter') this.counts.countersDeleted++;
      else if (change.kind === 'delete-search') this.counts.searchItemsDeleted++;
      else this.counts.idempotencyDeleted++;
      // Unconditional: deleting what is already gone is fine, and these items are never written again.
      if (!this.dryRun) await this.db.send(new DeleteCommand({ TableName: this.table, Key: change.key }));
    }
  }

  /** Plan from the item as read; if a live write moved its version meanwhile, read it again and plan again. */
  private async thread(scanned: Item): Promise<void> {
    if (typeof scanned.scenario === 'string') this.scenarios.add(scanned.scenario);
    let item: Item | undefined = scanned;
    for (let attempt = 1; item; attempt++) {
      const counted =
        this.countsChildren && childCountInDoubt(item)
          ? await this.countChildren(String(item.id))
          : undefined;
      const needsHistory = threadNeedsHistory(item);
      const change =
        needsHistory || (counted !== undefined && counted !== (item[CHILDREN_ATTRIBUTE] ?? 0))
          ? migrateThread(item, needsHistory ? await this.history(String(item.id)) : [], counted)
          : null;
      if (!change) {
        this.counts.unchanged++;
        return;
      }
      if (this.dryRun) return this.countThread(change);
      const put = {
        TableName: this.table,
        Item: change.item,
        // The version and the count of children read: a child attaching or leaving meanwhile
        // changes only the count, which this Put would otherwise overwrite.
        ConditionExpression:
          change.expectedChildren === undefined
            ? 'version = :v AND attribute_not_exists(#children)'
            : 'version = :v AND #children = :children',
        ExpressionAttributeNames: { '#children': CHILDREN_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':v': change.expectedVersion,
          ...(change.expectedChildren === undefined ? {} : { ':children': change.expectedChildren }),
        },
      };
      try {
        // With its carrier, in one transaction: a stop between the two cannot leave the thread in
        // the new shape (which the next pass leaves alone) without it.
        // And with its listing item: the thread leaves the lists' indexes only as its listing enters them.
        if (change.carrier || change.listing)
          await this.db.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: put },
                ...[change.carrier, change.listing].flatMap((Item) =>
                  Item ? [{ Put: { TableName: this.table, Item } }] : [],
                ),
              ],
            }),
          );
        else await this.db.send(new PutCommand(put));
        return this.countThread(change);
      } catch (error) {
        const refused =
          error instanceof ConditionalCheckFailedException ||
          (error instanceof TransactionCanceledException &&
            error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');
        if (!refused || attempt >= this.maxAttempts) throw error;
        this.counts.retries++;
        ({ Item: item } = await this.db.send(
          new GetCommand({ TableName: this.table, Key: keyOf(scanned), ConsistentRead: true }),
        ));
      }
    }
    // Deleted meanwhile: nothing to migrate.
    this.counts.unchanged++;
  }

  /**
   * How many threads name this one as their parent: a count of its partition of the parent index.
   * Eventually consistent (a global index), like the index Query the write path falls back on.
   */
  private async countChildren(threadId: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byParent,
          KeyConditionExpression: 'GSI10PK = :pk',
          ExpressionAttributeValues: { ':pk': parentPk(threadId) },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  private countThread(change: ThreadChange): void {
    this.counts.threadsRewritten++;
    if (change.childrenCounted) this.counts.childCountsSet++;
    if (change.withFold) this.counts.foldsStored++;
    if (change.item[FOLD_ATTRIBUTE] === undefined) this.counts.threadsWithoutFold++;
  }

  /** A thread's updates, all pages, read consistently (the version the plan conditions on was read so too). */
  private async history(threadId: string): Promise<UpdateFacts[]> {
    const out: UpdateFacts[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :u)',
          ExpressionAttributeValues: { ':pk': threadPk(threadId), ':u': UPDATE_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map(factsOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Record an update's or a revision's outlets, derived from its sources as the write path derives
   * them (a revision of an update accepted from the news inbox counts its first source only, as the
   * update does: the update item says whether it was). Conditional on the item still having no
   * outlets and the same sources: an amendment landing meanwhile recorded its own.
   */
  private async recordOutlets(key: Key, item: Item): Promise<void> {
    let inboxItem = item.inboxItem as string | undefined;
    if (key.SK.startsWith(REVISION_PREFIX)) {
      const updateId = key.SK.slice(REVISION_PREFIX.length).split('#')[0]!;
      const { Item: update } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { PK: key.PK, SK: `${UPDATE_PREFIX}${updateId}` } }),
      );
      inboxItem = update?.inboxItem as string | undefined;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET #outlets = :outlets',
          ConditionExpression: 'attribute_not_exists(#outlets) AND #sources = :sources',
          ExpressionAttributeNames: { '#outlets': RECORDED_OUTLETS_ATTRIBUTE, '#sources': 'sources' },
          ExpressionAttributeValues: {
            ':outlets': outletsOf({ sources: item.sources as { url: string }[], inboxItem }),
            ':sources': item.sources,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Remove the retired scenario-status key from a listing item. Whatever else a live write put meanwhile is
   * kept (an UpdateItem, not a Put); a listing deleted meanwhile is not made again.
   */
  private async trimListing(key: Key): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `REMOVE ${RETIRED_LISTING_KEYS.join(', ')}`,
          ConditionExpression: 'attribute_exists(PK)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Put the event in its shard and delete the old item in one transaction, which requires the old
   * item still to be there: if a drain of the old code delivered it meanwhile, nothing moves, and an
   * event is never both delivered and moved (nor lost between the two).
   */
  private async moveOutbox(item: Item, from: Key): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: item } },
            { Delete: { TableName: this.table, Key: from, ConditionExpression: 'attribute_exists(PK)' } },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      )
        return;
      throw error;
    }
  }
}

async function readCheckpoint(db: DynamoDBDocumentClient, tableName: string): Promise<Checkpoint | null> {
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: checkpointKey, ConsistentRead: true }),
  );
  if (!Item) return null;
  return { segments: Number(Item.segments), positions: (Item.positions as Checkpoint['positions']) ?? [] };
}

async function saveCheckpoint(
  db: DynamoDBDocumentClient,
  tableName: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...checkpointKey,
        segments: checkpoint.segments,
        positions: checkpoint.positions,
        savedAt: new Date().toISOString(),
      },
    }),
  );
}

/** Every item of the table (a Scan, all pages): for checking a migration's result, never for serving. */
export async function readAllItems(db: DynamoDBDocumentClient, tableName: string): Promise<Item[]> {
  const out: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
