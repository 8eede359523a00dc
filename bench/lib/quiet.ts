/**
 * Imported first by every benchmark that loads shared/: the Powertools logger and metrics read the
 * environment when shared/observability.ts is first imported. In the benchmark process itself the
 * per-request access log would only clutter the terminal (the throughput benchmark's server child
 * keeps the deployed INFO level, since logging is part of a handler's real cost).
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

export {};
