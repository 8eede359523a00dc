import { termWeights, type SearchFields } from '../domain/search-text';
import { count, logger } from '../observability';
import {
  lengthBucket,
  searchChangeOf,
  type IndexedDoc,
  type IndexWrites,
  type SearchIndex,
  type SearchStreamRecord,
} from '../store/search-index';

/**
 * The search indexer: keeps the search index (shared/store/search-index.ts) in step with the thread
 * and update items, from the table's stream, off the write path. The same code in the cloud
 * (functions/search-indexer.ts, an event-source mapping filtered to thread and update items) and
 * locally (a second reader of DynamoDB Local's stream, local/outbox-stream.ts, nudged after every
 * write request like the outbox relay).
 *
 * Every record is handled by reading what the document was last indexed as and writing the
 * difference, so a record offered twice (a retried batch) writes nothing the second time, and a
 * record that fails is reported and offered again without losing those before it.
 */

export type { SearchStreamRecord };

export interface IndexResult {
  batchItemFailures: { itemIdentifier: string }[];
  /** Postings written and deleted, for the cost figures. */
  writes: IndexWrites;
}

type Ctx = { search: SearchIndex };

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : typeof v === 'string' ? [v] : [];
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Record<string, unknown>[]) : [];

/**
 * What is searchable of an item: a thread's title, summary and keywords (keywords come with contract
 * 1.2's thread metadata; an item without them has none); an update's summary, quotes (speaker and
 * text) and its sources' titles.
 */
export function searchFieldsOf(item: Record<string, unknown>, isUpdate: boolean): SearchFields {
  if (!isUpdate)
    return { title: strings(item.title), summary: strings(item.summary), keywords: strings(item.keywords) };
  return {
    summary: strings(item.summary),
    quotes: list(item.quotes).flatMap((q) => [...strings(q.speaker), ...strings(q.text)]),
    sources: list(item.sources).flatMap((s) => strings(s.title)),
  };
}

export function indexedDocOf(
  item: Record<string, unknown>,
  at: { threadId: string; updateId?: string },
  scenario: string,
): IndexedDoc {
  const { weights, length } = termWeights(searchFieldsOf(item, at.updateId !== undefined));
  return {
    scenario,
    threadId: at.threadId,
    ...(at.updateId ? { updateId: at.updateId } : {}),
    terms: Object.fromEntries(weights),
    n: lengthBucket(length),
    // Drafts (contract 1.2, another part) are indexed with their mark: found only by editors who ask.
    draft: item.draft === true,
  };
}

/** Threads indexed at once within a batch: a thread's own records stay in order, one at a time. */
export const INDEX_CONCURRENCY = 8;

/**
 * Index a batch of stream records. Only each document's last record counts (the indexer writes the
 * difference between what the document was last indexed as and its newest image, so the images
 * between add nothing); a thread's documents are indexed one after the other (its move and its
 * updates' scenario depend on each other), different threads at once. A record that fails is
 * reported with every later record of the batch (ReportBatchItemFailures offers the batch again from
 * the first reported one; records indexed twice write nothing the second time).
 */
export async function indexRecords(ctx: Ctx, records: readonly SearchStreamRecord[]): Promise<IndexResult> {
  const writes: IndexWrites = { put: 0, deleted: 0 };
  const add = (w: IndexWrites) => {
    writes.put += w.put;
    writes.deleted += w.deleted;
  };
  // Per thread, per document: the last record and the position of the first.
  const threads = new Map<string, Map<string, { first: number; last: number }>>();
  records.forEach((r, i) => {
    const change = searchChangeOf(r);
    if (!change) return;
    const docs = threads.get(change.at.threadId) ?? new Map<string, { first: number; last: number }>();
    threads.set(change.at.threadId, docs);
    const key = change.at.updateId ?? '';
    docs.set(key, { first: docs.get(key)?.first ?? i, last: i });
  });
  let failedAt = records.length;
  const indexThread = async (threadId: string, docs: Map<string, { first: number; last: number }>) => {
    // In stream order of each document's last record; an update before its thread's record reads the
    // thread's scenario from the table (the newest, as the thread's own record will say).
    const order = [...docs.values()].sort((a, b) => a.last - b.last);
    let scenario: string | null | undefined;
    for (const { first, last } of order) {
      const { at, item } = searchChangeOf(records[last]!)!;
      try {
        const before = await ctx.search.doc(at.threadId, at.updateId);
        // Removed (a discarded draft, a deleted thread): its postings go.
        if (!item) {
          add(await ctx.search.replace(before, null));
          continue;
        }
        if (at.updateId === undefined) scenario = typeof item.scenario === 'string' ? item.scenario : null;
        else if (scenario === undefined) scenario = await ctx.search.scenarioOf(threadId);
        // An update whose thread is gone has nothing to be found under.
        if (scenario === null) {
          add(await ctx.search.replace(before, null));
          continue;
        }
        add(await ctx.search.replace(before, indexedDocOf(item, at, scenario)));
        // A thread moved to another scenario: its updates' postings follow it.
        if (at.updateId === undefined && before && before.scenario !== scenario)
          for (const u of await ctx.search.updateDocs(threadId))
            if (u.scenario !== scenario) add(await ctx.search.replace(u, { ...u, scenario }));
      } catch (error) {
        count('SearchIndexFailures');
        logger.warn('search indexer could not index; the stream offers these records again', {
          error: String(error),
          threadId,
        });
        failedAt = Math.min(failedAt, first);
        return;
      }
    }
  };
  const queue = [...threads];
  await Promise.all(
    Array.from({ length: Math.min(INDEX_CONCURRENCY, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await indexThread(...next);
    }),
  );
  return {
    // This record and every later one: the next attempt starts here.
    batchItemFailures: records
      .slice(failedAt)
      .map((x) => ({ itemIdentifier: x.dynamodb?.SequenceNumber ?? '' })),
    writes,
  };
}
