import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  ALL_FUNCTION_ENTRIES,
  BUNDLING,
  FUNCTION_ENTRIES,
  type AnyFunctionName,
  type FunctionName,
} from '../bundling';
import { FUNCTION_ACCESS, STREAM_READ_ACTIONS, grantTableAccess } from '../permissions';
import { Section, acknowledge, pascal } from './section';

/** The repository root: entries in ALL_FUNCTION_ENTRIES are relative to it. */
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** What differs between functions: size, time limit, and what it is for. */
export interface FunctionSpec {
  memorySize: number;
  timeout: Duration;
  description: string;
  /** How Lambda retries a failed asynchronous invocation (only for functions invoked asynchronously). */
  asyncInvoke?: { retryAttempts: number; maxEventAge: Duration };
}

/**
 * Timeouts stay above what a stalled database costs a request (shared/config.ts `dynamoCallBoundMs`,
 * twice for an idempotent write), so a function answers 503 before it is killed (test/infra asserts it).
 */
export const FUNCTION_SPECS: Record<FunctionName, FunctionSpec> = {
  health: { memorySize: 256, timeout: Duration.seconds(5), description: 'GET /health and GET /openapi.json' },
  'threads-read': { memorySize: 512, timeout: Duration.seconds(10), description: 'Thread and update reads' },
  // Bounded retry of contended writes (WRITE_MAX_ATTEMPTS × jittered back-off) must fit well inside.
  'threads-write': {
    memorySize: 512,
    timeout: Duration.seconds(20),
    description: 'Thread writes, updates and retractions',
  },
  tokens: { memorySize: 512, timeout: Duration.seconds(10), description: 'Token management (admin)' },
  kinds: { memorySize: 512, timeout: Duration.seconds(10), description: 'Custom kinds (admin)' },
  // On every uncached request's path; API Gateway gives a Lambda authorizer at most 10 s.
  authorizer: {
    memorySize: 512,
    timeout: Duration.seconds(5),
    description: 'Resolves the bearer token to a name and role',
  },
  'stale-check': {
    memorySize: 512,
    timeout: Duration.minutes(5),
    description: 'Flags stale threads every 15 minutes, sweeps scenario counts',
  },
  'scenario-recount': {
    memorySize: 512,
    timeout: Duration.seconds(60),
    description: 'Recounts scenarios whose threads changed',
  },
  subscriptions: {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Webhook subscriptions (admin)',
  },
  // A batch of events whose attempts each wait up to 10 s for their subscriber, plus the table calls.
  deliveries: {
    memorySize: 512,
    timeout: Duration.seconds(60),
    description: 'Webhook fan-out, signed deliveries and retries',
  },
  feeds: {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Atom feeds of threads and scenarios',
  },
  // Matching reads the scenario's threads; accepting is a thread write with its bounded retry, as above.
  inbox: {
    memorySize: 512,
    timeout: Duration.seconds(20),
    description: 'The news inbox: arrivals, the list, accepting and dismissing',
  },
  // A scenario import (contract 1.2) writes up to 4 MiB of records: thread items 4 at once, then
  // BatchWriteItem of 25 items, 4 calls at once (shared/store/archive-store.ts), some 3,000 calls for
  // a full archive, each retried on throttling; the parse and the folds are CPU, hence the memory.
  // 29 s: the most an HTTP API waits for its integration is 30 s, so more would only run on after the
  // client was answered 503; well over the 10 s the import took in feeds. A cut-off import is
  // finished by sending the archive again (docs/data-desk.md, "Importing").
  'scenario-import': {
    memorySize: 1024,
    timeout: Duration.seconds(29),
    description: 'Imports an archived scenario (admin)',
  },
  // News sources (contract 1.2): a few Queries and PutEvents a minute.
  'source-schedule': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    description: 'Finds due news sources every minute and queues each',
  },
  // One source per message: a 10 s fetch, up to 12 s of entries into the inbox, the table calls around them.
  'source-poller': {
    memorySize: 512,
    timeout: Duration.seconds(60),
    description: 'Polls one news source into the inbox',
  },
  // A batch of up to 100 stream records: ten PutEvents at most.
  'outbox-relay': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    description: 'Publishes committed notifications from the table stream to the bus',
  },
};

/**
 * What every function shares, in one place: runtime, architecture, tracing, the environment the
 * Powertools utilities read. A change of tracing (X-Ray active tracing, or none) is one edit here;
 * the IAM acknowledgement for X-Ray's `*` resource follows it.
 */
export const FUNCTION_DEFAULTS = {
  // Node.js 24 LTS: what aws-cdk-lib 2.278 calls NODEJS_LATEST ("available in ALL regions"). It
  // also lists NODEJS_26_X, not yet in every region by that measure. Pinned, not NODEJS_LATEST:
  // runtime and bundle target (infra/bundling.ts) move together, after a benchmark run.
  runtime: Runtime.NODEJS_24_X,
  architecture: Architecture.ARM_64,
  tracing: Tracing.ACTIVE,
  // No NODE_OPTIONS=--enable-source-maps: parsing the map made every first-request cold start 4–17% dearer
  // (docs/architecture.md "Bundles"). The maps ship in each asset, and a stack trace from the logs
  // is resolved against them offline (docs/deploy.md#stack-traces).
  environment: {
    POWERTOOLS_SERVICE_NAME: 'scenario-tracker',
    POWERTOOLS_METRICS_NAMESPACE: 'ScenarioTracker',
  },
} as const;

export interface FunctionsProps {
  /** Deployment stage: part of every description. */
  stage: string;
  /** The one table; each function is granted what infra/permissions.ts derives for it, no more. */
  table: ITable;
  /** The notification bus the publishing functions put events on. */
  bus: IEventBus;
  /** The page-token keyring; only the functions whose routes page may read it (SECRET_READERS). */
  pageTokenSecret: ISecret;
  /** The keyring that seals webhook subscription secrets; only subscriptions and deliveries may read it. */
  webhookSecretKey: ISecret;
  /** Origins allowed by CORS, told to the HTTP functions (TRACKER_CORS_ORIGINS). */
  corsOrigins: readonly string[];
  /** Pages that may frame the public embeds, told to threads-read (TRACKER_EMBED_ORIGINS); unset: its default, `*`. */
  embedOrigins?: readonly string[] | undefined;
  /** Every notification is also POSTed here when given (TRACKER_WEBHOOK_URL of the publishers). */
  webhookUrl?: string | undefined;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel: string;
  /** Days every function's log group keeps its logs. */
  logRetentionDays: RetentionDays;
  /** What happens to the log groups when the stack is deleted (kept in prod). */
  logRemovalPolicy: RemovalPolicy;
  /**
   * Reserved concurrency per function (infra/settings.ts: per stage, scaled, or off). A function
   * left out runs on the account's unreserved pool.
   */
  reservedConcurrency?: Partial<Record<FunctionName, number>>;
}

/** What one function is made of besides FUNCTION_DEFAULTS and BUNDLING, which every function shares. */
export interface TrackerFunctionProps {
  /** Deployment stage: part of the description and of the role's. */
  stage: string;
  /** Size, time limit, description. */
  spec: FunctionSpec;
  /** The settings this function reads; FUNCTION_DEFAULTS.environment and POWERTOOLS_LOG_LEVEL are laid over them. */
  environment: Record<string, string>;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel: string;
  /** Days its log group keeps its logs. */
  logRetentionDays: RetentionDays;
  /** What happens to its log group when the stack is deleted (kept in prod). */
  logRemovalPolicy: RemovalPolicy;
  /** Its reserved concurrency; the account's unreserved pool when undefined. */
  reservedConcurrency?: number | undefined;
  /** Where an asynchronous invocation goes that failed after its retries (with `spec.asyncInvoke`); dropped when undefined. */
  onFailure?: IDestination | undefined;
}

/** The esbuild options of infra/bundling.ts, as NodejsFunction takes them. */
const NODEJS_BUNDLING = {
  minify: BUNDLING.minify,
  sourceMap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  target: BUNDLING.target,
  format: BUNDLING.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
  mainFields: [...BUNDLING.mainFields],
  ...(BUNDLING.format === 'esm' ? { banner: BUNDLING.esmBanner } : {}),
  externalModules: [...BUNDLING.externalModules],
  esbuildArgs: Object.fromEntries(
    Object.entries(BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to]),
  ),
  // The local esbuild from node_modules, never a Docker image.
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
};

/**
 * One function of the stack, whichever construct holds it (Functions, LiveApi): the one place that
 * says what a function is — FUNCTION_DEFAULTS, BUNDLING, its own log group, its own role that may
 * write to that group only, its reservation. Its grants are the caller's. The construct ids are
 * `<Name>Logs`, `<Name>Role` and `<Name>Function` in `scope`, so logical ids follow the scope's path.
 */
export function makeTrackerFunction(
  scope: Construct,
  name: AnyFunctionName,
  props: TrackerFunctionProps,
): NodejsFunction {
  const { spec } = props;
  const id = pascal(name);
  const logs = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetentionDays,
    removalPolicy: props.logRemovalPolicy,
  });
  // Own role instead of AWSLambdaBasicExecutionRole: logs may go to this function's group only.
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Scenario Tracker (${props.stage}) ${name} function`,
  });
  logs.grantWrite(role);
  const fn = new NodejsFunction(scope, `${id}Function`, {
    entry: path.join(PROJECT_ROOT, ALL_FUNCTION_ENTRIES[name]),
    handler: 'handler',
    runtime: FUNCTION_DEFAULTS.runtime,
    architecture: FUNCTION_DEFAULTS.architecture,
    tracing: FUNCTION_DEFAULTS.tracing,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    description: `Scenario Tracker (${props.stage}): ${spec.description}`,
    role,
    logGroup: logs,
    // The shared settings last: no function's own settings can override them.
    environment: {
      ...props.environment,
      ...FUNCTION_DEFAULTS.environment,
      POWERTOOLS_LOG_LEVEL: props.logLevel,
    },
    ...(props.reservedConcurrency !== undefined
      ? { reservedConcurrentExecutions: props.reservedConcurrency }
      : {}),
    ...(spec.asyncInvoke ?? {}),
    ...(props.onFailure ? { onFailure: props.onFailure } : {}),
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: NODEJS_BUNDLING,
  });
  if (FUNCTION_DEFAULTS.tracing === Tracing.ACTIVE)
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they can only be granted on *. It is the only wildcard in the stack.',
    );
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'Pinned on purpose to Node.js 24 LTS, the newest runtime aws-cdk-lib 2.278 counts as available in all regions (its NODEJS_LATEST; nodejs26.x is listed but not yet everywhere): the bundle targets node24 (infra/bundling.ts) and the cold-start benchmark measures that build; runtime and target are raised together after a benchmark run, never by a floating runtime.',
  );
  return fn;
}

/**
 * One function per route group plus the authorizer, the scheduled and the queued workers, each made
 * by `makeTrackerFunction` (its own role and log group), with its table, bus and secret grants.
 */
export class Functions extends Section {
  /** Every function, by name (infra/bundling.ts FUNCTION_ENTRIES). */
  readonly byName: Record<FunctionName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const environment = environments(props);
    const make = (name: FunctionName): NodejsFunction => {
      const fn = makeTrackerFunction(this, name, {
        stage: props.stage,
        spec: FUNCTION_SPECS[name],
        environment: environment[name],
        logLevel: props.logLevel,
        logRetentionDays: props.logRetentionDays,
        logRemovalPolicy: props.logRemovalPolicy,
        reservedConcurrency: props.reservedConcurrency?.[name],
      });
      grantAccess(props, fn, name);
      for (const secret of SECRET_READERS[name] ?? []) props[secret].grantRead(fn);
      return fn;
    };
    this.byName = Object.fromEntries(
      (Object.keys(FUNCTION_ENTRIES) as FunctionName[]).map((n) => [n, make(n)]),
    ) as Record<FunctionName, NodejsFunction>;
  }
}

/** The secrets a function reads, as FunctionsProps names them. */
type SecretProp = 'pageTokenSecret' | 'webhookSecretKey';

/** The setting through which a function finds each secret: its ARN, never its value. */
const SECRET_ARN_SETTING: Record<SecretProp, string> = {
  pageTokenSecret: 'PAGE_TOKEN_SECRET_ARN',
  webhookSecretKey: 'TRACKER_WEBHOOK_SECRET_KEY_ARN',
};

/**
 * Which function reads which secret, declared once: each gets the secret's ARN in its environment and
 * `grantRead` on that secret alone (GetSecretValue and DescribeSecret). The read function, which can
 * read every item, cannot open a sealed subscription secret; nothing but the functions whose routes page
 * (threads-read, and inbox for GET /inbox) signs page tokens.
 */
export const SECRET_READERS: Partial<Record<FunctionName, readonly SecretProp[]>> = {
  'threads-read': ['pageTokenSecret'],
  inbox: ['pageTokenSecret'],
  subscriptions: ['webhookSecretKey'],
  deliveries: ['webhookSecretKey'],
};

/** The ARN settings of the secrets a function reads (SECRET_READERS). */
const secretEnv = (props: FunctionsProps, name: FunctionName): Record<string, string> =>
  Object.fromEntries(
    (SECRET_READERS[name] ?? []).map((secret) => [SECRET_ARN_SETTING[secret], props[secret].secretArn]),
  );

/** Each function's environment: only the settings it reads. */
function environments(props: FunctionsProps): Record<FunctionName, Record<string, string>> {
  const common = { ...FUNCTION_DEFAULTS.environment, POWERTOOLS_LOG_LEVEL: props.logLevel };
  const tableEnv = { TABLE_NAME: props.table.tableName };
  const publisherEnv = {
    EVENT_BUS_NAME: props.bus.eventBusName,
    ...(props.webhookUrl ? { TRACKER_WEBHOOK_URL: props.webhookUrl } : {}),
  };
  const httpEnv = { TRACKER_CORS_ORIGINS: props.corsOrigins.join(',') };
  // The cloud never lets a subscription reach a private address, whatever anyone sets locally.
  const webhookEnv = { TRACKER_ALLOW_PRIVATE_WEBHOOKS: 'false' };
  const own: Record<FunctionName, Record<string, string>> = {
    health: { ...common, ...httpEnv },
    'threads-read': {
      ...common,
      ...tableEnv,
      ...httpEnv,
      ...(props.embedOrigins ? { TRACKER_EMBED_ORIGINS: props.embedOrigins.join(',') } : {}),
    },
    'threads-write': { ...common, ...tableEnv, ...httpEnv, ...publisherEnv },
    tokens: { ...common, ...tableEnv, ...httpEnv },
    kinds: { ...common, ...tableEnv, ...httpEnv },
    authorizer: { ...common, ...tableEnv },
    'stale-check': { ...common, ...tableEnv, ...publisherEnv },
    // No bus: it recounts in process and asks nobody for anything.
    'scenario-recount': { ...common, ...tableEnv },
    subscriptions: { ...common, ...tableEnv, ...httpEnv, ...publisherEnv, ...webhookEnv },
    deliveries: { ...common, ...tableEnv, ...webhookEnv },
    // No page-token key: a feed is one document, never paged.
    feeds: { ...common, ...tableEnv, ...httpEnv },
    // Accepting asks for recounts on the bus, as threads-write does; its page-token key is a secret (SECRET_READERS).
    // POST /sources/{id}/fetch fetches feeds: only public https addresses, as subscriptions.
    inbox: { ...common, ...tableEnv, ...httpEnv, ...publisherEnv, ...webhookEnv },
    // The table only: an import notifies nobody (no bus), and answers once (no page-token key).
    'scenario-import': { ...common, ...tableEnv, ...httpEnv },
    // Due sources go onto the bus, one event each (no webhook copy: they are not notifications).
    'source-schedule': { ...common, ...tableEnv, EVENT_BUS_NAME: props.bus.eventBusName },
    // Fetches feeds: only public https addresses, as subscriptions; its items' events leave by the outbox.
    'source-poller': { ...common, ...tableEnv, ...webhookEnv },
    // The bus only: it reads the table's stream, which Lambda polls for it, never the table.
    'outbox-relay': { ...common, ...publisherEnv },
  };
  // Secrets by ARN, not value: the function reads the keyring at run time (granted in Functions),
  // so a rotation needs no deploy and no key is in the template or the function's configuration.
  return Object.fromEntries(
    (Object.keys(own) as FunctionName[]).map((name) => [name, { ...own[name], ...secretEnv(props, name) }]),
  ) as Record<FunctionName, Record<string, string>>;
}

/** The function's table statements and bus grant (infra/permissions.ts FUNCTION_ACCESS). */
function grantAccess(props: Pick<FunctionsProps, 'table' | 'bus'>, fn: NodejsFunction, name: FunctionName) {
  const { table, bus } = props;
  grantTableAccess(fn, table, name);
  if (FUNCTION_ACCESS[name].readsStream) {
    // What the event-source mapping reads with the function's role: this table's stream, nothing else.
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadStream',
        actions: [...STREAM_READ_ACTIONS],
        resources: [table.tableStreamArn!],
      }),
    );
  }
  if (FUNCTION_ACCESS[name].putEvents) {
    fn.addToRolePolicy(
      new PolicyStatement({ sid: 'PutEvents', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
  }
}
