import './lib/quiet';
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  writeFileSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { build, type BuildOptions } from 'esbuild';
import { ALL_FUNCTION_ENTRIES, BUNDLING, type AnyFunctionName } from '../infra/bundling';
import { FUNCTION_DEFAULTS } from '../infra/constructs/functions';
import { SEED_SCENARIO, seedIfEmpty } from '../local/seed';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION } from '../shared/domain/archive';
import { RECOUNT_SOURCE } from '../shared/events/recount-trigger';
import { outboxKey, threadKey } from '../shared/store/keys';
import { startAwsStandIn, type AwsStandIn } from './lib/aws-stand-in';
import { QUICK, fmt, kb, log, median, ratio, runAlone, table, yes, type Section } from './lib/common';
import { benchContext, useDynamo } from './lib/dynamo';
import { BENCH_TOKENS, prepareTable } from './lib/server';
import { stackEnvironments } from './lib/stack-env';

/**
 * Cold start as a user feels it: for every function the stack deploys, a fresh plain `node` process
 * (bench/lib/first-request.cjs) loads the bundle, built exactly as the stack builds it
 * (infra/bundling.ts), with the environment the stack gives the function, and serves ONE real first
 * request of its main route against DynamoDB Local with seeded data; the answer must be a success.
 * Reported: the child's CPU (user + system, Node's own start-up included) and the wall time of the
 * whole process, side by side in one run with
 *
 * - the floor: a handler doing one `GetItem` with the document client, bundled the same way;
 * - the peer: aws-samples/serverless-typescript-demo's get-product handler (middy + Powertools
 *   logger, metrics and tracer; bench/peer/), bundled the same way;
 * - main before issue 23: its code at MAIN_COMMIT, bundled as it was (CommonJS, no `mainFields`,
 *   `--enable-source-maps`): the ratio;
 * - the decisions' alternatives: the other module format, and the other source-map setting.
 *
 * All configurations are interleaved round-robin; verdicts are medians of per-round ratios.
 *
 *   npx tsx bench/cold-start.ts                      # alone (starts its own DynamoDB Local), 11 rounds
 *   BENCH_COLD_ROUNDS=3 npx tsx bench/cold-start.ts  # a smoke run
 *   BENCH_COLD_FUNCTIONS=threads-write npx tsx bench/cold-start.ts   # one function (plus floor and peer)
 *   BENCH_COLD_BASELINE=HEAD~1 BENCH_COLD_FUNCTIONS=inbox npx tsx bench/cold-start.ts  # a change, before ÷ after
 *   BENCH_COLD_PROFILE=/tmp/prof npx tsx bench/cold-start.ts  # and CPU profiles: bench/profile-summary.ts
 */

const ROOT = resolve(__dirname, '..');
const RUNNER = join(__dirname, 'lib', 'first-request.cjs');
const FUNCTIONS = Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[];
/**
 * BENCH_COLD_FUNCTIONS=threads-write,authorizer: measure only these, for a quicker look at a change
 * (the report then judges only them). Unset: all of them, as `npm run bench` does.
 */
const MEASURED: AnyFunctionName[] = (() => {
  const wanted = process.env.BENCH_COLD_FUNCTIONS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!wanted?.length) return FUNCTIONS;
  const unknown = wanted.filter((w) => !FUNCTIONS.includes(w as AnyFunctionName));
  if (unknown.length)
    throw new Error(
      `BENCH_COLD_FUNCTIONS names no function ${unknown.join(', ')}; known: ${FUNCTIONS.join(', ')}`,
    );
  return wanted as AnyFunctionName[];
})();
/**
 * BENCH_COLD_BASELINE=<commit>: also measure the functions as they were at that commit, bundled as
 * that commit bundled them, and report today's CPU ÷ theirs (same run, interleaved): a change's effect.
 */
const BASELINE = process.env.BENCH_COLD_BASELINE?.trim() || undefined;
/**
 * BENCH_COLD_PROFILE=<dir>: also run an unminified build of each measured function under
 * `--cpu-prof`, writing its profiles (and the bundle, its map, each sample's answer) to <dir>/<name>
 * for bench/profile-summary.ts. Those runs are extra configurations: the verdicts do not use them.
 */
const PROFILE_DIR = process.env.BENCH_COLD_PROFILE?.trim() || undefined;
const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? (QUICK ? 3 : 11));
const FLOOR_TARGET = 1.3;
const MAIN_TARGET = 0.65;
const SOURCE_MAPS_FLAG = '--enable-source-maps';

// ---- builds ----------------------------------------------------------------------------------

type Format = 'cjs' | 'esm';

/** esbuild options as the stack's NodejsFunction passes them (infra/bundling.ts), with the format given. */
const stackOptions = (format: Format): BuildOptions => ({
  bundle: true,
  platform: 'node',
  target: BUNDLING.target,
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  mainFields: [...BUNDLING.mainFields],
  format,
  ...(format === 'esm' ? { banner: { js: BUNDLING.esmBanner } } : {}),
  external: [...BUNDLING.externalModules],
  alias: { ...BUNDLING.alias },
  logLevel: 'error',
});

/**
 * Main before issue 23: its code as of this commit, bundled as it bundled it (CommonJS, esbuild's
 * default main fields, `--enable-source-maps`). Its source is taken from git (`git archive`), so the
 * ratio is today's deployed function against the one it replaces, code and bundling together.
 */
const MAIN_COMMIT = 'f1f6640';

/** The source at `commit` (main's at MAIN_COMMIT) in `dir`, over this checkout's node_modules. */
function mainSource(dir: string, commit = MAIN_COMMIT): string {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      'sh',
      [
        '-c',
        `git archive --format=tar ${commit} functions shared infra docs/openapi.json package.json tsconfig.json | tar -x -C "${dir}"`,
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (error) {
    throw new Error(`cold start: the code at ${commit} is not in this clone's history`, {
      cause: error,
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** How main bundled every function before issue 23: CommonJS, esbuild's default main fields. */
const MAIN_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  format: 'cjs',
  external: [],
  logLevel: 'error',
};

interface Built {
  file: string;
  bytes: number;
}

async function bundle(
  outdir: string,
  options: BuildOptions,
  entry: string | { contents: string },
): Promise<Built> {
  const file = join(outdir, options.format === 'esm' ? 'index.mjs' : 'index.js');
  await build({
    ...options,
    outfile: file,
    ...(typeof entry === 'string'
      ? { entryPoints: [isAbsolute(entry) ? entry : join(ROOT, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'floor.ts' } }),
  });
  return { file, bytes: statSync(file).size };
}

/** The floor: the least a function reading DynamoDB can be. */
const FLOOR_ENTRY = {
  contents: [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
    'const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    'export const handler = async (event: { key: Record<string, string> }) => {',
    '  const { Item } = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: event.key }));',
    '  return { statusCode: Item ? 200 : 404, body: JSON.stringify(Item ?? null) };',
    '};',
  ].join('\n'),
};
const PEER_ENTRY = 'bench/peer/src/api/get-product.ts';

// ---- one sample ------------------------------------------------------------------------------

interface Answer {
  result: any;
  cpuMs: number;
  loadMs: number;
  requestMs: number;
  loadCpuMs: number;
  loadedAtUs: number;
}

interface Sample extends Answer {
  wallMs: number;
  pid: number;
}

/**
 * One fresh process, one request. Asynchronous: the stand-in that answers its EventBridge, Secrets
 * Manager and management-API calls lives in this process's event loop.
 */
function invoke(
  file: string,
  env: NodeJS.ProcessEnv,
  event: unknown,
  what: string,
  nodeFlags: readonly string[] = [],
): Promise<Sample> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeFlags, RUNNER, file, JSON.stringify(event), '10000'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', fail);
    child.once('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const stdout = Buffer.concat(out).toString('utf8');
      const line = /^@@bench (.*)$/m.exec(stdout)?.[1];
      if (code !== 0 || !line)
        return fail(
          new Error(
            `${what}: node exited ${code}: ${(Buffer.concat(err).toString('utf8') || stdout).slice(-1500)}`,
          ),
        );
      done({ ...(JSON.parse(line) as Answer), wallMs, pid: child.pid ?? 0 });
    });
  });
}

// ---- the functions' first requests -----------------------------------------------------------

interface Seeded {
  threadId: string;
  connectionId: string;
  /** The authorizer's answer per role (what API Gateway hands the HTTP functions). */
  principals: Record<'reader' | 'editor' | 'admin', Record<string, unknown>>;
  /** An event of threads-write's, as the outbox relay published it (EventBridge's envelope): the workers' input. */
  published: { 'detail-type': string; source: string; detail: any };
  /** The stream's record of threads-write's outbox item (NEW_IMAGE): the relay's input. */
  outboxRecord: { eventName: 'INSERT'; dynamodb: { SequenceNumber: string; NewImage: unknown } };
}

/** An API Gateway HTTP API (payload 2.0) request after the authorizer, as cloud mode builds it. */
function httpEvent(
  routeKey: string,
  path: string,
  params: Record<string, string>,
  principal: Record<string, unknown> | undefined,
  body?: unknown,
) {
  const now = Date.now();
  const [method] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'bench',
      authorization: 'Bearer (checked by the authorizer)',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' },
      requestId: `bench-${now}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(principal ? { authorizer: { lambda: principal } } : {}),
    },
    ...(body !== undefined
      ? { body: JSON.stringify(body), isBase64Encoded: false }
      : { isBase64Encoded: false }),
  };
}

const sqsEvent = (body: unknown) => ({
  Records: [
    {
      messageId: `bench-${Date.now()}`,
      receiptHandle: 'bench',
      body: JSON.stringify(body),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:bench',
      awsRegion: 'eu-west-1',
    },
  ],
});

let serial = 0;
const unique = () => `${Date.now().toString(36)}${(serial++).toString(36)}`;

interface Scenario {
  /** What the first request is, for the report. */
  request: string;
  event: (s: Seeded) => unknown;
  /** Whether the answer is a success; a sample that is not fails the run. */
  ok: (result: any, s: Seeded) => boolean;
}

const http2xx = (r: any) => typeof r?.statusCode === 'number' && r.statusCode >= 200 && r.statusCode < 300;

/** Each function's main route, with a realistic event and what a success looks like. */
const FIRST_REQUESTS: Record<AnyFunctionName, Scenario> = {
  health: {
    request: 'GET /health',
    event: () => httpEvent('GET /health', '/health', {}, undefined),
    ok: http2xx,
  },
  'threads-read': {
    request: 'GET /threads/{id} (reader)',
    event: (s) =>
      httpEvent('GET /threads/{id}', `/threads/${s.threadId}`, { id: s.threadId }, s.principals.reader),
    ok: http2xx,
  },
  'threads-write': {
    request: 'POST /threads/{id}/updates (editor; its event committed to the outbox)',
    event: (s) =>
      httpEvent(
        'POST /threads/{id}/updates',
        `/threads/${s.threadId}/updates`,
        { id: s.threadId },
        s.principals.editor,
        {
          summary: `Bench note ${unique()}: delegations met again.`,
        },
      ),
    ok: http2xx,
  },
  tokens: {
    request: 'POST /tokens (admin)',
    event: (s) =>
      httpEvent('POST /tokens', '/tokens', {}, s.principals.admin, {
        name: `bench-${unique()}`,
        role: 'reader',
      }),
    ok: http2xx,
  },
  kinds: {
    request: 'PUT /kinds/{kind} (admin)',
    event: (s) => {
      const kind = `bench${unique()}`.replace(/[^a-z0-9]/g, '');
      return httpEvent('PUT /kinds/{kind}', `/kinds/${kind}`, { kind }, s.principals.admin, {
        label: 'Bench talks',
        statuses: [
          { name: 'open', terminal: false },
          { name: 'closed', terminal: true },
        ],
      });
    },
    ok: http2xx,
  },
  authorizer: {
    request: 'a valid bearer token',
    event: () => ({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/GET/threads/{id}',
      identitySource: [`Bearer ${BENCH_TOKENS.reader}`],
      routeKey: 'GET /threads/{id}',
      headers: { authorization: `Bearer ${BENCH_TOKENS.reader}` },
      requestContext: { requestId: `bench-${unique()}` },
    }),
    ok: (r) => r?.isAuthorized === true && typeof r.context?.name === 'string',
  },
  'stale-check': {
    request: 'the 15-minute schedule (every thread judged, counts swept)',
    event: () => ({ time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }),
    ok: (r) => Array.isArray(r?.flagged),
  },
  'scenario-recount': {
    request: 'one queued recount request (SQS)',
    event: (s) =>
      sqsEvent({ 'detail-type': s.published['detail-type'], detail: { scenario: SEED_SCENARIO } }),
    ok: (r) => Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0,
  },
  subscriptions: {
    request: 'POST /subscriptions (admin; secret sealed with the key from Secrets Manager)',
    event: (s) =>
      // A scenario no event of the run is about: the deliveries' fan-out never posts to it.
      httpEvent('POST /subscriptions', '/subscriptions', {}, s.principals.admin, {
        url: 'https://93.184.215.14/hooks/bench',
        scenario: 'bench-elsewhere',
        description: 'cold-start bench',
      }),
    ok: http2xx,
  },
  deliveries: {
    // A matching subscription would be attempted over the internet: the URL check refuses private
    // addresses, so no local receiver can stand in. The fan-out reads them all and matches none.
    request: "threads-write's event from the webhook queue (SQS): subscriptions read, none matches",
    event: (s) => sqsEvent({ version: '0', id: `bench-${unique()}`, ...s.published }),
    ok: (r) => Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0,
  },
  feeds: {
    request: 'GET /threads/{id}/feed.atom (reader)',
    event: (s) =>
      httpEvent(
        'GET /threads/{id}/feed.atom',
        `/threads/${s.threadId}/feed.atom`,
        { id: s.threadId },
        s.principals.reader,
      ),
    ok: http2xx,
  },
  inbox: {
    // A new URL each time: a new item, checked against the scenario's newest items for near copies
    // and matched against its threads (language, outlet and date found in the text), as every arrival is.
    request: 'POST /inbox (editor; a new item, deduplicated and matched to the seeded threads)',
    event: (s) =>
      httpEvent('POST /inbox', '/inbox', {}, s.principals.editor, {
        scenario: SEED_SCENARIO,
        url: `https://news.example.com/bench/${unique()}`,
        title: `Bench ${unique()}: delegations to meet again in Istanbul next week`,
        summary: 'Negotiators said on Monday that the delegations would meet again to discuss a ceasefire.',
      }),
    ok: http2xx,
  },
  'scenario-import': {
    // A new scenario id each time (an import never overwrites): the smallest archive, a header and
    // its scenario, checked, looked up (no scenario, no threads, no mark) and written.
    request: 'POST /scenarios/import (admin; a scenario without threads, under a new id)',
    event: (s) => {
      const id = `bench-import-${unique()}`;
      const at = new Date().toISOString();
      const archive = [
        { record: 'archive', format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, scenario: id },
        {
          record: 'scenario',
          id,
          title: 'Bench import',
          description: '',
          tags: [],
          keywords: [],
          public: false,
          createdAt: at,
          updatedAt: at,
          version: 1,
        },
      ];
      const event = httpEvent('POST /scenarios/import', '/scenarios/import', {}, s.principals.admin);
      return {
        ...event,
        headers: { ...event.headers, 'content-type': 'application/x-ndjson' },
        body: archive.map((r) => `${JSON.stringify(r)}\n`).join(''),
      };
    },
    ok: http2xx,
  },
  'source-schedule': {
    request: 'the 1-minute schedule (due news sources found, none due in the seeded table)',
    event: () => ({ time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }),
    ok: (r) => typeof r?.due === 'number',
  },
  'source-poller': {
    // A fetch goes over the internet: the address rules refuse the local feed server. The message
    // names a source that does not exist, so the bundle loads and the table is read, nothing fetched.
    request: 'one queued due source (SQS) that no longer exists: loaded, read, skipped',
    event: () =>
      sqsEvent({ 'detail-type': 'SourceDue', detail: { sourceId: 'src_01J0000000000000000000000A' } }),
    ok: (r) => Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0,
  },
  'live-authorizer': {
    request: '$connect with a valid token',
    event: () => ({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/bench/$connect',
      queryStringParameters: { token: BENCH_TOKENS.reader },
    }),
    ok: (r) => r?.policyDocument?.Statement?.[0]?.Effect === 'Allow',
  },
  'live-connections': {
    request: '$default: subscribe to a thread',
    event: (s) => ({
      requestContext: {
        routeKey: '$default',
        connectionId: s.connectionId,
        requestId: `bench-${unique()}`,
        authorizer: { subject: s.principals.reader.subject, name: s.principals.reader.name },
      },
      body: JSON.stringify({ action: 'subscribe', threadId: s.threadId }),
      isBase64Encoded: false,
    }),
    ok: (r) => r?.statusCode === 200 && String(r.body).includes('Subscribed'),
  },
  'outbox-relay': {
    request: "threads-write's outbox item from the table's stream, published to EventBridge",
    event: (s) => ({ Records: [s.outboxRecord] }),
    ok: (r) => Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0,
  },
  'live-fanout': {
    request: "threads-write's event from the bus, posted to one subscribed connection",
    event: (s) => ({ version: '0', id: `bench-${unique()}`, ...s.published }),
    ok: (r) => r?.sent >= 1,
  },
};

// ---- the benchmark ---------------------------------------------------------------------------

interface Config {
  id: string;
  /** Node flags of the child (the CPU profile of BENCH_COLD_PROFILE). */
  nodeFlags?: string[];
  file: string;
  env: NodeJS.ProcessEnv;
  event: () => unknown;
  ok: (result: any) => boolean;
}

const withSourceMapsFlag = (env: NodeJS.ProcessEnv, on: boolean): NodeJS.ProcessEnv => {
  const flags = (env.NODE_OPTIONS ?? '').split(/\s+/).filter((f) => f && f !== SOURCE_MAPS_FLAG);
  if (on) flags.push(SOURCE_MAPS_FLAG);
  const out = { ...env };
  if (flags.length) out.NODE_OPTIONS = flags.join(' ');
  else delete out.NODE_OPTIONS;
  return out;
};

export async function run(): Promise<Section> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tracker-cold-start-'));
  const dynamo = await useDynamo();
  let standIn: AwsStandIn | undefined;
  try {
    const format: Format = BUNDLING.format;
    const otherFormat: Format = format === 'esm' ? 'cjs' : 'esm';
    const deployedFlag = (FUNCTION_DEFAULTS.environment as Record<string, string>).NODE_OPTIONS?.includes(
      SOURCE_MAPS_FLAG,
    );

    log(`cold start: building ${FUNCTIONS.length} functions × 3 builds, the floor and the peer into ${dir}`);
    const builds = new Map<string, Built>();
    const mainRoot = mainSource(join(dir, 'main-source'));
    for (const name of FUNCTIONS) {
      const entry = ALL_FUNCTION_ENTRIES[name];
      builds.set(`${name}:deployed`, await bundle(join(dir, 'deployed', name), stackOptions(format), entry));
      // A function main did not have (outbox-relay) has no main to compare with.
      if (existsSync(join(mainRoot, entry)))
        builds.set(
          `${name}:main`,
          await bundle(join(dir, 'main', name), MAIN_OPTIONS, join(mainRoot, entry)),
        );
      builds.set(
        `${name}:format`,
        await bundle(join(dir, otherFormat, name), stackOptions(otherFormat), entry),
      );
    }
    if (BASELINE) {
      // The baseline's own bundling options (its infra/bundling.ts), so a bundling change is measured too.
      const baseRoot = mainSource(join(dir, 'baseline-source'), BASELINE);
      const { BUNDLING: baseBundling } = (await import(join(baseRoot, 'infra', 'bundling.ts'))) as {
        BUNDLING: typeof BUNDLING;
      };
      const baseOptions: BuildOptions = {
        ...stackOptions(baseBundling.format),
        target: baseBundling.target,
        minify: baseBundling.minify,
        mainFields: [...baseBundling.mainFields],
        ...(baseBundling.format === 'esm' ? { banner: { js: baseBundling.esmBanner } } : {}),
        external: [...baseBundling.externalModules],
        alias: { ...(baseBundling as { alias?: Record<string, string> }).alias },
      };
      for (const name of MEASURED) {
        const entry = join(baseRoot, ALL_FUNCTION_ENTRIES[name]);
        if (existsSync(entry))
          builds.set(`${name}:baseline`, await bundle(join(dir, 'baseline', name), baseOptions, entry));
      }
    }
    if (PROFILE_DIR)
      // Not minified, so a profile's line ticks resolve to the statement (module) that spent them.
      for (const name of MEASURED)
        builds.set(
          `${name}:profile`,
          await bundle(
            join(dir, 'profile', name),
            { ...stackOptions(format), minify: false },
            ALL_FUNCTION_ENTRIES[name],
          ),
        );
    const floor = await bundle(join(dir, 'floor'), stackOptions(format), FLOOR_ENTRY);
    const peer = await bundle(join(dir, 'peer'), stackOptions(format), PEER_ENTRY);

    // ---- the table, the stand-ins and the seeded data
    const ctx = await benchContext(dynamo.endpoint);
    const tableName = ctx.config.tableName;
    await seedIfEmpty(ctx);
    await prepareTable(ctx, false);
    const peerTable = `${tableName}-products`;
    const raw = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: dynamo.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await raw.send(
      new CreateTableCommand({
        TableName: peerTable,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await DynamoDBDocumentClient.from(raw).send(
      new PutCommand({
        TableName: peerTable,
        Item: { id: 'bench-product', name: 'Bench product', price: 42 },
      }),
    );
    raw.destroy();
    standIn = await startAwsStandIn();

    // What Lambda sets besides the stack's variables, and where this run's AWS calls go.
    const stackEnv = stackEnvironments();
    const lambdaExtras = (file: string): NodeJS.ProcessEnv => ({
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'bench',
      AWS_DEFAULT_REGION: 'eu-west-1',
      LAMBDA_TASK_ROOT: dirname(file),
      TZ: ':UTC',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: standIn!.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn!.url,
      NODE_EXTRA_CA_CERTS: standIn!.caFile,
      // The SDK's notice that this machine's Node is older than Lambda's.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const envOf = (name: AnyFunctionName, file: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...stackEnv.get(name)!, ...lambdaExtras(file), TABLE_NAME: tableName };
      if (env.TRACKER_LIVE_CALLBACK_URL !== undefined) env.TRACKER_LIVE_CALLBACK_URL = standIn!.callbackUrl;
      // The public channels' publish endpoint answers from the stand-in too (a publish happens only
      // for a public scenario's change; the seeded scenario is not public).
      if (env.TRACKER_PUBLIC_EVENTS_URL !== undefined)
        env.TRACKER_PUBLIC_EVENTS_URL = `${standIn!.url}/event`;
      return env;
    };

    // ---- what the first requests need, made by the deployed bundles themselves
    const threadId = 'ceasefire';
    const authorize = async (token: string) => {
      const file = builds.get('authorizer:deployed')!.file;
      const r = (
        await invoke(
          file,
          envOf('authorizer', file),
          { headers: { authorization: `Bearer ${token}` }, requestContext: { requestId: 'bench-setup' } },
          'authorizer (setup)',
        )
      ).result;
      if (!r?.context?.subject)
        throw new Error(`the authorizer refused the bench token: ${JSON.stringify(r)}`);
      return r.context as Record<string, unknown>;
    };
    const seeded: Seeded = {
      threadId,
      connectionId: 'benchConnection1=',
      principals: {
        reader: await authorize(BENCH_TOKENS.reader),
        editor: await authorize(BENCH_TOKENS.editor),
        admin: await authorize(BENCH_TOKENS.admin),
      },
      published: undefined as never,
      outboxRecord: undefined as never,
    };
    const setup = async (name: AnyFunctionName, event: unknown) => {
      const file = builds.get(`${name}:deployed`)!.file;
      return (await invoke(file, envOf(name, file), event, `${name} (setup)`)).result;
    };
    await setup('threads-write', FIRST_REQUESTS['threads-write'].event(seeded));
    // threads-write commits its event to the outbox; the relay publishes it from the stream record.
    const { Items: outbox = [] } = await ctx.db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': outboxKey({ id: '', threadId }).PK },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    if (!outbox[0]) throw new Error('threads-write committed nothing to the outbox');
    seeded.outboxRecord = {
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: '1', NewImage: marshall(outbox[0], { removeUndefinedValues: true }) },
    };
    await setup('outbox-relay', FIRST_REQUESTS['outbox-relay'].event(seeded));
    const entry = standIn.events.find((e) => e.Source && e.Detail && e.Source !== RECOUNT_SOURCE);
    if (!entry) throw new Error('the outbox relay published nothing to EventBridge');
    seeded.published = {
      'detail-type': entry.DetailType,
      source: entry.Source,
      detail: JSON.parse(entry.Detail),
    };
    const connect = await setup('live-connections', {
      requestContext: {
        routeKey: '$connect',
        connectionId: seeded.connectionId,
        authorizer: { subject: seeded.principals.reader.subject, name: seeded.principals.reader.name },
      },
    });
    if (connect?.statusCode !== 200) throw new Error(`live $connect failed: ${JSON.stringify(connect)}`);
    await setup('live-connections', FIRST_REQUESTS['live-connections'].event(seeded));

    // ---- the configurations, interleaved
    const configs: Config[] = [];
    const floorEnv = { ...envOf('threads-read', floor.file) };
    configs.push({
      id: 'floor',
      file: floor.file,
      env: floorEnv,
      event: () => ({ key: threadKey(threadId) }),
      ok: (r) => r?.statusCode === 200,
    });
    // The peer as its stack configures it (its Powertools settings), run like ours.
    const peerEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...lambdaExtras(peer.file),
      AWS_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: `AWS_Lambda_${FUNCTION_DEFAULTS.runtime.name}`,
      AWS_LAMBDA_FUNCTION_NAME: 'serverless-typescript-demo-GetProductFunction',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_ACCOUNT_ID: '123456789012',
      TABLE_NAME: peerTable,
      POWERTOOLS_SERVICE_NAME: 'serverless-typescript-demo',
      POWERTOOLS_LOGGER_LOG_LEVEL: 'WARN',
      POWERTOOLS_LOGGER_SAMPLE_RATE: '0.01',
      POWERTOOLS_LOGGER_LOG_EVENT: 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'AwsSamples',
      ...(deployedFlag ? { NODE_OPTIONS: SOURCE_MAPS_FLAG } : {}),
    };
    configs.push({
      id: 'peer',
      file: peer.file,
      env: peerEnv,
      event: () => ({
        resource: '/products/{id}',
        path: '/products/bench-product',
        httpMethod: 'GET',
        headers: { host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com' },
        pathParameters: { id: 'bench-product' },
        requestContext: { resourcePath: '/products/{id}', requestId: `bench-${unique()}`, stage: 'prod' },
        body: null,
        isBase64Encoded: false,
      }),
      ok: (r) => r?.statusCode === 200,
    });
    for (const name of MEASURED) {
      const fr = FIRST_REQUESTS[name];
      const mk = (variant: string, build: Built, env: NodeJS.ProcessEnv, nodeFlags?: string[]) =>
        configs.push({
          id: `${name}:${variant}`,
          file: build.file,
          env,
          event: () => fr.event(seeded),
          ok: (r) => fr.ok(r, seeded),
          ...(nodeFlags ? { nodeFlags } : {}),
        });
      const deployed = builds.get(`${name}:deployed`)!;
      const env = envOf(name, deployed.file);
      mk('deployed', deployed, env);
      const profiled = builds.get(`${name}:profile`);
      if (profiled && PROFILE_DIR) {
        // The profiles name the bundle by path: keep it (and its map) beside them for reading later.
        mkdirSync(join(PROFILE_DIR, name), { recursive: true });
        for (const f of [profiled.file, `${profiled.file}.map`])
          copyFileSync(f, join(PROFILE_DIR, name, basename(f)));
        mk('profile', profiled, envOf(name, profiled.file), [
          '--cpu-prof',
          '--cpu-prof-interval=100',
          `--cpu-prof-dir=${join(PROFILE_DIR, name)}`,
        ]);
      }
      const baseline = builds.get(`${name}:baseline`);
      if (baseline) mk('baseline', baseline, envOf(name, baseline.file));
      const main = builds.get(`${name}:main`);
      if (main) mk('main', main, withSourceMapsFlag(envOf(name, deployed.file), true));
      mk('format', builds.get(`${name}:format`)!, env);
      mk('maps', deployed, withSourceMapsFlag(env, !deployedFlag));
    }

    log(`cold start: ${configs.length} configurations × ${ROUNDS} rounds, interleaved`);
    const samples = new Map<string, Sample[]>(configs.map((c) => [c.id, []]));
    const one = async (c: Config) => {
      const s = await invoke(c.file, c.env, c.event(), c.id, c.nodeFlags);
      if (PROFILE_DIR && c.nodeFlags)
        // Where this process's profile splits into loading and the request (bench/profile-summary.ts).
        writeFileSync(join(PROFILE_DIR, c.id.split(':')[0]!, `${s.pid}.json`), JSON.stringify(s));
      if (!c.ok(s.result))
        throw new Error(
          `${c.id}: the first request did not succeed: ${JSON.stringify(s.result).slice(0, 600)}`,
        );
      return s;
    };
    for (const c of configs) await one(c); // warm the page cache; proves every request succeeds
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of configs) samples.get(c.id)!.push(await one(c));
      if (round === 0 || (round + 1) % 5 === 0) log(`cold start: round ${round + 1} of ${ROUNDS}`);
    }

    // ---- statistics
    const cpu = (id: string) => median(samples.get(id)!.map((s) => s.cpuMs));
    const wall = (id: string) => median(samples.get(id)!.map((s) => s.wallMs));
    const req = (id: string) => median(samples.get(id)!.map((s) => s.requestMs));
    const loadT = (id: string) => median(samples.get(id)!.map((s) => s.loadMs));
    /** Median over rounds of this round's CPU ratio (both sides measured moments apart). */
    const paired = (id: string, base: string) => {
      const b = samples.get(base)!;
      return median(samples.get(id)!.map((s, i) => s.cpuMs / b[i]!.cpuMs));
    };
    const pairedWall = (id: string, base: string) => {
      const b = samples.get(base)!;
      return median(samples.get(id)!.map((s, i) => s.wallMs / b[i]!.wallMs));
    };

    const hasMain = (name: string) => builds.has(`${name}:main`);
    const rows = MEASURED.map((name) => ({
      name,
      bytes: builds.get(`${name}:deployed`)!.bytes,
      mainBytes: builds.get(`${name}:main`)?.bytes ?? NaN,
      cpu: cpu(`${name}:deployed`),
      wall: wall(`${name}:deployed`),
      load: loadT(`${name}:deployed`),
      request: req(`${name}:deployed`),
      mainCpu: hasMain(name) ? cpu(`${name}:main`) : NaN,
      vsFloor: paired(`${name}:deployed`, 'floor'),
      vsFloorWall: pairedWall(`${name}:deployed`, 'floor'),
      vsMain: hasMain(name) ? paired(`${name}:deployed`, `${name}:main`) : NaN,
      vsPeer: paired(`${name}:deployed`, 'peer'),
      format: paired(`${name}:format`, `${name}:deployed`),
      maps: paired(`${name}:maps`, `${name}:deployed`),
      vsBaseline: builds.has(`${name}:baseline`) ? paired(`${name}:deployed`, `${name}:baseline`) : NaN,
      baselineCpu: builds.has(`${name}:baseline`) ? cpu(`${name}:baseline`) : NaN,
      baselineBytes: builds.get(`${name}:baseline`)?.bytes ?? NaN,
    }));
    const tw = rows.find((r) => r.name === 'threads-write');
    const targets = [
      ...(tw
        ? [
            {
              name: `first-request cold start threads-write ≤ ${MAIN_TARGET}× main's CommonJS bundle`,
              met: tw.vsMain <= MAIN_TARGET,
              detail: `${ratio(tw.vsMain)} CPU (${fmt(tw.cpu)} vs ${fmt(tw.mainCpu)} ms)`,
            },
            {
              name: 'first-request cold start threads-write below the peer (middy + Powertools)',
              met: tw.vsPeer < 1,
              detail: `${ratio(tw.vsPeer)} CPU (${fmt(tw.cpu)} vs ${fmt(cpu('peer'))} ms)`,
            },
          ]
        : []),
      ...rows.map((r) => ({
        name: `first-request cold start ${r.name} ≤ ${FLOOR_TARGET}× the floor`,
        met: r.vsFloor <= FLOOR_TARGET,
        detail: `${ratio(r.vsFloor)} CPU (wall ${ratio(r.vsFloorWall)})`,
      })),
    ];

    const flagLabel = deployedFlag ? `without ${SOURCE_MAPS_FLAG}` : `with ${SOURCE_MAPS_FLAG}`;
    const mainTable = table(
      [
        'function',
        'first request',
        'bundle',
        'CPU (ms)',
        'wall (ms)',
        'loading (ms)',
        'request alone (ms)',
        `CPU ÷ floor (≤ ${FLOOR_TARGET}×)`,
        'CPU ÷ main (CJS)',
        'CPU ÷ peer',
        'met',
      ],
      [
        [
          'floor (one GetItem)',
          'GetItem of a thread',
          kb(floor.bytes),
          fmt(cpu('floor')),
          fmt(wall('floor')),
          fmt(loadT('floor')),
          fmt(req('floor')),
          '1.00×',
          '—',
          ratio(paired('floor', 'peer')),
          '—',
        ],
        [
          'peer get-product (middy + Powertools)',
          'GET /products/{id}',
          kb(peer.bytes),
          fmt(cpu('peer')),
          fmt(wall('peer')),
          fmt(loadT('peer')),
          fmt(req('peer')),
          ratio(paired('peer', 'floor')),
          '—',
          '1.00×',
          '—',
        ],
        ...rows.map((r) => [
          r.name,
          FIRST_REQUESTS[r.name].request,
          kb(r.bytes),
          fmt(r.cpu),
          fmt(r.wall),
          fmt(r.load),
          fmt(r.request),
          ratio(r.vsFloor),
          Number.isNaN(r.vsMain) ? '— (new)' : ratio(r.vsMain),
          ratio(r.vsPeer),
          yes(
            r.vsFloor <= FLOOR_TARGET &&
              (r.name !== 'threads-write' || (r.vsMain <= MAIN_TARGET && r.vsPeer < 1)),
          ),
        ]),
      ],
    );
    const decisionTable = table(
      [
        'function',
        `main: CJS, no mainFields, ${SOURCE_MAPS_FLAG} — bundle, CPU (ms)`,
        `deployed: ${format.toUpperCase()}, mainFields module→main${deployedFlag ? `, ${SOURCE_MAPS_FLAG}` : ', maps shipped, no flag'} — bundle, CPU (ms)`,
        `${otherFormat.toUpperCase()} instead: CPU ÷ deployed`,
        `${flagLabel}: CPU ÷ deployed`,
      ],
      rows.map((r) => [
        r.name,
        Number.isNaN(r.mainBytes) ? '— (new)' : `${kb(r.mainBytes)}, ${fmt(r.mainCpu)}`,
        `${kb(r.bytes)}, ${fmt(r.cpu)}`,
        ratio(r.format),
        ratio(r.maps),
      ]),
    );
    const baselineTable = BASELINE
      ? [
          '',
          `### Against ${BASELINE}`,
          '',
          `The same functions as of ${BASELINE}, bundled as that commit bundled them, measured in this run (BENCH_COLD_BASELINE).`,
          '',
          table(
            ['function', `${BASELINE}: bundle, CPU (ms)`, 'now: bundle, CPU (ms)', 'CPU now ÷ then'],
            rows.map((r) => [
              r.name,
              Number.isNaN(r.baselineBytes) ? '—' : `${kb(r.baselineBytes)}, ${fmt(r.baselineCpu)}`,
              `${kb(r.bytes)}, ${fmt(r.cpu)}`,
              ratio(r.vsBaseline),
            ]),
          ),
        ].join('\n')
      : '';
    const med = (xs: number[]) => ratio(median(xs));
    const markdown = [
      `**Method.** For each of the ${MEASURED.length} functions${MEASURED.length < FUNCTIONS.length ? ` measured (BENCH_COLD_FUNCTIONS: ${MEASURED.join(', ')})` : ''}, a sample is one fresh plain \`node\` process (\`bench/lib/first-request.cjs\`) that loads the bundle as Lambda's runtime does (\`require\` for \`.js\`, \`import()\` for \`.mjs\`) and serves ONE real first request of the function's main route (column "first request") against DynamoDB Local with the seeded scenario; a sample whose answer is not a success fails the run. The bundle is built as the stack builds it (\`infra/bundling.ts\`: ${format.toUpperCase()}, \`mainFields\` ${BUNDLING.mainFields.join('→')}, target \`${BUNDLING.target}\`, minified, source map without sources). The process has the environment the stack gives the function (read from the synthesized template: \`bench/lib/stack-env.ts\`) plus what Lambda sets (region, credentials, function name and memory, \`LAMBDA_TASK_ROOT\`, \`_X_AMZN_TRACE_ID\`); the run points DynamoDB at DynamoDB Local and EventBridge, Secrets Manager and the live API's management endpoint at an in-process stand-in that answers at once (\`bench/lib/aws-stand-in.ts\`; its TLS certificate through \`NODE_EXTRA_CA_CERTS\`, given to every configuration alike). DynamoDB Local speaks plain HTTP, so the TLS handshake every function (the floor and the peer too) makes with DynamoDB in Lambda is not in these figures. The events are what API Gateway, SQS and EventBridge send: the HTTP functions get the authorizer's context the authorizer bundle returned for the bench tokens, and the workers and live fan-out get the event the threads-write bundle published. ` +
        `**CPU** is the child's user + system time when it has answered (\`process.cpuUsage()\`: Node's own start-up, loading, the request), **wall** the parent's clock around the whole process; "loading" is the in-process wall time from the process's first line to the handler's module loaded, "request alone" that of the invocation after it. The verdicts are CPU ratios: the median over rounds of each round's ratio (both sides measured moments apart, so a slow phase of a shared machine slows both). ` +
        `Compared in the same run: **the floor**, a handler doing one \`GetItem\` of a thread with the document client (threads-read's environment); **the peer**, the get-product handler of [aws-samples/serverless-typescript-demo](https://github.com/aws-samples/serverless-typescript-demo) (middy, Powertools logger, metrics and tracer with the X-Ray SDK; \`bench/peer/\`, MIT-0), with its stack's Powertools settings, over a table of its own; and **main before issue 23**: its code at commit ${MAIN_COMMIT}, bundled as main bundled it then (CommonJS, no \`mainFields\`, \`${SOURCE_MAPS_FLAG}\`). ${configs.length} configurations interleaved round-robin, ${ROUNDS} rounds (after one warm-up pass).`,
      '',
      mainTable,
      '',
      '### The bundle decisions',
      '',
      `The alternatives, measured in the same run: each function built as ${otherFormat.toUpperCase()} (otherwise the same options), and the deployed bundle run ${flagLabel}. A ratio above 1 means the alternative costs more. Medians across the functions: ${otherFormat.toUpperCase()} ${med(rows.map((r) => r.format))}, ${flagLabel} ${med(rows.map((r) => r.maps))}; deployed ÷ main ${med(rows.map((r) => r.vsMain).filter((x) => !Number.isNaN(x)))}.`,
      '',
      decisionTable,
      baselineTable,
    ].join('\n');
    const headline = [
      `First-request cold start (CPU of a fresh process serving one request, ratio to a one-GetItem floor of ${fmt(cpu('floor'))} ms): ${rows.map((r) => `${r.name} ${ratio(r.vsFloor)}`).join(', ')}${tw ? `; threads-write ${ratio(tw.vsMain)} of main's CommonJS bundle and ${ratio(tw.vsPeer)} of the peer (middy + Powertools, ${fmt(cpu('peer'))} ms)` : ''}.`,
    ];
    return {
      id: 'cold-start',
      title: 'Cold start',
      markdown,
      targets,
      headline,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await standIn?.close();
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runAlone(run);
