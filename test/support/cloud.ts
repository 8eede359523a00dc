import { createContext, type AppContext } from '../../shared/app/context';
import { readConfig } from '../../shared/config';
import { PATIENT } from './context';
import { registerToken } from '../../shared/app/tokens';
import { seedIfEmpty } from '../../local/seed';
import {
  readSynthesized,
  startCloud,
  synthesizeForCloud,
  type CloudOptions,
  type CloudStack,
  type Synthesized,
} from '../../local/cloud/cloud';
import type { AnyFunctionName } from '../../infra/bundling';
import { delimiter, join } from 'node:path';

/**
 * Cloud mode for tests: the stack synthesized with bundling once per test file (what `cdk deploy`
 * would upload), run over the run's DynamoDB Local. The operator's part (tokens, the seeded
 * scenario) is written straight to the table, as `npm run token` would against the cloud table;
 * everything else goes through the API and the functions' bundles under their roles.
 */

/** test/support/bin: its `npx` runs `npx --no-install esbuild` as esbuild itself (the script says why). */
const DIRECT_ESBUILD = join(__dirname, 'bin');

/**
 * `synthesizeForCloud` (bundles and all, as `cdk synth` builds them) with test/support/bin first on
 * PATH while it runs: the same esbuild with the same arguments, without npm's start-up for each of
 * the 19 functions (measured: a bundled synthesis of the dev stack 34 s through npx, 17 s without).
 * In a Jest run each bundle is built once for all the run's syntheses (test/support/bin/npx says
 * how): the environment-agnostic one and the edge's pinned one bundle the same sources with the
 * same arguments, so whichever comes to a bundle second copies the first one's output (byte for
 * byte what esbuild would write: the same asset hashes) instead of running esbuild again.
 *
 * Without the CDK's built-in CloudFormation validation (CDK_VALIDATION=false, the CDK's own switch
 * for it; cdk-nag still runs and fails on any error): it only checks the template and writes its
 * report, and the same stacks — every stage, agnostic and pinned — are synthesized with it and
 * checked by test/infra/environments.test.ts. What it costs is not for the cloud tests to pay
 * twice a run: measured with the bundles cached, a synthesis of the dev stack 9.1–16.9 s with it
 * (4 s of it starting its engine), 2.3–3.1 s without; the template and assets are the same.
 */
export function synthesizeBundled(stage = 'dev', env: NodeJS.ProcessEnv = {}): Synthesized {
  const saved = { PATH: process.env.PATH, CDK_VALIDATION: process.env.CDK_VALIDATION };
  process.env.PATH = [DIRECT_ESBUILD, saved.PATH].filter(Boolean).join(delimiter);
  process.env.CDK_VALIDATION = 'false';
  try {
    return synthesizeForCloud(stage, env);
  } finally {
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}

let synthesized: Synthesized | undefined;
/** CLOUD_ASSEMBLY=<dir> reuses an assembly synthesized earlier (a developer's inner loop); unset, it is synthesized. */
export const synthesizedStack = (): Synthesized =>
  (synthesized ??= process.env.CLOUD_ASSEMBLY
    ? readSynthesized(process.env.CLOUD_ASSEMBLY)
    : synthesizeBundled('dev'));

export interface CloudTest {
  cloud: CloudStack;
  ctx: AppContext;
  tokens: { reader: string; editor: string; admin: string };
  call(
    method: string,
    path: string,
    options?: {
      role?: 'reader' | 'editor' | 'admin' | null;
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

/**
 * Environment a test changes, and why: the database's timeout is patient (a loaded 2-core machine
 * runs 14 functions' processes here; the shipped 1.5 s is tested with a stalled database
 * elsewhere), webhooks may go to the test's receiver on 127.0.0.1, news sources to its feed server
 * there, and the changes feed's horizon (WRITE_RETRY_BUDGET_MS + 2 s, read by threads-read only to
 * hold back young changes) is 2 s rather than 12 s, so a test can read changes the file made
 * earlier; the shipped horizon is tested with a fake clock (test/http/changes.test.ts).
 */
const TEST_ENVIRONMENT = (name: AnyFunctionName | undefined): Record<string, string> => ({
  DYNAMODB_TIMEOUT_MS: '10000',
  ...(name === 'subscriptions' || name === 'deliveries' || name === 'inbox' || name === 'source-poller'
    ? { TRACKER_ALLOW_PRIVATE_WEBHOOKS: 'true' }
    : {}),
  ...(name === 'threads-read' ? { WRITE_RETRY_BUDGET_MS: '1' } : {}),
});

export async function startCloudTest(options: Partial<CloudOptions> = {}): Promise<CloudTest> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DynamoDB Local is not running: the jest global setup starts it');
  const cloud = await startCloud({
    // A test that synthesized its own (another stage, pinned) does not pay for the default one.
    synthesized: options.synthesized ?? synthesizedStack(),
    dynamodbEndpoint: endpoint,
    ...(process.env.CLOUD_LOGS ? { log: (fn: string, line: string) => console.log(`[${fn}] ${line}`) } : {}),
    ...options,
    alterFunction: (name, fn) => {
      Object.assign(fn.environment, TEST_ENVIRONMENT(name));
      options.alterFunction?.(name, fn);
    },
  });
  // The operator's context, as patient as every test context (seen: edge.test.ts's seeding timed
  // out on the shipped 1.5 s while the other worker was synthesizing).
  const ctx = createContext({
    ...readConfig({ TABLE_NAME: cloud.tableName, DYNAMODB_ENDPOINT: endpoint }),
    ...PATIENT,
  });
  await seedIfEmpty(ctx);
  const tokens = {
    reader: 'cloud-reader-token-0123456789',
    editor: 'cloud-editor-token-0123456789',
    admin: 'cloud-admin-token-01234567890',
  };
  for (const role of ['reader', 'editor', 'admin'] as const)
    await registerToken(ctx, `cloud-${role}`, role, tokens[role]);
  return {
    cloud,
    ctx,
    tokens,
    async call(method, path, { role = 'editor', token, body, headers = {} } = {}) {
      const auth = token ?? (role ? tokens[role] : undefined);
      const res = await fetch(`${cloud.url}${path}`, {
        method,
        headers: {
          ...(auth ? { Authorization: `Bearer ${auth}` } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: any;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await cloud.close();
      ctx.db.destroy();
    },
  };
}
