import { impact } from './search-rank';
import { termWeights, type SearchFields } from './search-text';

/**
 * What a search finds (contract 1.2, "Search"): documents, one per thread and one per update, each
 * with its words' weighted frequencies and its length, kept in memory by the search views
 * (shared/app/search-views.ts) and ranked by shared/domain/search-rank.ts.
 */

/**
 * Lengths are kept as buckets of about 10 % (`round(ln(length) / ln(1.1))`): an edit that changes a
 * document's length a little changes no impact, and length normalisation does not need more.
 */
export const lengthBucket = (length: number): number =>
  Math.round(Math.log(Math.max(1, length)) / Math.log(1.1));
export const bucketLength = (bucket: number): number => 1.1 ** bucket;

/** One document as indexed. */
export interface IndexedDoc {
  scenario: string;
  threadId: string;
  updateId?: string | undefined;
  /** term → weighted frequency */
  terms: Record<string, number>;
  /** lengthBucket of the weighted length */
  n: number;
  draft: boolean;
}

/** A document with what a result shows of it: the texts its snippet is cut from, its retraction. */
export interface SearchDoc extends IndexedDoc {
  /** Thread: title, summary, keywords; update: summary, quotes (`speaker: text`), source titles. */
  texts: string[];
  retracted: boolean;
}

/** A document's key: `<thread>#<update or empty>`. */
export const docKeyOf = (d: { threadId: string; updateId?: string | undefined }) =>
  `${d.threadId}#${d.updateId ?? ''}`;
export const docOfKey = (key: string): { threadId: string; updateId?: string } => {
  const [threadId, updateId] = key.split('#') as [string, string];
  return updateId ? { threadId, updateId } : { threadId };
};

/** A term's impact in a document (shared/domain/search-rank.ts). */
export const impactIn = (doc: Pick<IndexedDoc, 'terms' | 'n'>, term: string): number | undefined =>
  doc.terms[term] === undefined ? undefined : impact(doc.terms[term], bucketLength(doc.n));

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

/** The texts a result's snippet is cut from, in the order they are tried. */
function snippetTexts(item: Record<string, unknown>, isUpdate: boolean): string[] {
  if (!isUpdate) return [...strings(item.title), ...strings(item.summary), ...strings(item.keywords)];
  return [
    ...strings(item.summary),
    ...list(item.quotes).map((q) => [...strings(q.speaker), ...strings(q.text)].join(': ')),
    ...list(item.sources).flatMap((s) => strings(s.title)),
  ];
}

/** A thread or update item as a document of `scenario` (its thread's). */
export function searchDocOf(
  item: Record<string, unknown>,
  at: { threadId: string; updateId?: string | undefined },
  scenario: string,
): SearchDoc {
  const isUpdate = at.updateId !== undefined;
  const { weights, length } = termWeights(searchFieldsOf(item, isUpdate));
  return {
    scenario,
    threadId: at.threadId,
    ...(at.updateId !== undefined ? { updateId: at.updateId } : {}),
    terms: Object.fromEntries(weights),
    n: lengthBucket(length),
    // Drafts are documents with their mark: found only by editors who ask.
    draft: item.draft === true,
    texts: snippetTexts(item, isUpdate),
    retracted: isUpdate && item.retracted === true,
  };
}
