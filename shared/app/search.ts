import { rank } from '../domain/search-rank';
import { queryTerms, snippet } from '../domain/search-text';
import type { Posting, SearchIndex } from '../store/search-index';

/**
 * `GET /search`: threads and updates holding every word of `q`, best first (shared/domain/search-rank.ts).
 *
 * What it reads grows with the results, not with the tracker: one Query per word of the query over
 * that word's postings (in the scenario, when one is named), at most MAX_POSTINGS_PER_TERM each; a
 * word that has more than that is checked only for the documents the rarest word found (a BatchGet of
 * those postings); then one BatchGet of the page's own items, for their snippets and their
 * retraction. A query of at most MAX_QUERY_WORDS words keeps the number of Queries bounded.
 */
export const MAX_QUERY_WORDS = 8;

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

type Ctx = { search: SearchIndex };

const docKey = (p: Pick<Posting, 'threadId' | 'updateId'>) => `${p.threadId}#${p.updateId ?? ''}`;

/** Every match, ranked: what a page is cut from (the ranking is recomputed per page: no state kept). */
export async function rankedMatches(ctx: Ctx, query: SearchQuery) {
  const words = queryTerms(query.q).slice(0, MAX_QUERY_WORDS);
  if (words.length === 0) return [];
  const read = await Promise.all(words.map((w) => ctx.search.postings(w, query.scenario)));
  const visible = (p: Posting) => query.drafts || !p.draft;
  const lists = read.map((r) => ({ ...r, postings: r.postings.filter(visible) }));
  // The word with fewest postings, complete ones first: its documents are the only candidates.
  const order = lists
    .map((_, i) => i)
    .sort((a, b) => {
      const [x, y] = [lists[a]!, lists[b]!];
      return Number(y.complete) - Number(x.complete) || x.postings.length - y.postings.length;
    });
  const rarest = lists[order[0]!]!;
  const candidates = rarest.postings;
  const perWord = await Promise.all(
    lists.map(async (l, i) => {
      if (l === rarest || l.complete) return { postings: l.postings, df: read[i]!.postings.length };
      // A word with more postings than a query reads: ask only about the candidates.
      const have = new Set(l.postings.map(docKey));
      const missing = candidates.filter((c) => !have.has(docKey(c)));
      const found = (await ctx.search.holding(words[i]!, missing)).filter(visible);
      return { postings: [...l.postings, ...found], df: read[i]!.postings.length + found.length };
    }),
  );
  return rank({
    words: perWord.map((w) => ({
      df: w.df,
      postings: w.postings.map((p) => ({ doc: p, key: docKey(p), tf: p.w, length: 1.1 ** p.n })),
    })),
  });
}

/** One page of results from `offset`, and the offset of the next page (null: the last). */
export async function searchPage(
  ctx: Ctx,
  query: SearchQuery,
  limit: number,
  offset: number,
): Promise<{ items: SearchHit[]; next: number | null }> {
  const ranked = await rankedMatches(ctx, query);
  const page = ranked.slice(offset, offset + limit);
  const items = await ctx.search.items(page.map((r) => r.doc));
  const byKey = new Map(
    items.map((i) => [
      String(i.PK).slice('THREAD#'.length) +
        '#' +
        (String(i.SK).startsWith('UPDATE#') ? String(i.SK).slice(7) : ''),
      i,
    ]),
  );
  const words = queryTerms(query.q);
  const hits: SearchHit[] = [];
  for (const r of page) {
    const item = byKey.get(r.key);
    // Gone since it was indexed (a discarded draft the indexer has not caught up with): not a result.
    if (!item) continue;
    const p = r.doc;
    const draft = item.draft === true;
    if (draft && !query.drafts) continue;
    if (p.updateId) {
      const texts = [
        String(item.summary ?? ''),
        ...((item.quotes as { speaker?: string; text?: string }[] | undefined) ?? []).map((q) =>
          [q.speaker, q.text].filter(Boolean).join(': '),
        ),
        ...((item.sources as { title?: string }[] | undefined) ?? []).map((s) => String(s.title ?? '')),
      ];
      hits.push({
        type: 'update',
        scenario: p.scenario,
        threadId: p.threadId,
        updateId: p.updateId,
        snippet: snippet(texts, words),
        score: r.score,
        retracted: item.retracted === true,
        ...(query.drafts ? { draft } : {}),
      });
    } else {
      const texts = [
        String(item.title ?? ''),
        String(item.summary ?? ''),
        ...((item.keywords as string[] | undefined) ?? []),
      ];
      hits.push({
        type: 'thread',
        scenario: p.scenario,
        threadId: p.threadId,
        snippet: snippet(texts, words),
        score: r.score,
      });
    }
  }
  return { items: hits, next: offset + limit < ranked.length ? offset + limit : null };
}
