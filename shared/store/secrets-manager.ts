import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretFetch } from './managed-secret';

/** Fetch a secret's string value from Secrets Manager (imported only where a secret is read: threads-read). */
export const secretsManagerFetch =
  (client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({})): SecretFetch =>
  async (secretId) => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new Error('the secret has no string value');
    return out.SecretString;
  };
