import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import { patchThread } from '../../shared/app/threads';
import { KINDS, type Kind } from '../../shared/domain/kinds';
import type { Thread } from '../../shared/domain/types';
import { listingItem, threadItem } from '../../shared/store/items';
import { THREAD_SHARDS } from '../../shared/store/keys';
import { tableDefinition } from '../../shared/store/table';
import {
  ThreadLists,
  type ListPosition,
  type ThreadFilter,
  type ThreadPage,
} from '../../shared/store/thread-lists';
import { carrierAt } from '../support/carriers';
import { freshContext } from '../support/context';

/**
 * Every list (scope × filter) against DynamoDB Local, compared with the same filter applied in memory:
 * id order, exact resumption (no gaps, no repeats), `next` undefined only at the end, and what a page
 * reads (ScannedCount) bounded by the page, not by the table.
 */

const THREADS = 120;
/**
 * The threads' update times fall in the 100 hours from here: the start of the day ten days ago, so
 * that `updatedSince` is within the changes feed's reach (400 days) and reads the feed's carriers.
 */
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 10 * 86_400_000;
const at = (hours: number) => new Date(BASE + hours * 3600_000).toISOString();
const SCENARIOS = ['north', 'south', 'east'];
const KIND_NAMES = Object.keys(KINDS) as Kind[];

/** A small deterministic PRNG (mulberry32): the same threads on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeThreads(): Thread[] {
  const rnd = prng(12);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: THREADS }, (_, i) => {
    // Rare kinds: sanctions only every 40th thread, so a kind filter over all threads matches little.
    const kind: Kind = i % 40 === 7 ? 'sanctions' : pick(KIND_NAMES.filter((k) => k !== 'sanctions'));
    const status = pick(KINDS[kind].statuses);
    const updatedAt = new Date(BASE + Math.floor(rnd() * 100) * 3600_000).toISOString();
    const stale = rnd() < 0.3;
    return {
      id: `t-${Math.floor(rnd() * 1e6).toString(36)}-${i}`,
      scenario: pick(SCENARIOS),
      kind,
      title: `Thread ${i}`,
      status,
      statusSince: updatedAt,
      statusSincePrecision: 'instant' as const,
      summary: 's',
      lastOccurredAt: updatedAt,
      lastOccurredPrecision: 'instant' as const,
      lastRecordedAt: updatedAt,
      updateCount: 1,
      version: 1,
      staleAfterHours: 168,
      stale,
      staleSince: stale ? updatedAt : null,
      overdue: false,
      overdueSince: null,
      expected: null,
      parent: null,
      archived: false,
      createdAt: updatedAt,
      updatedAt,
      keywords: [],
      criteria: null,
    };
  });
}

const matches = (t: Thread, f: ThreadFilter) =>
  (f.scenario === undefined || t.scenario === f.scenario) &&
  (f.kind === undefined || t.kind === f.kind) &&
  (f.status === undefined || t.status === f.status) &&
  (f.stale === undefined || t.stale === f.stale) &&
  (f.updatedSince === undefined || t.updatedAt > f.updatedSince);

async function walk(
  lists: ThreadLists,
  filter: ThreadFilter,
  limit: number,
): Promise<{ ids: string[]; pages: ThreadPage[] }> {
  const pages: ThreadPage[] = [];
  let from: ListPosition | undefined;
  do {
    const page = await lists.list(filter, limit, from);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    from = page.next;
  } while (from && pages.length < 500);
  expect(from).toBeUndefined();
  return { ids: pages.flatMap((p) => p.items.map((t) => t.id)), pages };
}

let ctx: AppContext;
let threads: Thread[];
const expected = (f: ThreadFilter) =>
  threads
    .filter((t) => matches(t, f))
    .map((t) => t.id)
    .sort();

beforeAll(async () => {
  ctx = await freshContext({}, {}, { stream: false });
  threads = makeThreads();
  // Each thread as its last write left it: the thread item and the write's carrier in the changes feed.
  const items = threads.flatMap((t) => [threadItem(t), listingItem(t), carrierAt(t, t.updatedAt)]);
  for (let i = 0; i < items.length; i += 25) {
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [ctx.config.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
});

const since = at(60);
const FILTERS: ThreadFilter[] = [
  {},
  { scenario: 'north' },
  { stale: true },
  { scenario: 'south', stale: true },
  { stale: false },
  { scenario: 'east', stale: false },
  { status: 'proposed' },
  { scenario: 'north', status: 'proposed' },
  { status: 'proposed', stale: true },
  { kind: 'sanctions' },
  { kind: 'summit', scenario: 'south' },
  { kind: 'summit', status: 'held' },
  { updatedSince: since },
  { scenario: 'east', updatedSince: since },
  { updatedSince: since, stale: true, kind: 'ceasefire' },
  // Older than the changes feed keeps (400 days): the id-ordered path with the filter answers.
  { updatedSince: new Date(BASE - 500 * 86_400_000).toISOString() },
];

describe('thread lists over DynamoDB Local', () => {
  it.each(FILTERS.map((f) => [JSON.stringify(f), f] as const))(
    '%s: every page in id order, nothing skipped or repeated, at limits 3 and 100',
    async (_name, filter) => {
      const lists = new ThreadLists(ctx.db, ctx.config.tableName);
      expect(expected(filter).length).toBeGreaterThan(0);
      for (const limit of [3, 100]) expect((await walk(lists, filter, limit)).ids).toEqual(expected(filter));
    },
  );

  it('reads at most limit + 1 items for a page of stale threads of a scenario, and about limit + shards over all threads', async () => {
    const lists = new ThreadLists(ctx.db, ctx.config.tableName);
    const scenario = await lists.list({ scenario: 'north', stale: true }, 5);
    expect(scenario.items).toHaveLength(5);
    expect(scenario.itemsRead).toBeLessThanOrEqual(6);
    const all = await lists.list({ stale: true }, 10);
    expect(all.items).toHaveLength(10);
    expect(all.itemsRead).toBeLessThanOrEqual(10 + 2 * THREAD_SHARDS);
    // An unfiltered page of all threads: the shards are merged lazily, not read `limit` deep each.
    const page = await lists.list({}, 40);
    // (The hash spreads ids unevenly over a short range: a shard that runs dry is topped up.)
    expect(page.itemsRead).toBeLessThanOrEqual(40 + 3 * THREAD_SHARDS);
  });

  it('reads only the changed threads for updatedSince, and falls back to the id-ordered path when too many changed', async () => {
    // Prepare
    const recent = at(96);
    const changed = expected({ updatedSince: recent });
    const small = new ThreadLists(ctx.db, ctx.config.tableName);
    const tiny = new ThreadLists(ctx.db, ctx.config.tableName, 3);
    // Act
    const page = await small.list({ updatedSince: recent }, 100);
    const fallback = await walk(tiny, { updatedSince: recent }, 4);
    // Assess
    expect(page.items.map((t) => t.id)).toEqual(changed);
    // The changes feed's carriers written after `since` (one per write; one write per thread here),
    // then those threads by key: nothing older is read.
    expect(page.itemsRead).toBe(2 * changed.length);
    expect(fallback.ids).toEqual(changed);
  });

  it('resumes exactly when DynamoDB cuts every page short (the 1 MB limit), with or without a filter', async () => {
    // Prepare: a client on which every Query returns only its first item and a LastEvaluatedKey
    const indexKeys = new Map(
      (tableDefinition('x').GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName!,
        i.KeySchema!.map((k) => k.AttributeName!),
      ]),
    );
    const cut = {
      send: async (command: QueryCommand) => {
        const out = await ctx.db.send(command);
        const first = out.Items?.[0];
        if (
          !(command instanceof QueryCommand) ||
          !first ||
          (out.Items!.length === 1 && !out.LastEvaluatedKey)
        )
          return out;
        const attrs = ['PK', 'SK', ...(indexKeys.get(command.input.IndexName!) ?? [])];
        return {
          ...out,
          Items: [first],
          Count: 1,
          ScannedCount: 1,
          LastEvaluatedKey: Object.fromEntries(attrs.map((a) => [a, first[a]])),
        };
      },
    } as unknown as DynamoDBDocumentClient;
    const lists = new ThreadLists(cut, ctx.config.tableName);
    // Act and assess
    for (const filter of [
      {},
      { scenario: 'north' },
      { stale: true },
      { status: 'proposed' },
      { updatedSince: since },
    ] as ThreadFilter[]) {
      expect((await walk(lists, filter, 6)).ids).toEqual(expected(filter));
    }
  });

  it('gives short pages under a selective filter but always a way on until the end', async () => {
    // 3 sanctions threads among 120, kind is a filter expression: the round budget may end a page early.
    const { ids, pages } = await walk(
      new ThreadLists(ctx.db, ctx.config.tableName),
      { kind: 'sanctions' },
      2,
    );
    expect(ids).toEqual(expected({ kind: 'sanctions' }));
    expect(pages.every((p) => p.itemsRead > 0)).toBe(true);
  });
});

describe('updatedSince over the changes feed', () => {
  it('finds a thread whose last write recorded no change (a PATCH giving the title it has): its carrier holds the touched mark', async () => {
    // Prepare: a thread as an older write left it (no carrier), in a scenario of its own
    const seeded = { ...makeThreads()[0]!, id: 'touched-only', scenario: 'elsewhere', updatedAt: at(0) };
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [ctx.config.tableName]: [
            { PutRequest: { Item: threadItem(seeded) } },
            { PutRequest: { Item: listingItem(seeded) } },
          ],
        },
      }),
    );
    const lists = new ThreadLists(ctx.db, ctx.config.tableName);
    const before = await lists.list({ scenario: 'elsewhere', updatedSince: at(1) }, 10);
    // Act
    await patchThread(
      ctx,
      'touched-only',
      { title: seeded.title },
      { principal: { name: 'desk', role: 'editor' } },
    );
    // Assess
    const after = await lists.list({ scenario: 'elsewhere', updatedSince: at(1) }, 10);
    const all = await lists.list({ updatedSince: at(1) }, 200);
    expect(before.items).toEqual([]);
    expect(after.items.map((t) => t.id)).toEqual(['touched-only']);
    expect(all.items.map((t) => t.id)).toContain('touched-only');
  });
});

describe('thread items written before listing items (issue 25)', () => {
  it('lists an older thread item that carries its list keys itself; its next write puts its listing item and takes the keys off it', async () => {
    // Prepare: a thread as the previous version wrote it — one item, the list keys on it, no listing item
    const old = {
      ...makeThreads()[1]!,
      id: 'older-shape',
      scenario: 'legacy',
      status: 'proposed',
      stale: false,
    };
    const { PK: _pk, SK: _sk, ...keys } = listingItem(old);
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: { [ctx.config.tableName]: [{ PutRequest: { Item: { ...threadItem(old), ...keys } } }] },
      }),
    );
    const lists = new ThreadLists(ctx.db, ctx.config.tableName);
    const before = await lists.list({ scenario: 'legacy', status: 'proposed' }, 10);
    // Act: a PATCH that changes nothing a list shows (its title)
    await patchThread(
      ctx,
      'older-shape',
      { title: 'Renamed' },
      { principal: { name: 'desk', role: 'editor' } },
    );
    // Assess
    const after = await lists.list({ scenario: 'legacy', status: 'proposed' }, 10);
    expect(before.items.map((t) => [t.id, t.title])).toEqual([['older-shape', old.title]]);
    expect(after.items.map((t) => [t.id, t.title])).toEqual([['older-shape', 'Renamed']]);
    const partition = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'THREAD#older-shape' },
        ConsistentRead: true,
      }),
    );
    const bySk = new Map((partition.Items ?? []).map((i) => [i.SK, i]));
    expect(bySk.get('#THREAD')!.GSI1PK).toBeUndefined();
    expect(bySk.get('#THREAD#LIST')).toEqual(listingItem({ ...old, title: 'Renamed' }));
  });

  it('gives a thread once when an older version wrote its list keys back on the thread item beside its listing item', async () => {
    // Prepare: a listing item, and the thread item with the older version's keys as well (its status moved since)
    const t = {
      ...makeThreads()[2]!,
      id: 'listed-twice',
      scenario: 'twice',
      status: 'proposed',
      stale: false,
    };
    const moved = { ...t, status: 'active' };
    const { PK: _pk, SK: _sk, ...keys } = listingItem(moved);
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [ctx.config.tableName]: [
            { PutRequest: { Item: listingItem(t) } },
            { PutRequest: { Item: { ...threadItem(moved), ...keys } } },
          ],
        },
      }),
    );
    const lists = new ThreadLists(ctx.db, ctx.config.tableName);
    // Act
    const all = await lists.list({ scenario: 'twice' }, 10);
    const proposed = await lists.list({ scenario: 'twice', status: 'proposed' }, 10);
    const active = await lists.list({ scenario: 'twice', status: 'active' }, 10);
    // Assess: once, as it is now (the stale listing's status is checked against the thread)
    expect(all.items.map((x) => [x.id, x.status])).toEqual([['listed-twice', 'active']]);
    expect(proposed.items).toEqual([]);
    expect(active.items.map((x) => x.id)).toEqual(['listed-twice']);
  });
});
