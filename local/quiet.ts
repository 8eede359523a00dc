/**
 * Imported first by local scripts that only drive the server (npm run screenshots): the Powertools
 * logger and metrics read the environment when shared/observability.ts is first imported, and the
 * per-request access log would bury the script's own output.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

export {};
