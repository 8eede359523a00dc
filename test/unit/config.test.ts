import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_TIMER_SECONDS,
  readConfig,
  readDatabaseLocation,
  readLocalSettings,
  SettingError,
} from '../../shared/config';
import { CliUsageError, resolveDynamoTarget } from '../../local/cli-env';
import { localPageTokenSecret, SECRET_FILE } from '../../local/local-secrets';
import { newKeyring, parseKeyring } from '../../shared/domain/keyring';
import { resolveSettings } from '../../infra/settings';

/** The error a read throws, as the one line `npm start` prints. */
function refusal(read: () => unknown): { variable: string; line: string } {
  try {
    read();
  } catch (error) {
    if (error instanceof SettingError) return { variable: error.variable, line: error.message };
    throw error;
  }
  throw new Error('the setting was accepted');
}

describe('settings of the functions (readConfig)', () => {
  it.each([
    ['TABLE_NAME', 'a b'],
    ['TABLE_NAME', 'ab'],
    ['DYNAMODB_ENDPOINT', 'localhost:8000'],
    ['EVENT_BUS_NAME', 'my bus'],
    ['TRACKER_WEBHOOK_URL', 'ftp://example.org/hook'],
    ['TRACKER_CORS_ORIGINS', 'https://desk.example.org/, http://localhost:5173'],
    ['TRACKER_CORS_ORIGINS', 'desk.example.org'],
    ['WRITE_MAX_ATTEMPTS', '0'],
    ['WRITE_MAX_ATTEMPTS', 'ten'],
    ['WRITE_MAX_ATTEMPTS', '1001'],
    ['WRITE_RETRY_BUDGET_MS', '-1'],
    ['WRITE_RETRY_BUDGET_MS', '1e4'],
    ['WRITE_BACKOFF_CAP_MS', '2.5'],
    ['IDEMPOTENCY_LOCK_SECONDS', '86401'],
    ['TRACKER_PUBLIC_URL', 'api.example.org'],
    ['TRACKER_PUBLIC_URL', 'https://api.example.org/?x=1'],
    ['TRACKER_PUBLIC_URL', 'https://user:pw@api.example.org'],
  ])('refuses %s=%j in one line naming it and showing the value', (variable, value) => {
    // Act
    const { variable: named, line } = refusal(() => readConfig({ [variable]: value }));
    // Assess
    expect(named).toBe(variable);
    expect(line.startsWith(`${variable} must`)).toBe(true);
    expect(line).toContain(JSON.stringify(value));
    expect(line).not.toContain('\n');
  });

  it.each([
    ['TRACKER_ALLOW_PRIVATE_WEBHOOKS', 'yes'],
    ['TRACKER_WEBHOOK_RETRY_SCHEDULE', '10,,60'],
    ['TRACKER_WEBHOOK_RETRY_SCHEDULE', '10s,60'],
    ['TRACKER_WEBHOOK_RETRY_SCHEDULE', '-1'],
    ['TRACKER_WEBHOOK_RETRY_SCHEDULE', '604801'],
    ['TRACKER_WEBHOOK_RETRY_SCHEDULE', Array.from({ length: 21 }, () => '1').join(',')],
  ])('refuses the webhook setting %s=%j in one line naming it', (variable, value) => {
    const { variable: named, line } = refusal(() => readConfig({ [variable]: value }));
    expect(named).toBe(variable);
    expect(line.split('\n')).toHaveLength(1);
    expect(line.startsWith(`${variable} `)).toBe(true);
  });

  it('reads the webhook settings: private addresses refused unless set true, the default retry schedule, the sealing key kept out of messages', () => {
    expect(readConfig({})).toMatchObject({
      allowPrivateWebhooks: false,
      webhookRetrySchedule: [10, 60, 300, 1800, 7200, 21600],
      webhookSecretKey: undefined,
    });
    expect(
      readConfig({ TRACKER_ALLOW_PRIVATE_WEBHOOKS: 'true', TRACKER_WEBHOOK_RETRY_SCHEDULE: ' 1, 2 ,3' }),
    ).toMatchObject({ allowPrivateWebhooks: true, webhookRetrySchedule: [1, 2, 3] });
    expect(refusal(() => readConfig({ TRACKER_WEBHOOK_SECRET_KEY: 'short-key' })).line).not.toContain(
      'short-key',
    );
  });

  it.each([
    ['PAGE_TOKEN_SECRET', 'short-secret'],
    ['TRACKER_WEBHOOK_SECRET_KEY', 'short-secret'],
    ['PAGE_TOKEN_SECRET', '{"current":{"id":"a1","key":"short-secret"}}'],
    ['TRACKER_WEBHOOK_SECRET_KEY', '{"current":{"id":"a.b","key":"' + 'k'.repeat(40) + '"}}'],
    [
      'PAGE_TOKEN_SECRET',
      '{"current":{"id":"a1","key":"' + 'k'.repeat(40) + '"},"previous":{"b2":"short-secret"}}',
    ],
  ])('refuses %s that is no keyring without repeating it', (variable, value) => {
    const { variable: named, line } = refusal(() => readConfig({ [variable]: value }));
    expect(named).toBe(variable);
    expect(line).toMatch(new RegExp(`^${variable} must be a keyring .* or a key of at least 32`));
    expect(line).not.toContain('short-secret');
  });

  it('takes a keyring or a plain key of 32 characters or more for either key', () => {
    const ring = newKeyring();
    expect(readConfig({ PAGE_TOKEN_SECRET: ring, TRACKER_WEBHOOK_SECRET_KEY: 'k'.repeat(32) })).toMatchObject(
      {
        pageTokenSecret: ring,
        webhookSecretKey: 'k'.repeat(32),
      },
    );
  });

  it.each([
    ['PAGE_TOKEN_SECRET_ARN', 'PAGE_TOKEN_SECRET'],
    ['TRACKER_WEBHOOK_SECRET_KEY_ARN', 'TRACKER_WEBHOOK_SECRET_KEY'],
  ])(
    'reads %s as the ARN of a Secrets Manager secret, refused otherwise, and never together with %s',
    (arnSetting, valueSetting) => {
      const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf';
      const field = arnSetting === 'PAGE_TOKEN_SECRET_ARN' ? 'pageTokenSecretArn' : 'webhookSecretKeyArn';
      expect(readConfig({ [arnSetting]: arn })[field]).toBe(arn);
      expect(refusal(() => readConfig({ [arnSetting]: 'key' })).line).toMatch(
        new RegExp(`^${arnSetting} must be the ARN of a Secrets Manager secret`),
      );
      expect(refusal(() => readConfig({ [arnSetting]: arn, [valueSetting]: newKeyring() })).variable).toBe(
        arnSetting,
      );
    },
  );

  it('reads good values and defaults, an empty variable counting as unset', () => {
    const cfg = readConfig({
      TABLE_NAME: 'my.table-1',
      WRITE_MAX_ATTEMPTS: '3',
      WRITE_RETRY_BUDGET_MS: '',
      TRACKER_CORS_ORIGINS: ' https://desk.example.org , http://localhost:5173,',
      DYNAMODB_ENDPOINT: 'aws',
    });
    expect(cfg).toMatchObject({
      tableName: 'my.table-1',
      writeMaxAttempts: 3,
      writeRetryBudgetMs: 10_000,
      corsOrigins: ['https://desk.example.org', 'http://localhost:5173'],
      dynamodbEndpoint: undefined,
    });
  });

  it('derives no page-token secret from the table name: unset stays unset', () => {
    expect(readConfig({ TABLE_NAME: 'scenario-tracker' }).pageTokenSecret).toBeUndefined();
  });
});

describe('the live WebSocket settings', () => {
  it('closes idle live connections after 600 s unless TRACKER_LIVE_IDLE_SECONDS says otherwise', () => {
    expect(readLocalSettings({}).liveIdleSeconds).toBe(600);
    expect(readLocalSettings({ TRACKER_LIVE_IDLE_SECONDS: '30' }).liveIdleSeconds).toBe(30);
  });

  it('takes TRACKER_PUBLIC_URL with a base path, without its trailing slash', () => {
    expect(readConfig({ TRACKER_PUBLIC_URL: 'https://news.example.org/tracker/' }).publicUrl).toBe(
      'https://news.example.org/tracker',
    );
    expect(readConfig({}).publicUrl).toBeUndefined();
  });

  it('takes only an https management endpoint as TRACKER_LIVE_CALLBACK_URL', () => {
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/live';
    expect(readConfig({ TRACKER_LIVE_CALLBACK_URL: url }).liveCallbackUrl).toBe(url);
    expect(readConfig({}).liveCallbackUrl).toBeUndefined();
    const { variable } = refusal(() =>
      readConfig({ TRACKER_LIVE_CALLBACK_URL: 'http://localhost:3001/live' }),
    );
    expect(variable).toBe('TRACKER_LIVE_CALLBACK_URL');
  });

  it('reads the public channels: the publish endpoint alone, or with the real-time URL and the readers’ key together', () => {
    // Prepare
    const httpUrl = 'https://abc.appsync-api.eu-west-1.amazonaws.com/event';
    const realtime = 'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime';
    // Act / Assess
    expect(readConfig({}).publicEvents).toBeUndefined();
    expect(readConfig({ TRACKER_PUBLIC_EVENTS_URL: httpUrl }).publicEvents).toEqual({ httpUrl });
    expect(
      readConfig({
        TRACKER_PUBLIC_EVENTS_URL: httpUrl,
        TRACKER_PUBLIC_EVENTS_REALTIME_URL: realtime,
        TRACKER_PUBLIC_EVENTS_KEY: 'da2-abcdef123',
      }).publicEvents,
    ).toEqual({ httpUrl, realtime: { url: realtime, apiKey: 'da2-abcdef123' } });
  });

  it.each([
    [
      { TRACKER_PUBLIC_EVENTS_URL: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql' },
      'TRACKER_PUBLIC_EVENTS_URL',
    ],
    [
      {
        TRACKER_PUBLIC_EVENTS_URL: 'https://abc.appsync-api.eu-west-1.amazonaws.com/event',
        TRACKER_PUBLIC_EVENTS_REALTIME_URL:
          'https://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
        TRACKER_PUBLIC_EVENTS_KEY: 'da2-x',
      },
      'TRACKER_PUBLIC_EVENTS_REALTIME_URL',
    ],
    [
      {
        TRACKER_PUBLIC_EVENTS_URL: 'https://abc.appsync-api.eu-west-1.amazonaws.com/event',
        TRACKER_PUBLIC_EVENTS_REALTIME_URL:
          'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
      },
      'TRACKER_PUBLIC_EVENTS_KEY',
    ],
    [
      {
        TRACKER_PUBLIC_EVENTS_REALTIME_URL:
          'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
        TRACKER_PUBLIC_EVENTS_KEY: 'da2-x',
      },
      'TRACKER_PUBLIC_EVENTS_URL',
    ],
    [
      {
        TRACKER_PUBLIC_EVENTS_URL: 'https://abc.appsync-api.eu-west-1.amazonaws.com/event',
        TRACKER_PUBLIC_EVENTS_REALTIME_URL:
          'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
        TRACKER_PUBLIC_EVENTS_KEY: 'da2 with spaces',
      },
      'TRACKER_PUBLIC_EVENTS_KEY',
    ],
  ])('refuses a public channels setting that cannot be used, naming it (%j)', (env, named) => {
    // Act
    const { variable } = refusal(() => readConfig(env));
    // Assess
    expect(variable).toBe(named);
  });
});

describe('settings the stack hands to the functions', () => {
  it("are checked by the functions' rules at synth, not at the first invocation", () => {
    const none = () => undefined;
    expect(() => resolveSettings(none, { TRACKER_CORS_ORIGINS: 'https://desk.example.org/app' })).toThrow(
      /^TRACKER_CORS_ORIGINS must be comma-separated origins/,
    );
    expect(() => resolveSettings(none, { TRACKER_WEBHOOK_URL: 'hooks.example.org' })).toThrow(
      /^TRACKER_WEBHOOK_URL must be an http\(s\) URL/,
    );
    expect(resolveSettings(none, { TRACKER_CORS_ORIGINS: 'https://desk.example.org' }).corsOrigins).toEqual([
      'https://desk.example.org',
    ]);
  });
});

describe('settings of the local server (readLocalSettings)', () => {
  it.each([
    ['STALE_CHECK_INTERVAL_SECONDS', 'abc'],
    ['STALE_CHECK_INTERVAL_SECONDS', '2147484'],
    ['STALE_CHECK_INTERVAL_SECONDS', '-5'],
    ['STALE_CHECK_INTERVAL_SECONDS', '30.5'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['DYNAMODB_LOCAL_PORT', '0'],
    ['TRACKER_SEED', 'no'],
    ['TRACKER_DATA_DIR', '  '],
    ['TRACKER_LIVE_IDLE_SECONDS', '0'],
    ['TRACKER_LIVE_IDLE_SECONDS', '7201'],
    ['TRACKER_LIVE_IDLE_SECONDS', 'ten'],
    ['SOURCE_POLL_INTERVAL_SECONDS', 'often'],
    ['SOURCE_POLL_INTERVAL_SECONDS', '-1'],
    ['SOURCE_POLL_INTERVAL_SECONDS', '2147484'],
  ])('refuses %s=%j in one line naming it', (variable, value) => {
    const { variable: named, line } = refusal(() => readLocalSettings({ [variable]: value }));
    expect(named).toBe(variable);
    expect(line).toMatch(
      new RegExp(`^${variable} must .*${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`),
    );
  });

  it('bounds STALE_CHECK_INTERVAL_SECONDS by what setTimeout can wait, 0 turning the check off', () => {
    expect(MAX_TIMER_SECONDS).toBe(2_147_483);
    expect(MAX_TIMER_SECONDS * 1000).toBeLessThan(2 ** 31);
    expect(readLocalSettings({ STALE_CHECK_INTERVAL_SECONDS: '2147483' }).staleCheckIntervalSeconds).toBe(
      2_147_483,
    );
    expect(readLocalSettings({ STALE_CHECK_INTERVAL_SECONDS: '0' }).staleCheckIntervalSeconds).toBe(0);
    expect(readLocalSettings({}).staleCheckIntervalSeconds).toBe(300);
  });

  it('reads SOURCE_POLL_INTERVAL_SECONDS: 60 by default, 0 turning polling off', () => {
    expect(readLocalSettings({}).sourcePollIntervalSeconds).toBe(60);
    expect(readLocalSettings({ SOURCE_POLL_INTERVAL_SECONDS: '0' }).sourcePollIntervalSeconds).toBe(0);
    expect(readLocalSettings({ SOURCE_POLL_INTERVAL_SECONDS: '300' }).sourcePollIntervalSeconds).toBe(300);
  });

  it.each([
    ['TRACKER_EDITOR_TOKEN', 'has space'],
    ['TRACKER_READER_TOKEN', 'tab\there'],
    ['TRACKER_ADMIN_TOKEN', 'naïve'],
    ['TRACKER_ADMIN_TOKEN', 'x'.repeat(513)],
  ])('refuses a %s that cannot be sent as a Bearer token, without repeating it', (variable, value) => {
    const { variable: named, line } = refusal(() => readLocalSettings({ [variable]: value }));
    expect(named).toBe(variable);
    expect(line).toMatch(/Authorization: Bearer/);
    expect(line).not.toContain(value);
  });

  it('refuses two token variables with one value, naming both and neither value', () => {
    const { variable, line } = refusal(() =>
      readLocalSettings({ TRACKER_EDITOR_TOKEN: 'same-token', TRACKER_READER_TOKEN: 'same-token' }),
    );
    expect(variable).toBe('TRACKER_EDITOR_TOKEN');
    expect(line).toBe(
      'TRACKER_EDITOR_TOKEN has the same value as TRACKER_READER_TOKEN; each token must be different (one token, one name, one role).',
    );
    expect(
      refusal(() =>
        readLocalSettings({
          TRACKER_ADMIN_TOKEN: 't1',
          TRACKER_READER_TOKEN: 't1',
          TRACKER_EDITOR_TOKEN: 't2',
        }),
      ).variable,
    ).toBe('TRACKER_ADMIN_TOKEN');
  });
});

describe('where the command-line tools find their database (readDatabaseLocation)', () => {
  it.each([
    ['DYNAMODB_ENDPOINT', 'localhost:8000'],
    ['DYNAMODB_LOCAL_PORT', '0'],
    ['DYNAMODB_LOCAL_PORT', 'eight'],
  ])(
    'refuses %s=%j by the same rule as the server, and the tools report it as a usage error',
    (variable, value) => {
      // Act
      const { variable: named, line } = refusal(() => readDatabaseLocation({ [variable]: value }));
      const usage = (() => {
        try {
          resolveDynamoTarget({ [variable]: value });
        } catch (error) {
          return error;
        }
      })();
      // Assess
      expect(named).toBe(variable);
      expect(line).toContain(JSON.stringify(value));
      expect(usage).toBeInstanceOf(CliUsageError);
      expect((usage as Error).message).toBe(line);
    },
  );

  it('reads unset as the embedded DynamoDB Local, blanks ignored, and the word aws', () => {
    // Act and Assess
    expect(resolveDynamoTarget({})).toEqual({
      kind: 'embedded',
      endpoint: 'http://127.0.0.1:8000',
      port: 8000,
    });
    expect(resolveDynamoTarget({ DYNAMODB_LOCAL_PORT: ' 8123 ' })).toMatchObject({ port: 8123 });
    expect(resolveDynamoTarget({ DYNAMODB_ENDPOINT: ' aws ' })).toEqual({ kind: 'aws' });
    expect(resolveDynamoTarget({ DYNAMODB_ENDPOINT: 'http://db:8000' })).toEqual({
      kind: 'url',
      endpoint: 'http://db:8000',
    });
  });
});

describe('credentials for DynamoDB Local', () => {
  it("are fixed dummies for a local endpoint without AWS credentials, and the SDK's own lookup otherwise", () => {
    // Act and Assess
    expect(readConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).dynamodbCredentials).toEqual({
      accessKeyId: 'local',
      secretAccessKey: 'local',
    });
    expect(
      readConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA' })
        .dynamodbCredentials,
    ).toBeUndefined();
    expect(readConfig({ DYNAMODB_ENDPOINT: 'aws' }).dynamodbCredentials).toBeUndefined();
    expect(readConfig({}).dynamodbCredentials).toBeUndefined();
  });
});

describe('the local page-token keyring', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracker-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a keyring made once in the data folder, readable by its owner only, and the same after a restart', () => {
    // Act
    const first = localPageTokenSecret(join(dir, 'data'));
    const again = localPageTokenSecret(join(dir, 'data'));
    // Assess
    expect(again).toBe(first);
    expect(parseKeyring(first)).toEqual({
      current: {
        id: expect.stringMatching(/^[0-9a-f]{8}$/),
        key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      },
      previous: {},
    });
    expect(statSync(join(dir, 'data', SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'data', SECRET_FILE), 'utf8').trim()).toBe(first);
  });

  it('is random, not derived from the table name or anything else a client knows', () => {
    const secrets = new Set([localPageTokenSecret(join(dir, 'a')), localPageTokenSecret(join(dir, 'b'))]);
    expect(secrets.size).toBe(2);
    expect(secrets.has('scenario-tracker:scenario-tracker')).toBe(false);
  });

  it('closes a file left readable by others, keeps a plain key of before keyrings, and refuses one that holds no usable secret', () => {
    const file = join(dir, SECRET_FILE);
    writeFileSync(file, 'k'.repeat(40), { mode: 0o644 });
    expect(localPageTokenSecret(dir)).toBe('k'.repeat(40));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'short');
    expect(refusal(() => localPageTokenSecret(dir)).variable).toBe('TRACKER_DATA_DIR');
  });
});

describe('the embed settings', () => {
  it('lets any page frame the embeds unless TRACKER_EMBED_ORIGINS names origins', () => {
    expect(readConfig({}).embedOrigins).toEqual(['*']);
    expect(
      readConfig({ TRACKER_EMBED_ORIGINS: ' https://news.example.org, http://localhost:8080 ,' })
        .embedOrigins,
    ).toEqual(['https://news.example.org', 'http://localhost:8080']);
  });

  it('refuses an embed origin with a path, and an empty list', () => {
    expect(() => readConfig({ TRACKER_EMBED_ORIGINS: 'https://news.example.org/live' })).toThrow(
      /TRACKER_EMBED_ORIGINS/,
    );
    expect(() => readConfig({ TRACKER_EMBED_ORIGINS: ' , ' })).toThrow(/TRACKER_EMBED_ORIGINS/);
  });
});
