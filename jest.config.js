// Quiet by default: request logs would drown the report (a test that checks logs turns them on).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Lambda runs Node.js 24; this machine runs 20, which the SDK warns about on every worker.
// Metrics are EMF lines on stdout; outside Lambda they are noise.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Jest runs TypeScript through SWC (fast, no type check; `npm run typecheck` does that). */
const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // `feed` 6 ships ES modules only: SWC turns it into CommonJS for Jest (esbuild bundles it as is).
    '^.+/node_modules/feed/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
    // So do franc-min (the inbox's language detection) and its three small dependencies.
    '^.+/node_modules/(franc-min|trigram-utils|n-gram|collapse-white-space)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(feed|franc-min|trigram-utils|n-gram|collapse-white-space)/)'],
};

/** In-memory DynamoDB Locals for the run (one per worker), started only when a project that reads it has tests selected. */
const withDynamo = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/worker-dynamo.ts'],
};

/**
 * One project per folder of test/, so a developer runs only what the change touches (`npm run
 * test:unit`, `npx jest --selectProjects http`); `npm test` runs them all. A project's global setup
 * runs only when one of its tests is selected (Jest runs each distinct setup module once), so the
 * unit tests start no DynamoDB Local and synthesize no stack.
 */
const project = (name, roots, setup = {}) => ({
  ...base,
  ...setup,
  displayName: name,
  roots: roots.map((r) => `<rootDir>/test/${r}`),
  testMatch: ['**/*.test.ts'],
});

module.exports = {
  projects: [
    // Pure code, and the lint rule's own test: no database, no stack, no server.
    project('unit', ['unit', 'lint']),
    project('integration', ['integration'], withDynamo),
    project('http', ['http'], withDynamo),
    project('browser', ['browser'], withDynamo),
    // `npm start` in a child process, with the DynamoDB Local it starts itself.
    project('e2e', ['e2e']),
    // The CDK stacks, synthesized once per run by the project's global setup (test/infra/stacks.ts).
    project('infra', ['infra'], {
      globalSetup: '<rootDir>/test/support/stacks-setup.ts',
      globalTeardown: '<rootDir>/test/support/stacks-teardown.ts',
    }),
    project('cloud', ['cloud'], withDynamo),
  ],
  testTimeout: 60000,
  maxWorkers: 2,
};
