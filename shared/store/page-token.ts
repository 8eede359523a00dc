import { createHmac, timingSafeEqual } from 'node:crypto';
import '../domain/zod-setup';
import * as z from 'zod/mini';
import { ValidationError } from '../domain/errors';
import { holdsKey, INITIAL_KEY_ID, keyOf } from '../domain/keyring';
import type { KeyringSource } from './keyring-source';

/** The shape a Query's resume key must have: each Query that pages knows its own (see page-keys.ts). */
export type PageKeySchema = z.ZodMiniType<Record<string, unknown>>;

/**
 * Opaque pagination tokens: the position to resume from plus a fingerprint of the query it belongs
 * to, signed with HMAC-SHA256. A client can neither forge one into reading other keys nor reuse one
 * with different filters; anything that does not verify is a 400 naming `nextToken`.
 *
 * The signature is not the only line: whoever holds the secret (an operator, a leaked local secret)
 * could sign any key, and DynamoDB answers a key of the wrong shape with an error (a 500) or, worse,
 * reads from the position it names. So the decoded key must also match the caller's schema, which
 * pins it to the resource asked for (this thread's partition, this scenario's index partition).
 */
export interface PageTokenCodec {
  encode(key: Record<string, unknown>, scope: string): string;
  /** The id of the key `encode` signs with now: a list's mark names it (shared/app/list-marks.ts). */
  signingKeyId(): string;
  decode<S extends PageKeySchema>(token: string, scope: string, schema: S): z.output<S>;
}

/**
 * The signature names its key: `<payload>.<signature>.<key id>`, signed with the current key of the
 * page-token keyring and verified with whichever key it names, so a token handed out before a
 * rotation still pages after it. A token of two parts was signed before keyrings, with the key the
 * secret then held, which a keyring keeps as `initial`.
 *
 * The keyring comes from a KeyringSource: a setting's value (local, tests), or in the cloud the
 * Secrets Manager secret, which the read function loads before a request that pages
 * (functions/threads-read.ts) and whose `loaded()` throws UnavailableError until it could. Without
 * any (a process that never pages) every use fails, loudly.
 */
export function pageTokenCodec(keys: KeyringSource): PageTokenCodec {
  const sign = (payload: string, key: string) =>
    createHmac('sha256', key).update(payload).digest('base64url');
  const invalid = () => ValidationError.field('nextToken', 'is not a valid page token for this query');
  return {
    encode(key, scope) {
      const { current } = keys.loaded();
      const payload = Buffer.from(JSON.stringify({ k: key, s: scope })).toString('base64url');
      return `${payload}.${sign(payload, current.key)}.${current.id}`;
    },
    signingKeyId: () => keys.loaded().current.id,
    decode(token, scope, schema) {
      const [payload, signature, keyId = INITIAL_KEY_ID, extra] = token.split('.');
      if (!payload || !signature || !keyId || extra !== undefined) throw invalid();
      const ring = keys.loaded();
      // A retired (or made-up) key id is a token that does not verify: 400, as the contract allows.
      if (!holdsKey(ring, keyId)) throw invalid();
      const expected = Buffer.from(sign(payload, keyOf(ring, keyId)));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      let parsed: { k?: unknown; s?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
      } catch {
        throw invalid();
      }
      if (parsed === null || typeof parsed !== 'object' || parsed.s !== scope) throw invalid();
      const key = z.safeParse(schema, parsed.k);
      if (!key.success) throw invalid();
      return key.data;
    },
  };
}

/** The key id a page token names (`initial` for one of before keyrings), or undefined when it has no such form. */
export function pageTokenKeyId(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length === 2) return INITIAL_KEY_ID;
  return parts.length === 3 && parts[2] ? parts[2] : undefined;
}
