import type { Context } from 'aws-lambda';
import { config } from '../shared/config';
import { BusSourceDispatch } from '../shared/events/bus';
import type { SourceDispatch } from '../shared/events/source-due';
import { count, invocation, logger } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { SourceStore } from '../shared/store/source-store';

/**
 * The news sources' clock in the cloud (contract 1.2: "in the cloud a schedule does"): every minute
 * it finds the due sources — the sparse due key of GSI3, one Query per `SOURCEDUE#<n>` shard, never a
 * Scan — and hands each to the poll queue as an event of its own on the bus
 * (shared/events/source-due.ts), so the poller takes one source per invocation and one slow feed
 * never delays another. It fetches nothing itself: a minute's run is a few Queries and PutEvents.
 */

export interface ScheduleDeps {
  sources: Pick<SourceStore, 'due'>;
  dispatch: SourceDispatch;
}

const cfg = config();
const bus = cfg.eventBusName ? new BusSourceDispatch(cfg.eventBusName, cfg.region) : undefined;
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: ScheduleDeps = {
  sources: new SourceStore(createDocumentClient(cfg), cfg.tableName),
  dispatch: {
    dispatch: (ids) => {
      if (!bus) throw new Error('EVENT_BUS_NAME is not set: the due sources have nowhere to go');
      return bus.dispatch(ids);
    },
  },
};

/** EventBridge schedule target. A source polled late is polled by the next run: the poller checks it is still due. */
export const handlerFor =
  (appContext: () => ScheduleDeps) =>
  async (_event: unknown, context?: Context): Promise<{ due: number }> =>
    invocation('source schedule', { context }, async () => {
      const ctx = appContext();
      const due = await ctx.sources.due(Date.now());
      await ctx.dispatch.dispatch(due);
      count('SourcesDue', due.length);
      logger.info('source schedule', { due: due.length });
      return { due: due.length };
    });

export const handler = handlerFor(() => deps);
