import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Config } from '../config';
import { UnavailableError } from '../domain/errors';
import { holdsKey, parseKeyring, type Keyring } from '../domain/keyring';
import { logger } from '../observability';

/**
 * Where a process gets one of its keyrings (shared/domain/keyring.ts): a setting's value (`npm
 * start`, the tools, tests) or, in the cloud, a Secrets Manager secret read at run time.
 */
export interface KeyringSource {
  /**
   * The keyring, read when needed. With `needs`, a key id the caller is about to use: when the
   * keyring read last lacks it (another instance already took up a rotation), it is read again first.
   */
  load(needs?: string): Promise<Keyring>;
  /** The keyring the last `load` gave, for code that signs synchronously after its handler loaded it. */
  loaded(): Keyring;
}

/** A keyring given as text; `unset` is the message every use fails with when there is none. */
export function fixedKeyring(text: string | undefined, unset: string): KeyringSource {
  const ring = text === undefined ? undefined : parseKeyring(text);
  const loaded = () => {
    if (!ring) throw new Error(unset);
    return ring;
  };
  return { load: async () => loaded(), loaded };
}

/**
 * How long a function trusts the keyring it read before asking Secrets Manager again: a rotation
 * reaches every warm instance within this, and a value sealed or signed under the new key reaches an
 * instance that has not yet taken it up through `load(needs)`, which reads at once.
 */
export const SECRET_CACHE_SECONDS = 300;
/** A key id nobody holds (a forged page token) triggers at most one extra read per this many ms. */
export const FORCED_READ_INTERVAL_MS = 30_000;

/**
 * A keyring kept in Secrets Manager (the secret's ARN is all the function's environment holds), read
 * with Powertools Parameters' `getSecret` and its cache (`maxAge`).
 *
 * Failures: until a first read succeeds, `load` and `loaded` throw UnavailableError (503 with
 * Retry-After) naming the cause; there is no fallback key, so nothing ever signs with a guessable
 * one. A failed re-read keeps the keyring read before (a rotation only adds keys, so it still opens
 * everything it opened) and is tried again on the next use.
 */
export function secretsManagerKeyring(
  secretId: string,
  what: string,
  now: () => number = Date.now,
): KeyringSource {
  let last: { text: string; ring: Keyring } | undefined;
  let failure = 'not read yet';
  let lastForced = -Infinity;
  let reading: Promise<void> | undefined;
  const read = async (forceFetch: boolean) => {
    try {
      const text = await getSecret(secretId, { maxAge: SECRET_CACHE_SECONDS, forceFetch });
      if (typeof text !== 'string') throw new Error('the secret has no string value');
      if (last?.text !== text) last = { text, ring: parseKeyring(text) };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      failure = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      if (last) logger.warn(`the ${what} could not be read again; using the one read before`, { failure });
    }
  };
  const unavailable = () =>
    new UnavailableError(
      `The ${what} could not be read from Secrets Manager (${failure}); try again shortly.`,
      5,
    );
  const loaded = () => {
    if (!last) throw unavailable();
    return last.ring;
  };
  return {
    async load(needs) {
      let force = false;
      if (
        last &&
        needs !== undefined &&
        !holdsKey(last.ring, needs) &&
        now() - lastForced >= FORCED_READ_INTERVAL_MS
      ) {
        force = true;
        lastForced = now();
      }
      // Concurrent requests share one read: an instance's first burst makes one call, not one each.
      await (reading ??= read(force).finally(() => (reading = undefined)));
      return loaded();
    },
    loaded,
  };
}

const bySecret = new Map<string, KeyringSource>();

/** One source per secret and process: threads-read's handler loads the very one its codec uses. */
export function sharedSecretsManagerKeyring(secretId: string, what: string): KeyringSource {
  let source = bySecret.get(secretId);
  if (!source) bySecret.set(secretId, (source = secretsManagerKeyring(secretId, what)));
  return source;
}

/**
 * The page-token keyring: in the cloud the Secrets Manager secret PAGE_TOKEN_SECRET_ARN names (one
 * source per process, which threads-read loads before a request that pages), elsewhere the value of
 * PAGE_TOKEN_SECRET.
 */
export const pageTokenKeys = (cfg: Pick<Config, 'pageTokenSecretArn' | 'pageTokenSecret'>): KeyringSource =>
  cfg.pageTokenSecretArn
    ? sharedSecretsManagerKeyring(cfg.pageTokenSecretArn, 'page-token key')
    : fixedKeyring(cfg.pageTokenSecret, 'PAGE_TOKEN_SECRET is not set: this process cannot page');

/**
 * The webhook sealing keyring: in the cloud the secret TRACKER_WEBHOOK_SECRET_KEY_ARN names (read by
 * the subscription store as it seals and opens), elsewhere the value of TRACKER_WEBHOOK_SECRET_KEY.
 */
export const webhookKeys = (cfg: Pick<Config, 'webhookSecretKeyArn' | 'webhookSecretKey'>): KeyringSource =>
  cfg.webhookSecretKeyArn
    ? sharedSecretsManagerKeyring(cfg.webhookSecretKeyArn, 'webhook sealing key')
    : fixedKeyring(
        cfg.webhookSecretKey,
        'TRACKER_WEBHOOK_SECRET_KEY is not set: this process cannot create or deliver subscriptions',
      );
