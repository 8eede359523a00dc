import './domain/zod-setup';
import * as z from 'zod/mini';
import { KeyringFormatError, parseKeyring } from './domain/keyring';
import { SOURCE_MAX_BYTES, SOURCE_TIMEOUT_MS } from './domain/limits';

/**
 * Every setting the functions and the local tools read, in one place: one zod/mini schema per group
 * of settings (the functions' core, the local server's), each variable checked at start and refused
 * with one line naming it. A bad value is never silently replaced by a default: a typo in
 * `STALE_CHECK_INTERVAL_SECONDS` that turned the stale check off, or two token variables with one
 * value that made the editor a reader, went unnoticed until something else broke.
 *
 * An empty variable counts as unset (`FOO= npm start` is how a shell unsets for one command).
 */

/** A setting that cannot be used. The message is one line and starts with the variable's name. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'SettingError';
  }
}

/** setTimeout's delay is a signed 32-bit count of ms: beyond it Node fires after 1 ms. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const integer = (min: number, max: number, unit = '') => {
  const message = `must be an integer from ${min} to ${max}${unit}`;
  return z.pipe(
    z.pipe(z.string().check(z.regex(/^\d{1,10}$/, message)), z.transform(Number)),
    z.number().check(z.gte(min, message), z.lte(max, message)),
  );
};
const portSetting = () =>
  z
    .pipe(
      z.string().check(z.regex(/^\d{1,5}$/, 'must be a port number from 1 to 65535')),
      z.transform(Number),
    )
    .check(z.refine((n: number) => n >= 1 && n <= 65535, 'must be a port number from 1 to 65535'));

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && /^https?:\/\//i.test(s);
  } catch {
    return false;
  }
};
/** A base URL links can be built on: http(s), no user, query or fragment (a path is a base path). */
const isBaseUrl = (s: string): boolean => {
  if (!isHttpUrl(s)) return false;
  const u = new URL(s);
  return !u.username && !u.password && !u.search && !u.hash && !s.endsWith('?') && !s.endsWith('#');
};
/** An origin as browsers send it: scheme, host and port, nothing else (`https://desk.example.org`). */
const isOrigin = (s: string): boolean => isHttpUrl(s) && new URL(s).origin === s;

/**
 * A keyring (shared/domain/keyring.ts) as text: its JSON, or a plain key of at least 32 visible
 * characters (`npm run keyring -- new` makes one). The message names the problem, never the value.
 */
const keyringSetting = () =>
  z.string().check(
    z.refine((s: string) => {
      try {
        return parseKeyring(s) !== undefined;
      } catch (error) {
        if (error instanceof KeyringFormatError) return false;
        throw error;
      }
    }, 'must be a keyring (the JSON that npm run keyring -- new prints) or a key of at least 32 visible ASCII characters'),
  );
/** Where the cloud keeps a keyring: the function reads the secret at run time, never its value from here. */
const secretArn = () =>
  z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/,
        'must be the ARN of a Secrets Manager secret',
      ),
    );

/** What a Bearer header can carry (shared/app/tokens.ts): 1–512 visible ASCII characters. */
export const TOKEN_SETTING = /^[\x21-\x7e]{1,512}$/;

/**
 * A group of settings: each variable's schema, built only when the variable is set (parseGroup).
 * Every setting is optional; defaults are applied in readConfig / readLocalSettings.
 */
type SettingGroup = Record<string, () => z.ZodMiniType<unknown, string>>;

// ---- The core: every function and local tool ----

const CORE_SETTINGS = {
  TABLE_NAME: () =>
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9_.-]{3,255}$/,
          'must be a DynamoDB table name: 3–255 letters, digits, "_", "-" or "."',
        ),
      ),
  DYNAMODB_ENDPOINT: () =>
    z
      .string()
      .check(z.refine((s: string) => s === 'aws' || isHttpUrl(s), 'must be an http(s) URL or the word aws')),
  EVENT_BUS_NAME: () =>
    z.string().check(z.regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'must be an EventBridge bus name or ARN')),
  TRACKER_WEBHOOK_URL: () => z.string().check(z.refine(isHttpUrl, 'must be an http(s) URL')),
  TRACKER_CORS_ORIGINS: () =>
    z
      .pipe(
        z.string(),
        z.transform((s: string) =>
          s
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        ),
      )
      .check(
        z.refine(
          (list: string[]) => list.every(isOrigin),
          'must be comma-separated origins such as https://desk.example.org (scheme, host, port; no path)',
        ),
      ),
  // Public scenarios and embeds (contract 1.2): who may frame the embed page; `*` (the default) is anyone.
  TRACKER_EMBED_ORIGINS: () =>
    z
      .pipe(
        z.string(),
        z.transform((s: string) =>
          s
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        ),
      )
      .check(
        z.refine(
          (list: string[]) => list.length > 0 && (list.join() === '*' || list.every(isOrigin)),
          'must be * or comma-separated origins such as https://news.example.org (scheme, host, port; no path)',
        ),
      ),
  WRITE_MAX_ATTEMPTS: () => integer(1, 1000),
  WRITE_RETRY_BUDGET_MS: () => integer(1, 600_000, ' ms'),
  WRITE_BACKOFF_CAP_MS: () => integer(1, 60_000, ' ms'),
  IDEMPOTENCY_LOCK_SECONDS: () => integer(1, 86_400, ' seconds'),
  DYNAMODB_TIMEOUT_MS: () => integer(100, 60_000, ' ms'),
  DYNAMODB_MAX_ATTEMPTS: () => integer(1, 10),
  KINDS_CACHE_SECONDS: () => integer(0, 3600, ' seconds'),
  PAGE_TOKEN_SECRET: () => keyringSetting(),
  PAGE_TOKEN_SECRET_ARN: () => secretArn(),
  TRACKER_ALLOW_PRIVATE_WEBHOOKS: () => z.enum(['true', 'false'], 'must be true or false'),
  TRACKER_WEBHOOK_RETRY_SCHEDULE: () =>
    z
      .pipe(
        z
          .string()
          .check(
            z.regex(
              /^\s*\d{1,7}\s*(,\s*\d{1,7}\s*){0,19}$/,
              'must be 1–20 delays in seconds, comma separated, each from 0 to 604800 (7 days)',
            ),
          ),
        z.transform((s: string) => s.split(',').map((d) => Number(d.trim()))),
      )
      .check(
        z.refine(
          (list: number[]) => list.every((d) => d <= 604_800),
          'must be 1–20 delays in seconds, comma separated, each from 0 to 604800 (7 days)',
        ),
      ),
  TRACKER_WEBHOOK_SECRET_KEY: () => keyringSetting(),
  TRACKER_WEBHOOK_SECRET_KEY_ARN: () => secretArn(),
  TRACKER_ORIGIN_SECRET_ARN: () => secretArn(),
  TRACKER_PUBLIC_URL: () =>
    z.pipe(
      z
        .string()
        .check(
          z.refine(
            isBaseUrl,
            'must be the http(s) URL clients reach the API at, such as https://api.example.org (no query or fragment)',
          ),
        ),
      z.transform((s: string) => s.replace(/\/+$/, '')),
    ),
  TRACKER_LIVE_CALLBACK_URL: () =>
    z
      .string()
      .check(
        z.refine(
          (s: string) => s.startsWith('https://') && isHttpUrl(s),
          'must be the https URL of a WebSocket API stage (the stack sets it)',
        ),
      ),
  // The public channels (AppSync Events in the cloud; shared/domain/public-channel.ts).
  TRACKER_PUBLIC_EVENTS_URL: () =>
    z
      .string()
      .check(
        z.refine(
          (s: string) => isBaseUrl(s) && new URL(s).pathname === '/event',
          'must be the http(s) publish endpoint of an AppSync Event API, such as https://<id>.appsync-api.<region>.amazonaws.com/event',
        ),
      ),
  TRACKER_PUBLIC_EVENTS_REALTIME_URL: () =>
    z.string().check(
      z.refine((s: string) => {
        try {
          const u = new URL(s);
          return (
            (u.protocol === 'wss:' || u.protocol === 'ws:') && u.pathname === '/event/realtime' && !u.search
          );
        } catch {
          return false;
        }
      }, 'must be the ws(s) real-time endpoint of an AppSync Event API, such as wss://<id>.appsync-realtime-api.<region>.amazonaws.com/event/realtime'),
    ),
  TRACKER_PUBLIC_EVENTS_KEY: () =>
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9-]{1,256}$/, 'must be an AppSync API key (letters, digits, dashes)')),
} satisfies SettingGroup;

// ---- The local server (npm start) ----

const TOKEN = () =>
  z
    .string()
    .check(
      z.regex(
        TOKEN_SETTING,
        'must be 1–512 visible ASCII characters (no spaces): it is sent as Authorization: Bearer <token>',
      ),
    );

/** Only the local server reads these. */
const LOCAL_SETTINGS = {
  PORT: portSetting,
  DYNAMODB_LOCAL_PORT: portSetting,
  TRACKER_DATA_DIR: () => z.string().check(z.refine((s: string) => s.trim() !== '', 'must name a folder')),
  TRACKER_SEED: () => z.enum(['true', 'false'], 'must be true or false'),
  STALE_CHECK_INTERVAL_SECONDS: () => integer(0, MAX_TIMER_SECONDS, ' seconds (0 turns the check off)'),
  SOURCE_POLL_INTERVAL_SECONDS: () => integer(0, MAX_TIMER_SECONDS, ' seconds (0 turns polling off)'),
  TRACKER_LIVE_IDLE_SECONDS: () => integer(1, 7200, ' seconds'),
  TRACKER_READER_TOKEN: TOKEN,
  TRACKER_EDITOR_TOKEN: TOKEN,
  TRACKER_ADMIN_TOKEN: TOKEN,
} satisfies SettingGroup;

/** Values never repeated in a message: they are credentials. */
const SECRET = new Set([
  'PAGE_TOKEN_SECRET',
  'TRACKER_WEBHOOK_SECRET_KEY',
  'TRACKER_READER_TOKEN',
  'TRACKER_EDITOR_TOKEN',
  'TRACKER_ADMIN_TOKEN',
]);

/** What a group's parse gives: each variable's parsed value, absent when unset. */
type Parsed<G extends SettingGroup> = { [K in keyof G]?: z.output<ReturnType<G[K]>> };

/**
 * Parse the group's variables (empty = unset) or throw the first problem as a SettingError. Only the
 * variables that are set get a schema: a function's environment holds a handful of the settings, and
 * building the schemas of the others would be work at every cold start for nothing.
 */
function parseGroup<G extends SettingGroup>(group: G, env: NodeJS.ProcessEnv): Parsed<G> {
  const shape: Record<string, z.ZodMiniType> = {};
  const input: Record<string, string> = {};
  for (const name of Object.keys(group)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    input[name] = value;
    shape[name] = group[name]!();
  }
  if (Object.keys(shape).length === 0) return {};
  const result = z.safeParse(z.object(shape), input);
  if (result.success) return result.data as Parsed<G>;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? '(environment)');
  const shown = SECRET.has(variable) ? '' : `, not ${JSON.stringify(input[variable])}`;
  throw new SettingError(variable, `${issue.message}${shown}.`);
}

// ---- What the code works with ----

export interface Config {
  /** DynamoDB table holding every item (TABLE_NAME, default `scenario-tracker`). */
  tableName: string;
  /** DYNAMODB_ENDPOINT: unset → AWS (in Lambda) or the embedded DynamoDB Local (local tools); a URL → that endpoint. */
  dynamodbEndpoint: string | undefined;
  /** AWS_REGION; for DynamoDB Local a fixed placeholder; for real AWS unset means the SDK's own lookup (profile, instance). */
  region: string | undefined;
  /**
   * Credentials for DynamoDB Local, which accepts any: fixed dummy ones when an endpoint is given and
   * AWS_ACCESS_KEY_ID is not, so the SDK never looks elsewhere (a profile, an instance role).
   * Undefined: the SDK's own lookup.
   */
  dynamodbCredentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** EventBridge bus for notifications (EVENT_BUS_NAME); unset → events are logged (and POSTed to the webhook). */
  eventBusName: string | undefined;
  /** TRACKER_WEBHOOK_URL: when set, every notification is POSTed there as JSON. */
  webhookUrl: string | undefined;
  /** TRACKER_CORS_ORIGINS: comma-separated origins allowed by CORS (default: none). */
  corsOrigins: string[];
  /** TRACKER_EMBED_ORIGINS: the pages allowed to frame /embed/* (CSP frame-ancestors); default ['*'], anyone. */
  embedOrigins: string[];
  /** Bounded commit attempts of an unconditional write that meets contention (WRITE_MAX_ATTEMPTS, 1–1000, default 100; waiting in a thread's queue for its turn is bounded by the budget below)... */
  writeMaxAttempts: number;
  /** ...and at most this long in all (WRITE_RETRY_BUDGET_MS, 1–600000, default 10000; the write function times out at 20 s). */
  writeRetryBudgetMs: number;
  /** Cap of the jittered back-off after a transient transaction conflict, in ms (WRITE_BACKOFF_CAP_MS, 1–60000, default 200). */
  writeBackoffCapMs: number;
  /** How long an idempotency record is remembered (24 h per the contract). */
  idempotencyTtlSeconds: number;
  /** How long an in-progress idempotency claim blocks a repeat before it is presumed dead (IDEMPOTENCY_LOCK_SECONDS, 1–86400, default 60). */
  idempotencyLockSeconds: number;
  /**
   * How long one attempt of a DynamoDB call may take, connecting included (DYNAMODB_TIMEOUT_MS,
   * default 1500). A database that stops answering must not hold a request past its function's
   * timeout: see `dynamoCallBoundMs`.
   */
  dynamodbTimeoutMs: number;
  /** Attempts per DynamoDB call, the first included (DYNAMODB_MAX_ATTEMPTS, default 2). */
  dynamodbMaxAttempts: number;
  /**
   * The keyring that signs pagination tokens (PAGE_TOKEN_SECRET: a keyring's JSON or a plain key of
   * ≥ 32 characters, shared/domain/keyring.ts). `npm start` and the tools keep one in the data folder
   * (local/local-secrets.ts). Unset, a process cannot page (and needs not: only reads page).
   */
  pageTokenSecret: string | undefined;
  /**
   * PAGE_TOKEN_SECRET_ARN: in the cloud, the Secrets Manager secret holding that keyring, read at run
   * time and cached (shared/store/keyring-source.ts); never set together with PAGE_TOKEN_SECRET.
   */
  pageTokenSecretArn: string | undefined;
  /**
   * How long a function instance trusts its cached kind registry (KINDS_CACHE_SECONDS, 0–3600,
   * default 30): the longest a changed label or terminal flag takes to reach every function
   * (shared/app/kinds.ts). New kinds and statuses are seen at once (a miss reloads).
   */
  kindsCacheSeconds: number;
  /**
   * TRACKER_ALLOW_PRIVATE_WEBHOOKS (`true`/`false`): lets subscription URLs be plain http and reach
   * loopback, private, link-local and metadata addresses. Unset: false in the functions (the stack
   * also sets false); `npm start` defaults it to true, for receivers on the laptop.
   */
  allowPrivateWebhooks: boolean;
  /** TRACKER_WEBHOOK_RETRY_SCHEDULE: seconds before each retry of a failed delivery (default 10,60,300,1800,7200,21600). */
  webhookRetrySchedule: number[];
  /**
   * TRACKER_WEBHOOK_SECRET_KEY (a keyring, like PAGE_TOKEN_SECRET): the keys that seal subscription
   * secrets at rest (docs/security.md). `npm start` and the tools keep one in the data folder. Unset
   * (and no ARN), a process cannot create or deliver subscriptions.
   */
  webhookSecretKey: string | undefined;
  /**
   * TRACKER_WEBHOOK_SECRET_KEY_ARN: in the cloud, the Secrets Manager secret holding that keyring,
   * read at run time and cached; only the subscriptions and delivery functions get it.
   */
  webhookSecretKeyArn: string | undefined;
  /**
   * TRACKER_ORIGIN_SECRET_ARN: the Secrets Manager secret whose value the edge (CloudFront) sends as
   * the origin header (shared/http/origin.ts). Only the HTTP authorizer gets it, and only when the
   * stack has an edge; unset (the local server, cloud mode, a stack without edge), nothing checks it.
   */
  originSecretArn: string | undefined;
  /**
   * TRACKER_LIVE_CALLBACK_URL: the management endpoint of the live WebSocket API's stage
   * (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`), where the live functions post
   * frames. The stack sets it for them; elsewhere unset.
   */
  liveCallbackUrl: string | undefined;
  /**
   * TRACKER_PUBLIC_URL: where clients reach the API (scheme, host, port, any base path; no trailing
   * slash). Absolute links (the Atom feeds') are built on it and never on the request's `Host` or
   * `X-Forwarded-*` headers, which a client chooses (and a shared cache would then serve its links to
   * everyone). The stack sets the HTTP API's URL for the feeds function; `npm start` defaults it to
   * `http://localhost:<PORT>`. Unset, a feed cannot be built (500).
   */
  publicUrl: string | undefined;
  /**
   * How long one fetch of a news source may take, redirects included (contract 1.2: 10 s). Fixed by
   * the contract, so no variable sets it; tests put a shorter one in the Config they build, so no
   * test waits 10 s of wall clock.
   */
  sourceTimeoutMs: number;
  /** The most bytes of a feed read, after decompression (contract 1.2: 5 MB); fixed like the timeout. */
  sourceMaxBytes: number;
  /**
   * The public channels embeds follow live (shared/domain/public-channel.ts): AWS AppSync Events in
   * the cloud, the local server's own `/event` locally. `httpUrl` (TRACKER_PUBLIC_EVENTS_URL) is where
   * the publishers publish (signed with their role) and names the host readers authorize against;
   * `realtime` (TRACKER_PUBLIC_EVENTS_REALTIME_URL and TRACKER_PUBLIC_EVENTS_KEY, set together) is
   * what the embed connects to, with the public key that may subscribe and nothing more
   * (docs/security.md). Unset: nothing is published and embeds poll.
   */
  publicEvents: { httpUrl: string; realtime?: { url: string; apiKey: string } } | undefined;
}

export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = [10, 60, 300, 1800, 7200, 21600];

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const s = parseGroup(CORE_SETTINGS, env);
  // Two sources of one key: which one signs would depend on code paths, so neither is guessed.
  if (s.PAGE_TOKEN_SECRET !== undefined && s.PAGE_TOKEN_SECRET_ARN !== undefined)
    throw new SettingError('PAGE_TOKEN_SECRET_ARN', 'and PAGE_TOKEN_SECRET are both set; set one of them.');
  if (s.TRACKER_WEBHOOK_SECRET_KEY !== undefined && s.TRACKER_WEBHOOK_SECRET_KEY_ARN !== undefined)
    throw new SettingError(
      'TRACKER_WEBHOOK_SECRET_KEY_ARN',
      'and TRACKER_WEBHOOK_SECRET_KEY are both set; set one of them.',
    );
  if ((s.TRACKER_PUBLIC_EVENTS_REALTIME_URL === undefined) !== (s.TRACKER_PUBLIC_EVENTS_KEY === undefined))
    throw new SettingError(
      s.TRACKER_PUBLIC_EVENTS_KEY === undefined
        ? 'TRACKER_PUBLIC_EVENTS_KEY'
        : 'TRACKER_PUBLIC_EVENTS_REALTIME_URL',
      'is not set: the real-time URL and the key an embed subscribes with go together.',
    );
  if (s.TRACKER_PUBLIC_EVENTS_REALTIME_URL !== undefined && s.TRACKER_PUBLIC_EVENTS_URL === undefined)
    throw new SettingError(
      'TRACKER_PUBLIC_EVENTS_URL',
      'is not set: an embed authorizes against the Event API host it names.',
    );
  const endpoint = s.DYNAMODB_ENDPOINT;
  const local = endpoint !== undefined && endpoint !== 'aws';
  return {
    tableName: s.TABLE_NAME ?? 'scenario-tracker',
    dynamodbEndpoint: local ? endpoint : undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || (local ? 'us-east-1' : undefined),
    dynamodbCredentials: local && !env.AWS_ACCESS_KEY_ID ? LOCAL_CREDENTIALS : undefined,
    eventBusName: s.EVENT_BUS_NAME,
    webhookUrl: s.TRACKER_WEBHOOK_URL,
    corsOrigins: s.TRACKER_CORS_ORIGINS ?? [],
    embedOrigins: s.TRACKER_EMBED_ORIGINS ?? ['*'],
    writeMaxAttempts: s.WRITE_MAX_ATTEMPTS ?? 100,
    writeRetryBudgetMs: s.WRITE_RETRY_BUDGET_MS ?? 10_000,
    writeBackoffCapMs: s.WRITE_BACKOFF_CAP_MS ?? 200,
    idempotencyTtlSeconds: 24 * 3600,
    idempotencyLockSeconds: s.IDEMPOTENCY_LOCK_SECONDS ?? 60,
    dynamodbTimeoutMs: s.DYNAMODB_TIMEOUT_MS ?? 1500,
    dynamodbMaxAttempts: s.DYNAMODB_MAX_ATTEMPTS ?? 2,
    pageTokenSecret: s.PAGE_TOKEN_SECRET,
    pageTokenSecretArn: s.PAGE_TOKEN_SECRET_ARN,
    kindsCacheSeconds: s.KINDS_CACHE_SECONDS ?? 30,
    allowPrivateWebhooks: s.TRACKER_ALLOW_PRIVATE_WEBHOOKS === 'true',
    webhookRetrySchedule: s.TRACKER_WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    webhookSecretKey: s.TRACKER_WEBHOOK_SECRET_KEY,
    webhookSecretKeyArn: s.TRACKER_WEBHOOK_SECRET_KEY_ARN,
    originSecretArn: s.TRACKER_ORIGIN_SECRET_ARN,
    liveCallbackUrl: s.TRACKER_LIVE_CALLBACK_URL,
    publicUrl: s.TRACKER_PUBLIC_URL,
    sourceTimeoutMs: SOURCE_TIMEOUT_MS,
    sourceMaxBytes: SOURCE_MAX_BYTES,
    publicEvents: s.TRACKER_PUBLIC_EVENTS_URL
      ? {
          httpUrl: s.TRACKER_PUBLIC_EVENTS_URL,
          ...(s.TRACKER_PUBLIC_EVENTS_REALTIME_URL && s.TRACKER_PUBLIC_EVENTS_KEY
            ? { realtime: { url: s.TRACKER_PUBLIC_EVENTS_REALTIME_URL, apiKey: s.TRACKER_PUBLIC_EVENTS_KEY } }
            : {}),
        }
      : undefined,
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

export interface LocalSettings {
  /** PORT (1–65535, default 3000). */
  port: number;
  /** DYNAMODB_LOCAL_PORT (1–65535, default 8000): the embedded DynamoDB Local. */
  dynamoLocalPort: number;
  /** TRACKER_DATA_DIR (default `.data`): DynamoDB Local's files and the local page-token secret. */
  dataDir: string;
  /** TRACKER_SEED (`true`/`false`, default true). */
  seed: boolean;
  /** STALE_CHECK_INTERVAL_SECONDS (0–2147483, default 300; 0 = off). */
  staleCheckIntervalSeconds: number;
  /** SOURCE_POLL_INTERVAL_SECONDS (0–2147483, default 60; 0 = off): how often `npm start` polls due news sources. */
  sourcePollIntervalSeconds: number;
  /**
   * TRACKER_LIVE_IDLE_SECONDS (1–7200, default 600): a live WebSocket with no client message for this
   * long is closed (1001); API Gateway's own idle timeout in the cloud is the same 10 minutes.
   */
  liveIdleSeconds: number;
  /** TRACKER_*_TOKEN: the tokens given, by role; a role not given gets a minted token. */
  tokens: { reader?: string; editor?: string; admin?: string };
}

/** The local server's settings. Tokens must differ: a token identifies one name and one role. */
export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const s = parseGroup(LOCAL_SETTINGS, env);
  const given = [
    ['TRACKER_READER_TOKEN', s.TRACKER_READER_TOKEN],
    ['TRACKER_EDITOR_TOKEN', s.TRACKER_EDITOR_TOKEN],
    ['TRACKER_ADMIN_TOKEN', s.TRACKER_ADMIN_TOKEN],
  ] as const;
  for (let i = 0; i < given.length; i++) {
    for (let j = 0; j < i; j++) {
      if (given[i]![1] !== undefined && given[i]![1] === given[j]![1]) {
        throw new SettingError(
          given[i]![0],
          `has the same value as ${given[j]![0]}; each token must be different (one token, one name, one role).`,
        );
      }
    }
  }
  return {
    port: s.PORT ?? 3000,
    dynamoLocalPort: s.DYNAMODB_LOCAL_PORT ?? 8000,
    dataDir: s.TRACKER_DATA_DIR ?? '.data',
    seed: s.TRACKER_SEED !== 'false',
    staleCheckIntervalSeconds: s.STALE_CHECK_INTERVAL_SECONDS ?? 300,
    sourcePollIntervalSeconds: s.SOURCE_POLL_INTERVAL_SECONDS ?? 60,
    liveIdleSeconds: s.TRACKER_LIVE_IDLE_SECONDS ?? 600,
    tokens: { reader: s.TRACKER_READER_TOKEN, editor: s.TRACKER_EDITOR_TOKEN, admin: s.TRACKER_ADMIN_TOKEN },
  };
}

/** TRACKER_DATA_DIR alone (default `.data`): where the tools find the local keys `npm start` keeps. */
export function readDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const s = parseGroup({ TRACKER_DATA_DIR: LOCAL_SETTINGS.TRACKER_DATA_DIR }, env);
  return s.TRACKER_DATA_DIR ?? '.data';
}

/**
 * Where the command-line tools find their database (local/cli-env.ts), by the same rules as the
 * rest: DYNAMODB_ENDPOINT (a URL, the word `aws`, or unset) and DYNAMODB_LOCAL_PORT (default 8000),
 * surrounding blanks ignored.
 */
export function readDatabaseLocation(env: NodeJS.ProcessEnv = process.env): {
  endpoint: string | undefined;
  dynamoLocalPort: number;
} {
  const s = parseGroup(
    {
      DYNAMODB_ENDPOINT: CORE_SETTINGS.DYNAMODB_ENDPOINT,
      DYNAMODB_LOCAL_PORT: LOCAL_SETTINGS.DYNAMODB_LOCAL_PORT,
    },
    {
      DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT?.trim(),
      DYNAMODB_LOCAL_PORT: env.DYNAMODB_LOCAL_PORT?.trim(),
    },
  );
  return { endpoint: s.DYNAMODB_ENDPOINT, dynamoLocalPort: s.DYNAMODB_LOCAL_PORT ?? 8000 };
}
