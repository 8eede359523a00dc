/**
 * Ranking: Okapi BM25 with fixed collection statistics, in whole numbers, so that a query can read
 * each word's postings best first and stop as soon as the page cannot change (the threshold
 * algorithm, `topAfter` below) and still answer exactly what reading everything would.
 *
 * - A posting's **impact** is BM25's saturated term frequency, computed when it is indexed from the
 *   word's weighted frequency in the document and the document's length (fields are weighted when
 *   indexed: search-text.ts), against a fixed average length: `impact` below, × 1000, rounded. It
 *   depends on the document only, so postings can be stored in descending impact (the sort key) and
 *   a word's best documents are the first a Query reads.
 * - A word's **weight** is BM25's idf of its document frequency counted up to DF_CAP: the first read
 *   of a word (DF_CAP postings at most) tells it exactly, whatever the word's length of list, so a
 *   word in 100 documents and one in 100,000 weigh the same (both common), and a rare word more.
 *   Exact counts of every word would need a counter that every indexing writes (hot keys), and the
 *   real number of documents N would too: N is a constant.
 * - A document's **score** is the sum over the query's words of weight × impact, a whole number:
 *   ties are exact, broken by the document's key (so pages are stable), and a page's cursor is a
 *   (score, key) pair. Every word must be in a document (the contract: the words of `q`).
 */

export const BM25 = { k1: 1.2, b: 0.75 } as const;
/** The weighted length taken as average (a short news update with a quote and a source title). */
export const AVERAGE_LENGTH = 60;
/** The number of documents idf assumes. */
export const ASSUMED_DOCUMENTS = 100_000;
/** Document frequencies are counted up to this: the first read of a word's postings. */
export const DF_CAP = 100;
/** Documents looked up a round at most (one BatchGetItem). */
export const LOOKUPS_PER_ROUND = 100;
/** Impacts range 0..2200 (k1 + 1 = 2.2, × 1000). */
export const MAX_IMPACT = 9999;

/** A posting's impact: BM25's term-frequency part × 1000, rounded. `length` is the weighted length. */
export function impact(tf: number, length: number): number {
  const norm = 1 - BM25.b + (BM25.b * length) / AVERAGE_LENGTH;
  return Math.round((1000 * (tf * (BM25.k1 + 1))) / (tf + BM25.k1 * norm));
}

/** A word's weight from its document frequency (counted up to DF_CAP): idf × 1000, rounded. */
export function wordWeight(df: number, cap: number = DF_CAP): number {
  const n = Math.min(df, cap);
  return Math.round(1000 * Math.log(1 + (ASSUMED_DOCUMENTS - n + 0.5) / (n + 0.5)));
}

/** The score as the API shows it: weight × impact / 10^6, four decimals. */
export const shownScore = (score: number): number => Math.round(score / 100) / 1e4;

/** Where a page ends: the last result's score and key. */
export interface RankCursor {
  score: number;
  key: string;
}

export interface Ranked {
  key: string;
  score: number;
}

/** Best first: higher score, then lower key. */
export const before = (a: RankCursor, b: RankCursor): boolean =>
  a.score > b.score || (a.score === b.score && a.key < b.key);

/** One posting as read: the document's key, its impact for the word, whether it is a draft. */
export interface ImpactPosting {
  key: string;
  impact: number;
  draft: boolean;
}

/**
 * A word's postings, best (highest impact) first, read a chunk at a time; postings of the same impact
 * in ascending key order, the order ties rank in (`before`): what lets a query stop among ties.
 */
export interface PostingSource {
  read(limit: number): Promise<{ postings: ImpactPosting[]; done: boolean }>;
}

/**
 * Random access: for documents seen in some words' lists, their impact for every word of the query
 * (undefined: the document does not hold it), or null when the document is not to be found (gone,
 * out of the scenario, a draft nobody asked for).
 */
export type ImpactLookup = (keys: string[]) => Promise<Map<string, (number | undefined)[] | null>>;

export interface TopOptions {
  /** How many results after the cursor (the page, and one more to tell whether a next page exists). */
  need: number;
  after?: RankCursor | undefined;
  drafts: boolean;
  /**
   * The words' weights of the search's first page: later pages rank with them, so a word's
   * frequency growing between pages (a weight is counted up to DF_CAP) does not move the cursor.
   */
  weights?: readonly number[] | undefined;
  /** Postings read per word in each round after the first. */
  chunk?: number;
  /** Documents looked up a round at most: LOOKUPS_PER_ROUND; smaller in tests. */
  lookupsPerRound?: number;
  /** Document frequencies counted up to (the first read of each word): DF_CAP; smaller in tests. */
  dfCap?: number;
}

/**
 * The `need` best documents after `after` holding every word, best first: the threshold algorithm
 * (Fagin et al.) over lists in descending impact. Each round reads a chunk of every word's list;
 * a document seen in every list is scored from its postings, one seen in some is looked up
 * (`lookup`) when it could still make the page; it stops when the page's last result ranks before
 * every document it has not scored, or when a list ends (a document not in it cannot hold every
 * word). What it reads grows with the results and the cursor's depth, never with the length of a
 * list beyond that.
 *
 * Ranking before is judged with ties, exactly (impacts are coarse and scores whole numbers: many
 * documents tie, and a stop that needed a strictly higher score would read a tied list to its end):
 * - a document seen in some lists scores at most its bound (its impacts read, the last impact read
 *   of the other lists); at that bound it ranks after the last result when its key is greater;
 * - a document not seen in any list scores at most the sum of weight × the last impact read of each
 *   list, and only when it has that last impact in every list (of positive weight); it then sits
 *   after the last posting read of each (a list's ties are in key order), so its key is greater
 *   than every list's last key read: the last result ranks before it when its key is not greater
 *   than the greatest of those.
 */
export async function topAfter(
  sources: readonly PostingSource[],
  lookup: ImpactLookup,
  options: TopOptions,
): Promise<{ ranked: Ranked[]; weights: number[] }> {
  const { need, after, drafts } = options;
  const cap = options.dfCap ?? DF_CAP;
  const chunk = options.chunk ?? 100;
  const words = sources.length;
  if (words === 0 || need <= 0) return { ranked: [], weights: [] };
  // Per word: the impacts read so far by document, the last impact read, whether the list ended.
  const read = sources.map(() => new Map<string, number>());
  const lastImpact = sources.map(() => MAX_IMPACT);
  const lastKey = sources.map((): string | undefined => undefined);
  const ended = sources.map(() => false);
  const invisible = new Set<string>();
  // Documents read since the last round, and those seen before but neither scored nor ruled out:
  // a round looks at these only, not at everything read so far.
  let fresh = new Set<string>();
  let pending = new Set<string>();
  const readChunk = async (w: number, limit: number) => {
    const page = await sources[w]!.read(limit);
    for (const p of page.postings) {
      read[w]!.set(p.key, p.impact);
      if (p.draft && !drafts) invisible.add(p.key);
      lastImpact[w] = p.impact;
      lastKey[w] = p.key;
      fresh.add(p.key);
    }
    if (page.done) ended[w] = true;
  };
  await Promise.all(sources.map((_, w) => readChunk(w, cap)));
  // Document frequency counted up to DF_CAP (drafts count: the weight is the same for everyone).
  const weights =
    options.weights?.length === words
      ? [...options.weights]
      : read.map((r, w) => wordWeight(ended[w] ? r.size : cap, cap));
  const scored = new Map<string, number | null>();
  // The documents scored that rank after the cursor, kept best first (sorted when one is added).
  const hits: Ranked[] = [];
  let unsorted = false;
  const score = (key: string, value: number | null) => {
    scored.set(key, value);
    if (value === null) return;
    const hit = { key, score: value };
    if (after && !before(after, hit)) return;
    hits.push(hit);
    unsorted = true;
  };
  const results = () => {
    if (unsorted) hits.sort((a, b) => (before(a, b) ? -1 : 1));
    unsorted = false;
    return hits;
  };
  const scoreOf = (impacts: readonly (number | undefined)[]) =>
    impacts.every((i) => i !== undefined)
      ? impacts.reduce<number>((s, i, w) => s + weights[w]! * i!, 0)
      : null;
  for (;;) {
    // Documents seen: scored from their postings when every list holds them, else bounded.
    const open: { key: string; bound: number }[] = [];
    for (const key of fresh) pending.add(key);
    fresh = new Set();
    for (const key of pending) {
      if (scored.has(key)) continue;
      if (invisible.has(key)) {
        scored.set(key, null);
        continue;
      }
      const impacts = read.map((r) => r.get(key));
      if (impacts.every((i) => i !== undefined)) score(key, scoreOf(impacts));
      // A list that ended without it: it does not hold that word.
      else if (impacts.some((i, w) => i === undefined && ended[w])) scored.set(key, null);
      else
        open.push({
          key,
          bound: impacts.reduce<number>((s, i, w) => s + weights[w]! * (i ?? lastImpact[w]!), 0),
        });
    }
    // Look up the documents that could still make the page.
    let ranked = results();
    const cut = ranked.length >= need ? ranked[need - 1]! : null;
    // The most promising first, one BatchGetItem's worth a round: each raises the page's cut, which
    // settles more of the rest without reading them.
    const look = open
      .filter((p) => !cut || !before(cut, { score: p.bound, key: p.key }))
      .sort((x, y) => y.bound - x.bound)
      .slice(0, options.lookupsPerRound ?? LOOKUPS_PER_ROUND)
      .map((p) => p.key);
    if (look.length > 0) {
      const found = await lookup(look);
      for (const key of look) {
        const impacts = found.get(key);
        score(key, impacts ? scoreOf(impacts) : null);
      }
      ranked = results();
    }
    const still = open.filter((p) => !scored.has(p.key));
    pending = new Set(still.map((p) => p.key));
    // What a document not seen yet could score at most (none can hold every word once a list ended),
    // and the key it would have to exceed to score that (see above).
    const unseen = ended.some(Boolean) ? -1 : lastImpact.reduce((s, i, w) => s + weights[w]! * i, 0);
    const unseenAfter = lastKey
      .filter((k, w) => k !== undefined && weights[w]! > 0)
      .reduce<string | undefined>((m, k) => (m === undefined || k! > m ? k : m), undefined);
    const last = ranked.length >= need ? ranked[need - 1]! : null;
    const settled =
      last !== null &&
      (unseen < last.score ||
        (unseen === last.score && unseenAfter !== undefined && last.key <= unseenAfter)) &&
      still.every((p) => before(last, { score: p.bound, key: p.key }));
    if (settled || (unseen < 0 && still.length === 0)) return { ranked: ranked.slice(0, need), weights };
    if (ended.every(Boolean)) return { ranked: ranked.slice(0, need), weights };
    await Promise.all(sources.map((_, w) => (ended[w] ? undefined : readChunk(w, chunk))));
  }
}
