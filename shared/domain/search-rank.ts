/**
 * Ranking: Okapi BM25 over the postings a query read. Every word of the query must be in a document
 * (the contract: documents that contain the words of `q`); a document's score is the sum over the
 * words of idf × saturated term frequency, normalised by the document's length.
 *
 * The collection statistics are those of what was read, not of the whole index (keeping exact counts
 * would mean one item every indexing writes, a hot key): N is the number of distinct documents that
 * hold any of the words, a word's document frequency the number of its postings read. That keeps
 * BM25's order where it matters: a rare word weighs more than a common one, a word in the title more
 * than one in a quote (fields are weighted when indexed: search-text.ts), a short document that holds
 * a word more than a long one.
 */

export const BM25 = { k1: 1.2, b: 0.75 } as const;

export interface RankInput<D> {
  /** Per word, its postings: the document, the word's weighted frequency in it, the document's length. */
  words: readonly { postings: readonly { doc: D; key: string; tf: number; length: number }[]; df: number }[];
}

export interface Ranked<D> {
  doc: D;
  key: string;
  score: number;
}

/** Documents holding every word, best first (ties by key, so pages are stable). */
export function rank<D>({ words }: RankInput<D>): Ranked<D>[] {
  if (words.length === 0) return [];
  const all = new Map<string, { doc: D; length: number }>();
  for (const w of words) for (const p of w.postings) all.set(p.key, { doc: p.doc, length: p.length });
  const n = Math.max(all.size, ...words.map((w) => w.df));
  const avg = [...all.values()].reduce((s, d) => s + d.length, 0) / Math.max(1, all.size);
  const scores = new Map<string, number>();
  const hits = new Map<string, number>();
  for (const w of words) {
    const idf = Math.log(1 + (n - w.df + 0.5) / (w.df + 0.5));
    for (const p of w.postings) {
      const norm = 1 - BM25.b + (BM25.b * p.length) / (avg || 1);
      const s = (idf * (p.tf * (BM25.k1 + 1))) / (p.tf + BM25.k1 * norm);
      scores.set(p.key, (scores.get(p.key) ?? 0) + s);
      hits.set(p.key, (hits.get(p.key) ?? 0) + 1);
    }
  }
  return [...scores]
    .filter(([key]) => hits.get(key) === words.length)
    .map(([key, score]) => ({ doc: all.get(key)!.doc, key, score: Math.round(score * 1e4) / 1e4 }))
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
