import { shownScore, topAfter, type RankCursor, type Ranked } from '../domain/search-rank';
import { queryTerms, snippet } from '../domain/search-text';
import { docKeyOf, docOfKey, impactIn, type Posting, type SearchIndex } from '../store/search-index';

/**
 * `GET /search`: threads and updates holding every word of `q`, best first (shared/domain/search-rank.ts).
 *
 * What it reads grows with the results, not with the tracker: per word of the query, its postings
 * best first (in the scenario's slice, when one is named), the first DF_CAP (what the word's weight
 * needs) and then a chunk a round only while the page could still change (the threshold algorithm:
 * `topAfter`); a document seen in some words' lists only is looked up in its document record
 * (BatchGetItem) when it could still make the page; then one BatchGetItem of the page's own items,
 * for their snippets and their retraction. A query of at most MAX_QUERY_WORDS words keeps the
 * number of lists bounded. A page's cursor is the last result's (score, key): the next page is what
 * ranks after it, so a page never repeats a result of an earlier one.
 *
 * A result's rank key, which breaks ties of score, is its posting's sort key after the impact: the
 * list's own order among postings of one impact, which `topAfter` needs to stop among ties. In a
 * scenario's slice that is `<thread>#<update>`; across scenarios, in a word's list,
 * `<scenario>#<thread>#<update>` (ties go by scenario first).
 */
export const MAX_QUERY_WORDS = 8;
/** Postings read per word and round after the first read. */
export const SEARCH_CHUNK = 100;

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

/** Where the next page starts: after this result, ranked with the first page's word weights. */
export type SearchCursor = RankCursor & { weights: number[] };

/** The `need` best matches after `after`, with each one's scenario. */
export async function rankedMatches(
  ctx: Ctx,
  query: SearchQuery,
  need: number,
  after?: SearchCursor,
): Promise<{
  ranked: (Ranked & { doc: { threadId: string; updateId?: string; scenario: string } })[];
  weights: number[];
}> {
  const words = queryTerms(query.q).slice(0, MAX_QUERY_WORDS);
  const sources = words.map((w) => {
    const source = ctx.search.postingSource(w, query.scenario);
    return {
      read: async (limit: number) => {
        const page = await source.read(limit);
        return { ...page, postings: page.postings.map((p) => ({ ...p, key: rankKeyOf(p, query.scenario) })) };
      },
    };
  });
  const { ranked, weights } = await topAfter(
    sources,
    async (keys) => {
      const docs = await ctx.search.docs(
        keys.map((k) => docKeyOf(docOfRankKey(k, query.scenario))),
        words,
      );
      return new Map(
        keys.map((k) => {
          const at = docOfRankKey(k, query.scenario);
          const d = docs.get(docKeyOf(at));
          // Gone, moved out of the scenario its posting is filed under, or a draft not asked for:
          // not a result (a moved document ranks under its new scenario's postings).
          if (!d || d.scenario !== at.scenario || (d.draft && !query.drafts)) return [k, null];
          return [k, words.map((w) => impactIn(d, w))];
        }),
      );
    },
    { need, after, weights: after?.weights, drafts: query.drafts, chunk: SEARCH_CHUNK },
  );
  return {
    ranked: ranked.map((r) => ({ ...r, doc: docOfRankKey(r.key, query.scenario) })),
    weights,
  };
}

/** A posting's rank key: `<thread>#<update>` in a scenario's slice, `<scenario>#<thread>#<update>` else. */
const rankKeyOf = (p: Posting, scenario: string | undefined): string =>
  scenario === undefined ? `${p.scenario}#${p.key}` : p.key;

/** The document a rank key names (rankKeyOf's inverse). */
function docOfRankKey(
  key: string,
  scenario: string | undefined,
): { scenario: string; threadId: string; updateId?: string } {
  if (scenario !== undefined) return { scenario, ...docOfKey(key) };
  const at = key.indexOf('#');
  return { scenario: key.slice(0, at), ...docOfKey(key.slice(at + 1)) };
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
  const shown = new Set<string>();
  for (const r of page) {
    const docKey = docKeyOf(r.doc);
    const item = byKey.get(docKey);
    // Gone since it was indexed (a discarded draft the indexer has not caught up with): not a result.
    if (!item) continue;
    // A thread moving between scenarios has postings under both until the indexer has moved them
    // (about a second): across scenarios its documents rank under two keys then. Shown once.
    if (shown.has(docKey)) continue;
    shown.add(docKey);
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
        score: shownScore(r.score),
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
        score: shownScore(r.score),
      });
    }
  }
  const last = page[page.length - 1];
  return {
    items: hits,
    next: ranked.length > limit && last ? { score: last.score, key: last.key, weights } : null,
  };
}
