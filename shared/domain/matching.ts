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
 * MIN_NAMING_TERMS distinct words of the text, as they are (not one letter off), hit its title or
 * keywords: one shared word is a coincidence, two name the topic; words found only in recent
 * updates' summaries raise the score but never alone make a match. And when the scenario has
 * keywords, the text must name one of them: a "ceasefire" with an "exchange of prisoners" in Gaza
 * shares two words with this scenario's threads and is still not about them. Measured on the seeded
 * scenario and the real-news fixture (test/unit/matching-quality.test.ts, bench/matching.ts).
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
  /** The scenario's keywords, as terms; empty: no scenario gate. */
  private readonly scenarioTerms: ReadonlySet<string>;

  /**
   * `scenarioKeywords` are the scenario's `keywords` (contract 1.2): when it has some, a text is
   * about one of its threads only if it names one of them. A thread's words alone cannot tell a
   * ceasefire in Gaza or a Trump–Xi summit from this scenario's ceasefire or summit; the scenario's
   * names (its countries, capitals, leaders, in each language) can.
   */
  constructor(threads: readonly MatchableThread[], scenarioKeywords: readonly string[] = []) {
    this.scenarioTerms = new Set(
      scenarioKeywords.flatMap((k) => tokenize(k).map(termOf)).filter((t): t is string => t !== null),
    );
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
    const textWords = tokenize(text);
    const textTerms = new Set(textWords.map(termOf).filter((t): t is string => t !== null));
    if (this.scenarioTerms.size > 0 && !namesAny(textTerms, this.scenarioTerms)) return [];
    const date = dateInText(text, reference, language);
    return this.search
      .search(text)
      .map((r) => ({
        thread: this.threads.get(r.id)!,
        raw: r.score,
        named: namingTerms(r.match, textTerms),
      }))
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

/**
 * How many distinct terms of the thread's title or keywords the text names, from MiniSearch's `match`
 * (term → fields): only terms the text has as they are. A fuzzy hit (one letter off) still adds to the
 * score, which is what lets `Алясці` find `Аляска`, but does not name the topic on its own: `meet`
 * is one letter from `meeti(ng)`, `peace` from `place`, and two such near-misses make no match.
 */
const namingTerms = (
  match: Readonly<Record<string, readonly string[]>>,
  textTerms: ReadonlySet<string>,
): number =>
  Object.entries(match).filter(
    ([term, fields]) => textTerms.has(term) && (fields.includes('title') || fields.includes('keywords')),
  ).length;

/**
 * Whether a text names any of a set of terms: as it is, or one letter off at the end (a case ending:
 * `Росії` for `Росія`, `Києва` for `Київ` is not, which is why a scenario lists such forms).
 */
const namesAny = (textTerms: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean => {
  for (const t of textTerms) {
    if (wanted.has(t)) return true;
    for (const w of wanted)
      if (w.length >= 4 && t.length === w.length && t.slice(0, -1) === w.slice(0, -1)) return true;
  }
  return false;
};

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
 * The status a text reports, from the kind's cues: the status of the cue found first, because the
 * headline comes first and states the news ("Trump sets meeting date with Putin" is `scheduled`
 * though its paragraph says he "will meet"; "Final stage of prisoner swap completed" is `completed`
 * though its paragraph tells of the stage's exchanges); between cues found at the same word, the
 * longer (the more specific). Null when no cue is found.
 *
 * Counting cues per status instead (the status with the most) was measured on the real-news fixture
 * (test/unit/matching-quality.test.ts) and lost: a paragraph retelling how a stage went outvotes the
 * headline that says what changed.
 */
export function suggestStatus(
  textWords: readonly string[],
  cues: Readonly<Record<string, readonly string[]>>,
): string | null {
  let best: { status: string; at: number; length: number } | null = null;
  for (const [status, list] of Object.entries(cues))
    for (const cue of list) {
      const at = cueAt(textWords, cue);
      if (at < 0) continue;
      const length = words(cue).length;
      if (!best || at < best.at || (at === best.at && length > best.length)) best = { status, at, length };
    }
  return best?.status ?? null;
}
