import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { NearCopyWindows, ThreadIndexCache } from '../shared/app/inbox';
import { kindCache } from '../shared/app/kinds';
import { pollIfDue, type PollDeps } from '../shared/app/sources';
import { config } from '../shared/config';
import { SOURCE_ID } from '../shared/domain/limits';
import { systemLookup } from '../shared/events/outbound-url';
import { count, invocation, logger } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { InboxStore } from '../shared/store/inbox-store';
import { KindStore } from '../shared/store/kind-store';
import { ScenarioStore } from '../shared/store/scenario-store';
import { SourceStore } from '../shared/store/source-store';
import { ThreadStore } from '../shared/store/thread-store';

/**
 * Polls one news source per queue message (contract 1.2; the schedule: functions/source-schedule.ts):
 * the polite fetch and its entries into the inbox by the same path as `POST /inbox`
 * (shared/app/sources.ts `pollIfDue`). A feed that fails is an outcome recorded on its source (and
 * its back-off), never a failed message; a message fails only when the table or the bus does, and
 * returns to the queue, then to its dead-letter queue (alarmed).
 */

const cfg = config();
const db = createDocumentClient(cfg);
const threads = new ThreadStore(db, cfg.tableName);
const inbox = new InboxStore(db, cfg.tableName);
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: PollDeps = {
  config: cfg,
  sources: new SourceStore(db, cfg.tableName),
  lookup: systemLookup,
  inbox,
  threads,
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
  matchers: new ThreadIndexCache(threads, new ScenarioStore(db, cfg.tableName)),
  nearCopies: new NearCopyWindows(inbox),
};

/** The source a queued message names (the EventBridge event, as the rule queued it), or null. */
export function sourceIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { detail?: { sourceId?: unknown } }).detail?.sourceId;
    return typeof id === 'string' && SOURCE_ID.test(id) ? id : null;
  } catch {
    return null;
  }
}

export const handlerFor =
  (appContext: () => PollDeps) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    invocation('source poll', { context }, async () => {
      const failures: string[] = [];
      for (const record of event.Records) {
        const id = sourceIdOf(record.body);
        if (id === null) {
          logger.warn('dropped a malformed due source', { messageId: record.messageId });
          continue;
        }
        try {
          const report = await pollIfDue(appContext(), id);
          if (report) {
            count('SourcesPolled');
            count('InboxItemsFromSources', report.newItems);
          }
          logger.info('source poll', { source: id, ...(report ?? { skipped: true }) });
        } catch (error) {
          logger.error('source poll failed', { source: id, error: String(error) });
          failures.push(record.messageId);
        }
      }
      return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
    });

export const handler = handlerFor(() => deps);
