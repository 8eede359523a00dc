/**
 * How text becomes search terms, the same for what is indexed and for what is asked: Unicode
 * compatibility decomposition (NFKD: `ﬁ` is `fi`, `é` is `e` + a combining accent), combining marks
 * dropped (`Zelenskyi` is found by `Zelenskyi`, `Зеленський` stays Cyrillic: only marks go, not
 * letters), lower case without a locale (`toLowerCase`, so a server's locale never changes a term),
 * then split on anything that is not a letter or a digit in any script. Words are whole: no stemming
 * and no prefixes (`Zelenskyy` and `Zelensky` are two words, as the contract says).
 */

/** A term longer than this is cut (a URL-like run of letters): a posting key stays small. */
export const MAX_TERM_LENGTH = 64;

const MARKS = /\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/u;

/** The normalised form of a text: decomposed, without marks, lower case. */
export const normalize = (text: string): string => text.normalize('NFKD').replace(MARKS, '').toLowerCase();

/** The terms of a text, in order, repeats kept (term frequency counts them). */
export const terms = (text: string): string[] =>
  normalize(text)
    .split(NOT_WORD)
    .filter((t) => t.length > 0)
    .map((t) => t.slice(0, MAX_TERM_LENGTH));

/** The distinct terms of a query, in the order first asked. */
export const queryTerms = (q: string): string[] => [...new Set(terms(q))];

/** How much a term counts in each field: a word of the title says more than one of a quote. */
export const FIELD_WEIGHTS = { title: 3, keywords: 2, summary: 1, quotes: 1, sources: 1 } as const;
export type SearchField = keyof typeof FIELD_WEIGHTS;

/** What is indexed of one thread or update: its fields' texts. */
export type SearchFields = Partial<Record<SearchField, readonly string[]>>;

/** Each term's weighted frequency in a document, and the document's weighted length. */
export function termWeights(fields: SearchFields): { weights: Map<string, number>; length: number } {
  const weights = new Map<string, number>();
  let length = 0;
  for (const [field, texts] of Object.entries(fields) as [SearchField, readonly string[]][]) {
    const w = FIELD_WEIGHTS[field];
    for (const text of texts)
      for (const t of terms(text)) {
        weights.set(t, (weights.get(t) ?? 0) + w);
        length += w;
      }
  }
  return { weights, length };
}

/** Characters of context a snippet shows. */
export const SNIPPET_LENGTH = 160;

/**
 * A snippet of the first text that holds a query term: a window around the first match, on word
 * boundaries, with an ellipsis where it was cut. Positions in the normalised text are those of the
 * original only when normalising kept the length, so the match is found word by word instead.
 */
export function snippet(texts: readonly string[], asked: readonly string[]): string {
  const wanted = new Set(asked);
  for (const text of texts) {
    const words = [...text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)];
    const hit = words.find((w) => terms(w[0]).some((t) => wanted.has(t)));
    if (hit) return window(text, hit.index);
  }
  return window(texts.find((t) => t.length > 0) ?? '', 0);
}

function window(text: string, at: number): string {
  if (text.length <= SNIPPET_LENGTH) return text;
  let start = Math.max(0, at - SNIPPET_LENGTH / 4);
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  start = Math.max(0, end - SNIPPET_LENGTH);
  // Move inwards to whole words.
  if (start > 0) start = text.indexOf(' ', start) + 1 || start;
  if (end < text.length) end = text.lastIndexOf(' ', end) > start ? text.lastIndexOf(' ', end) : end;
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
