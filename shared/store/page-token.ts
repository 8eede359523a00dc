import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../domain/errors';

/**
 * Opaque pagination tokens: the position to resume from plus a fingerprint of the query it belongs
 * to, signed with HMAC-SHA256. A client can neither forge one into reading other keys nor reuse one
 * with different filters; anything that does not verify is a 400 naming `nextToken`.
 */
export interface PageTokenCodec {
  encode(key: Record<string, unknown>, scope: string): string;
  decode(token: string, scope: string): Record<string, unknown>;
}

export function pageTokenCodec(secret: string): PageTokenCodec {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  const invalid = () => ValidationError.field('nextToken', 'is not a valid page token for this query');
  return {
    encode(key, scope) {
      const payload = Buffer.from(JSON.stringify({ k: key, s: scope })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(token, scope) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) throw invalid();
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; s?: unknown };
      if (parsed.s !== scope || typeof parsed.k !== 'object' || parsed.k === null) throw invalid();
      return parsed.k as Record<string, unknown>;
    },
  };
}
