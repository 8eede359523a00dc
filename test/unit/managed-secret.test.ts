import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { readConfig, SettingError } from '../../shared/config';
import { UnavailableError } from '../../shared/domain/errors';
import { managedSecret } from '../../shared/store/managed-secret';
import { secretsManagerFetch } from '../../shared/store/secrets-manager';
import { pageTokenCodec } from '../../shared/store/page-token';

/**
 * The cloud's page-token key comes from Secrets Manager, read once per instance. There is no
 * Secrets Manager to run locally, so its answers (and its faults) are injected at the SDK boundary.
 */
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-token-AbCdEf';
const sm = mockClient(SecretsManagerClient);
const fetch = secretsManagerFetch(new SecretsManagerClient({ region: 'eu-west-1' }));
afterEach(() => sm.reset());
afterAll(() => sm.restore());

describe('a managed secret', () => {
  it('is read once per instance, however many requests (and concurrent ones) ask for it', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'k'.repeat(64) });
    const secret = managedSecret(ARN, 'page-token key');
    // Act
    await Promise.all([secret.ready(fetch), secret.ready(fetch), secret.ready(fetch)]);
    await secret.ready(fetch);
    // Assess
    expect(secret.current()).toBe('k'.repeat(64));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('answers 503 naming the failure while it cannot be read, and reads again on the next request', async () => {
    // Prepare
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }))
      .resolves({ SecretString: 'fresh-key-'.repeat(4) });
    const secret = managedSecret(ARN, 'page-token key');
    // Act
    await secret.ready(fetch);
    const failed = (() => {
      try {
        secret.current();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    await secret.ready(fetch);
    // Assess
    expect(failed).toBeInstanceOf(UnavailableError);
    expect((failed as UnavailableError).status).toBe(503);
    expect((failed as UnavailableError).message).toMatch(/page-token key .*AccessDeniedException/);
    expect(secret.current()).toBe('fresh-key-'.repeat(4));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a secret without a string value rather than signing with nothing', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    const secret = managedSecret(ARN, 'page-token key');
    await secret.ready(fetch);
    expect(() => secret.current()).toThrow(/no string value/);
  });
});

describe('the page-token codec over a managed key', () => {
  it('cannot encode or decode while the key is unavailable: no fallback key, ever', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(new Error('network down'));
    const secret = managedSecret(ARN, 'page-token key');
    await secret.ready(fetch);
    const codec = pageTokenCodec(secret.current);
    // Act / Assess
    expect(() => codec.encode({ PK: 'x' }, 'scope')).toThrow(UnavailableError);
    expect(() => codec.decode('a.b', 'scope', undefined as never)).toThrow(UnavailableError);
  });

  it('signs with the key it read: a token verifies on any instance that read the same key', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: 's'.repeat(64) });
    const one = managedSecret(ARN, 'page-token key');
    const two = managedSecret(ARN, 'page-token key');
    await Promise.all([one.ready(fetch), two.ready(fetch)]);
    // Act
    const token = pageTokenCodec(one.current).encode({ PK: 'THREAD#1' }, 'list');
    const local = pageTokenCodec('s'.repeat(64)).encode({ PK: 'THREAD#1' }, 'list');
    // Assess: the same key gives the same signature as the literal one
    expect(token).toBe(local);
    expect(pageTokenCodec(two.current).encode({ PK: 'THREAD#1' }, 'list')).toBe(token);
  });
});

describe('PAGE_TOKEN_SECRET_ARN', () => {
  it('is read as the ARN of a Secrets Manager secret, refused otherwise, and never together with PAGE_TOKEN_SECRET', () => {
    expect(readConfig({ PAGE_TOKEN_SECRET_ARN: ARN }).pageTokenSecretArn).toBe(ARN);
    expect(() => readConfig({ PAGE_TOKEN_SECRET_ARN: 'page-token' })).toThrow(
      /^PAGE_TOKEN_SECRET_ARN must be the ARN of a Secrets Manager secret/,
    );
    expect(() => readConfig({ PAGE_TOKEN_SECRET_ARN: ARN, PAGE_TOKEN_SECRET: 'x'.repeat(40) })).toThrow(
      SettingError,
    );
  });
});
