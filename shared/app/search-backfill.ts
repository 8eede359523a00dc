import type { ThreadStore } from '../store/thread-store';
import { INDEX_FORMAT, type BackfillCheckpoint, type SearchIndex } from '../store/search-index';
import { indexRecords } from './search-indexer';

/**
 * The search backfill (`npm run search:backfill`): index what the stream never offered the indexer —
 * threads and updates written before the index existed, or whose postings are in an older index
 * format (docs/architecture.md, "Search").
 *
 * It walks every thread by id (the all-threads list, GET /threads?archived=any's Queries over its
 * shards: no Scan) and hands each thread's items to the indexer's own code (`indexRecords`) as if
 * the stream had offered them, so what it writes is what the indexer would: per document only the
 * postings that differ from its record. That makes it idempotent (a second run writes nothing but
 * its checkpoint) and safe beside the running indexer (both write the difference against the
 * record; the stream's next record of a document corrects whichever came last). After every page
 * of threads it saves a checkpoint (the last thread id done), so a run stopped (by `maxThreads`, an
 * interruption, a failure) goes on from there; a finished backfill of the current format does
 * nothing until asked to `restart`.
 */
export const BACKFILL_PAGE = 25;

export class SearchBackfillFailed extends Error {
  readonly code = 'search_backfill_failed';
}

export interface BackfillOptions {
  /** Stop after this many threads (the next run goes on from the checkpoint). */
  maxThreads?: number | undefined;
  /** Start again from the first thread, even when a backfill of this format finished. */
  restart?: boolean;
  log?: (line: string) => void;
}

export interface BackfillSummary extends BackfillCheckpoint {
  /** Threads and documents this run went through, and the postings it wrote and deleted. */
  run: { threads: number; documents: number; put: number; deleted: number };
}

type Ctx = { search: SearchIndex; threads: Pick<ThreadStore, 'listThreads'> };

export async function backfillSearch(ctx: Ctx, options: BackfillOptions = {}): Promise<BackfillSummary> {
  const saved = await ctx.search.backfillCheckpoint();
  const fresh = options.restart || !saved || saved.format !== INDEX_FORMAT;
  const checkpoint: BackfillCheckpoint = fresh
    ? { format: INDEX_FORMAT, done: false, threads: 0, documents: 0 }
    : { ...saved };
  const run = { threads: 0, documents: 0, put: 0, deleted: 0 };
  while (!checkpoint.done) {
    const budget = options.maxThreads === undefined ? BACKFILL_PAGE : options.maxThreads - run.threads;
    if (budget <= 0) break;
    const page = await ctx.threads.listThreads(
      { archived: 'any' },
      Math.min(BACKFILL_PAGE, budget),
      checkpoint.after !== undefined ? { after: checkpoint.after } : undefined,
    );
    // The page's threads at once (the indexer takes INDEX_CONCURRENCY threads at a time, each
    // thread's documents in order); the checkpoint moves only once the whole page is indexed.
    const items = (await Promise.all(page.items.map((t) => ctx.search.sourceRecords(t.id)))).flat();
    const result = await indexRecords(ctx, items);
    if (result.batchItemFailures.length > 0)
      throw new SearchBackfillFailed(
        `could not index every thread after ${checkpoint.after ?? 'the start'}; run again to go on from there`,
      );
    run.threads += page.items.length;
    run.documents += items.length;
    run.put += result.writes.put;
    run.deleted += result.writes.deleted;
    checkpoint.threads += page.items.length;
    checkpoint.documents += items.length;
    if (page.items.length > 0) checkpoint.after = page.items[page.items.length - 1]!.id;
    checkpoint.done = page.next === undefined;
    await ctx.search.saveBackfillCheckpoint(checkpoint);
    options.log?.(`search backfill: ${checkpoint.threads} threads, last ${checkpoint.after ?? '-'}`);
  }
  return { ...checkpoint, run };
}
