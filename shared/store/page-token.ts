import { createHmac, timingSafeEqual } from 'node:crypto';
import '../domain/zod-setup';
import * as z from 'zod/mini';
import { ValidationError } from '../domain/errors';

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
  decode<S extends PageKeySchema>(token: string, scope: string, schema: S): z.output<S>;
}

/**
 * A codec without a secret (PAGE_TOKEN_SECRET unset in a function that never pages) fails on use,
 * loudly. The secret is a value (local, tests) or a getter asked at each use (the cloud's key, read
 * from Secrets Manager at cold start: shared/store/managed-secret.ts), which throws when it has none.
 */
export function pageTokenCodec(secret: string | undefined | (() => string)): PageTokenCodec {
  const sign = (payload: string) => {
    if (secret === undefined) throw new Error('PAGE_TOKEN_SECRET is not set: this process cannot page');
    const key = typeof secret === 'function' ? secret() : secret;
    return createHmac('sha256', key).update(payload).digest('base64url');
  };
  const invalid = () => ValidationError.field('nextToken', 'is not a valid page token for this query');
  return {
    encode(key, scope) {
      const payload = Buffer.from(JSON.stringify({ k: key, s: scope })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(token, scope, schema) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) throw invalid();
      const expected = Buffer.from(sign(payload));
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
