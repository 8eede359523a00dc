import { SEED_THREADS } from '../../local/seed';
import type { MatchableThread } from '../../shared/domain/matching';

/**
 * The seeded scenario's four threads as the matcher sees them, with the keywords an editor would give
 * them (contract 1.2: any language), and real 2025 headlines about them or about nothing of theirs.
 * Headlines and dates are from ../shared/research/2025-talks-timeline.md (the source pages named
 * there); the Ukrainian and Russian ones are the same events as those outlets' own headlines put them.
 */
const KEYWORDS: Record<string, string[]> = {
  ceasefire: ['ceasefire', 'truce', 'перемир’я', 'перемирие', 'припинення вогню', 'прекращение огня'],
  'prisoner-exchange': [
    'prisoner',
    'POW',
    'swap',
    'exchange',
    'обмін полоненими',
    'обмен пленными',
    'полонені',
    'пленные',
  ],
  sanctions: [
    'sanctions',
    'sanctions package',
    'EU',
    'санкції',
    'санкции',
    'пакет санкцій',
    'пакет санкций',
    'ЄС',
    'Евросоюз',
  ],
  'trump-putin-meeting': [
    'Trump',
    'Putin',
    'summit',
    'Alaska',
    'Anchorage',
    'Budapest',
    'Трамп',
    'Путін',
    'Путин',
    'Аляска',
    'Будапешт',
    'саміт',
    'саммит',
  ],
};

export const SEEDED: MatchableThread[] = SEED_THREADS.map((t) => ({
  id: t.id,
  kind: t.kind,
  title: t.title,
  keywords: KEYWORDS[t.id] ?? [],
  recent: [t.summary],
}));

export interface Headline {
  text: string;
  publishedAt: string;
  language: 'en' | 'uk' | 'ru';
  /** The thread it is about, or null. */
  thread: string | null;
  /** The status it reports, where it reports one. */
  status?: string | null;
}

export const HEADLINES: Headline[] = [
  {
    text: 'Trump sets meeting date with Putin in Alaska',
    publishedAt: '2025-08-08T20:00:00Z',
    language: 'en',
    thread: 'trump-putin-meeting',
    status: 'scheduled',
  },
  {
    text: 'Trump-Putin Alaska summit ends without Ukraine ceasefire: here is what the two leaders said',
    publishedAt: '2025-08-16T06:00:00Z',
    language: 'en',
    thread: 'trump-putin-meeting',
    status: 'held',
  },
  {
    text: 'Trump, Putin to hold meeting in Hungary after progress',
    publishedAt: '2025-10-16T20:00:00Z',
    language: 'en',
    thread: 'trump-putin-meeting',
    status: 'announced',
  },
  {
    text: "Putin on Trump's statements about Budapest meeting: likely just a postponement",
    publishedAt: '2025-10-23T12:00:00Z',
    language: 'en',
    thread: 'trump-putin-meeting',
    status: 'postponed',
  },
  {
    text: 'Another prisoner exchange took place, the fourth in a week',
    publishedAt: '2025-06-09T15:00:00Z',
    language: 'en',
    thread: 'prisoner-exchange',
    // A swap carried out is a stage of the exchange: the seed records 9 June as in progress.
    status: 'in_progress',
  },
  {
    text: 'Russia and Ukraine exchange 146 prisoners each following UAE mediation',
    publishedAt: '2025-08-24T15:00:00Z',
    language: 'en',
    thread: 'prisoner-exchange',
  },
  {
    text: 'Russia-Ukraine agree to POW exchange but no cease-fire in Istanbul talks',
    publishedAt: '2025-06-02T18:00:00Z',
    language: 'en',
    thread: 'prisoner-exchange',
    status: 'agreed',
  },
  {
    text: 'Slovaks veto Russia sanctions at EU Council',
    publishedAt: '2025-06-26T18:00:00Z',
    language: 'en',
    thread: 'sanctions',
    status: 'blocked',
  },
  {
    text: 'EU adopts 19th sanctions package: LNG imports from Russia to be banned',
    publishedAt: '2025-10-23T18:00:00Z',
    language: 'en',
    thread: 'sanctions',
    status: 'adopted',
  },
  {
    text: 'Трамп і Путін зустрілися на Алясці: саміт завершився без угоди',
    publishedAt: '2025-08-16T06:00:00Z',
    language: 'uk',
    thread: 'trump-putin-meeting',
    status: 'held',
  },
  {
    text: 'Україна та Росія провели обмін полоненими за формулою 84 на 84',
    publishedAt: '2025-08-14T12:00:00Z',
    language: 'uk',
    thread: 'prisoner-exchange',
  },
  {
    text: 'ЄС ухвалив 18-й пакет санкцій проти Росії',
    publishedAt: '2025-07-18T12:00:00Z',
    language: 'uk',
    thread: 'sanctions',
    status: 'adopted',
  },
  {
    text: 'Евросоюз утвердил 19-й пакет санкций против России',
    publishedAt: '2025-10-23T12:00:00Z',
    language: 'ru',
    thread: 'sanctions',
    status: 'adopted',
  },
  {
    text: 'Встреча Путина и Трампа в Будапеште отложена',
    publishedAt: '2025-10-22T12:00:00Z',
    language: 'ru',
    thread: 'trump-putin-meeting',
    status: 'postponed',
  },
  {
    text: 'Россия и Украина провели обмен пленными',
    publishedAt: '2025-10-02T12:00:00Z',
    language: 'ru',
    thread: 'prisoner-exchange',
  },
  // Unrelated news of the same months.
  {
    text: 'Israel and Hamas agree to first phase of Gaza ceasefire deal',
    publishedAt: '2025-10-09T12:00:00Z',
    language: 'en',
    thread: null,
  },
  {
    text: 'US imposes new sanctions on Iranian oil network',
    publishedAt: '2025-07-30T12:00:00Z',
    language: 'en',
    thread: null,
  },
  {
    text: 'Liverpool win the Premier League title',
    publishedAt: '2025-04-27T18:00:00Z',
    language: 'en',
    thread: null,
  },
  {
    text: 'Gold hits record high as investors seek safety',
    publishedAt: '2025-10-08T12:00:00Z',
    language: 'en',
    thread: null,
  },
  {
    text: 'India and Pakistan agree to ceasefire after four days of fighting',
    publishedAt: '2025-05-10T12:00:00Z',
    language: 'en',
    thread: null,
  },
  {
    text: 'Збірна України з футболу перемогла Ісландію у відборі до чемпіонату світу',
    publishedAt: '2025-11-16T20:00:00Z',
    language: 'uk',
    thread: null,
  },
  {
    text: 'Центробанк снизил ключевую ставку до 16,5%',
    publishedAt: '2025-10-24T12:00:00Z',
    language: 'ru',
    thread: null,
  },
];
