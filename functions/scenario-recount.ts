import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AppContext } from '../shared/app/context';
import { recountScenario } from '../shared/app/scenarios';
import { config } from '../shared/config';
import { SLUG } from '../shared/domain/limits';
import { count, invocation, logger } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { ScenarioStore } from '../shared/store/scenario-store';

type Deps = Pick<AppContext, 'scenarios'>;

const cfg = config();
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: Deps = { scenarios: new ScenarioStore(createDocumentClient(cfg), cfg.tableName) };

/** The scenario a queued recount request names (the EventBridge event, as the rule queued it), or null. */
export function scenarioOf(body: string): string | null {
  try {
    const scenario = (JSON.parse(body) as { detail?: { scenario?: unknown } }).detail?.scenario;
    return typeof scenario === 'string' && SLUG.test(scenario) ? scenario : null;
  } catch {
    return null;
  }
}

/**
 * Recount requests, batched by the queue (up to its batching window): however many writes a
 * scenario saw in the window, it is recounted once. A recount that fails returns its messages to
 * the queue (partial batch response); malformed ones are dropped with a log line.
 */
export const handlerFor =
  (appContext: () => Deps) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    invocation('scenario recount', { context }, async () => {
      const messages = new Map<string, string[]>();
      for (const record of event.Records) {
        const scenario = scenarioOf(record.body);
        if (scenario === null) {
          logger.warn('dropped a malformed recount request', { messageId: record.messageId });
          continue;
        }
        messages.set(scenario, [...(messages.get(scenario) ?? []), record.messageId]);
      }
      const failures: string[] = [];
      let recounted = 0;
      for (const [scenario, ids] of messages) {
        try {
          const result = await recountScenario(appContext(), scenario);
          recounted++;
          logger.info('scenario recount', { ...result });
        } catch (error) {
          logger.error('scenario recount failed', { scenario, error: String(error) });
          failures.push(...ids);
        }
      }
      count('ScenariosRecounted', recounted);
      return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
    });

export const handler = handlerFor(() => deps);
