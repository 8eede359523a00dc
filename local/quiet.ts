/**
 * Imported first by scripts that drive the handlers in their own process (npm run screenshots, the
 * benchmarks): the Powertools logger and metrics read the environment when shared/observability.ts
 * is first imported, and a per-request access log would bury the script's own output.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

export {};
