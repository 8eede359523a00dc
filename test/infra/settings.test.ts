import { resolveSettings } from '../../infra/settings';

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('stack settings', () => {
  it('defaults to the dev stage, its stack name, no CORS and 30-day logs', () => {
    // Act
    const s = resolveSettings(contextOf({}), {});
    // Assess
    expect(s).toMatchObject({
      stage: 'dev',
      stackName: 'ScenarioTracker-dev',
      corsOrigins: [],
      logRetentionDays: 30,
      logLevel: 'INFO',
      alarmEmail: undefined,
    });
  });

  it('takes stage and origins from context before the environment', () => {
    // Act
    const s = resolveSettings(
      contextOf({ stage: 'prod', corsOrigins: 'https://a.example, https://b.example' }),
      { TRACKER_STAGE: 'test', TRACKER_CORS_ORIGINS: 'https://env.example' },
    );
    // Assess
    expect(s).toMatchObject({
      stage: 'prod',
      stackName: 'ScenarioTracker-prod',
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('falls back to TRACKER_STAGE and TRACKER_CORS_ORIGINS from the environment', () => {
    // Act
    const s = resolveSettings(contextOf({}), {
      TRACKER_STAGE: 'staging',
      TRACKER_CORS_ORIGINS: 'https://dash.example,,',
    });
    // Assess
    expect(s).toMatchObject({ stage: 'staging', corsOrigins: ['https://dash.example'] });
  });

  it('accepts a JSON list of origins from cdk.json context', () => {
    expect(resolveSettings(contextOf({ corsOrigins: ['https://x.example'] }), {}).corsOrigins).toEqual([
      'https://x.example',
    ]);
  });

  it('refuses a stage that cannot be part of resource names, and an unsupported retention', () => {
    expect(() => resolveSettings(contextOf({ stage: 'Prod_1' }), {})).toThrow(/stage/);
    expect(() => resolveSettings(contextOf({ logRetentionDays: '31' }), {})).toThrow(/logRetentionDays/);
  });
});

describe('settings per stage (cdk.json context.stages)', () => {
  const stages = {
    dev: { logRetentionDays: 7, reservedConcurrency: 'off' },
    prod: {
      corsOrigins: ['https://desk.example.org'],
      alarmEmail: 'oncall@example.org',
      throttleRate: 200,
      throttleBurst: 400,
      logLevel: 'warn',
      reservedConcurrency: { authorizer: 120 },
      reservedConcurrencyScale: 1,
      accountConcurrency: 1000,
      runbookUrl: 'https://github.com/example/tracker/blob/main/docs/runbook.md',
    },
  };

  it("takes the selected stage's block from cdk.json, so a later deploy without flags keeps it", () => {
    // Act
    const s = resolveSettings(contextOf({ stages, stage: 'prod' }), {});
    // Assess
    expect(s).toMatchObject({
      stage: 'prod',
      corsOrigins: ['https://desk.example.org'],
      alarmEmail: 'oncall@example.org',
      throttleRateLimit: 200,
      throttleBurstLimit: 400,
      logLevel: 'WARN',
      runbookUrl: 'https://github.com/example/tracker/blob/main/docs/runbook.md',
    });
    expect(s.reservedConcurrency).toMatchObject({ authorizer: 120, 'threads-write': 50 });
    expect(s.fromFlags).toEqual([]);
  });

  it('keeps the stages apart: dev does not see prod’s values', () => {
    // Act
    const s = resolveSettings(contextOf({ stages }), {});
    // Assess
    expect(s).toMatchObject({ stage: 'dev', logRetentionDays: 7, corsOrigins: [], alarmEmail: undefined });
    expect(s.reservedConcurrency).toBeUndefined();
  });

  it('lets a flag or the environment override the block, and reports each override for a synth warning', () => {
    // Act
    const s = resolveSettings(contextOf({ stages, stage: 'prod', throttleRate: '10' }), {
      TRACKER_ALARM_EMAIL: 'night@example.org',
    });
    // Assess
    expect(s).toMatchObject({
      throttleRateLimit: 10,
      alarmEmail: 'night@example.org',
      throttleBurstLimit: 400,
    });
    expect(s.fromFlags).toEqual(
      expect.arrayContaining([
        { key: 'throttleRate', source: '-c throttleRate' },
        { key: 'alarmEmail', source: 'TRACKER_ALARM_EMAIL' },
      ]),
    );
  });

  it('refuses a bad value with its name, its source and the rule, never a quiet default', () => {
    const bad = (block: Record<string, unknown>) => () =>
      resolveSettings(contextOf({ stages: { prod: block }, stage: 'prod' }), {});
    expect(bad({ alarmEmail: 'oncall' })).toThrow(
      /^alarmEmail \(cdk\.json stages\.prod\.alarmEmail\) must be an e-mail address/,
    );
    expect(bad({ throttleRate: 0 })).toThrow(/^throttleRate .* must be a whole number from 1/);
    expect(bad({ throttleBurst: '12x' })).toThrow(/^throttleBurst/);
    expect(bad({ logLevel: 'LOUD' })).toThrow(/^logLevel .* must be one of TRACE, DEBUG, INFO/);
    expect(bad({ reservedConcurrency: { authorizer: 0 } })).toThrow(/^reservedConcurrency/);
    expect(bad({ reservedConcurrency: { 'no-such-function': 5 } })).toThrow(/^reservedConcurrency/);
    expect(bad({ reservedConcurrencyScale: -1 })).toThrow(/^reservedConcurrencyScale .* above 0/);
    expect(bad({ runbookUrl: 'http://insecure.example/runbook' })).toThrow(/^runbookUrl/);
    expect(bad({ corsOrigins: ['https://desk.example.org/app'] })).toThrow(/^TRACKER_CORS_ORIGINS must be/);
    expect(bad({ embedOrigins: ['https://news.example.org/live'] })).toThrow(
      /^TRACKER_EMBED_ORIGINS must be/,
    );
  });

  it('leaves the embeds framable by any page unless embedOrigins names the pages (contract 1.2)', () => {
    expect(resolveSettings(contextOf({}), {}).embedOrigins).toBeUndefined();
    expect(
      resolveSettings(contextOf({ embedOrigins: 'https://news.example.org, https://live.example.org' }), {})
        .embedOrigins,
    ).toEqual(['https://news.example.org', 'https://live.example.org']);
  });

  it('refuses a key that is no setting (a typo would otherwise be ignored) and a stages value that is no object', () => {
    expect(() =>
      resolveSettings(contextOf({ stages: { prod: { alarmMail: 'x@example.org' } }, stage: 'prod' }), {}),
    ).toThrow(/stages\.prod\.alarmMail is not a setting/);
    expect(() => resolveSettings(contextOf({ stages: ['prod'] }), {})).toThrow(
      /context\.stages must be an object/,
    );
  });

  it('accepts a reservation map given as a JSON flag, and off as a flag over an on block', () => {
    // Act
    const map = resolveSettings(
      contextOf({ stages, stage: 'prod', reservedConcurrency: '{"authorizer": 80}' }),
      {},
    );
    const off = resolveSettings(contextOf({ stages, stage: 'prod', reservedConcurrency: 'off' }), {});
    // Assess
    expect(map.reservedConcurrency).toMatchObject({ authorizer: 80 });
    expect(off.reservedConcurrency).toBeUndefined();
  });
});
