import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';
import { ROLES, roleIncludes, type Principal, type Role } from '../domain/types';

/**
 * The authorizer (API Gateway's in the cloud, the local server's on a laptop) runs the same
 * `authenticate` and hands its result to the handler as `requestContext.authorizer.lambda`.
 * It never refuses by itself: the handler does, so 401 and 403 come as problem details and the role
 * each route needs is read from the one route table.
 */
export interface AuthorizerContext {
  name?: string;
  role?: string;
  /** The token's SHA-256 hash: which token, where the name only says whose (names are reused). */
  subject?: string;
  /** `basic` when the token came as an HTTP Basic password (feed routes only); absent means bearer. */
  scheme?: string;
  /** The token may publish its own drafts (contract 1.2 "Drafts"). */
  selfPublish?: boolean | string;
}

/** A principal as a request carries it: always with the subject its token stands for. */
export type Caller = Principal & { subject: string };

export function principalOf(event: APIGatewayProxyEventV2, basicAllowed = false): Caller | null {
  const lambda = (event.requestContext as { authorizer?: { lambda?: AuthorizerContext } }).authorizer?.lambda;
  if (!lambda?.name || !ROLES.includes(lambda.role as Role)) return null;
  // A token sent as a Basic password counts only where the route takes Basic (the feeds).
  if (lambda.scheme === 'basic' && !basicAllowed) return null;
  // API Gateway may hold an answer cached before subjects existed (AUTHORIZER_CACHE_TTL, 60 s after
  // a deploy); such a caller is scoped by name, as everyone was before, rather than refused.
  return {
    name: lambda.name,
    role: lambda.role as Role,
    subject: lambda.subject || `name:${lambda.name}`,
    // A boolean as the authorizer gave it; as text too, should a gateway hand context values on as strings.
    ...(lambda.selfPublish === true || lambda.selfPublish === 'true' ? { selfPublish: true } : {}),
  };
}

export function requireRole(principal: Caller | null, needed: Role, basicAllowed = false): Caller {
  if (!principal) {
    if (!basicAllowed) throw new UnauthorizedError('Send a valid token as Authorization: Bearer <token>.');
    const error = new UnauthorizedError(
      'Send a valid token as Authorization: Bearer <token>, or as the password of HTTP Basic.',
    );
    error.headers['WWW-Authenticate'] = 'Bearer, Basic realm="Scenario Tracker", charset="UTF-8"';
    throw error;
  }
  if (!roleIncludes(principal.role, needed))
    throw new ForbiddenError(`This needs the ${needed} role; ${principal.name} is ${principal.role}.`);
  return principal;
}
