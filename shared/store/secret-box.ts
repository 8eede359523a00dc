import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Subscription secrets must be stored so deliveries can sign with them, but nothing that reads the
 * table should see them: each is sealed with AES-256-GCM under TRACKER_WEBHOOK_SECRET_KEY, which
 * only the subscriptions and delivery functions hold (docs/security.md). The subscription id is the
 * associated data, so a sealed secret copied onto another subscription's item does not open.
 */
export interface SecretBox {
  seal(plain: string, boundTo: string): string;
  open(sealed: string, boundTo: string): string;
}

const VERSION = 'v1';

export function secretBox(key: string | undefined): SecretBox {
  const aesKey = () => {
    if (key === undefined)
      throw new Error(
        'TRACKER_WEBHOOK_SECRET_KEY is not set: this process cannot create or deliver subscriptions',
      );
    return createHash('sha256').update(`scenario-tracker webhook secrets\0${key}`).digest();
  };
  return {
    seal(plain, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', aesKey(), iv);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv, body, cipher.getAuthTag()]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(sealed, boundTo) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || !iv || !body || !tag) throw new Error('sealed secret has an unknown form');
      const decipher = createDecipheriv('aes-256-gcm', aesKey(), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
