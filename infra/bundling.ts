import { join } from 'node:path';

/**
 * Every function the stack deploys and how it is bundled, in one place: the stack's NodejsFunctions
 * use it (infra/constructs/functions.ts `makeTrackerFunction`), and the cold-start benchmark builds
 * the same bundles with esbuild directly, so what is measured is what is deployed.
 */

/** The HTTP API's functions and the workers (infra/constructs/functions.ts), entries relative to the root. */
export const FUNCTION_ENTRIES = {
  health: 'functions/health.ts',
  'threads-read': 'functions/threads-read.ts',
  'threads-write': 'functions/threads-write.ts',
  tokens: 'functions/tokens.ts',
  kinds: 'functions/kinds.ts',
  authorizer: 'functions/authorizer.ts',
  'stale-check': 'functions/stale-check.ts',
  'scenario-recount': 'functions/scenario-recount.ts',
  subscriptions: 'functions/subscriptions.ts',
  deliveries: 'functions/deliveries.ts',
  'outbox-relay': 'functions/outbox-relay.ts',
  feeds: 'functions/feeds.ts',
  inbox: 'functions/inbox.ts',
  'source-schedule': 'functions/source-schedule.ts',
  'source-poller': 'functions/source-poller.ts',
  'scenario-import': 'functions/scenario-import.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** The live WebSocket's functions (infra/live-api.ts): built by the same builder, with the same bundling. */
export const LIVE_FUNCTION_ENTRIES = {
  'live-authorizer': 'functions/live-authorizer.ts',
  'live-connections': 'functions/live-connections.ts',
  'live-fanout': 'functions/live-fanout.ts',
} as const;

export type LiveFunctionName = keyof typeof LIVE_FUNCTION_ENTRIES;

/** Every function the stack deploys, by name: what the cold-start benchmark measures. */
export const ALL_FUNCTION_ENTRIES = { ...FUNCTION_ENTRIES, ...LIVE_FUNCTION_ENTRIES } as const;

export type AnyFunctionName = keyof typeof ALL_FUNCTION_ENTRIES;

/**
 * How every function is bundled (docs/architecture.md "Bundles" has the measurements behind each
 * choice; `npm run bench` re-measures them: bench/cold-start.ts). The AWS SDK is bundled, not taken
 * from the runtime: it pins the version we test and is tree-shaken.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  // Maps without the sources themselves: a stack trace resolves against the shipped map offline.
  sourcesContent: false,
  // Node.js 24 in Lambda (infra/constructs/functions.ts FUNCTION_DEFAULTS.runtime): raised together.
  target: 'node24',
  format: 'cjs' as 'cjs' | 'esm',
  // The ES-module builds first: the AWS SDK's (and others') are tree-shakable, their CommonJS builds
  // are not (threads-write 726 → 521 KiB, about a third less to load).
  mainFields: ['module', 'main'],
  // Only for format 'esm': CommonJS dependencies inside an ES-module bundle still call `require`.
  esmBanner:
    "import { createRequire as __trackerCreateRequire } from 'node:module'; const require = __trackerCreateRequire(import.meta.url);",
  externalModules: [] as string[],
  // Module → file swaps: the SDK's default credentials chain → the environment's credentials, all a
  // Lambda function has (infra/lambda-credentials.ts says why).
  alias: {
    '@aws-sdk/credential-provider-node': join(__dirname, 'lambda-credentials.ts'),
  } as Readonly<Record<string, string>>,
} as const;
