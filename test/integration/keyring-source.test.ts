import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../shared/domain/errors';
import { newKeyring, parseKeyring, rotateKeyring } from '../../shared/domain/keyring';
import {
  FORCED_READ_INTERVAL_MS,
  SECRET_CACHE_SECONDS,
  secretsManagerKeyring,
} from '../../shared/store/keyring-source';
import { startSecretsEndpoint, type SecretsEndpoint } from '../support/secrets-manager';

/**
 * A keyring kept in Secrets Manager, read through Powertools Parameters and the SDK over HTTP from a
 * local endpoint that speaks GetSecretValue (test/support/secrets-manager.ts). Each test reads its
 * own secret, so Powertools' process-wide cache of one test never answers another.
 */
let sm: SecretsEndpoint;
let uninstall: () => void;
let n = 0;
const freshArn = () => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:ring-${++n}-AbCdEf`;
const readsOf = (arn: string) => sm.reads.filter((r) => r === arn).length;

beforeAll(async () => {
  sm = await startSecretsEndpoint();
  uninstall = sm.install();
});
afterAll(async () => {
  uninstall();
  await sm.close();
});
afterEach(() => {
  sm.refuse('none', 0);
  jest.useRealTimers();
});

/** Only the clock moves: timers, ticks and sockets stay real, so the HTTP reads still happen. */
const fakeClock = (start: number) => {
  jest.useFakeTimers({
    now: start,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
};

describe('a keyring in Secrets Manager', () => {
  it('is read once for a burst of concurrent requests, then served from the cache', async () => {
    // Prepare
    const arn = freshArn();
    const ring = newKeyring();
    sm.put(arn, ring);
    const source = secretsManagerKeyring(arn, 'test key');
    // Act
    const burst = await Promise.all([source.load(), source.load(), source.load()]);
    await source.load();
    // Assess
    expect(burst.map((r) => r.current.id)).toEqual(Array(3).fill(parseKeyring(ring).current.id));
    expect(source.loaded()).toEqual(parseKeyring(ring));
    expect(readsOf(arn)).toBe(1);
  });

  it('answers 503 naming the failure until a read succeeds, and reads again on each request meanwhile', async () => {
    // Prepare
    const arn = freshArn();
    sm.put(arn, newKeyring());
    sm.refuse('AccessDeniedException', 2);
    const source = secretsManagerKeyring(arn, 'test key');
    // Act
    const failures = await Promise.all(
      [1, 2].map(() =>
        source.load().then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    const before = (() => {
      try {
        return source.loaded();
      } catch (error) {
        return error;
      }
    })();
    // Sequential, so each is its own read
    const third = await source.load().catch((e: unknown) => e);
    // Assess
    expect(failures[0]).toBeInstanceOf(UnavailableError);
    expect((failures[0] as UnavailableError).status).toBe(503);
    expect((failures[0] as UnavailableError).message).toMatch(/test key .*AccessDeniedException/);
    expect(before).toBeInstanceOf(UnavailableError);
    expect(third).toBeInstanceOf(UnavailableError);
    expect(await source.load()).toBeDefined();
    // The two concurrent loads shared one read; then one failed read and one good one.
    expect(readsOf(arn)).toBe(3);
  });

  it(`takes up a rotation once its ${SECRET_CACHE_SECONDS} s cache runs out, and keeps the old keyring if that read fails`, async () => {
    // Prepare
    fakeClock(Date.parse('2026-12-07T00:00:00Z'));
    const arn = freshArn();
    const first = newKeyring();
    sm.put(arn, first);
    const source = secretsManagerKeyring(arn, 'test key');
    await source.load();
    const rotated = rotateKeyring(first);
    sm.put(arn, rotated);
    // Act
    jest.setSystemTime(Date.parse('2026-12-07T00:00:00Z') + (SECRET_CACHE_SECONDS - 1) * 1000);
    const withinCache = (await source.load()).current.id;
    jest.setSystemTime(Date.parse('2026-12-07T00:00:00Z') + (SECRET_CACHE_SECONDS + 1) * 1000);
    const afterCache = (await source.load()).current.id;
    sm.refuse('AccessDeniedException');
    jest.setSystemTime(Date.parse('2026-12-07T00:00:00Z') + (2 * SECRET_CACHE_SECONDS + 2) * 1000);
    const whileDown = (await source.load()).current.id;
    // Assess
    expect(withinCache).toBe(parseKeyring(first).current.id);
    expect(afterCache).toBe(parseKeyring(rotated).current.id);
    expect(whileDown).toBe(parseKeyring(rotated).current.id);
    expect(readsOf(arn)).toBe(3);
  });

  it('reads again at once for a key id it does not hold, at most once per interval', async () => {
    // Prepare: this instance read the keyring before another instance took up a rotation
    fakeClock(Date.parse('2026-12-07T00:00:00Z'));
    const arn = freshArn();
    const first = newKeyring();
    sm.put(arn, first);
    const source = secretsManagerKeyring(arn, 'test key');
    await source.load();
    const rotated = rotateKeyring(first);
    sm.put(arn, rotated);
    const newId = parseKeyring(rotated).current.id;
    // Act
    const known = await source.load(parseKeyring(first).current.id);
    const taken = await source.load(newId);
    const forged = [await source.load('deadbeef'), await source.load('deadbeef')];
    jest.setSystemTime(Date.parse('2026-12-07T00:00:00Z') + FORCED_READ_INTERVAL_MS);
    await source.load('deadbeef');
    // Assess
    expect(known.current.id).toBe(parseKeyring(first).current.id);
    expect(taken.current.id).toBe(newId);
    expect(forged.map((r) => r.current.id)).toEqual([newId, newId]);
    // The first read, the read for the new id, one for the forged id after the interval.
    expect(readsOf(arn)).toBe(3);
  });

  it('refuses a secret that is not a keyring, naming the problem but never the value', async () => {
    // Prepare
    const arn = freshArn();
    sm.put(arn, 'short-not-a-key');
    const source = secretsManagerKeyring(arn, 'test key');
    // Act
    const error = (await source.load().catch((e: unknown) => e)) as Error;
    // Assess
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/KeyringFormatError: is neither a keyring/);
    expect(error.message).not.toContain('short-not-a-key');
  });

  it('is cached as long as docs/runbook.md and docs/security.md say', () => {
    // Prepare
    const doc = (name: string) =>
      readFileSync(join(__dirname, '../../docs', name), 'utf8').replace(/\s+/g, ' ');
    // Assess
    expect(SECRET_CACHE_SECONDS).toBe(5 * 60);
    expect(doc('runbook.md')).toContain(`\`maxAge\` ${SECRET_CACHE_SECONDS} s`);
    expect(doc('runbook.md')).toContain('within 5 minutes');
    expect(doc('runbook.md')).toContain(`at most once per ${FORCED_READ_INTERVAL_MS / 1000} s`);
    expect(doc('security.md')).toContain(
      `cached 5 minutes; at once for a token naming a key it does not hold yet, at most once per ${FORCED_READ_INTERVAL_MS / 1000} s`,
    );
  });
});
