import { UnavailableError } from '../domain/errors';

/**
 * A Secrets Manager secret a function reads once per instance, at cold start, and keeps.
 *
 * Rotation needs no template change: a new value (`aws secretsmanager put-secret-value`, or a
 * rotation schedule) reaches each instance as it is replaced, and every new instance reads it.
 * A failed read is not kept: the next invocation tries again. Until a read succeeds, `current()`
 * throws UnavailableError (503 with Retry-After): there is no fallback value, so a function in the
 * cloud can never sign with a key anyone could guess.
 *
 * The SDK client lives in shared/store/secrets-manager.ts, imported by the one function that needs
 * it, so no other bundle carries it. Why the SDK client and not Powertools Parameters: Parameters' SecretsProvider is this same client
 * (its peer dependency) plus a provider layer, cache and transforms; one GetSecretValue per
 * instance needs none of them, so the client alone is the smaller bundle and the shorter cold start.
 */
/** How a secret's value is fetched (shared/store/secrets-manager.ts in the cloud). */
export type SecretFetch = (secretId: string) => Promise<string>;

export interface ManagedSecret {
  /** Read the secret unless already read; never throws (a failure is what `current()` reports). */
  ready(fetch: SecretFetch): Promise<void>;
  /** The value, or UnavailableError when it could not be read. */
  current(): string;
}

export function managedSecret(secretId: string, what: string): ManagedSecret {
  let value: string | undefined;
  let loading: Promise<void> | undefined;
  let failure: string | undefined = 'not read yet';
  const load = async (fetch: SecretFetch) => {
    try {
      value = await fetch(secretId);
      failure = undefined;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      loading = undefined;
    }
  };
  return {
    ready(fetch) {
      if (value !== undefined) return Promise.resolve();
      return (loading ??= load(fetch));
    },
    current() {
      if (value !== undefined) return value;
      throw new UnavailableError(
        `The ${what} could not be read from Secrets Manager (${failure}); try again shortly.`,
        5,
      );
    },
  };
}

const bySecret = new Map<string, ManagedSecret>();

/** One ManagedSecret per secret and process: the handler awaits the same one the app context reads. */
export const sharedManagedSecret = (secretId: string, what: string): ManagedSecret => {
  let secret = bySecret.get(secretId);
  if (!secret) bySecret.set(secretId, (secret = managedSecret(secretId, what)));
  return secret;
};
