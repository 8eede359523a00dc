import { CHANGES_MAX_AGE_DAYS, CURSOR, cursorTime, type ChangeItem } from '../domain/changes';
import { ValidationError } from '../domain/errors';
import { afterTime } from '../store/change-store';
import type { AppContext } from './context';
import { getScenario } from './scenarios';

/**
 * How long after its recorded time a change may still commit, or reach the scenario's index: a
 * write stamps its changes with its `now` and commits within the write budget (WRITE_RETRY_BUDGET_MS,
 * counted from the request's arrival, before `now`), and a global index follows its table within a
 * second or two (the margin below). The feed hands out only changes recorded before `now` less this,
 * so no change can later appear before a cursor it handed out: a client that stores the last cursor
 * misses nothing. The price: the feed is this far behind the table.
 */
export const INDEX_LAG_MARGIN_MS = 2_000;
export const settleMs = (config: Pick<AppContext['config'], 'writeRetryBudgetMs'>): number =>
  config.writeRetryBudgetMs + INDEX_LAG_MARGIN_MS;

const MAX_AGE_MS = CHANGES_MAX_AGE_DAYS * 86_400_000;

export interface ChangesRequest {
  /** `since` as given: a cursor, or a time (ISO, its period's start). */
  since: string;
  limit: number;
  /** From the page token: the last cursor of the previous page. */
  after?: string;
}

export interface ChangesAnswer {
  items: ChangeItem[];
  /** The cursor to resume after, when more changes are ready now. */
  next: string | null;
}

/** The position `since` stands for (strictly after it), refused when older than the feed keeps. */
function position(since: string, nowMs: number): string {
  const isCursor = CURSOR.test(since);
  const ms = isCursor ? cursorTime(since) : Date.parse(since);
  if (ms < nowMs - MAX_AGE_MS)
    throw ValidationError.field(
      'since',
      `is older than ${CHANGES_MAX_AGE_DAYS} days: the changes feed keeps ${CHANGES_MAX_AGE_DAYS} days; read the scenario (or its timeline) instead`,
    );
  return isCursor ? since : afterTime(ms);
}

/**
 * A page of the changes feed, of one scenario (404 if it does not exist) or of all (`scenario`
 * null), oldest recorded first, strictly after `since` (or the page token's cursor).
 */
export async function changesPage(
  ctx: Pick<AppContext, 'changes' | 'scenarios' | 'config'>,
  scenario: string | null,
  request: ChangesRequest,
  nowMs: number = Date.now(),
): Promise<ChangesAnswer> {
  const from = position(request.since, nowMs);
  const after = request.after !== undefined && request.after > from ? request.after : from;
  const range = { after, horizonMs: nowMs - settleMs(ctx.config) };
  const page =
    scenario === null
      ? await ctx.changes.globalPage(range, request.limit)
      : (
          await Promise.all([
            ctx.changes.scenarioPage(scenario, range, request.limit),
            getScenario(ctx, scenario),
          ])
        )[0];
  const last = page.items[page.items.length - 1];
  return { items: page.items, next: page.more && last ? last.cursor : null };
}
