import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { cdkJsonContext } from '../../infra/build';
import { ALL_FUNCTION_ENTRIES, LIVE_FUNCTION_ENTRIES, type AnyFunctionName } from '../../infra/bundling';
import { pollerBound } from '../../infra/constructs/events';
import { DELIVERY_SWEEP_CONCURRENCY } from '../../infra/constructs/schedule';
import {
  MIN_RESERVATION,
  MIN_UNRESERVED_CONCURRENCY,
  RESERVED_CONCURRENCY,
  resolveSettings,
} from '../../infra/settings';
import { referencedIds, synthesized, type Resources } from './synth';

/**
 * A prod stage that reserves concurrency in an account whose quota it names; dev as cdk.json
 * defines it (reservation off, no quota named: what a new account deploys).
 */
const prod = synthesized('prod reserved');
const dev = synthesized('dev');
const reservedOf = (s: typeof prod, name: AnyFunctionName) =>
  (s.template.toJSON().Resources as Resources)[s.functionId(name)]!.Properties!.ReservedConcurrentExecutions;
/** Every function the stack deploys: HTTP, workers and the live WebSocket's. */
const NAMES = Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[];
const TOTAL = Object.values(RESERVED_CONCURRENCY).reduce((a, b) => a + b, 0);

describe('reserved concurrency', () => {
  it('reserves for every function in prod, so a burst of writes cannot take the executions the authorizer needs', () => {
    // Act
    const reserved = Object.fromEntries(NAMES.map((n) => [n, reservedOf(prod, n)])) as Record<string, number>;
    // Assess
    expect(reserved).toEqual(RESERVED_CONCURRENCY);
    expect(reserved.authorizer).toBeGreaterThanOrEqual(reserved['threads-write']!);
    // Lambda keeps 100 executions unreserved; the default quota is 1,000.
    expect(Object.values(reserved).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000 - 100);
  });

  it('reserves for the live WebSocket’s functions in prod too, so neither a reconnect storm nor a burst of notifications takes the HTTP functions’ executions', () => {
    // Act
    const live = (Object.keys(LIVE_FUNCTION_ENTRIES) as AnyFunctionName[]).map((name) => ({
      name,
      reserved: reservedOf(prod, name),
    }));
    // Assess: each its own count from the stage settings, none left on the unreserved pool
    expect(live).toEqual([
      { name: 'live-authorizer', reserved: RESERVED_CONCURRENCY['live-authorizer'] },
      { name: 'live-connections', reserved: RESERVED_CONCURRENCY['live-connections'] },
      { name: 'live-fanout', reserved: RESERVED_CONCURRENCY['live-fanout'] },
    ]);
    // The fan-out runs once per notification: at least as many at once as the writers that publish.
    expect(RESERVED_CONCURRENCY['live-fanout']).toBeGreaterThanOrEqual(RESERVED_CONCURRENCY['threads-write']);
    expect(RESERVED_CONCURRENCY['live-authorizer']).toBeGreaterThan(0);
  });

  it('bounds the queues’ pollers by what their function’s reservation leaves, so throttled receives do not dead-letter good messages', () => {
    // Prepare
    const resources = prod.template.toJSON().Resources as Resources;
    // Act
    const mappings = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
      .map((m) => ({
        fn: referencedIds(m.Properties!.FunctionName)[0],
        max: (m.Properties!.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
      }));
    const sweep = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        referencedIds(r.Properties!.FunctionName).includes(prod.functionId('deliveries')),
    );
    // Assess: the recount queue is its function's only invoker; the delivery sweep keeps its own share
    expect(mappings).toEqual(
      expect.arrayContaining([
        { fn: prod.functionId('scenario-recount'), max: RESERVED_CONCURRENCY['scenario-recount'] },
        {
          fn: prod.functionId('deliveries'),
          max: RESERVED_CONCURRENCY.deliveries - DELIVERY_SWEEP_CONCURRENCY,
        },
      ]),
    );
    // One sweep a minute, never retried by Lambda: at most DELIVERY_SWEEP_CONCURRENCY at once
    expect(sweep?.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('never reserves so little for the delivery function that its pollers and the sweep could not both run', () => {
    // Act
    const tiny = resolveSettings(
      (k) => ({ reservedConcurrency: 'on', reservedConcurrencyScale: '0.01', accountConcurrency: '1000' })[k],
      {},
    );
    // Assess
    expect(tiny.reservedConcurrency!.deliveries).toBe(MIN_RESERVATION.deliveries);
    expect(pollerBound(tiny.reservedConcurrency!.deliveries, DELIVERY_SWEEP_CONCURRENCY)).toEqual({
      maxConcurrency: 2,
    });
    expect(() => pollerBound(3, DELIVERY_SWEEP_CONCURRENCY)).toThrow(/SQS needs at least 2/);
  });

  it('reserves nothing in dev, whose cdk.json block turns reservation off (a new account’s quota is often 10)', () => {
    for (const name of NAMES)
      expect({ name, reserved: reservedOf(dev, name) }).toEqual({ name, reserved: undefined });
  });

  it('reserves nothing in any stage of cdk.json: none names its account’s quota', () => {
    // Prepare
    const context = cdkJsonContext();
    const stages = Object.keys(context.stages as object);
    // Act
    const settings = stages.map((stage) => resolveSettings((k) => (k === 'stage' ? stage : context[k]), {}));
    // Assess
    expect(stages).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const s of settings)
      expect({ stage: s.stage, reserved: s.reservedConcurrency, quota: s.accountConcurrency }).toEqual({
        stage: s.stage,
        reserved: undefined,
        quota: undefined,
      });
  });

  it('says so when the account alarm assumes Lambda’s default quota because the stage names none', () => {
    // Act
    const accountAlarm = (s: typeof prod) =>
      Object.values(s.template.toJSON().Resources as Resources).find(
        (r) =>
          r.Type === 'AWS::CloudWatch::Alarm' &&
          r.Properties!.MetricName === 'ConcurrentExecutions' &&
          r.Properties!.Dimensions === undefined,
      )!.Properties!;
    const warnings = dev.annotations.findWarning('*', Match.stringLikeRegexp('accountConcurrency'));
    // Assess
    expect(accountAlarm(dev)).toMatchObject({ Threshold: 800 });
    expect(String(accountAlarm(dev).AlarmDescription)).toMatch(/1000, Lambda's default, assumed/);
    expect(String(accountAlarm(prod).AlarmDescription)).not.toMatch(/assumed/);
    expect(warnings).toHaveLength(1);
    expect(prod.annotations.findWarning('*', Match.stringLikeRegexp('names no accountConcurrency'))).toEqual(
      [],
    );
  });

  it('refuses at synth a reservation whose stage names no account quota, saying how to find it', () => {
    // Act / Assess
    for (const reservedConcurrency of ['on', '{"authorizer": 10}'])
      expect(() => resolveSettings((k) => ({ reservedConcurrency })[k], {})).toThrow(
        /reservedConcurrency is on, but the stage names no accountConcurrency: .*get-account-settings/,
      );
    expect(
      resolveSettings((k) => ({ reservedConcurrency: 'off' })[k], {}).reservedConcurrency,
    ).toBeUndefined();
  });

  it('scales the reservation and refuses at synth one the account quota cannot hold', () => {
    // Act
    const half = resolveSettings(
      (k) => ({ reservedConcurrency: 'on', reservedConcurrencyScale: '0.5', accountConcurrency: '1000' })[k],
      {},
    );
    // Assess: rounded up, at least 1, at least 2 for a queue's function; the live ones scaled alike
    expect(half.reservedConcurrency).toMatchObject({
      authorizer: 50,
      'threads-write': 25,
      'stale-check': 1,
      'live-fanout': Math.ceil(RESERVED_CONCURRENCY['live-fanout'] / 2),
    });
    expect(half.reservedConcurrency!['scenario-recount']).toBeGreaterThanOrEqual(2);
    expect(() =>
      resolveSettings((k) => ({ reservedConcurrency: 'on', accountConcurrency: '10' })[k], {}),
    ).toThrow(
      new RegExp(
        `reserves ${TOTAL} concurrent executions, but an account with a quota of 10 .* at most 0.*off`,
      ),
    );
  });

  it('counts the live functions in what must fit the quota: an account that fits all but them is refused', () => {
    // Prepare: a quota that holds every reservation but the live ones, and Lambda's unreserved minimum
    const live = Object.keys(LIVE_FUNCTION_ENTRIES).reduce(
      (sum, n) => sum + RESERVED_CONCURRENCY[n as AnyFunctionName],
      0,
    );
    const quota = TOTAL - live + MIN_UNRESERVED_CONCURRENCY;
    const settings = (accountConcurrency: number) => () =>
      resolveSettings(
        (k) => ({ reservedConcurrency: 'on', accountConcurrency: String(accountConcurrency) })[k],
        {},
      );
    // Act / Assess
    expect(settings(quota)).toThrow(new RegExp(`reserves ${TOTAL} concurrent executions`));
    expect(settings(TOTAL + MIN_UNRESERVED_CONCURRENCY)).not.toThrow();
  });

  it('takes a stage’s own count for a live function over the default', () => {
    // Act
    const s = resolveSettings(
      (k) => ({ reservedConcurrency: '{"live-fanout": 80}', accountConcurrency: '1000' })[k],
      {},
    );
    // Assess
    expect(s.reservedConcurrency).toMatchObject({
      'live-fanout': 80,
      'live-authorizer': RESERVED_CONCURRENCY['live-authorizer'],
    });
  });

  it('is described in docs/deploy.md with the numbers of the synthesized templates', () => {
    // Prepare
    const doc = readFileSync(path.join(__dirname, '../../docs/deploy.md'), 'utf8').replace(/\s+/g, ' ');
    const alarmsOf = (s: typeof prod) => {
      const alarms = Object.values(s.template.toJSON().Resources as Resources).filter(
        (r) => r.Type === 'AWS::CloudWatch::Alarm',
      );
      const metrics = alarms.reduce(
        (n, a) =>
          n +
          (Array.isArray(a.Properties!.Metrics)
            ? (a.Properties!.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat).length
            : 1),
        0,
      );
      return { alarms: alarms.length, metrics };
    };
    const reserved = alarmsOf(prod);
    const unreserved = alarmsOf(dev);
    const pollers = RESERVED_CONCURRENCY.deliveries - DELIVERY_SWEEP_CONCURRENCY;
    // Assess
    expect(doc).toContain(
      `| alarms | ${unreserved.alarms} (${reserved.alarms} with reserved concurrency on)`,
    );
    expect(doc).toContain(`${reserved.alarms} alarms watching ${reserved.metrics} metrics`);
    expect(doc).toContain(
      `without reserved concurrency ${unreserved.alarms} alarms, ${unreserved.metrics} metrics`,
    );
    expect(doc).toContain(`the stage has the ${unreserved.alarms} alarms of dev`);
    expect(doc).toContain(`They reserve ${TOTAL} in all`);
    expect(doc).toContain(
      `Below ${TOTAL + MIN_UNRESERVED_CONCURRENCY} (${TOTAL} reserved + ${MIN_UNRESERVED_CONCURRENCY} unreserved)`,
    );
    expect(doc).toContain(
      `its pollers get ${RESERVED_CONCURRENCY.deliveries} − ${DELIVERY_SWEEP_CONCURRENCY} = ${pollers}`,
    );
    expect(doc).toContain(
      `never reserve less than ${MIN_RESERVATION['scenario-recount']} for the recount function and ${MIN_RESERVATION.deliveries} for the delivery function`,
    );
  });
});
