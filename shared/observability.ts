import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools logger, metrics and tracer shared by every function and the local server. Service name,
 * namespace and log level come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE /
 * POWERTOOLS_LOG_LEVEL, which the stack sets. The local server and tests turn metrics off
 * (POWERTOOLS_METRICS_DISABLED) so they do not print EMF blobs.
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

let tracerInstance: Tracer | null | undefined;

/**
 * The tracer, in Lambda only. Loading it pulls in the X-Ray SDK, which switches on Node's async
 * hooks and taxes every promise in the process; outside Lambda it would trace nothing anyway, so
 * the local server, tests and CLIs never load it, nor does a function deployed with
 * POWERTOOLS_TRACE_ENABLED=false (Lambda's own active tracing still records the invocation).
 */
function loadTracerModule(): typeof import('@aws-lambda-powertools/tracer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
  return require('@aws-lambda-powertools/tracer');
}

export function tracer(): Tracer | null {
  if (tracerInstance === undefined) {
    const wanted =
      process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda') &&
      process.env.POWERTOOLS_TRACE_ENABLED !== 'false';
    tracerInstance = wanted ? new (loadTracerModule().Tracer)({ serviceName }) : null;
  }
  return tracerInstance;
}
