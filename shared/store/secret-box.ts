import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { INITIAL_KEY_ID, keyOf } from '../domain/keyring';
import type { KeyringSource } from './keyring-source';

/**
 * Subscription secrets must be stored so deliveries can sign with them, but nothing that reads the
 * table should see them: each is sealed with AES-256-GCM under the webhook sealing keyring, which
 * only the subscriptions and delivery functions can read (docs/security.md). The subscription id is
 * the associated data, so a sealed secret copied onto another subscription's item does not open.
 *
 * Forms: `v2.<key id>.<iv>.<body>.<tag>` (sealed with that key of the keyring), and `v1.<iv>.<body>.<tag>`,
 * sealed before keyrings, which opens with the `initial` key (the plain key the secret held then).
 */
export interface SecretBox {
  seal(plain: string, boundTo: string): Promise<string>;
  open(sealed: string, boundTo: string): Promise<string>;
}

/** A sealed value in neither form: damaged, or not written by this code. */
export class SealedFormError extends Error {
  readonly code = 'sealed_secret_form';
  constructor() {
    super('sealed secret has an unknown form');
    this.name = 'SealedFormError';
  }
}

const aesKey = (key: string) =>
  createHash('sha256').update(`scenario-tracker webhook secrets\0${key}`).digest();

const b64 = (b: Buffer) => b.toString('base64url');

export function secretBox(keys: KeyringSource): SecretBox {
  return {
    async seal(plain, boundTo) {
      const { current } = await keys.load();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', aesKey(current.key), iv);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v2', current.id, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
    },
    async open(sealed, boundTo) {
      const parts = sealed.split('.');
      const [keyId, iv, body, tag] =
        parts[0] === 'v2' && parts.length === 5
          ? parts.slice(1)
          : parts[0] === 'v1' && parts.length === 4
            ? [INITIAL_KEY_ID, ...parts.slice(1)]
            : [];
      if (!keyId || !iv || !body || !tag) throw new SealedFormError();
      const key = keyOf(await keys.load(keyId), keyId);
      const decipher = createDecipheriv('aes-256-gcm', aesKey(key), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
