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
}

export function principalOf(event: APIGatewayProxyEventV2): Principal | null {
  const lambda = (event.requestContext as { authorizer?: { lambda?: AuthorizerContext } }).authorizer?.lambda;
  if (!lambda?.name || !ROLES.includes(lambda.role as Role)) return null;
  return { name: lambda.name, role: lambda.role as Role };
}

export function requireRole(principal: Principal | null, needed: Role): Principal {
  if (!principal) throw new UnauthorizedError('Send a valid token as Authorization: Bearer <token>.');
  if (!roleIncludes(principal.role, needed)) throw new ForbiddenError(`This needs the ${needed} role; ${principal.name} is ${principal.role}.`);
  return principal;
}
