import type { Context, ScheduledEvent } from 'aws-lambda';
import { kindCache } from '../shared/app/kinds';
import { runStaleCheck, type StaleCheckDeps, type StaleCheckResult } from '../shared/app/stale-check';
import { createRecounter } from '../shared/app/recounts';
import { sweepScenarioCounts } from '../shared/app/scenarios';
import { config } from '../shared/config';
import { parseRfc3339, toUtc } from '../shared/domain/time';
import { count, invocation, logger } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { DueStore } from '../shared/store/due-store';
import { KindStore } from '../shared/store/kind-store';
import { ScenarioStore } from '../shared/store/scenario-store';
import type { AppContext } from '../shared/app/context';

type Deps = StaleCheckDeps & Pick<AppContext, 'scenarios'>;

const cfg = config();
const db = createDocumentClient(cfg);
const scenarios = new ScenarioStore(db, cfg.tableName);
/**
 * What this function uses, built once per instance (its IAM role: infra/permissions.ts). Its flags'
 * notifications commit with them (the outbox, relayed from the table's stream); it asks for
 * recounts on the bus (EVENT_BUS_NAME).
 */
const deps: Deps = {
  scenarios,
  recounts: createRecounter(cfg, () => ({ scenarios })),
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
  due: new DueStore(db, cfg.tableName),
};

/** EventBridge schedule target. `now` is the schedule's time, so a retried run judges the same instant. */
export const handlerFor =
  (appContext: () => Deps) =>
  async (event: Pick<ScheduledEvent, 'time'>, context?: Context): Promise<StaleCheckResult> =>
    invocation('stale check', { context }, async () => {
      const at = parseRfc3339(event.time);
      if (!at) throw new Error(`schedule event has no valid time: ${event.time}`);
      const ctx = appContext();
      const result = await runStaleCheck(ctx, toUtc(at));
      // The safety net of scenario counts: recount those a lost request left behind.
      const recounted = await sweepScenarioCounts(ctx).catch((error: unknown) => {
        logger.error('scenario count sweep failed', { error: String(error) });
        return [] as string[];
      });
      count('ScenariosRecountedBySweep', recounted.length);
      count('ThreadsFlaggedStale', result.flagged.length);
      count('ThreadsFlaggedOverdue', result.overdue.length);
      logger.info('stale check', {
        now: result.now,
        flagged: result.flagged,
        overdue: result.overdue,
        itemsRead: result.itemsRead,
        scenariosRecounted: recounted,
      });
      return result;
    });

export const handler = handlerFor(() => deps);
