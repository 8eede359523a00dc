import headlines from '../fixtures/news/headlines.json';
import followups from '../../local/seeds/istanbul-followups-2025.json';
import { SEED_SCENARIO_FIELDS, SEED_THREADS } from '../../local/seed';
import { BUILT_IN_CUES } from '../../shared/domain/cues';
import { copyText } from '../../shared/domain/inbox';
import { ThreadIndex, type MatchableThread } from '../../shared/domain/matching';

/**
 * Matching quality on the real-news fixture (test/fixtures/news/headlines.json, issue 27 item 7):
 * the seeded scenario's threads as the matcher sees them, and the figures issue 27's done-when asks
 * for, overall and per language. Shared by test/unit/matching-quality.test.ts (which asserts the
 * targets) and bench/matching.ts (which reports them).
 */

export type Language = 'en' | 'uk' | 'ru';

/** One labelled headline: the thread a careful editor files it under (or null) and the status they would set (or null). */
export interface Headline {
  id: string;
  title: string;
  summary: string;
  url: string;
  publishedAt: string;
  language: Language;
  thread: string | null;
  status: string | null;
}

export const HEADLINES = headlines as Headline[];
export const LANGUAGES: readonly Language[] = ['en', 'uk', 'ru'];

/**
 * The seeded scenario's seven threads as `ThreadIndexCache` builds them from a freshly seeded table:
 * the four of local/seed.ts and the three the follow-ups create, each with its title, its seeded
 * keywords and, as its one recent update, the summary it was created with. The follow-ups'
 * developments are left out on purpose: many are the very events the headlines report, and an index
 * that already holds a headline's news would flatter the matcher.
 */
export const SEEDED_THREADS: MatchableThread[] = [
  ...SEED_THREADS.map((t) => ({
    id: t.id,
    kind: t.kind,
    title: t.title,
    keywords: t.keywords ?? [],
    recent: [t.summary],
  })),
  ...followups.threads.map((t) => ({
    id: t.id,
    kind: t.kind,
    title: t.title,
    keywords: t.keywords,
    recent: [t.summary],
  })),
];

export const SCENARIO_KEYWORDS: readonly string[] = SEED_SCENARIO_FIELDS.keywords;

export const seededIndex = (): ThreadIndex => new ThreadIndex(SEEDED_THREADS, SCENARIO_KEYWORDS);

/** What the matcher made of one headline. */
export interface Outcome {
  headline: Headline;
  /** The top match's thread, or null when it matched none. */
  thread: string | null;
  status: string | null;
}

export const matchAll = (index: ThreadIndex, list: readonly Headline[] = HEADLINES): Outcome[] =>
  list.map((h) => {
    const [top] = index.match(copyText(h), BUILT_IN_CUES, new Date(h.publishedAt), h.language);
    return { headline: h, thread: top?.threadId ?? null, status: top?.suggestedStatus ?? null };
  });

/** Issue 27's figures for a set of outcomes. */
export interface Quality {
  /** Headlines about a thread, and those about none. */
  related: number;
  unrelated: number;
  /** Top-1 precision: of the headlines given any match, the share whose top match is their thread (an unrelated headline matched counts against it). */
  precision: number;
  /** Top-1 recall: of the headlines about a thread, the share whose top match is that thread. */
  recall: number;
  /** Of the unrelated headlines, the share given no match. */
  unrelatedClear: number;
  /** Headlines labelled with a status, and the share whose top match is their thread with that status suggested. */
  statusLabelled: number;
  statusCorrect: number;
  /** Headlines labelled with no status whose top match (right thread) suggests one anyway. */
  statusUnwanted: number;
  /** Each headline the matcher got wrong: what it should have been and what it was. */
  misses: string[];
}

const share = (n: number, of: number) => (of === 0 ? 1 : n / of);

export function quality(outcomes: readonly Outcome[]): Quality {
  const related = outcomes.filter((o) => o.headline.thread !== null);
  const unrelated = outcomes.filter((o) => o.headline.thread === null);
  const matched = outcomes.filter((o) => o.thread !== null);
  const right = related.filter((o) => o.thread === o.headline.thread);
  const labelled = related.filter((o) => o.headline.status !== null);
  const statusRight = labelled.filter(
    (o) => o.thread === o.headline.thread && o.status === o.headline.status,
  );
  const unwanted = related.filter(
    (o) => o.headline.status === null && o.thread === o.headline.thread && o.status !== null,
  );
  const misses = outcomes
    .filter(
      (o) => o.thread !== o.headline.thread || (o.headline.status !== null && o.status !== o.headline.status),
    )
    .map(
      (o) =>
        `${o.headline.id}: ${o.headline.thread ?? '-'}/${o.headline.status ?? '-'} → ${o.thread ?? '-'}/${o.status ?? '-'} (${o.headline.title})`,
    );
  return {
    related: related.length,
    unrelated: unrelated.length,
    precision: share(right.length, matched.length),
    recall: share(right.length, related.length),
    unrelatedClear: share(unrelated.filter((o) => o.thread === null).length, unrelated.length),
    statusLabelled: labelled.length,
    statusCorrect: share(statusRight.length, labelled.length),
    statusUnwanted: unwanted.length,
    misses,
  };
}

/** Issue 27's targets. */
export const TARGETS = { precision: 0.9, recall: 0.8, unrelatedClear: 0.95, statusCorrect: 0.8 } as const;

export const meetsTargets = (q: Quality): boolean =>
  q.precision >= TARGETS.precision &&
  q.recall >= TARGETS.recall &&
  q.unrelatedClear >= TARGETS.unrelatedClear &&
  q.statusCorrect >= TARGETS.statusCorrect;

/** The figures overall and per language. */
export function qualityByLanguage(outcomes: readonly Outcome[]): Record<'all' | Language, Quality> {
  return {
    all: quality(outcomes),
    en: quality(outcomes.filter((o) => o.headline.language === 'en')),
    uk: quality(outcomes.filter((o) => o.headline.language === 'uk')),
    ru: quality(outcomes.filter((o) => o.headline.language === 'ru')),
  };
}
