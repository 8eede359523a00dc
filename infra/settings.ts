import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod/mini';
import { readConfig } from '../shared/config';
import { tableDefinition } from '../shared/store/table';
import { ALL_FUNCTION_ENTRIES, type AnyFunctionName } from './bundling';
import {
  API_GATEWAY_CLOUDWATCH_ROLE_MODES,
  type ApiGatewayCloudWatchRole,
} from './constructs/api-gateway-account';
import { DELIVERY_SWEEP_CONCURRENCY } from './constructs/schedule';

/**
 * Everything a deployment can vary, per stage, parsed and checked here and nowhere else.
 *
 * Where a value comes from, first match wins:
 *   1. a CDK context flag (`-c alarmEmail=...`, or a top-level key of cdk.json's `context`),
 *   2. the environment variable some settings have (TRACKER_ALARM_EMAIL, ...),
 *   3. the stage's block in cdk.json: `context.stages.<stage>` (`-c stage=prod` picks `prod`),
 *   4. the default.
 * The stage's block is what a deploy is made of: it is in the repository, so the next deploy has
 * it too. A value from a flag or the environment holds for this synth only, so each one is reported
 * (`fromFlags`, turned into a synth warning by infra/build.ts) rather than silently dropped next time.
 * Every value is checked by a zod/mini schema; a bad one fails the synth with its name, its source and
 * the rule, never a quiet default.
 */
export interface StackSettings {
  /** Deployment stage (`-c stage=prod`, TRACKER_STAGE); default `dev`. */
  stage: string;
  /** CloudFormation stack name (`stackName`, TRACKER_STACK_NAME); default `ScenarioTracker-<stage>`. */
  stackName: string;
  /** Origins allowed by CORS (`corsOrigins`: a list, or a, b; TRACKER_CORS_ORIGINS); default none (no CORS). */
  corsOrigins: string[];
  /**
   * Pages that may frame the public embeds (`embedOrigins`: a list, or a, b; TRACKER_EMBED_ORIGINS);
   * unset: the functions' default, `*` (contract 1.2).
   */
  embedOrigins: string[] | undefined;
  /** E-mail address subscribed to the alarm topic (`alarmEmail`, TRACKER_ALARM_EMAIL). */
  alarmEmail: string | undefined;
  /** Webhook every notification is also POSTed to (`webhookUrl`, TRACKER_WEBHOOK_URL). */
  webhookUrl: string | undefined;
  /** Days every log group keeps its logs (`logRetentionDays`); default 30. */
  logRetentionDays: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of the functions (`logLevel`); default INFO. */
  logLevel: string;
  /** Steady-state requests per second the API stage accepts (`throttleRate`); default 50. */
  throttleRateLimit: number;
  /** Burst the API stage accepts (`throttleBurst`); default 100. */
  throttleBurstLimit: number;
  /**
   * How many of the table's global indexes (in definition order, GSI1 first) the stack declares
   * (`tableIndexes`); default all. CloudFormation adds one global index per update, so a
   * stack that lacks several is brought up by deploying 4, 5, … in turn (docs/deploy.md).
   */
  tableIndexes: number | undefined;
  /**
   * Reserved concurrency per function, after scaling; undefined when reservation is off
   * (`reservedConcurrency`: `off`, `on`, or a map of function → count over RESERVED_CONCURRENCY;
   * `reservedConcurrencyScale`; checked against `accountConcurrency`, which a stage that reserves
   * must name). See docs/deploy.md.
   */
  reservedConcurrency: Record<AnyFunctionName, number> | undefined;
  /**
   * The account's concurrent-executions quota in the region (`accountConcurrency`), as Service Quotas
   * shows it; undefined when the stage does not name it. No default: a new account's quota can be
   * 10, and a guessed 1,000 would let a reservation through that fails the deploy half-way.
   */
  accountConcurrency: number | undefined;
  /**
   * Where alarm descriptions point for their runbook entry (`runbookUrl`): the repository's
   * docs/runbook.md as a URL (https://github.com/org/repo/blob/main/docs/runbook.md), or by default
   * the relative path `docs/runbook.md`. Each alarm appends its `#anchor`.
   */
  runbookUrl: string;
  /**
   * Who provides API Gateway's account-level CloudWatch Logs role, which the live WebSocket stage's
   * access log needs (`apiGatewayCloudWatchRole`: `create`, `existing` or `off`); default `create`.
   * infra/constructs/api-gateway-account.ts says what each means; docs/deploy.md how to choose.
   */
  apiGatewayCloudWatchRole: ApiGatewayCloudWatchRole;
  /**
   * The edge in front of the HTTP API (`edge`: `on` or `off`; default `on`): a CloudFront
   * distribution with a WAF web ACL whose rate-based rules limit each source address, and an origin
   * header without which the API refuses a request (infra/constructs/edge.ts, docs/security.md).
   * The web ACL must live in us-east-1 and the stack references it across regions, which CDK can
   * only do for a stack pinned to a region: an environment-agnostic synth (no CDK_DEFAULT_ACCOUNT /
   * CDK_DEFAULT_REGION) has no edge even when this is on, and says so with a synth warning
   * (infra/build.ts). `off` leaves the API open to every address, as before the edge.
   */
  edge: boolean;
  /**
   * The most requests one source address may send through the edge per minute, all methods
   * (`edgeRequestsPerMinute`; WAF's floor is 10); default EDGE_DEFAULTS.requestsPerMinute. An
   * address over it is answered 429 by WAF until its rate falls back under it.
   */
  edgeRequestsPerMinute: number;
  /**
   * The most writes (POST, PUT, PATCH, DELETE) one source address may send per minute
   * (`edgeWritesPerMinute`); default EDGE_DEFAULTS.writesPerMinute. At most edgeRequestsPerMinute.
   */
  edgeWritesPerMinute: number;
  /**
   * A custom domain for the edge (`edgeDomain`, e.g. api.desk.example.org), with `edgeCertificateArn`:
   * an ACM certificate in us-east-1 that covers it. Both or neither; without them the edge answers
   * at its *.cloudfront.net name. DNS (a CNAME or alias to the distribution) is the operator's.
   */
  edgeDomain: string | undefined;
  edgeCertificateArn: string | undefined;
  /**
   * Bumped to make CloudFront take up a rotated origin secret (`edgeSecretRevision`, default 1):
   * CloudFormation resolves the secret into the distribution only when the distribution changes,
   * and this revision is sent as a header, so a new value changes it (docs/runbook.md).
   */
  edgeSecretRevision: number;
  /** The settings this synth took from a flag or the environment, not from cdk.json's stage block. */
  fromFlags: { key: string; source: string }[];
}

/** Thrown for a setting that cannot be used; the message names the setting, where it came from, and the rule. */
export class StackSettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'StackSettingError';
  }
}

/**
 * What each function may run at once when reservation is on, before scaling. The authorizer is
 * on every uncached request's path, so it has its own share that a burst of writes cannot take;
 * the writers are capped below the readers and the authorizer; the workers need little. Feed readers
 * poll on their own schedule, so the feeds have their own count: a crowd of them is throttled there
 * and cannot take the executions the API's readers need. The live WebSocket's functions are reserved
 * too (below). The total must leave Lambda's 100 unreserved executions of the default quota of 1,000
 * (docs/deploy.md gives the sum).
 */
export const RESERVED_CONCURRENCY: Record<AnyFunctionName, number> = {
  authorizer: 100,
  'threads-read': 100,
  'threads-write': 50,
  health: 10,
  tokens: 5,
  kinds: 5,
  subscriptions: 5,
  'stale-check': 2,
  'scenario-recount': 5,
  deliveries: 10,
  // One batch per stream shard at a time (infra/constructs/stream-consumer.ts): a few shards at most.
  'outbox-relay': 5,
  feeds: 20,
  // The news inbox: wire services and mail bridges push on their own schedule, and editors decide;
  // a flood of arrivals is throttled here and cannot take the writers' executions.
  inbox: 10,
  // News sources (contract 1.2): the schedule runs once a minute; the poller takes one source per
  // invocation from its queue, so ten feeds are fetched at once at most (each up to 10 s).
  'source-schedule': 2,
  'source-poller': 10,
  // Scenario imports (admin, rare): two at once is plenty, and a runaway script cannot take the
  // table's write capacity from the writers with more.
  'scenario-import': 2,
  // The live WebSocket. The authorizer runs on every $connect and has its own share, so a reconnect
  // storm (every screen at once after a deploy or a network blip) cannot take the HTTP functions'
  // executions, nor they its; the route function answers the same handshakes and the clients'
  // subscribe messages (the stage throttle, 50/s with bursts of 100, bounds both). The fan-out runs
  // on every notification, so it is sized like the writers that publish them; a throttled event
  // waits in Lambda's queue up to LIVE_FANOUT_MAX_EVENT_AGE (a late frame helps no screen, which
  // revalidates on reconnect) and the LiveFanoutThrottles alarm says so.
  'live-authorizer': 25,
  'live-connections': 25,
  'live-fanout': 50,
};

/**
 * The edge's default limits per source address (docs/deploy.md, "The edge"). An office's editors
 * often share one public address, so the limits are sized for a newsroom behind one NAT, not for
 * one person: 600 requests a minute (10 a second, the desk's polling for some 30 screens) and 120
 * writes a minute (2 a second). One address can then take at most 2 of the 50 writes a second an
 * editors' route's throttle lets through (the stage's, infra/constructs/api.ts).
 */
export const EDGE_DEFAULTS = { requestsPerMinute: 600, writesPerMinute: 120 } as const;

/** Lambda refuses a reservation that leaves fewer unreserved executions than this in the account. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

/**
 * The least a reservation may be, after scaling (1 otherwise). An SQS queue's pollers need at least
 * two executions, and the delivery function's must leave the sweep its own (infra/constructs/events.ts).
 */
export const MIN_RESERVATION: Partial<Record<AnyFunctionName, number>> = {
  'scenario-recount': 2,
  deliveries: 2 + DELIVERY_SWEEP_CONCURRENCY,
  'source-poller': 2,
};

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
const FUNCTION_NAMES = Object.keys(ALL_FUNCTION_ENTRIES) as [AnyFunctionName, ...AnyFunctionName[]];

// ---- Schemas: cdk.json gives JSON values, flags and the environment give strings ----

/** A whole number from min to max, given as a number or as its digits. */
const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^\s*-?\d+(\.\d+)?\s*$/, message))]),
    z.pipe(
      z.transform((v: number | string) => Number(v)),
      z.number().check(z.int(message), z.gte(min, message), z.lte(max, message)),
    ),
  );
};
const text = (pattern: RegExp, message: string) => z.string().check(z.trim(), z.regex(pattern, message));
/** A list in cdk.json, or comma-separated text from a flag or the environment. */
const list = z.pipe(
  z.union([z.array(z.string()), z.string()]),
  z.transform((v: string[] | string) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean),
  ),
);
const onOff = z.pipe(
  z.union([z.boolean(), z.enum(['on', 'off', 'true', 'false'])]),
  z.transform((v: boolean | 'on' | 'off' | 'true' | 'false') => v === true || v === 'on' || v === 'true'),
);
const reservationMap = z.partialRecord(z.enum(FUNCTION_NAMES), wholeNumber(1, 10_000));
const reservation = z.union([
  onOff,
  reservationMap,
  // A map given as a flag: -c 'reservedConcurrency={"authorizer":50}'.
  z.pipe(
    z.pipe(
      z.string().check(z.regex(/^\s*\{/, 'must be on, off, or a map of function name to a whole number')),
      z.transform((s: string, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', input: s, message: 'is not valid JSON' });
          return z.NEVER;
        }
      }),
    ),
    reservationMap,
  ),
]);
const retentionDays = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
const allIndexes = tableDefinition('x').GlobalSecondaryIndexes?.length ?? 0;

/** Every setting a stage may hold, with the environment variable that may also give it. */
const SETTINGS = {
  stackName: {
    env: 'TRACKER_STACK_NAME',
    schema: text(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name'),
  },
  corsOrigins: { env: 'TRACKER_CORS_ORIGINS', schema: list },
  embedOrigins: { env: 'TRACKER_EMBED_ORIGINS', schema: list },
  alarmEmail: {
    env: 'TRACKER_ALARM_EMAIL',
    schema: z.string().check(z.trim(), z.email('must be an e-mail address')),
  },
  webhookUrl: { env: 'TRACKER_WEBHOOK_URL', schema: z.string().check(z.trim()) },
  logRetentionDays: {
    schema: z.pipe(
      wholeNumber(1, 3653),
      z
        .number()
        .check(
          z.refine(
            (d: number) => retentionDays.includes(d),
            `must be one of CloudWatch's values (${retentionDays.join(', ')})`,
          ),
        ),
    ),
  },
  logLevel: {
    schema: z.pipe(
      z.string().check(z.trim(), z.toUpperCase()),
      z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
    ),
  },
  throttleRate: { schema: wholeNumber(1, 10_000) },
  throttleBurst: { schema: wholeNumber(1, 5_000) },
  tableIndexes: { schema: wholeNumber(3, allIndexes) },
  reservedConcurrency: { schema: reservation },
  reservedConcurrencyScale: {
    schema: z.pipe(
      z.union([z.number(), z.string()]),
      z.pipe(
        z.transform((v: number | string) => Number(v)),
        z
          .number()
          .check(
            z.refine(
              (n: number) => Number.isFinite(n) && n > 0 && n <= 100,
              'must be a number above 0 and at most 100',
            ),
          ),
      ),
    ),
  },
  accountConcurrency: { schema: wholeNumber(1, 1_000_000) },
  apiGatewayCloudWatchRole: {
    schema: z.pipe(
      z.string().check(z.trim()),
      z.enum(
        API_GATEWAY_CLOUDWATCH_ROLE_MODES,
        `must be one of ${API_GATEWAY_CLOUDWATCH_ROLE_MODES.join(', ')}`,
      ),
    ),
  },
  edge: { schema: onOff },
  // WAF's rate-based rules take 10 to 2,000,000,000 per evaluation window.
  edgeRequestsPerMinute: { schema: wholeNumber(10, 2_000_000_000) },
  edgeWritesPerMinute: { schema: wholeNumber(10, 2_000_000_000) },
  edgeDomain: {
    schema: text(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'must be a lower-case domain name such as api.desk.example.org',
    ),
  },
  edgeCertificateArn: {
    schema: text(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
      'must be the ARN of an ACM certificate in us-east-1 (CloudFront takes no other region)',
    ),
  },
  edgeSecretRevision: { schema: wholeNumber(1, 1_000_000) },
  runbookUrl: {
    schema: text(
      /^(https:\/\/\S+|[\w./-]+)$/,
      'must be an https URL or a path in the repository (docs/runbook.md)',
    ),
  },
} satisfies Record<string, { env?: string; schema: z.ZodMiniType }>;

type Key = keyof typeof SETTINGS;
type Parsed<K extends Key> = z.output<(typeof SETTINGS)[K]['schema']>;

/** Settings that steer one deploy on purpose, so taking them from a flag is no cause for a warning. */
const TRANSIENT: readonly Key[] = ['tableIndexes'];

type Lookup = (key: string) => unknown;

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/**
 * Resolve the settings. `context` is usually `(key) => app.node.tryGetContext(key)`, which sees
 * both `-c` flags and cdk.json's context (where `stages` lives).
 */
export function resolveSettings(context: Lookup, env: NodeJS.ProcessEnv = process.env): StackSettings {
  const stageFlag = context('stage');
  const stage = String(
    present(stageFlag) ? stageFlag : present(env.TRACKER_STAGE) ? env.TRACKER_STAGE : 'dev',
  ).trim();
  if (!STAGE_PATTERN.test(stage))
    throw new StackSettingError('stage', `stage must match ${STAGE_PATTERN}, got ${JSON.stringify(stage)}`);
  const stages = context('stages');
  if (stages !== undefined && (typeof stages !== 'object' || stages === null || Array.isArray(stages)))
    throw new StackSettingError(
      'stages',
      'cdk.json context.stages must be an object of stage name → settings',
    );
  const block = ((stages as Record<string, unknown> | undefined)?.[stage] ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(block))
    if (!(key in SETTINGS))
      throw new StackSettingError(
        key,
        `cdk.json stages.${stage}.${key} is not a setting; known: ${Object.keys(SETTINGS).join(', ')}`,
      );

  const fromFlags: { key: string; source: string }[] = [];
  const read = <K extends Key>(key: K): Parsed<K> | undefined => {
    const spec: { env?: string; schema: z.ZodMiniType } = SETTINGS[key];
    const flag = context(key);
    const [value, source] = present(flag)
      ? [flag, `-c ${key}`]
      : spec.env && present(env[spec.env])
        ? [env[spec.env], spec.env]
        : present(block[key])
          ? [block[key], `cdk.json stages.${stage}.${key}`]
          : [undefined, ''];
    if (value === undefined) return undefined;
    const result = z.safeParse(spec.schema, value);
    if (!result.success) {
      const shown = typeof value === 'object' ? JSON.stringify(value) : JSON.stringify(String(value));
      throw new StackSettingError(key, `${key} (${source}) ${result.error.issues[0]!.message}, got ${shown}`);
    }
    if (!source.startsWith('cdk.json') && !TRANSIENT.includes(key)) fromFlags.push({ key, source });
    return result.data as Parsed<K>;
  };

  const corsOrigins = read('corsOrigins') ?? [];
  const webhookUrl = read('webhookUrl');
  // What the functions will read, checked by their own rules now: a bad value fails the synth, not
  // every invocation after the deploy.
  const embedOrigins = read('embedOrigins');
  readConfig({
    TRACKER_CORS_ORIGINS: corsOrigins.join(','),
    TRACKER_WEBHOOK_URL: webhookUrl,
    TRACKER_EMBED_ORIGINS: embedOrigins?.join(','),
  });

  const accountConcurrency = read('accountConcurrency');
  const edgeRequestsPerMinute = read('edgeRequestsPerMinute') ?? EDGE_DEFAULTS.requestsPerMinute;
  const edgeWritesPerMinute = read('edgeWritesPerMinute') ?? EDGE_DEFAULTS.writesPerMinute;
  if (edgeWritesPerMinute > edgeRequestsPerMinute)
    throw new StackSettingError(
      'edgeWritesPerMinute',
      `edgeWritesPerMinute (${edgeWritesPerMinute}) is above edgeRequestsPerMinute (${edgeRequestsPerMinute}): ` +
        `writes are requests too, so the request limit would stop them first. Lower it or raise edgeRequestsPerMinute.`,
    );
  const edgeDomain = read('edgeDomain');
  const edgeCertificateArn = read('edgeCertificateArn');
  if ((edgeDomain === undefined) !== (edgeCertificateArn === undefined))
    throw new StackSettingError(
      edgeDomain === undefined ? 'edgeDomain' : 'edgeCertificateArn',
      `edgeDomain and edgeCertificateArn go together: CloudFront serves a custom domain only with a certificate ` +
        `for it in us-east-1. Set both, or neither (the edge then answers at its *.cloudfront.net name).`,
    );
  return {
    stage,
    stackName: read('stackName') ?? `ScenarioTracker-${stage}`,
    corsOrigins,
    embedOrigins,
    alarmEmail: read('alarmEmail'),
    webhookUrl,
    logRetentionDays: (read('logRetentionDays') ?? 30) as RetentionDays,
    logLevel: read('logLevel') ?? 'INFO',
    throttleRateLimit: read('throttleRate') ?? 50,
    throttleBurstLimit: read('throttleBurst') ?? 100,
    tableIndexes: read('tableIndexes'),
    reservedConcurrency: reservations(
      read('reservedConcurrency') ?? false,
      read('reservedConcurrencyScale') ?? 1,
      accountConcurrency,
    ),
    accountConcurrency,
    runbookUrl: read('runbookUrl') ?? 'docs/runbook.md',
    apiGatewayCloudWatchRole: read('apiGatewayCloudWatchRole') ?? 'create',
    edge: read('edge') ?? true,
    edgeRequestsPerMinute,
    edgeWritesPerMinute,
    edgeDomain,
    edgeCertificateArn,
    edgeSecretRevision: read('edgeSecretRevision') ?? 1,
    fromFlags,
  };
}

/**
 * The reservation per function: off, or the defaults overlaid with the stage's own counts, scaled
 * (rounded up, at least 1; at least MIN_RESERVATION for a queue's function), and refused when the account could
 * not keep its 100 unreserved executions: a deploy would fail on it half-way, this fails the synth.
 * A reservation needs the quota it must fit in named (`accountConcurrency`): it is never assumed.
 */
function reservations(
  given: boolean | Partial<Record<AnyFunctionName, number>>,
  scale: number,
  accountConcurrency: number | undefined,
): Record<AnyFunctionName, number> | undefined {
  if (given === false) return undefined;
  if (accountConcurrency === undefined)
    throw new StackSettingError(
      'accountConcurrency',
      `reservedConcurrency is on, but the stage names no accountConcurrency: reservations must fit the account's ` +
        `concurrent-executions quota with ${MIN_UNRESERVED_CONCURRENCY} left unreserved, and a new account's quota can be as low as 10. ` +
        `Look it up (aws lambda get-account-settings --query AccountLimit.ConcurrentExecutions, or Service Quotas) and set ` +
        `accountConcurrency in cdk.json for this stage, or set reservedConcurrency to off. See docs/deploy.md.`,
    );
  const base = { ...RESERVED_CONCURRENCY, ...(given === true ? {} : given) };
  const scaled = Object.fromEntries(
    FUNCTION_NAMES.map((name) => [name, Math.max(MIN_RESERVATION[name] ?? 1, Math.ceil(base[name] * scale))]),
  ) as Record<AnyFunctionName, number>;
  const total = Object.values(scaled).reduce((a, b) => a + b, 0);
  const room = accountConcurrency - MIN_UNRESERVED_CONCURRENCY;
  if (total > room)
    throw new StackSettingError(
      'reservedConcurrency',
      `reservedConcurrency reserves ${total} concurrent executions, but an account with a quota of ${accountConcurrency} ` +
        `(accountConcurrency) can reserve at most ${Math.max(0, room)}: Lambda keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved. ` +
        `Set reservedConcurrency to off for this stage, lower reservedConcurrencyScale, or raise the quota ` +
        `(Service Quotas: Lambda concurrent executions) and accountConcurrency with it. See docs/deploy.md.`,
    );
  return scaled;
}
