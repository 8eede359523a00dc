import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingError } from '../shared/config';

/** Where `npm start` keeps the key that signs page tokens when PAGE_TOKEN_SECRET is not set. */
export const SECRET_FILE = 'page-token-secret';

/**
 * The local page-token secret: 32 random bytes made once and kept in the data folder (mode 0600),
 * so tokens survive a restart like the data they page through, and nobody can sign a token by
 * knowing the table name (the old default was derived from it). `wx` makes the first writer win if
 * two servers start on one folder at once; both then read the same secret.
 */
export function localPageTokenSecret(dataDir: string, name = SECRET_FILE): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A copy or an editor may have loosened the mode; the secret is only ours to read.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (!/^[\x21-\x7e]{32,}$/.test(secret)) {
    throw new SettingError(
      'TRACKER_DATA_DIR',
      `holds a ${name} that is not a usable secret (under 32 visible characters); delete it to make a new one.`,
    );
  }
  return secret;
}

/** Where `npm start` keeps the key that encrypts webhook secrets when TRACKER_WEBHOOK_SECRET_KEY is not set. */
export const WEBHOOK_KEY_FILE = 'webhook-secret-key';

/** The local webhook-secret key: made once like the page-token secret, so subscriptions survive a restart. */
export const localWebhookSecretKey = (dataDir: string): string =>
  localPageTokenSecret(dataDir, WEBHOOK_KEY_FILE);
