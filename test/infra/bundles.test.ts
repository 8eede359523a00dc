import { build, type Metafile } from 'esbuild';
import { ALL_FUNCTION_ENTRIES, BUNDLING } from '../../infra/bundling';

/**
 * What each function's bundle carries, built as the stack builds it (infra/bundling.ts). Every
 * bundled byte is read, parsed and source-mapped at cold start, used or not (docs/benchmarks.md), so
 * the packages only some functions need stay out of the others, and each function carries only the
 * stores of its context's parts. A change that drags one back in fails here, before the benchmark.
 */

const ENTRIES: Record<string, string> = ALL_FUNCTION_ENTRIES;

/** The only functions that may bundle each of these packages. */
const PACKAGE_HOMES: Record<string, string[]> = {
  // The publishers (shared/events/bus.ts, handed over with useBus).
  '@aws-sdk/client-eventbridge': ['threads-write', 'stale-check', 'subscriptions'],
  // The keyrings read at run time (shared/store/keyring-source.ts): Powertools Parameters and its client.
  '@aws-lambda-powertools/parameters': ['threads-read', 'subscriptions', 'deliveries'],
  '@aws-sdk/client-secrets-manager': ['threads-read', 'subscriptions', 'deliveries'],
  // Posting frames to WebSocket clients (shared/events/live-sender.ts).
  '@aws-sdk/client-apigatewaymanagementapi': ['live-connections', 'live-fanout'],
  // Subscription URLs and the delivery-time address check (useWebhooks).
  'ipaddr.js': ['subscriptions', 'deliveries'],
  // Signing deliveries.
  standardwebhooks: ['deliveries'],
  // Atom feeds: their own function, so no other carries the XML writer (~43 KiB).
  feed: ['feeds'],
  'xml-js': ['feeds'],
  sax: ['feeds'],
};

/** The stores each function's context is built with (functions/*.ts `functionContext`), or builds itself. */
const STORES: Record<string, string[]> = {
  health: [],
  'threads-read': ['thread', 'scenario', 'kind'],
  feeds: ['thread', 'scenario', 'kind', 'feed'],
  'threads-write': ['thread', 'scenario', 'kind', 'idempotency', 'outbox'],
  tokens: ['token', 'idempotency'],
  kinds: ['kind', 'idempotency'],
  authorizer: ['token'],
  'stale-check': ['thread', 'scenario', 'kind', 'outbox', 'due'],
  'scenario-recount': ['scenario'],
  subscriptions: ['subscription', 'delivery', 'idempotency'],
  deliveries: ['subscription', 'delivery'],
  'live-authorizer': ['token'],
  'live-connections': ['token', 'connection'],
  'live-fanout': ['token', 'connection'],
};

async function inputsOf(entry: string): Promise<Metafile['outputs'][string]['inputs']> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    mainFields: [...BUNDLING.mainFields],
    minify: BUNDLING.minify,
    external: [...BUNDLING.externalModules],
    write: false,
    metafile: true,
    outfile: 'index.js',
    logLevel: 'error',
  });
  return Object.values(result.metafile.outputs).find((o) => Object.keys(o.inputs).length > 0)!.inputs;
}

describe('function bundles', () => {
  const bundled = new Map<string, { packages: Set<string>; stores: Set<string> }>();

  // Prepare (once: esbuild builds every function in a few seconds)
  beforeAll(async () => {
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const inputs = await inputsOf(entry);
      const packages = new Set<string>();
      const stores = new Set<string>();
      for (const [path, input] of Object.entries(inputs)) {
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
        if (pkg) packages.add(pkg);
        // A store counts when its code is there, not a constant or two another module imports from it.
        const store = /^shared\/store\/([a-z-]+)-store\.ts$/.exec(path)?.[1];
        if (store && input.bytesInOutput > 500) stores.add(store);
      }
      bundled.set(name, { packages, stores });
    }
  }, 120_000);

  it('covers every function the stack deploys', () => {
    // Assess
    expect(Object.keys(STORES).sort()).toEqual(Object.keys(ENTRIES).sort());
  });

  it.each(Object.entries(PACKAGE_HOMES))('carry %s only where it is used', (pkg, homes) => {
    // Act
    const carriers = [...bundled].filter(([, b]) => b.packages.has(pkg)).map(([name]) => name);

    // Assess
    expect(carriers.sort()).toEqual([...homes].sort());
  });

  it.each(Object.keys(ENTRIES))('%s carries only the stores of its parts', (name) => {
    // Assess
    expect([...bundled.get(name)!.stores].sort()).toEqual([...STORES[name]!].sort());
  });
});
