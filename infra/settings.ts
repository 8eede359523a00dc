import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readConfig } from '../shared/config';
import { tableDefinition } from '../shared/store/table';

/**
 * Everything a deployment can vary, read from CDK context (`-c key=value`) first, then from the
 * environment, then a default. Kept apart from the stack so the stack itself only takes plain props.
 */
export interface StackSettings {
  /** Deployment stage (`-c stage=prod`, TRACKER_STAGE); default `dev`. */
  stage: string;
  /** CloudFormation stack name (`-c stackName=...`, TRACKER_STACK_NAME); default `ScenarioTracker-<stage>`. */
  stackName: string;
  /** Origins allowed by CORS (`-c corsOrigins=a,b`, TRACKER_CORS_ORIGINS); default none (no CORS). */
  corsOrigins: string[];
  /** Optional e-mail address subscribed to the alarm topic (`-c alarmEmail=...`, TRACKER_ALARM_EMAIL). */
  alarmEmail: string | undefined;
  /** Optional webhook every notification is also POSTed to (`-c webhookUrl=...`, TRACKER_WEBHOOK_URL). */
  webhookUrl: string | undefined;
  /** Days every log group keeps its logs (`-c logRetentionDays=90`); default 30. */
  logRetentionDays: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of the functions (`-c logLevel=DEBUG`); default INFO. */
  logLevel: string;
  /** Steady-state requests per second the API stage accepts (`-c throttleRate=...`); default 50. */
  throttleRateLimit: number;
  /** Burst the API stage accepts (`-c throttleBurst=...`); default 100. */
  throttleBurstLimit: number;
  /**
   * How many of the table's global indexes (in definition order, GSI1 first) the stack declares
   * (`-c tableIndexes=4`); default all. CloudFormation adds one global index per update, so a
   * stack that lacks several is brought up by deploying 4, 5, … in turn (docs/deploy.md).
   */
  tableIndexes: number | undefined;
}

type Lookup = (key: string) => unknown;

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
};

/** A comma-separated string, or a JSON array in cdk.json, as a list of trimmed non-empty strings. */
export const parseList = (value: unknown): string[] =>
  (Array.isArray(value) ? value.map(String) : (text(value) ?? '').split(','))
    .map((s) => s.trim())
    .filter(Boolean);

const positiveInt = (name: string, value: unknown, fallback: number): number => {
  const s = text(value);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${s}`);
  return n;
};

/** At least the three indexes of the first data model (a stack never had fewer), at most all of them. */
const indexCount = (value: unknown): number | undefined => {
  const all = tableDefinition('x').GlobalSecondaryIndexes?.length ?? 0;
  const s = text(value);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 3 || n > all)
    throw new Error(`tableIndexes must be a whole number from 3 to ${all}, got ${s}`);
  return n;
};

const retention = (value: unknown): RetentionDays => {
  const days = positiveInt('logRetentionDays', value, 30);
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days))
    throw new Error(
      `logRetentionDays must be one of CloudWatch's values (${allowed.join(', ')}), got ${days}`,
    );
  return days as RetentionDays;
};

/**
 * Resolve the settings. `context` is usually `(key) => app.node.tryGetContext(key)`.
 * Context wins over the environment, so `-c stage=prod` overrides TRACKER_STAGE.
 */
export function resolveSettings(context: Lookup, env: NodeJS.ProcessEnv = process.env): StackSettings {
  const pick = (key: string, envName?: string) =>
    text(context(key)) ?? (envName ? text(env[envName]) : undefined);
  const stage = pick('stage', 'TRACKER_STAGE') ?? 'dev';
  if (!STAGE_PATTERN.test(stage)) throw new Error(`stage must match ${STAGE_PATTERN}, got ${stage}`);
  const corsContext = context('corsOrigins');
  const corsOrigins = parseList(corsContext !== undefined ? corsContext : env.TRACKER_CORS_ORIGINS);
  const webhookUrl = pick('webhookUrl', 'TRACKER_WEBHOOK_URL');
  // What the functions will read, checked by their own rules now: a bad value fails the synth, not
  // every invocation after the deploy.
  readConfig({ TRACKER_CORS_ORIGINS: corsOrigins.join(','), TRACKER_WEBHOOK_URL: webhookUrl });
  return {
    stage,
    stackName: pick('stackName', 'TRACKER_STACK_NAME') ?? `ScenarioTracker-${stage}`,
    corsOrigins,
    alarmEmail: pick('alarmEmail', 'TRACKER_ALARM_EMAIL'),
    webhookUrl,
    logRetentionDays: retention(context('logRetentionDays')),
    logLevel: (pick('logLevel') ?? 'INFO').toUpperCase(),
    throttleRateLimit: positiveInt('throttleRate', context('throttleRate'), 50),
    throttleBurstLimit: positiveInt('throttleBurst', context('throttleBurst'), 100),
    tableIndexes: indexCount(context('tableIndexes')),
  };
}
