import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/**
 * Powertools logger and metrics shared by every function and the local server. Service name,
 * namespace and log level come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE /
 * POWERTOOLS_LOG_LEVEL, which the stack sets. The local server and tests turn metrics off
 * (POWERTOOLS_METRICS_DISABLED) so they do not print EMF blobs.
 *
 * There is no tracer in the code: the functions run with Lambda's own active tracing (the stack sets
 * `Tracing.ACTIVE`), which records each invocation's segments without loading the X-Ray SDK for
 * Node.js (in maintenance since 2026-02-25, unsupported from 2027-02-25, and the largest cold-start
 * cost the functions had). docs/deploy.md#tracing says what that gives up and how to add more.
 *
 * Nothing here ever logs a request's headers: that is how tokens stay out of the logs.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'scenario-tracker';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'ScenarioTracker',
});
export { MetricUnit };

/** Count one thing that happened, flushed with the invocation's other metrics. */
export const count = (name: string, value = 1): void => {
  metrics.addMetric(name, MetricUnit.Count, value);
};

/** What one invocation's log lines are joined on. */
export interface InvocationIds {
  /** Lambda's invocation context: its `awsRequestId` becomes `function_request_id` on every line. */
  context?: Context | undefined;
  /**
   * API Gateway's request id (`event.requestContext.requestId`, the `requestId` of the access log
   * and the `apigw-requestid` response header), logged as `correlation_id`. Absent for invocations
   * that no HTTP request started (schedules, queues).
   */
  correlationId?: string | undefined;
}

/**
 * Runs one invocation of a function: every log line written while it runs carries the Lambda
 * request id and, for API requests, API Gateway's; the cold-start metric is captured, and the
 * invocation's metrics are published in `finally`, so a run that throws still reports what it
 * counted. A throw is logged (with both ids), counted (`UnhandledErrors`) and rethrown, for Lambda
 * to retry or to answer 500 as it would.
 *
 * In Lambda one invocation runs at a time, so the keys are set on the logger and cleared after. The
 * local server runs invocations concurrently in one process; local/invocations.ts gives each its own
 * invoke-store context, as Lambda's multi-concurrency runtime does, but does not yet switch
 * Powertools to per-invocation keys (see there), so two local requests at once may share ids.
 */
export async function invocation<T>(name: string, ids: InvocationIds, run: () => Promise<T>): Promise<T> {
  logger.resetKeys();
  if (ids.context) logger.addContext(ids.context);
  if (ids.correlationId) logger.setCorrelationId(ids.correlationId);
  metrics.captureColdStartMetric();
  try {
    return await run();
  } catch (error) {
    logger.error(`${name} failed`, { error: describeError(error) });
    // Lambda's own Errors metric counts these too; this one lands next to the run's other metrics.
    count('UnhandledErrors');
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

/** An error as a log field: name, message and stack (bundle positions: docs/deploy.md#stack-traces), never its other fields. */
export const describeError = (error: unknown): { name: string; message: string; stack?: string } | string =>
  error instanceof Error
    ? { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) }
    : String(error);
