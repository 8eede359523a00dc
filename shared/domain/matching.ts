import MiniSearch from 'minisearch';
import type { InboxMatch } from './inbox';
import { words } from './inbox';
import { dateInText, type TextDate } from './inbox-text';

/**
 * Matching an inbox item to the threads it is about: BM25 (MiniSearch's BM25+) over a small
 * in-memory index of the scenario's non-archived threads — each thread's title, its keywords and the
 * summaries of its recent updates — then a suggested status from the thread kind's cue words and a
 * suggested date from the text. Pure: the caller hands in the threads and the kinds' cues.
 */

/** What a thread contributes to the index. */
export interface MatchableThread {
  id: string;
  kind: string;
  title: string;
  /** The thread's `keywords` (contract 1.2; empty until set). */
  keywords: readonly string[];
  /** Summaries of its most recent updates, newest first. */
  recent: readonly string[];
}

/** Per kind, per status: the words and phrases that say a text reports that status. */
export type StatusCues = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export const MAX_MATCHES = 3;

/**
 * How many leading characters of a word are its stem. A crude stemmer, but one that serves English,
 * Ukrainian and Russian alike: their inflections are mostly endings (`Стамбул`/`Стамбулі`/`Стамбуле`,
 * `sanction`/`sanctions`), so two forms of a name share their first five letters, and the fuzzy
 * search below forgives one letter more (`Аляска`/`Алясці`).
 */
const STEM = 5;

/** Words too common in news to say what a text is about (BM25 would weigh them low anyway; these never count). */
const STOP = new Set(
  `a an and are as at be been by for from has have he in is it its of on or that the their this to was
   were will with after over says said new more than into about not no but also who what when would
   і й та в у на з за що до як це не від про для по його її їх був була були буде
   и в во на с со за что до как это не от о об для по его ее их был была были будет`
    .split(/\s+/)
    .filter(Boolean),
);

/** A word as the index keeps it: lower-cased, stemmed, or dropped (null) when it says nothing. */
export const termOf = (word: string): string | null => {
  const w = word.normalize('NFKC').toLowerCase();
  if (w.length < 2 || STOP.has(w)) return null;
  return [...w].slice(0, STEM).join('');
};

const tokenize = (text: string): string[] => words(text);
const processTerm = (term: string): string | null => termOf(term);

/**
 * A raw BM25 score becomes a score in 0–1 by `s / (s + SCORE_HALF)`: SCORE_HALF is the raw score
 * that maps to 0.5. A thread is a match only from MIN_SCORE (normalised) and when at least
 * MIN_NAMING_TERMS distinct words of the text hit its title or keywords: one shared word is a
 * coincidence (a "ceasefire" in Gaza is not this scenario's 30-day ceasefire), two name the topic;
 * words found only in recent updates' summaries raise the score but never alone make a match. Set
 * on the seeded scenario's threads and the real 2025 headlines of test/unit/inbox-matching.test.ts.
 */
export const MIN_NAMING_TERMS = 2;
export const SCORE_HALF = 6;
export const MIN_SCORE = 0.3;

interface Doc {
  id: string;
  title: string;
  keywords: string;
  recent: string;
}

/** The index of one scenario's threads, built once and asked many times (an inbox burst). */
export class ThreadIndex {
  private readonly search: MiniSearch<Doc>;
  private readonly threads = new Map<string, MatchableThread>();

  constructor(threads: readonly MatchableThread[]) {
    this.search = new MiniSearch<Doc>({
      fields: ['title', 'keywords', 'recent'],
      storeFields: [],
      tokenize,
      processTerm,
      searchOptions: {
        boost: { title: 2, keywords: 3, recent: 0.5 },
        fuzzy: (term) => (term.length >= STEM ? 1 : 0),
        combineWith: 'OR',
        tokenize,
        processTerm,
      },
    });
    for (const t of threads) this.threads.set(t.id, t);
    this.search.addAll(
      threads.map((t) => ({
        id: t.id,
        title: t.title,
        keywords: t.keywords.join(' \n '),
        recent: t.recent.join(' \n '),
      })),
    );
  }

  get size(): number {
    return this.threads.size;
  }

  /**
   * The threads a text is about, best first, at most MAX_MATCHES, each with its suggestions; empty
   * when none. `reference` is when the text was published (dates without a year are read from it),
   * `now` the time no suggestion may pass (a suggested date after it is kept, but never defaulted).
   */
  match(text: string, cues: StatusCues, reference: Date, language: string | null): InboxMatch[] {
    if (this.threads.size === 0) return [];
    const date = dateInText(text, reference, language);
    const textWords = tokenize(text);
    return this.search
      .search(text)
      .map((r) => ({ thread: this.threads.get(r.id)!, raw: r.score, named: namingTerms(r.match) }))
      .filter((r) => r.named >= MIN_NAMING_TERMS)
      .map((r) => ({ ...r, score: round(r.raw / (r.raw + SCORE_HALF)) }))
      .filter((r) => r.score >= MIN_SCORE)
      .slice(0, MAX_MATCHES)
      .map(({ thread, score }) => ({
        threadId: thread.id,
        score,
        suggestedStatus: suggestStatus(textWords, cues[thread.kind] ?? {}),
        ...suggestedDate(date),
      }));
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** How many distinct terms of the thread's title or keywords the text hit, from MiniSearch's `match` (term → fields). */
const namingTerms = (match: Readonly<Record<string, readonly string[]>>): number =>
  Object.values(match).filter((fields) => fields.includes('title') || fields.includes('keywords')).length;

const suggestedDate = (
  date: TextDate | null,
): Pick<InboxMatch, 'suggestedOccurredAt' | 'suggestedPrecision'> =>
  date
    ? { suggestedOccurredAt: date.date, suggestedPrecision: date.precision }
    : { suggestedOccurredAt: null, suggestedPrecision: null };

/**
 * Where a cue (a word or a phrase) first occurs in a text's words (-1: nowhere): each of its words as
 * a prefix of the text's word at the same place (`adopt` finds `adopted`, `ухвал` finds `ухвалили`).
 */
const cueAt = (textWords: readonly string[], cue: string): number => {
  const cw = words(cue);
  if (cw.length === 0) return -1;
  outer: for (let i = 0; i + cw.length <= textWords.length; i++) {
    for (let j = 0; j < cw.length; j++) if (!textWords[i + j]!.startsWith(cw[j]!)) continue outer;
    return i;
  }
  return -1;
};

/**
 * The status a text reports, from the kind's cues: the status with the most cues found; between
 * statuses found as often, the one found first (the headline comes first and states the news: "Trump
 * sets meeting date with Putin" is `scheduled` though its paragraph says he "will meet"); null when no
 * cue is found.
 */
export function suggestStatus(
  textWords: readonly string[],
  cues: Readonly<Record<string, readonly string[]>>,
): string | null {
  let best: { status: string; hits: number; first: number } | null = null;
  for (const [status, list] of Object.entries(cues)) {
    const at = list.map((cue) => cueAt(textWords, cue)).filter((i) => i >= 0);
    if (at.length === 0) continue;
    const found = { status, hits: at.length, first: Math.min(...at) };
    if (!best || found.hits > best.hits || (found.hits === best.hits && found.first < best.first))
      best = found;
  }
  return best?.status ?? null;
}
