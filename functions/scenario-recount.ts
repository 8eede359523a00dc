import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { recountScenario } from '../shared/app/scenarios';
import { SLUG } from '../shared/domain/limits';
import { count, invocation, logger } from '../shared/observability';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({ scenarios: parts.scenarios });

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
export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
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
