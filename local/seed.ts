import type { AppContext } from '../shared/app/context';
import { createThread } from '../shared/app/threads';
import type { CreateThreadInput } from '../shared/domain/schemas';
import { ThreadExistsError } from '../shared/domain/errors';
import { json } from '../shared/http/response';
import { recountScenario } from '../shared/app/scenarios';
import type { Scenario } from '../shared/domain/types';
import { ZERO_COUNTS } from '../shared/domain/scenario-counts';
import { nowUtc } from '../shared/domain/time';

export const SEED_SCENARIO = 'russia-ukraine-talks';

/** The seeded scenario's own fields, from the article. */
export const SEED_SCENARIO_FIELDS = {
  title: 'Russia–Ukraine talks',
  description:
    'Direct talks that began in Istanbul on 16 May 2025, the first between Russian and Ukrainian officials since the early months of the 2022 invasion. ' +
    'The meeting lasted less than two hours and produced a 1,000-for-1,000 prisoner exchange but no ceasefire: Russia rejected the 30-day ceasefire ' +
    'Zelenskyy proposed with U.S. support and set new conditions, including territorial concessions Ukraine found unacceptable. President Trump ' +
    'announced plans to meet Putin, and European leaders meeting in Albania agreed a unified response, including possible new sanctions on ' +
    'Russia’s energy sector, financial system and important individuals. Both sides agreed to keep talking.',
  tags: ['russia', 'ukraine', 'ceasefire', 'diplomacy'],
  /**
   * What names this scenario in any of its languages: the inbox matches an item to a thread only when
   * its text names one of these (shared/domain/matching.ts), so a Gaza ceasefire or a Trump–Xi summit
   * is not mistaken for one of ours however many words it shares with a thread.
   */
  keywords: [
    'Russia',
    'Ukraine',
    'Kremlin',
    'Moscow',
    'Kyiv',
    'Putin',
    'Zelensky',
    'Istanbul',
    'Росія',
    'Україна',
    'Кремль',
    'Москва',
    'Київ',
    'Путін',
    'Зеленський',
    'Стамбул',
    'Россия',
    'Украина',
    'Киев',
    'Путин',
    'Зеленский',
  ],
} as const;
/** The article dates the talks to the day, not the hour: recorded as a day (docs/time.md). */
const ISTANBUL_DAY = { at: '2025-05-16T00:00:00.000Z', precision: 'day' } as const;

/** The four threads of the 16 May 2025 Istanbul talks (../shared/seeds/istanbul-talks-2025-05-16.txt). */
export const SEED_THREADS: CreateThreadInput[] = [
  {
    id: 'ceasefire',
    scenario: SEED_SCENARIO,
    kind: 'ceasefire',
    title: '30-day ceasefire',
    status: 'rejected',
    summary:
      'Russia rejected the temporary 30-day ceasefire that Zelenskyy proposed, with U.S. support, as a stepping stone to peace; the talks produced no ceasefire agreement.',
    keywords: [
      'ceasefire',
      'cease-fire',
      'truce',
      'peace plan',
      'peace deal',
      'peace agreement',
      'memorandum',
      'перемир’я',
      'припинення вогню',
      'мирний план',
      'мирна угода',
      'меморандум',
      'перемирие',
      'прекращение огня',
      'мирный план',
      'мирное соглашение',
    ],
    occurredAt: ISTANBUL_DAY,
    quotes: [
      {
        speaker: 'Heorhii Tykhii',
        text: 'We haven’t received a Russian ‘yes’ on this basic point. If you want to have serious negotiations, you have to have guns silenced.',
      },
    ],
  },
  {
    id: 'prisoner-exchange',
    scenario: SEED_SCENARIO,
    kind: 'prisoner_exchange',
    title: '1,000-for-1,000 prisoner exchange',
    status: 'agreed',
    summary:
      'Both delegations agreed to exchange 1,000 prisoners of war each, the biggest swap of the war so far; welcomed as a modest breakthrough.',
    keywords: [
      'prisoner exchange',
      'prisoner swap',
      'prisoners of war',
      'POWs',
      'обмін полоненими',
      'військовополонені',
      'з полону',
      'обмен пленными',
      'военнопленные',
    ],
    occurredAt: ISTANBUL_DAY,
    quotes: [{ speaker: 'Vladimir Medinsky', text: 'satisfied with the outcome' }],
  },
  {
    id: 'sanctions',
    scenario: SEED_SCENARIO,
    kind: 'sanctions',
    title: 'European sanctions on Russia',
    status: 'proposed',
    summary:
      'European leaders at the summit in Albania, after consulting Trump, agreed on a unified response to Putin’s reluctance to sign a ceasefire, including potential new sanctions on Russia’s energy sector, financial system and important individuals.',
    keywords: [
      'EU',
      'sanctions package',
      '17th package',
      '18th package',
      'price cap',
      'shadow fleet',
      'ЄС',
      'європейські санкції',
      'пакет санкцій',
      '17-й пакет',
      '18-й пакет',
      'стеля ціни',
      'тіньовий флот',
      'ЕС',
      'Евросоюз',
      'европейские санкции',
      'пакет санкций',
      'потолок цен',
      'теневой флот',
    ],
    occurredAt: ISTANBUL_DAY,
  },
  {
    id: 'trump-putin-meeting',
    scenario: SEED_SCENARIO,
    kind: 'summit',
    title: 'Trump–Putin meeting',
    status: 'announced',
    summary:
      'After the stalemate in Istanbul, President Trump announced plans to meet Putin personally in the near future.',
    keywords: ['Alaska', 'Anchorage', 'Трамп', 'Путін', 'Аляска', 'Анкоридж', 'Путин'],
    occurredAt: ISTANBUL_DAY,
  },
];

/**
 * Seed the scenario when the table holds no thread at all; returns the thread ids created. The
 * scenario item comes first, so it carries its title and description rather than its id; a table
 * seeded before scenarios existed gets its seed scenario item the same way (once).
 */
export async function seedIfEmpty(ctx: AppContext): Promise<string[]> {
  const existing = await ctx.threads.listThreads({}, 1);
  const now = nowUtc();
  const scenario: Scenario = {
    id: SEED_SCENARIO,
    ...SEED_SCENARIO_FIELDS,
    tags: [...SEED_SCENARIO_FIELDS.tags],
    keywords: [...SEED_SCENARIO_FIELDS.keywords],
    public: false,
    ...ZERO_COUNTS,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (existing.items.length > 0) {
    if (await ctx.scenarios.createIfAbsent(scenario)) await recountScenario(ctx, SEED_SCENARIO);
    return [];
  }
  await ctx.scenarios.createIfAbsent(scenario);
  const created: string[] = [];
  for (const input of SEED_THREADS) {
    try {
      await createThread(ctx, input, { principal: { name: 'seed', role: 'admin' } }).then(() =>
        json(201, {}),
      );
      created.push(input.id);
    } catch (error) {
      if (!(error instanceof ThreadExistsError)) throw error;
    }
  }
  // Counted now, so the seeded scenario shows its four threads from the first request.
  await recountScenario(ctx, SEED_SCENARIO);
  return created;
}

/**
 * A follow-up as a desk posts it (same status as seeded, with sources and a quote): what the status
 * page's screenshots and its browser test show on the prisoner-exchange card.
 */
export const SAMPLE_PRISONER_UPDATE = {
  status: 'agreed',
  summary:
    'Both delegations agreed to exchange 1,000 prisoners of war each; Ukraine’s defence intelligence confirmed preparations.',
  occurredAt: '2025-05-16T15:00:00Z',
  sources: [
    {
      url: 'https://example.org/istanbul-talks',
      title: 'Russia and Ukraine agree prisoner swap in first direct talks',
      publisher: 'Example Wire',
    },
    { url: 'http://example.com/live', publisher: 'Example Live' },
  ],
  quotes: [{ speaker: 'Rustem Umerov', text: 'The exchange will take place in the near future.' }],
};
