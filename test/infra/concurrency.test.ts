import type { FunctionName } from '../../infra/bundling';
import { RESERVED_CONCURRENCY, resolveSettings } from '../../infra/settings';
import { referencedIds, synth, type Resources } from './synth';

/** prod reserves concurrency (cdk.json stages.prod), dev does not (stages.dev: off, for new accounts). */
const prod = synth({ context: { stage: 'prod', alarmEmail: 'oncall@example.org' } });
const dev = synth({ context: { stage: 'dev' } });
afterAll(() => {
  prod.cleanup();
  dev.cleanup();
});
const reservedOf = (s: typeof prod, name: FunctionName) =>
  (s.template.toJSON().Resources as Resources)[s.functionId(name)]!.Properties!.ReservedConcurrentExecutions;
const NAMES = Object.keys(RESERVED_CONCURRENCY) as FunctionName[];

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

  it('bounds the queues’ pollers by their function’s reservation, so throttled receives do not dead-letter messages', () => {
    // Prepare
    const resources = prod.template.toJSON().Resources as Resources;
    // Act
    const mappings = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
      .map((m) => ({
        fn: referencedIds(m.Properties!.FunctionName)[0],
        max: (m.Properties!.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
      }));
    // Assess
    expect(mappings).toEqual(
      expect.arrayContaining([
        { fn: prod.functionId('scenario-recount'), max: RESERVED_CONCURRENCY['scenario-recount'] },
        { fn: prod.functionId('deliveries'), max: RESERVED_CONCURRENCY.deliveries },
      ]),
    );
  });

  it('reserves nothing in dev, whose cdk.json block turns reservation off (a new account’s quota is often 10)', () => {
    for (const name of NAMES)
      expect({ name, reserved: reservedOf(dev, name) }).toEqual({ name, reserved: undefined });
  });

  it('scales the reservation and refuses at synth one the account quota cannot hold', () => {
    // Act
    const half = resolveSettings(
      (k) => ({ reservedConcurrency: 'on', reservedConcurrencyScale: '0.5' })[k],
      {},
    );
    // Assess: rounded up, at least 1, at least 2 for a queue's function
    expect(half.reservedConcurrency).toMatchObject({ authorizer: 50, 'threads-write': 25, 'stale-check': 1 });
    expect(half.reservedConcurrency!['scenario-recount']).toBeGreaterThanOrEqual(2);
    expect(() =>
      resolveSettings((k) => ({ reservedConcurrency: 'on', accountConcurrency: '10' })[k], {}),
    ).toThrow(/reserves 312 concurrent executions, but an account with a quota of 10 .* at most 0.*off/);
  });
});
