// Quiet by default: request logs would drown the report (a test that checks logs turns them on).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Lambda runs Node.js 22; this machine runs 20, which the SDK warns about on every worker.
// Metrics are EMF lines on stdout; outside Lambda they are noise.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Jest runs TypeScript through SWC (fast, no type check; `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
