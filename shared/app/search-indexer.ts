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

export async function indexRecords(ctx: Ctx, records: readonly SearchStreamRecord[]): Promise<IndexResult> {
  const writes: IndexWrites = { put: 0, deleted: 0 };
  const add = (w: IndexWrites) => {
    writes.put += w.put;
    writes.deleted += w.deleted;
  };
  // Threads' scenarios as this batch saw them: an update's postings are filed under its thread's.
  const scenarios = new Map<string, string | null>();
  for (let i = 0; i < records.length; i++) {
    const change = searchChangeOf(records[i]!);
    if (!change) continue;
    const { at, item } = change;
    try {
      const before = await ctx.search.doc(at.threadId, at.updateId);
      // Removed (a discarded draft, a deleted thread): its postings go.
      if (!item) {
        add(await ctx.search.replace(before, null));
        continue;
      }
      let scenario: string | null;
      if (at.updateId === undefined) {
        scenario = typeof item.scenario === 'string' ? item.scenario : null;
        scenarios.set(at.threadId, scenario);
      } else {
        if (!scenarios.has(at.threadId)) scenarios.set(at.threadId, await ctx.search.scenarioOf(at.threadId));
        scenario = scenarios.get(at.threadId) ?? null;
      }
      // An update whose thread is gone has nothing to be found under.
      if (scenario === null) {
        add(await ctx.search.replace(before, null));
        continue;
      }
      add(await ctx.search.replace(before, indexedDocOf(item, at, scenario)));
      // A thread moved to another scenario: its updates' postings follow it.
      if (at.updateId === undefined && before && before.scenario !== scenario)
        for (const u of await ctx.search.updateDocs(at.threadId))
          if (u.scenario !== scenario) add(await ctx.search.replace(u, { ...u, scenario }));
    } catch (error) {
      count('SearchIndexFailures');
      logger.warn('search indexer could not index; the stream offers these records again', {
        error: String(error),
        threadId: at.threadId,
      });
      // This record and every later one: the next attempt starts here (ReportBatchItemFailures).
      return {
        batchItemFailures: records
          .slice(i)
          .map((x) => ({ itemIdentifier: x.dynamodb?.SequenceNumber ?? '' })),
        writes,
      };
    }
  }
  return { batchItemFailures: [], writes };
}
