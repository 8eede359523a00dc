import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyringFormatError, newKeyring, parseKeyring } from '../shared/domain/keyring';
import { SettingError } from '../shared/config';

/**
 * The keys `npm start` keeps in its data folder when they are not set, one keyring per file (the
 * same JSON a Secrets Manager secret holds in the cloud, shared/domain/keyring.ts), so tokens and
 * sealed subscription secrets survive a restart like the data they belong to. The tools read the
 * same files (local/cli-env.ts), so whatever the server sealed, `npm run stale-check` opens.
 */
export const LOCAL_KEYRINGS = [
  // HMAC keys of page tokens. A random key, not one derived from the table name (the old default,
  // which anyone could sign with).
  { setting: 'PAGE_TOKEN_SECRET', arn: 'PAGE_TOKEN_SECRET_ARN', file: 'page-token-secret' },
  // The keys that seal webhook subscription secrets at rest.
  {
    setting: 'TRACKER_WEBHOOK_SECRET_KEY',
    arn: 'TRACKER_WEBHOOK_SECRET_KEY_ARN',
    file: 'webhook-secret-key',
  },
] as const;

/** The data-folder file of the page-token keyring. */
export const SECRET_FILE = LOCAL_KEYRINGS[0].file;
/** The data-folder file of the webhook sealing keyring. */
export const WEBHOOK_KEY_FILE = LOCAL_KEYRINGS[1].file;

/**
 * Read one keyring file, or make it first (a fresh keyring, mode 0600) when `create` and it is
 * missing; undefined when it is missing and not to be made. `wx` makes the first writer win if two
 * processes start on one folder at once; both then read the same keyring. A file of before keyrings
 * (a plain key) is a keyring whose key is `initial`, so nothing it signed or sealed is lost.
 */
export function localKeyring(dataDir: string, name: string, create = true): string | undefined {
  const file = join(dataDir, name);
  if (create) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${newKeyring()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let text: string;
  try {
    // A copy or an editor may have loosened the mode; the keys are only ours to read.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if (!create && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    parseKeyring(text);
  } catch (error) {
    if (!(error instanceof KeyringFormatError)) throw error;
    throw new SettingError(
      'TRACKER_DATA_DIR',
      `holds a ${name} that ${error.message}; delete it to make a new one (what it signed or sealed is then lost).`,
    );
  }
  return text;
}

/** The local page-token keyring, made once in the data folder. */
export const localPageTokenSecret = (dataDir: string): string => localKeyring(dataDir, SECRET_FILE)!;

/**
 * The environment with each keyring that is set neither by value nor by ARN taken from the data
 * folder: made there if missing when `create` (`npm start`), only read when not (the tools: a tool
 * that made a key the server never saw could seal with it what the server cannot open).
 */
export function withLocalKeyrings(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  create: boolean,
): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const { setting, arn, file } of LOCAL_KEYRINGS) {
    if (out[setting] || out[arn]) continue;
    const text = localKeyring(dataDir, file, create);
    if (text !== undefined) out[setting] = text;
  }
  return out;
}
