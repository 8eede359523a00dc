import { shownScore, topAfter, type RankCursor, type Ranked } from '../domain/search-rank';
import { queryTerms, snippet } from '../domain/search-text';
import type { SearchDoc } from '../domain/search-docs';
import type { SearchViews } from './search-views';

/**
 * `GET /search`: threads and updates holding every word of `q`, best first (shared/domain/search-rank.ts).
 *
 * The documents are in memory (shared/app/search-views.ts: read from the table on first use, kept
 * current from the changes feed); per word of the query its postings are read best first (in the
 * scenario's list, when one is named), the first DF_CAP (what the word's weight needs) and then a
 * chunk a round only while the page could still change (the threshold algorithm: `topAfter`). A
 * query of at most MAX_QUERY_WORDS words keeps the number of lists bounded. A page's cursor is the
 * last result's (score, key): the next page is what ranks after it, so a page never repeats a result
 * of an earlier one.
 *
 * A result's rank key, which breaks ties of score, is `<thread>#<update>` in a scenario and
 * `<scenario>#<thread>#<update>` across scenarios (ties go by scenario first): the lists' own order
 * among postings of one impact, which `topAfter` needs to stop among ties.
 */
export const MAX_QUERY_WORDS = 8;
/**
 * Postings read per word and round after the first read: 50, not 100, because the stop comes sooner
 * (the two most common words: 700 postings taken instead of 1,200, ranking p50 3.3 → 2.3 ms; see
 * docs/architecture.md, *Search*, for the side-by-side figures).
 */
export const SEARCH_CHUNK = 50;
/** A ranking the views changed under is done again (at most this many times in all). */
const RANK_ATTEMPTS = 3;

export interface SearchQuery {
  q: string;
  scenario?: string | undefined;
  /** Editors who ask see drafts too (contract 1.2, "Drafts"); nobody else ever does. */
  drafts: boolean;
}

export interface SearchHit {
  type: 'thread' | 'update';
  scenario: string;
  threadId: string;
  updateId?: string;
  snippet: string;
  score: number;
  /** Updates only: a retracted update is still found, and marked. */
  retracted?: boolean;
  /** Only with drafts=true: whether this update is a draft. */
  draft?: boolean;
}

/** The views' documents, made current for the query first (shared/app/search-views.ts). */
type Ctx = { search: Pick<SearchViews, 'ready' | 'index'> };

/** Where the next page starts: after this result, ranked with the first page's word weights. */
export type SearchCursor = RankCursor & { weights: number[] };

/** The `need` best matches after `after`, each with its document. */
export async function rankedMatches(
  ctx: Ctx,
  query: SearchQuery,
  need: number,
  after?: SearchCursor,
): Promise<{ ranked: (Ranked & { doc: SearchDoc })[]; weights: number[] }> {
  await ctx.search.ready(query.scenario, query.drafts);
  const index = ctx.search.index;
  const words = queryTerms(query.q).slice(0, MAX_QUERY_WORDS);
  for (let attempt = 1; ; attempt++) {
    // The ranking awaits nothing but memory, so a catch-up cannot land in it; should one ever, it
    // starts again rather than read lists that moved under it.
    const version = index.version;
    const { ranked, weights } = await topAfter(
      words.map((w) => index.postingSource(w, query.scenario)),
      index.lookup(words, query.scenario, query.drafts),
      { need, after, weights: after?.weights, drafts: query.drafts, chunk: SEARCH_CHUNK },
    );
    if (index.version !== version && attempt < RANK_ATTEMPTS) continue;
    return {
      ranked: ranked.flatMap((r) => {
        const doc = index.ranked(r.key, query.scenario);
        return doc ? [{ ...r, doc }] : [];
      }),
      weights,
    };
  }
}

/** One page of results after `after`, and the cursor of the next page (null: the last). */
export async function searchPage(
  ctx: Ctx,
  query: SearchQuery,
  limit: number,
  after?: SearchCursor,
): Promise<{ items: SearchHit[]; next: SearchCursor | null }> {
  const { ranked, weights } = await rankedMatches(ctx, query, limit + 1, after);
  const page = ranked.slice(0, limit);
  const words = queryTerms(query.q);
  const items = page.map(({ doc, score }): SearchHit => {
    const hit = {
      scenario: doc.scenario,
      threadId: doc.threadId,
      snippet: snippet(doc.texts, words),
      score: shownScore(score),
    };
    if (doc.updateId === undefined) return { type: 'thread', ...hit };
    return {
      type: 'update',
      ...hit,
      updateId: doc.updateId,
      retracted: doc.retracted,
      ...(query.drafts ? { draft: doc.draft } : {}),
    };
  });
  const last = page[page.length - 1];
  return {
    items,
    next: ranked.length > limit && last ? { score: last.score, key: last.key, weights } : null,
  };
}
