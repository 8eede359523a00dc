import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, TokenExistsError } from '../domain/errors';
import { nowUtc } from '../domain/time';
import type { Principal, Role } from '../domain/types';
import { TokenNameTaken, type TokenRecord } from '../store/token-store';
import type { AppContext } from './context';

/** 256 random bits; the prefix makes a leaked token easy to recognise in a secret scanner. */
export const mintToken = (): string => `st_${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

const BEARER = /^Bearer[ ]+([\x21-\x7e]{1,512})$/i;
const BASIC = /^Basic[ ]+([A-Za-z0-9+/]{1,1400}={0,2})$/i;

/** How the token came: `bearer`, or `basic` (the token as the password; only feed routes take it). */
export type Scheme = 'bearer' | 'basic';

/** The token an Authorization header carries, and how; undefined when it carries none we take. */
export function tokenOf(authorization: string | undefined): { token: string; scheme: Scheme } | undefined {
  if (authorization === undefined) return undefined;
  const bearer = BEARER.exec(authorization.trim())?.[1];
  if (bearer) return { token: bearer, scheme: 'bearer' };
  const basic = BASIC.exec(authorization.trim())?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return /^[\x21-\x7e]{1,512}$/.test(password) ? { token: password, scheme: 'basic' } : undefined;
}

/** The principal a bearer (or Basic) token stands for, or null when there is none or it is unknown. */
export async function authenticate(
  ctx: Pick<AppContext, 'tokens'>,
  authorization: string | undefined,
): Promise<(Principal & { subject: string; scheme: Scheme }) | null> {
  const given = tokenOf(authorization);
  if (!given) return null;
  const { token } = given;
  const hash = hashToken(token);
  const record = await ctx.tokens.findByHash(hash);
  if (!record) return null;
  const now = nowUtc();
  // lastUsedAt at minute resolution: a write only when the stored one is a minute old.
  if (!record.lastUsedAt || Date.parse(now) - Date.parse(record.lastUsedAt) >= 60_000)
    await ctx.tokens.touch(hash, now);
  return {
    name: record.name,
    role: record.role,
    subject: hash,
    scheme: given.scheme,
    ...(record.selfPublish ? { selfPublish: true } : {}),
  };
}

export async function createToken(
  ctx: Pick<AppContext, 'tokens'>,
  name: string,
  role: Role,
  token = mintToken(),
  selfPublish = false,
): Promise<{ name: string; role: Role; token: string; createdAt: string; selfPublish: boolean }> {
  const createdAt = nowUtc();
  try {
    await ctx.tokens.create(name, role, hashToken(token), createdAt, false, selfPublish);
  } catch (error) {
    if (error instanceof TokenNameTaken) throw new TokenExistsError(`A token named ${name} exists already.`);
    throw error;
  }
  return { name, role, token, createdAt, selfPublish };
}

/** Register a known token under a fixed name, replacing whatever that name held (local server start-up). */
export async function registerToken(
  ctx: Pick<AppContext, 'tokens'>,
  name: string,
  role: Role,
  token: string,
  selfPublish = false,
): Promise<void> {
  await ctx.tokens.revoke(name);
  await ctx.tokens.create(name, role, hashToken(token), nowUtc(), false, selfPublish);
}

export const listTokens = (ctx: Pick<AppContext, 'tokens'>): Promise<TokenRecord[]> => ctx.tokens.list();

export async function revokeToken(ctx: Pick<AppContext, 'tokens'>, name: string): Promise<void> {
  if (!(await ctx.tokens.revoke(name))) throw new NotFoundError(`No token named ${name}.`);
}
