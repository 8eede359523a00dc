import { randomBytes } from 'node:crypto';

/**
 * The two keys the tracker holds (the page-token key, the webhook sealing key) are keyrings: one
 * current key that signs or seals everything new, and the previous keys, by id, that still verify or
 * open what they signed or sealed. Every sealed value and page token names the id of its key, so a
 * rotation never strands old values: rotate (the old current key joins the previous ones), and
 * retire a previous key only once nothing sealed with it is still needed (docs/runbook.md).
 *
 * A keyring is stored as the JSON text below: the SecretString of the Secrets Manager secret in the
 * cloud, a file in `npm start`'s data folder, or a setting's value. The same text everywhere:
 *
 *     {"current":{"id":"3f9a0c2e","key":"…"},"previous":{"initial":"…"}}
 *
 * A secret that is a plain string (at least 32 visible characters) is a keyring too: its one key has
 * the id `initial`. That is how the stack generates its secrets and how every key was kept before
 * keyrings, and values sealed or signed then carry no id, so they open with `initial`.
 */
export interface Keyring {
  /** Signs and seals everything new. */
  current: { id: string; key: string };
  /** Older keys by id: they verify and open what they signed and sealed, never anything new. */
  previous: Readonly<Record<string, string>>;
}

/** The id of the key of a plain-string secret, and of values sealed or signed without an id. */
export const INITIAL_KEY_ID = 'initial';

/** What a key id may be: it is written into sealed values and page tokens between dots. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** What a key may be: the length the stack generates at least (64) would do; 32 is the floor. */
const KEY = /^[\x21-\x7e]{32,}$/;

/** A secret's text that is not a keyring. The message never repeats the text (it is a key). */
export class KeyringFormatError extends Error {
  readonly code = 'invalid_keyring';
  constructor(message: string) {
    super(message);
    this.name = 'KeyringFormatError';
  }
}

/** A sealed value or page token names a key its keyring does not hold (retired, or never there). */
export class UnknownKeyError extends Error {
  readonly code = 'unknown_key';
  constructor(readonly keyId: string) {
    super(`the keyring holds no key with id ${JSON.stringify(keyId)}`);
    this.name = 'UnknownKeyError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read a keyring from its text (JSON, or a plain key: the `initial` one); KeyringFormatError otherwise. */
export function parseKeyring(text: string): Keyring {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (!KEY.test(trimmed))
      throw new KeyringFormatError(
        'is neither a keyring (JSON) nor a key of at least 32 visible ASCII characters',
      );
    return { current: { id: INITIAL_KEY_ID, key: trimmed }, previous: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new KeyringFormatError('starts like a keyring but is not JSON');
  }
  const current = isRecord(parsed) ? parsed.current : undefined;
  const previous = isRecord(parsed) ? (parsed.previous ?? {}) : undefined;
  if (!isRecord(current) || typeof current.id !== 'string' || typeof current.key !== 'string')
    throw new KeyringFormatError('is a keyring without a current key ({"current":{"id":…,"key":…}})');
  if (!isRecord(previous)) throw new KeyringFormatError('is a keyring whose previous keys are not an object');
  const keys: [string, unknown][] = [[current.id, current.key], ...Object.entries(previous)];
  for (const [id, key] of keys) {
    if (!KEY_ID.test(id))
      throw new KeyringFormatError(
        `holds a key id that is not 1–32 of A-Z a-z 0-9 _ - (${JSON.stringify(id)})`,
      );
    if (typeof key !== 'string' || !KEY.test(key))
      throw new KeyringFormatError(`holds key ${id}, which is not at least 32 visible ASCII characters`);
  }
  if (Object.hasOwn(previous, current.id))
    throw new KeyringFormatError(`names ${current.id} both current and previous`);
  return {
    current: { id: current.id, key: current.key },
    previous: Object.fromEntries(Object.entries(previous as Record<string, string>)),
  };
}

/** The keyring's text: what a secret or a data-folder file holds. */
export const keyringText = (ring: Keyring): string =>
  JSON.stringify({ current: ring.current, previous: ring.previous });

/** The key with this id, current or previous; UnknownKeyError when the ring has none. */
export function keyOf(ring: Keyring, id: string): string {
  if (ring.current.id === id) return ring.current.key;
  if (Object.hasOwn(ring.previous, id)) return ring.previous[id]!;
  throw new UnknownKeyError(id);
}

/** Whether the ring holds a key with this id. */
export const holdsKey = (ring: Keyring, id: string): boolean =>
  ring.current.id === id || Object.hasOwn(ring.previous, id);

/** 32 random bytes, as text: HMAC-SHA256 and AES-256 both want 256 bits. */
const freshKey = () => randomBytes(32).toString('base64url');

/** A fresh id, unlike any the ring holds (8 hex digits: short in every sealed value and token). */
function freshId(taken: Keyring | undefined): string {
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!taken || !holdsKey(taken, id)) return id;
  }
}

/** A new keyring's text: one fresh current key, no previous ones. */
export const newKeyring = (): string =>
  keyringText({ current: { id: freshId(undefined), key: freshKey() }, previous: {} });

/**
 * Rotate: a fresh current key; the old current key joins the previous ones, so everything it sealed
 * or signed still opens. Takes and gives a keyring's text (a plain key is read as `initial`).
 */
export function rotateKeyring(old: string): string {
  const ring = parseKeyring(old);
  return keyringText({
    current: { id: freshId(ring), key: freshKey() },
    previous: { ...ring.previous, [ring.current.id]: ring.current.key },
  });
}

/** Drop a previous key: what it sealed or signed no longer opens. The current key cannot be retired. */
export function retireKey(old: string, id: string): string {
  const ring = parseKeyring(old);
  if (ring.current.id === id)
    throw new KeyringFormatError(`cannot retire ${id}: it is the current key (rotate first)`);
  if (!Object.hasOwn(ring.previous, id)) throw new UnknownKeyError(id);
  const previous = { ...ring.previous };
  delete previous[id];
  return keyringText({ current: ring.current, previous });
}
