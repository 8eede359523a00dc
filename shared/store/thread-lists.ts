import {
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { Thread } from '../domain/types';
import {
  INDEX,
  THREAD_SHARDS,
  archivedScope,
  parentPk,
  scenarioPk,
  shardNumbers,
  stalePk,
  statusPk,
  threadsShardPk,
} from './keys';
import { CORROBORATING_OUTLETS } from '../domain/corroboration';
import { CHANGES_MAX_AGE_DAYS } from '../domain/changes';
import { ChangeStore } from './change-store';
import { getThreadItems, threadsOfListings } from './thread-batch';
import { CORROBORATED_ATTRIBUTE, OUTLETS_ATTRIBUTE, toThread } from './items';

/**
 * Thread lists (`GET /threads`), ordered by id as the contract requires, each read from the index
 * that holds exactly its answer (docs/data-model.md):
 *
 * - the scope is one scenario (one partition), or all threads: THREAD_SHARDS partitions merged lazily
 *   in id order, so a page reads about `limit + shards` items, never `shards × limit`;
 * - `stale=true` reads the sparse stale index; `status=` over all threads the `THREADS#<n>#STATUS#<status>`
 *   index, within one scenario a filter on the scenario's partition (its threads are few);
 * - `updatedSince` reads the changes feed's carriers written since (one per thread write), reads
 *   the threads they name by key and sorts that small set by id; past UPDATED_SINCE_MAX_READ writes
 *   it falls back to the id-ordered path with a filter (the set is no longer small, so id order is
 *   cheaper). No index is keyed by the update time: such a key moves on every write;
 * - anything else (`kind`, `stale=false`, combinations) is a filter expression on the most selective
 *   of those, with a bounded number of Query rounds per shard.
 *
 * A page may be short; the resume position is `{ after: <id> }` (every index sorts by id within a
 * partition, so "after this id" resumes every shard exactly), and only `after === undefined` is the end.
 */

export interface ThreadFilter {
  scenario?: string;
  kind?: string;
  status?: string;
  stale?: boolean;
  updatedSince?: string;
  /** Served by a bounded filter (pattern 11): see docs/data-model.md. */
  overdue?: boolean;
  /** A thread's children: the sparse parent index. */
  parent?: string;
  /** Absent means `false`: archived threads are listed only when asked for. */
  archived?: 'true' | 'false' | 'any';
  /** Contract 1.2: a bounded filter like `overdue` (no index of its own; see docs/data-model.md). */
  disputed?: boolean;
  /** Contract 1.2: `false` is a current status resting on fewer than 2 outlets; a bounded filter too. */
  corroborated?: boolean;
}

/** Where a list resumes: strictly after this thread id. */
export interface ListPosition {
  after: string;
}

export interface ThreadPage {
  items: Thread[];
  /** Resume here; undefined at the end. */
  next?: ListPosition;
  /** Items the Queries read (ScannedCount), for benchmarks and tests. */
  itemsRead: number;
}

/** Query rounds per shard for a filtered id-ordered page: bounds the read when few items match. */
export const FILTERED_ROUNDS = 5;
/** The most items one round reads from one shard when a filter expression drops most of them. */
const FILTERED_MAX_BATCH = 200;
/** How many thread writes (carriers) the `updatedSince` path reads before it gives way to the id-ordered path. */
export const UPDATED_SINCE_MAX_READ = 1_000;

type Item = Record<string, unknown>;

interface Plan {
  index: string;
  pkAttr: string;
  skAttr: string;
  partitions: string[];
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
}

/** The filter expression for whatever the chosen index's key does not already select. */
function filterOf(
  filter: ThreadFilter,
  served: { status?: boolean; stale?: boolean; parent?: boolean },
): Plan['filter'] {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const add = (attr: string, op: string, value: unknown) => {
    names[`#${attr}`] = attr;
    values[`:${attr}`] = value;
    conditions.push(`#${attr} ${op} :${attr}`);
  };
  if (filter.kind !== undefined) add('kind', '=', filter.kind);
  if (filter.status !== undefined && !served.status) add('status', '=', filter.status);
  if (filter.stale !== undefined && !served.stale) add('stale', '=', filter.stale);
  // `updatedSince` on the id-ordered path is checked on the threads read (`matches`): a listing item
  // has no update time (it would move on every write).
  // Thread items written before contract 1.1 carry no `overdue`: absent means false.
  if (filter.overdue === true) add('overdue', '=', true);
  if (filter.overdue === false) {
    names['#overdue'] = 'overdue';
    values[':overdue'] = true;
    conditions.push('(attribute_not_exists(#overdue) OR #overdue <> :overdue)');
  }
  // Contract 1.2. Both attributes are written only when they say something (items.ts): an absent
  // `disputed` is false and an absent outlet list is none. Filters on whichever page query serves the
  // rest, as `overdue` is: no index entry is added to any write for them.
  if (filter.disputed === true) add('disputed', '=', true);
  if (filter.disputed === false) {
    names['#disputed'] = 'disputed';
    values[':disputed'] = true;
    conditions.push('(attribute_not_exists(#disputed) OR #disputed <> :disputed)');
  }
  if (filter.corroborated !== undefined) {
    // A listing item says `corroborated`; a thread item written before listing items (listed itself
    // until `npm run migrate`) holds its outlets: either form answers.
    names['#corroborated'] = CORROBORATED_ATTRIBUTE;
    names['#outlets'] = OUTLETS_ATTRIBUTE;
    values[':corroborating'] = CORROBORATING_OUTLETS;
    if (filter.corroborated) values[':yes'] = true;
    conditions.push(
      filter.corroborated
        ? '(#corroborated = :yes OR size(#outlets) >= :corroborating)'
        : '(attribute_not_exists(#corroborated) AND (attribute_not_exists(#outlets) OR size(#outlets) < :corroborating))',
    );
  }
  // The parent index is not split by scope: the scenario and archived state are filters there
  // (a thread's children are few). Everywhere else the partition already answers both.
  if (served.parent) {
    if (filter.scenario !== undefined) add('scenario', '=', filter.scenario);
    if ((filter.archived ?? 'false') !== 'any') add('archived', '=', filter.archived === 'true');
  }
  return conditions.length ? { expression: conditions.join(' AND '), names, values } : undefined;
}

/**
 * filterOf's conditions, and the scope's (scenario, archived state), checked on a thread item read by
 * key: what the `updatedSince` path keeps of the threads the changes feed names.
 */
function matches(filter: ThreadFilter, item: Item): boolean {
  const archived = item.archived === true;
  const wanted = filter.archived ?? 'false';
  const outlets = Array.isArray(item[OUTLETS_ATTRIBUTE]) ? (item[OUTLETS_ATTRIBUTE] as unknown[]).length : 0;
  return (
    (filter.updatedSince === undefined || String(item.updatedAt) > filter.updatedSince) &&
    (filter.scenario === undefined || item.scenario === filter.scenario) &&
    (wanted === 'any' || archived === (wanted === 'true')) &&
    (filter.kind === undefined || item.kind === filter.kind) &&
    (filter.status === undefined || item.status === filter.status) &&
    (filter.stale === undefined || (item.stale === true) === filter.stale) &&
    (filter.overdue === undefined || (item.overdue === true) === filter.overdue) &&
    (filter.disputed === undefined || (item.disputed === true) === filter.disputed) &&
    (filter.corroborated === undefined || outlets >= CORROBORATING_OUTLETS === filter.corroborated) &&
    (filter.parent === undefined || item.parent === filter.parent)
  );
}

/**
 * Scopes of the list: the scenario's partition, or every shard of all threads — the live ones, the
 * archived ones (`archived=true`) or both (`any`, merged like shards). Archived threads are keyed
 * under their own scopes, so leaving them out costs nothing.
 */
function scopesOf(filter: ThreadFilter): string[] {
  const live =
    filter.scenario !== undefined
      ? [scenarioPk(filter.scenario)]
      : shardNumbers(THREAD_SHARDS).map(threadsShardPk);
  const archived = filter.archived ?? 'false';
  if (archived === 'false') return live;
  return archived === 'true' ? live.map(archivedScope) : [...live, ...live.map(archivedScope)];
}

/** The id-ordered plan: the most selective index whose key serves part of the filter. */
function idOrderedPlan(filter: ThreadFilter): Plan {
  const byScenario = filter.scenario !== undefined;
  const scopes = scopesOf(filter);
  const skAttr = byScenario ? 'GSI1SK' : 'GSI2SK';
  if (filter.parent !== undefined) {
    return {
      index: INDEX.byParent,
      pkAttr: 'GSI10PK',
      skAttr: 'GSI1SK',
      partitions: [parentPk(filter.parent)],
      filter: filterOf(filter, { parent: true }),
    };
  }
  if (filter.stale === true) {
    return {
      index: byScenario ? INDEX.staleByScenario : INDEX.stale,
      pkAttr: byScenario ? 'GSI6PK' : 'GSI7PK',
      skAttr,
      partitions: scopes.map(stalePk),
      filter: filterOf(filter, { stale: true }),
    };
  }
  // Over all threads a status has its own index (8 shards, O(page)); within one scenario it is a
  // filter on the scenario's partition (issue 25: the scenario-status index moved its key on every
  // status change, for a partition of tens of threads).
  if (filter.status !== undefined && !byScenario) {
    const status = filter.status;
    return {
      index: INDEX.byStatus,
      pkAttr: 'GSI5PK',
      skAttr,
      partitions: scopes.map((s) => statusPk(s, status)),
      filter: filterOf(filter, { status: true }),
    };
  }
  return {
    index: byScenario ? INDEX.byScenario : INDEX.allThreads,
    pkAttr: byScenario ? 'GSI1PK' : 'GSI2PK',
    skAttr,
    partitions: scopes,
    filter: filterOf(filter, {}),
  };
}

/** One partition of a merged read: what it has buffered and how far it has been read. */
interface Cursor {
  pk: string;
  buffer: Item[];
  /** DynamoDB's LastEvaluatedKey, to continue within this request. */
  start?: Item;
  /** Sort key (thread id) up to which this partition has been examined. */
  position?: string;
  done: boolean;
  rounds: number;
}

export class ThreadLists {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Tests lower this to reach the fallback without writing a thousand threads. */
    private readonly updatedSinceMaxRead = UPDATED_SINCE_MAX_READ,
  ) {}

  async list(filter: ThreadFilter, limit: number, from?: ListPosition): Promise<ThreadPage> {
    // A thread's children are few: their index with a filter beats the update-time path.
    if (filter.updatedSince !== undefined && filter.parent === undefined) {
      const changed = await this.changedSince(filter, filter.updatedSince, limit, from);
      if ('items' in changed) return changed;
      const page = await this.merged(filter, idOrderedPlan(filter), limit, from);
      return { ...page, itemsRead: page.itemsRead + changed.overflowRead };
    }
    return this.merged(filter, idOrderedPlan(filter), limit, from);
  }

  private async query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.db.send(new QueryCommand(input));
  }

  /**
   * A k-way merge of the plan's partitions in id order. Each partition is read in small pages; an
   * item is emitted only once every partition that could still hold a smaller id has been read past
   * it. Short pages (a filter that drops most items, the per-shard round budget, DynamoDB's 1 MB page
   * limit) resume from the last position examined in every partition, so nothing is skipped.
   */
  private async merged(
    filter: ThreadFilter,
    plan: Plan,
    limit: number,
    from?: ListPosition,
  ): Promise<ThreadPage> {
    const cursors: Cursor[] = plan.partitions.map((pk) => ({ pk, buffer: [], done: false, rounds: 0 }));
    const shards = cursors.length;
    const filtered = plan.filter !== undefined;
    const maxRounds = filtered ? FILTERED_ROUNDS : FILTERED_ROUNDS * 2;
    const out: Item[] = [];
    let itemsRead = 0;
    const fetch = async (c: Cursor) => {
      // An even share of what is still needed (the hash spreads ids evenly; one more per shard saves
      // most top-up rounds). A filter may drop most of what is read: each round of a shard doubles.
      const share = Math.ceil((limit + 1 - out.length) / shards) + (shards > 1 && c.rounds === 0 ? 1 : 0);
      const size = filtered ? Math.min(FILTERED_MAX_BATCH, share * 2 ** c.rounds) : share;
      const names: Record<string, string> = { '#pk': plan.pkAttr, ...plan.filter?.names };
      const values: Record<string, unknown> = { ':pk': c.pk, ...plan.filter?.values };
      let condition = '#pk = :pk';
      if (from && !c.start) {
        condition += ' AND #sk > :after';
        names['#sk'] = plan.skAttr;
        values[':after'] = from.after;
      }
      const page = await this.query({
        TableName: this.table,
        IndexName: plan.index,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(plan.filter ? { FilterExpression: plan.filter.expression } : {}),
        Limit: size,
        ...(c.start ? { ExclusiveStartKey: c.start } : {}),
      });
      c.rounds++;
      itemsRead += page.ScannedCount ?? 0;
      c.buffer.push(...(page.Items ?? []));
      c.start = page.LastEvaluatedKey;
      if (page.LastEvaluatedKey) c.position = String(page.LastEvaluatedKey[plan.skAttr]);
      else c.done = true;
    };

    let stoppedAt: string | undefined;
    while (out.length < limit) {
      let head: Cursor | undefined;
      for (const c of cursors)
        if (
          c.buffer.length &&
          (!head || String(c.buffer[0]![plan.skAttr]) < String(head.buffer[0]![plan.skAttr]))
        )
          head = c;
      const headId = head ? String(head.buffer[0]![plan.skAttr]) : undefined;
      // Partitions that might still hold an id below the head: they must be read further first.
      const blockers = cursors.filter(
        (c) =>
          !c.buffer.length &&
          !c.done &&
          (c.position === undefined || headId === undefined || c.position < headId),
      );
      if (blockers.length) {
        if (blockers.some((c) => c.rounds >= maxRounds)) {
          // Out of budget: everything up to the least-read partition's position has been examined.
          stoppedAt = blockers.map((c) => c.position!).sort()[0];
          break;
        }
        await Promise.all(blockers.map(fetch));
        continue;
      }
      if (!head) break;
      out.push(head.buffer.shift()!);
    }
    const last = out[out.length - 1];
    const more = stoppedAt !== undefined || cursors.some((c) => c.buffer.length > 0 || !c.done);
    const after = stoppedAt ?? (last ? String(last[plan.skAttr]) : from?.after);
    // The index holds listing items: the threads by key, checked again against the whole filter (the
    // index is eventually consistent, the thread may have moved on; `updatedSince` is checked only here).
    const threads = (await threadsOfListings(this.db, this.table, out)).filter((i) => matches(filter, i));
    return {
      items: threads.map(toThread),
      ...(more && after !== undefined ? { next: { after } } : {}),
      itemsRead,
    };
  }

  /**
   * Threads updated after `since`, from the changes feed's carriers (ChangeStore.threadsWrittenSince:
   * every thread write since `since` left one, so only what changed is read), the threads read by
   * key (BatchGetItem), filtered and sorted by id. Every page re-reads the changed set (small by
   * assumption) and returns the ids after `from`. Returns what it read, and no page, when more than
   * UPDATED_SINCE_MAX_READ writes happened since, or `since` is older than the carriers are kept:
   * then the id-ordered path with an `updatedAt` filter answers, and both resume from `{ after }`.
   */
  private async changedSince(
    filter: ThreadFilter,
    since: string,
    limit: number,
    from?: ListPosition,
  ): Promise<ThreadPage | { overflowRead: number }> {
    const sinceMs = Date.parse(since);
    if (Date.now() - sinceMs > CHANGES_MAX_AGE_DAYS * 86_400_000) return { overflowRead: 0 };
    const written = await new ChangeStore(this.db, this.table).threadsWrittenSince(
      filter.scenario,
      sinceMs,
      this.updatedSinceMaxRead,
    );
    if (written.overflow) return { overflowRead: written.read };
    const found = (await getThreadItems(this.db, this.table, written.threadIds)).filter((i) =>
      matches(filter, i),
    );
    const itemsRead = written.read + found.length;
    const ids = (i: Item) => String(i.id);
    const rest = found
      .filter((i) => from === undefined || ids(i) > from.after)
      .sort((a, b) => (ids(a) < ids(b) ? -1 : ids(a) > ids(b) ? 1 : 0));
    const items = rest.slice(0, limit);
    const more = rest.length > limit;
    return {
      items: items.map(toThread),
      ...(more ? { next: { after: ids(items[items.length - 1]!) } } : {}),
      itemsRead,
    };
  }
}
