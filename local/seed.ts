import type { AppContext } from '../shared/app/context';
import { createThread } from '../shared/app/threads';
import type { CreateThreadInput } from '../shared/domain/schemas';
import { ThreadExistsError } from '../shared/domain/errors';
import { json } from '../shared/http/response';

export const SEED_SCENARIO = 'russia-ukraine-talks';
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
    summary: 'Russia rejected the temporary 30-day ceasefire that Zelenskyy proposed, with U.S. support, as a stepping stone to peace; the talks produced no ceasefire agreement.',
    occurredAt: ISTANBUL_DAY,
    quotes: [{ speaker: 'Heorhii Tykhii', text: 'We haven’t received a Russian ‘yes’ on this basic point. If you want to have serious negotiations, you have to have guns silenced.' }],
  },
  {
    id: 'prisoner-exchange',
    scenario: SEED_SCENARIO,
    kind: 'prisoner_exchange',
    title: '1,000-for-1,000 prisoner exchange',
    status: 'agreed',
    summary: 'Both delegations agreed to exchange 1,000 prisoners of war each, the biggest swap of the war so far; welcomed as a modest breakthrough.',
    occurredAt: ISTANBUL_DAY,
    quotes: [{ speaker: 'Vladimir Medinsky', text: 'satisfied with the outcome' }],
  },
  {
    id: 'sanctions',
    scenario: SEED_SCENARIO,
    kind: 'sanctions',
    title: 'European sanctions on Russia',
    status: 'proposed',
    summary: 'European leaders at the summit in Albania, after consulting Trump, agreed on a unified response to Putin’s reluctance to sign a ceasefire, including potential new sanctions on Russia’s energy sector, financial system and important individuals.',
    occurredAt: ISTANBUL_DAY,
  },
  {
    id: 'trump-putin-meeting',
    scenario: SEED_SCENARIO,
    kind: 'summit',
    title: 'Trump–Putin meeting',
    status: 'announced',
    summary: 'After the stalemate in Istanbul, President Trump announced plans to meet Putin personally in the near future.',
    occurredAt: ISTANBUL_DAY,
  },
];

/** Seed the scenario when the table holds no thread at all; returns the ids created. */
export async function seedIfEmpty(ctx: AppContext): Promise<string[]> {
  const existing = await ctx.threads.listThreads({}, 1);
  if (existing.items.length > 0) return [];
  const created: string[] = [];
  for (const input of SEED_THREADS) {
    try {
      await createThread(ctx, input, { principal: { name: 'seed', role: 'admin' } }, () => json(201, {}));
      created.push(input.id);
    } catch (error) {
      if (!(error instanceof ThreadExistsError)) throw error;
    }
  }
  return created;
}
