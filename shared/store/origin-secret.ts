import { createHash, timingSafeEqual } from 'node:crypto';
import { FORCED_READ_INTERVAL_MS, SECRET_CACHE_SECONDS } from './keyring-source';
import { logger } from '../observability';

/**
 * The origin secret's accepted values, as the HTTP authorizer checks them (shared/http/origin.ts,
 * ORIGIN_HEADER). In the cloud, the Secrets Manager secret TRACKER_ORIGIN_SECRET_ARN names: its AWSCURRENT value and,
 * when there is one, its AWSPREVIOUS value. Secrets Manager moves AWSPREVIOUS onto the old value by
 * itself when a new one is put, so a rotation (docs/runbook.md) never refuses the edge: CloudFront
 * keeps sending the old value until the distribution is deployed again, and the old value is still
 * accepted as the previous one.
 */
export interface OriginSecret {
  /** Whether a request that sent `value` as the origin header came through the edge. */
  accepts(value: string | undefined): Promise<boolean>;
}

/** Reads one version stage of the secret: its string, or undefined when the stage holds no version. */
export type StageReader = (stage: 'AWSCURRENT' | 'AWSPREVIOUS') => Promise<string | undefined>;

/** Thrown when the secret could not be read at all (the authorizer then fails: API Gateway answers 500). */
export class OriginSecretUnavailableError extends Error {
  readonly code = 'origin_secret_unavailable';
  constructor(cause: string) {
    super(`The origin secret could not be read from Secrets Manager (${cause}).`);
    this.name = 'OriginSecretUnavailableError';
  }
}

/**
 * The accepted values, read through `read` and kept SECRET_CACHE_SECONDS. A value that matches none
 * of them makes one read before it is refused (at most every FORCED_READ_INTERVAL_MS per instance):
 * an instance that has not yet seen a rotation takes it up at once, and a stream of wrong values
 * costs at most one Secrets Manager read per instance per interval. A failed re-read keeps the values
 * read before.
 */
export function originSecret(read: StageReader, now: () => number = Date.now): OriginSecret {
  let values: string[] | undefined;
  let readAt = -Infinity;
  let forcedAt = -Infinity;
  let reading: Promise<void> | undefined;
  let failure = 'not read yet';
  const refresh = async () => {
    try {
      const [current, previous] = await Promise.all([read('AWSCURRENT'), read('AWSPREVIOUS')]);
      if (current === undefined) throw new Error('the secret has no current string value');
      values = previous === undefined ? [current] : [current, previous];
      readAt = now();
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (values)
        logger.warn('the origin secret could not be read again; using the values read before', { failure });
    }
  };
  const load = async () => {
    await (reading ??= refresh().finally(() => (reading = undefined)));
    if (!values) throw new OriginSecretUnavailableError(failure);
    return values;
  };
  return {
    async accepts(value) {
      if (value === undefined || value === '') return false;
      const known = values && now() - readAt < SECRET_CACHE_SECONDS * 1000 ? values : await load();
      if (originMatches(value, known)) return true;
      if (now() - forcedAt < FORCED_READ_INTERVAL_MS) return false;
      forcedAt = now();
      return originMatches(value, await load());
    },
  };
}

/** The secret's version stages, read with the SDK (loaded with the first read: without an edge it never is). */
export function secretsManagerStages(secretId: string): StageReader {
  let client: Promise<{ send: (command: unknown) => Promise<{ SecretString?: string }> }> | undefined;
  return async (stage) => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= Promise.resolve(new sdk.SecretsManagerClient({}) as never);
    try {
      const out = await (
        await client
      ).send(new sdk.GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return out.SecretString;
    } catch (error) {
      // A secret never rotated has no AWSPREVIOUS version: nothing more to accept.
      if (stage === 'AWSPREVIOUS' && (error as { name?: string }).name === 'ResourceNotFoundException')
        return undefined;
      throw error;
    }
  };
}

/**
 * Whether `sent` is one of the accepted values (the secret's current one and, during a rotation,
 * its previous one). Compared as SHA-256 digests with timingSafeEqual, so neither the time taken nor
 * the length tells a caller how much of a guess was right.
 */
export function originMatches(sent: string | undefined, accepted: readonly string[]): boolean {
  if (sent === undefined || sent === '') return false;
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  const mine = digest(sent);
  let match = false;
  // Every accepted value is compared, whichever matches: the time does not say which one did.
  for (const value of accepted) if (value !== '' && timingSafeEqual(mine, digest(value))) match = true;
  return match;
}
