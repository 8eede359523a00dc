import type { Context, ScheduledEvent } from 'aws-lambda';
import { functionContext, useBus } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { eventBridgeBus } from '../shared/events/bus';
import { runStaleCheck, type StaleCheckResult } from '../shared/app/stale-check';
import { sweepScenarioCounts } from '../shared/app/scenarios';
import { parseRfc3339, toUtc } from '../shared/domain/time';
import { count, invocation, logger } from '../shared/observability';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({
  threads: parts.threads,
  scenarios: parts.scenarios,
  recounts: parts.recounts,
  kindStore: parts.kindStore,
  kinds: parts.kinds,
  outbox: parts.outbox,
  due: parts.due,
});

// This function publishes (EVENT_BUS_NAME): it brings the EventBridge bus, which the others leave out.
useBus(eventBridgeBus);

/** EventBridge schedule target. `now` is the schedule's time, so a retried run judges the same instant. */
export const handler = async (
  event: Pick<ScheduledEvent, 'time'>,
  context?: Context,
): Promise<StaleCheckResult> =>
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
    count('NotificationsRedelivered', result.redelivered.length);
    logger.info('stale check', {
      now: result.now,
      flagged: result.flagged,
      overdue: result.overdue,
      itemsRead: result.itemsRead,
      redelivered: result.redelivered.length,
      scenariosRecounted: recounted,
    });
    return result;
  });
