import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretFetch } from './managed-secret';

/**
 * Fetch a secret's string value from Secrets Manager (imported only where a secret is read:
 * threads-read). The client is loaded with the first read, which only a request that pages makes:
 * an instance that serves single reads never evaluates it.
 */
export const secretsManagerFetch =
  (client?: Pick<SecretsManagerClient, 'send'>): SecretFetch =>
  async (secretId) => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({});
    const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new Error('the secret has no string value');
    return out.SecretString;
  };
