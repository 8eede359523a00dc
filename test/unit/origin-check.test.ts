import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  originMatches,
  originSecret,
  OriginSecretUnavailableError,
  type StageReader,
} from '../../shared/store/origin-secret';
import { FORCED_READ_INTERVAL_MS, SECRET_CACHE_SECONDS } from '../../shared/store/keyring-source';
import { ORIGIN_HEADER } from '../../shared/http/origin';

/**
 * The origin check: the authorizer lets a request through only with the value the edge sends
 * (shared/http/origin.ts). The secret's staging is Secrets Manager's own: putting a new value makes
 * it AWSCURRENT and the old one AWSPREVIOUS (modelled below, as the service documents it); the
 * authorizer is the real function, its SDK client answered at the AWS boundary.
 */

/** A secret as Secrets Manager stages it: a put moves AWSCURRENT's value to AWSPREVIOUS. */
class StagedSecret {
  reads = 0;
  failing = false;
  private current: string;
  private previous: string | undefined;
  constructor(value: string) {
    this.current = value;
  }
  put(value: string) {
    this.previous = this.current;
    this.current = value;
  }
  readonly read: StageReader = async (stage) => {
    this.reads += 1;
    if (this.failing) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    return stage === 'AWSCURRENT' ? this.current : this.previous;
  };
}

const FIRST = 'a'.repeat(64);
const SECOND = 'b'.repeat(64);

describe('originMatches', () => {
  it('accepts one of the accepted values and nothing else, empty included', () => {
    // Assess
    expect(originMatches(FIRST, [SECOND, FIRST])).toBe(true);
    expect(originMatches(FIRST.slice(1), [FIRST])).toBe(false);
    expect(originMatches(`${FIRST}x`, [FIRST])).toBe(false);
    expect(originMatches('', [''])).toBe(false);
    expect(originMatches(undefined, [FIRST])).toBe(false);
  });
});

describe('the origin secret as the authorizer checks it', () => {
  it('accepts the current value and refuses a missing or wrong one', async () => {
    // Prepare
    const secret = new StagedSecret(FIRST);
    const check = originSecret(secret.read, () => 0);
    // Act / Assess
    expect(await check.accepts(FIRST)).toBe(true);
    expect(await check.accepts(undefined)).toBe(false);
    expect(await check.accepts('')).toBe(false);
    expect(await check.accepts(SECOND)).toBe(false);
  });

  it('keeps accepting the old value through a rotation, and takes up the new one at once', async () => {
    // Prepare: an instance that read the secret before the rotation
    let now = 0;
    const secret = new StagedSecret(FIRST);
    const check = originSecret(secret.read, () => now);
    expect(await check.accepts(FIRST)).toBe(true);
    // Act: the operator puts a new value; CloudFront still sends the old one until the next deploy
    secret.put(SECOND);
    now += 1000;
    const oldStillPasses = await check.accepts(FIRST);
    const newPasses = await check.accepts(SECOND);
    now += SECRET_CACHE_SECONDS * 1000;
    const oldAfterCache = await check.accepts(FIRST);
    // Assess: no request through the edge is refused while the rotation is under way
    expect([oldStillPasses, newPasses, oldAfterCache]).toEqual([true, true, true]);
  });

  it('lets a stream of wrong values cost at most one extra read per interval', async () => {
    // Prepare
    let now = 0;
    const secret = new StagedSecret(FIRST);
    const check = originSecret(secret.read, () => now);
    await check.accepts(FIRST);
    const before = secret.reads;
    // Act: a hundred guesses within one interval, then one more after it
    for (let i = 0; i < 100; i++) expect(await check.accepts(`guess-${i}`)).toBe(false);
    const within = secret.reads - before;
    now += FORCED_READ_INTERVAL_MS;
    await check.accepts('guess-after');
    // Assess: one read (two stages) for the hundred, one more after the interval
    expect(within).toBe(2);
    expect(secret.reads - before).toBe(4);
  });

  it('fails (API Gateway answers 500) until a first read succeeds, then keeps what it read', async () => {
    // Prepare
    let now = 0;
    const secret = new StagedSecret(FIRST);
    secret.failing = true;
    const check = originSecret(secret.read, () => now);
    // Act / Assess: no value ever read: the check cannot decide, and says why
    await expect(check.accepts(FIRST)).rejects.toThrow(OriginSecretUnavailableError);
    await expect(check.accepts(FIRST)).rejects.toThrow(/ThrottlingException/);
    secret.failing = false;
    expect(await check.accepts(FIRST)).toBe(true);
    secret.failing = true;
    now += SECRET_CACHE_SECONDS * 1000 + 1;
    expect(await check.accepts(FIRST)).toBe(true);
  });
});

describe('the HTTP authorizer behind the edge', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OriginSecret-AbCdEf';
  type Authorizer = typeof import('../../functions/authorizer');
  let authorizer: Authorizer;
  let restore: () => void;
  let asked: { SecretId?: string; VersionStage?: string }[];

  beforeAll(() => {
    // Prepare: the function as the stack configures it behind an edge (its secret by ARN; this test
    // file has a module registry of its own), Secrets Manager answered at the SDK boundary with a
    // secret never rotated.
    const saved = process.env.TRACKER_ORIGIN_SECRET_ARN;
    process.env.TRACKER_ORIGIN_SECRET_ARN = ARN;
    asked = [];
    const mocked = mockClient(SecretsManagerClient);
    mocked.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionStage: string }) => {
      asked.push(input);
      if (input.SecretId !== ARN)
        throw Object.assign(new Error('no such secret'), { name: 'ResourceNotFoundException' });
      if (input.VersionStage === 'AWSPREVIOUS')
        throw Object.assign(new Error('no AWSPREVIOUS version'), { name: 'ResourceNotFoundException' });
      return { ARN, SecretString: FIRST };
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded once the setting is in place
    authorizer = require('../../functions/authorizer');
    restore = () => {
      mocked.restore();
      if (saved === undefined) delete process.env.TRACKER_ORIGIN_SECRET_ARN;
      else process.env.TRACKER_ORIGIN_SECRET_ARN = saved;
    };
  });
  afterAll(() => restore());

  const event = (headers: Record<string, string>, identitySource: string[]) => ({
    headers,
    identitySource,
    requestContext: { requestId: 'test' },
  });

  it('refuses a request that did not come through the edge, whatever token it carries', async () => {
    // Act
    const none = await authorizer.handler(event({ authorization: 'Bearer junk' }, ['Bearer junk']));
    const wrong = await authorizer.handler(
      event({ authorization: 'Bearer junk', [ORIGIN_HEADER.toLowerCase()]: SECOND }, ['Bearer junk', SECOND]),
    );
    // Assess: refused before any token is looked up (API Gateway answers 403)
    expect(none).toEqual({ isAuthorized: false, context: {} });
    expect(wrong).toEqual({ isAuthorized: false, context: {} });
    expect(asked.map((a) => [a.SecretId, a.VersionStage])).toEqual(
      expect.arrayContaining([
        [ARN, 'AWSCURRENT'],
        [ARN, 'AWSPREVIOUS'],
      ]),
    );
  });

  it("lets a public route's request through the edge with no caller, one answer for everyone", async () => {
    // Act: the origin authorizer's one identity source; a token sent along must not be resolved
    const result = await authorizer.handler(
      event({ [ORIGIN_HEADER]: FIRST, authorization: 'Bearer someone' }, [FIRST]),
    );
    // Assess
    expect(result).toEqual({ isAuthorized: true, context: {} });
  });

  it("lets a token route's request through the edge to the handler, which answers a missing token with 401", async () => {
    // Act: no token resolves (none sent), so the context names nobody and the handler refuses it
    const result = await authorizer.handler(
      event({ [ORIGIN_HEADER]: FIRST, authorization: '' }, ['', FIRST]),
    );
    // Assess
    expect(result).toEqual({ isAuthorized: true, context: {} });
  });
});
