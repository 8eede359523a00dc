import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import type { Thread } from '../../shared/domain/types';
import { listingItem, threadItem } from '../../shared/store/items';
import { ScenarioStore } from '../../shared/store/scenario-store';
import { carrierAt } from '../support/carriers';
import { freshContext } from '../support/context';

/**
 * The scenario feed's threads come from the scenario's changes feed (GSI12), newest write first, one
 * carrier per thread write: the pages must still come most recently updated first, every thread first
 * named on a later page updated before every thread of the pages before it (what the feed's stop
 * rule needs), and a thread that wrote more than once named again only for its older writes.
 */

const thread = (id: string, updatedAt: string): Thread => ({
  id,
  scenario: 'hours',
  kind: 'other',
  title: id,
  status: 'active',
  statusSince: updatedAt,
  statusSincePrecision: 'instant',
  summary: 's',
  lastOccurredAt: updatedAt,
  lastOccurredPrecision: 'instant',
  lastRecordedAt: updatedAt,
  updateCount: 1,
  version: 1,
  staleAfterHours: 168,
  stale: false,
  staleSince: null,
  overdue: false,
  overdueSince: null,
  expected: null,
  parent: null,
  archived: false,
  keywords: [],
  criteria: null,
  createdAt: updatedAt,
  updatedAt,
});

let ctx: AppContext;
let threads: Thread[];

beforeAll(async () => {
  ctx = await freshContext({}, {}, { stream: false });
  // Three hours, several threads each, the ids in an order unrelated to their update times.
  threads = Array.from({ length: 17 }, (_, i) => {
    const hour = [9, 10, 11][i % 3]!;
    const minute = (i * 37) % 60;
    return thread(
      `t${(i * 7) % 17}`,
      `2026-03-01T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`,
    );
  });
  // Each thread's item and the carriers of its writes: the last at its updatedAt, and for every
  // third thread an earlier one too (an hour before).
  const items = threads.flatMap((t, i) => [
    threadItem(t),
    listingItem(t),
    carrierAt(t, t.updatedAt),
    ...(i % 3 === 0 ? [carrierAt(t, new Date(Date.parse(t.updatedAt) - 3600_000).toISOString())] : []),
  ]);
  for (let i = 0; i < items.length; i += 25)
    await ctx.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [ctx.config.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
});

describe('the feed’s threads by their newest write', () => {
  it('pages newest first, each thread first named on a page updated before every thread of the pages before it', async () => {
    // Act
    const pages: Thread[][] = [];
    let next: Record<string, unknown> | undefined;
    do {
      const page = await ctx.feeds.threadsByUpdate('hours', 2, next);
      pages.push(page.threads);
      next = page.next;
    } while (next && pages.length < 40);
    // Assess: as the scenario feed reads them, each thread where it is first named
    const seen = new Set<string>();
    const firsts = pages.map((p) => p.filter((t) => !seen.has(t.id) && seen.add(t.id)));
    const all = firsts.flat();
    expect(all.map((t) => t.id).sort()).toEqual(threads.map((t) => t.id).sort());
    const times = all.map((t) => t.updatedAt);
    expect(times).toEqual([...times].sort().reverse());
    for (let i = 1; i < firsts.length; i++)
      for (const later of firsts[i]!)
        for (const earlier of firsts.slice(0, i).flat())
          expect(later.updatedAt < earlier.updatedAt).toBe(true);
    // A page reads at most its limit of carriers: 17 + 6 writes, 2 a page.
    expect(pages.length).toBeLessThanOrEqual(13);
  });

  it('finds the latest write among the scenario’s threads, not the highest id', async () => {
    // Act
    const latest = await new ScenarioStore(ctx.db, ctx.config.tableName).latestThreadChange('hours');
    // Assess
    expect(latest).toBe(
      threads
        .map((t) => t.updatedAt)
        .sort()
        .pop(),
    );
  });
});
