import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import type { Thread } from '../../shared/domain/types';
import { threadItem } from '../../shared/store/items';
import { ScenarioStore } from '../../shared/store/scenario-store';
import { freshContext } from '../support/context';

/**
 * The scenario's update-time index (GSI8) is keyed by the hour of the update time, then the id: the
 * feed's pages must still come most recently updated first, with every later page holding only
 * threads updated before every thread of the pages before it (what the feed's stop rule needs).
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
  ctx = await freshContext();
  // Three hours, several threads each, the ids in an order unrelated to their update times.
  threads = Array.from({ length: 17 }, (_, i) => {
    const hour = [9, 10, 11][i % 3]!;
    const minute = (i * 37) % 60;
    return thread(
      `t${(i * 7) % 17}`,
      `2026-03-01T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`,
    );
  });
  await ctx.db.send(
    new BatchWriteCommand({
      RequestItems: {
        [ctx.config.tableName]: threads.map((t) => ({ PutRequest: { Item: threadItem(t) } })),
      },
    }),
  );
});

describe('the feed’s threads by update time over hour keys', () => {
  it('pages whole hours, newest first, each page updated after every later one, every thread once', async () => {
    // Act
    const pages: Thread[][] = [];
    let next: Record<string, unknown> | undefined;
    do {
      const page = await ctx.feeds.threadsByUpdate('hours', 2, next);
      pages.push(page.threads);
      next = page.next;
    } while (next && pages.length < 20);
    // Assess
    const all = pages.flat();
    expect(all.map((t) => t.id).sort()).toEqual(threads.map((t) => t.id).sort());
    const times = all.map((t) => t.updatedAt);
    expect(times).toEqual([...times].sort().reverse());
    for (let i = 1; i < pages.length; i++)
      for (const later of pages[i]!)
        for (const earlier of pages[i - 1]!) expect(later.updatedAt < earlier.updatedAt).toBe(true);
    // Whole hours: a page of 2 completes its last hour, so three hours take three pages (and an empty end).
    expect(pages.filter((p) => p.length > 0)).toHaveLength(3);
  });

  it('finds the latest change among the threads of the newest hour, not the highest id', async () => {
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
