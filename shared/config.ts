/**
 * Every setting the functions and the local tools read, in one place, with its default.
 * Read once per process (at first use, not at import, so tests can set the environment first).
 */
export interface Config {
  /** DynamoDB table holding every item (TABLE_NAME, default `scenario-tracker`). */
  tableName: string;
  /** DYNAMODB_ENDPOINT: unset → AWS (in Lambda) or the embedded DynamoDB Local (local tools); a URL → that endpoint. */
  dynamodbEndpoint: string | undefined;
  /** AWS_REGION; for DynamoDB Local a fixed placeholder; for real AWS unset means the SDK's own lookup (profile, instance). */
  region: string | undefined;
  /** EventBridge bus for notifications (EVENT_BUS_NAME); unset → events are logged (and POSTed to the webhook). */
  eventBusName: string | undefined;
  /** TRACKER_WEBHOOK_URL: when set, every notification is POSTed there as JSON. */
  webhookUrl: string | undefined;
  /** TRACKER_CORS_ORIGINS: comma-separated origins allowed by CORS (default: none). */
  corsOrigins: string[];
  /** Bounded retry of version conflicts on unconditional writes (WRITE_MAX_ATTEMPTS, default 100)... */
  writeMaxAttempts: number;
  /** ...and at most this long in all (WRITE_RETRY_BUDGET_MS, default 10000; the write function times out at 20 s). */
  writeRetryBudgetMs: number;
  /** Cap of the jittered back-off between attempts, in ms (WRITE_BACKOFF_CAP_MS, default 200). */
  writeBackoffCapMs: number;
  /** How long an idempotency record is remembered (24 h per the contract). */
  idempotencyTtlSeconds: number;
  /** How long an in-progress idempotency claim blocks a repeat before it is presumed dead (IDEMPOTENCY_LOCK_SECONDS, default 60). */
  idempotencyLockSeconds: number;
  /**
   * How long one attempt of a DynamoDB call may take, connecting included (DYNAMODB_TIMEOUT_MS,
   * default 1500). A database that stops answering must not hold a request past its function's
   * timeout: see `dynamoCallBoundMs`.
   */
  dynamodbTimeoutMs: number;
  /** Attempts per DynamoDB call, the first included (DYNAMODB_MAX_ATTEMPTS, default 2). */
  dynamodbMaxAttempts: number;
  /** Secret that signs pagination tokens (PAGE_TOKEN_SECRET; default derived from the table name, fine for local use only). */
  pageTokenSecret: string;
}

const int = (value: string | undefined, fallback: number): number => {
  const n = value === undefined || value === '' ? NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const tableName = env.TABLE_NAME || 'scenario-tracker';
  const endpoint = env.DYNAMODB_ENDPOINT;
  return {
    tableName,
    dynamodbEndpoint: endpoint && endpoint !== 'aws' ? endpoint : undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint && endpoint !== 'aws' ? 'us-east-1' : undefined),
    eventBusName: env.EVENT_BUS_NAME || undefined,
    webhookUrl: env.TRACKER_WEBHOOK_URL || undefined,
    corsOrigins: (env.TRACKER_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    writeMaxAttempts: int(env.WRITE_MAX_ATTEMPTS, 100),
    writeRetryBudgetMs: int(env.WRITE_RETRY_BUDGET_MS, 10_000),
    writeBackoffCapMs: int(env.WRITE_BACKOFF_CAP_MS, 200),
    idempotencyTtlSeconds: 24 * 3600,
    idempotencyLockSeconds: int(env.IDEMPOTENCY_LOCK_SECONDS, 60),
    dynamodbTimeoutMs: int(env.DYNAMODB_TIMEOUT_MS, 1500),
    dynamodbMaxAttempts: int(env.DYNAMODB_MAX_ATTEMPTS, 2),
    pageTokenSecret: env.PAGE_TOKEN_SECRET || `scenario-tracker:${tableName}`,
  };
}

/**
 * The SDK waits at most this long between two attempts (its back-off for throttling starts at 1 s
 * and doubles; other errors wait less).
 */
const SDK_MAX_BACKOFF_MS = (attempts: number) => 1000 * (2 ** Math.max(0, attempts - 1) - 1);

/**
 * The longest one DynamoDB call can take before it fails: every attempt timing out, plus the
 * back-off between them. A request that meets a stalled database fails within about one such bound
 * (two for an idempotent write, which then gives its claim back), so the function timeouts in
 * infra/stack.ts are kept above twice this (asserted in test/infra).
 */
export const dynamoCallBoundMs = (cfg: Pick<Config, 'dynamodbTimeoutMs' | 'dynamodbMaxAttempts'>): number =>
  cfg.dynamodbMaxAttempts * cfg.dynamodbTimeoutMs + SDK_MAX_BACKOFF_MS(cfg.dynamodbMaxAttempts);

let cached: Config | undefined;
export const config = (): Config => (cached ??= readConfig());
