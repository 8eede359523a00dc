import { NotFoundError } from '../domain/errors';
import { SLUG, SUBSCRIPTION_ID, ULID } from '../domain/limits';

/**
 * Path parameters. An id that cannot exist (not a slug, not a ULID) is simply not found: answering
 * 404 before any database call keeps junk paths cheap and gives nothing away.
 */
export function threadIdParam(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!SLUG.test(id)) throw new NotFoundError(`No thread ${id}.`);
  return id;
}

export function updateIdParam(params: Record<string, string>, threadId: string): string {
  const updateId = params.updateId ?? '';
  if (!ULID.test(updateId)) throw new NotFoundError(`Thread ${threadId} has no update ${updateId}.`);
  return updateId;
}

export function tokenNameParam(params: Record<string, string>): string {
  const name = params.name ?? '';
  if (!SLUG.test(name)) throw new NotFoundError(`No token named ${name}.`);
  return name;
}

export function subscriptionIdParam(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!SUBSCRIPTION_ID.test(id)) throw new NotFoundError(`No subscription ${id}.`);
  return id;
}

export function scenarioIdParam(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!SLUG.test(id)) throw new NotFoundError(`No scenario ${id}.`);
  return id;
}
