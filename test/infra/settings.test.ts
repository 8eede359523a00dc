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
