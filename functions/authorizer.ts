import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import type { AppContext } from '../shared/app/context';
import { authenticate } from '../shared/app/tokens';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';
import type { AuthorizerContext } from '../shared/http/auth';
import { header } from '../shared/http/request';
import { count, invocation } from '../shared/observability';

type Deps = Pick<AppContext, 'tokens'>;

const cfg = config();
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: Deps = { tokens: new TokenStore(createDocumentClient(cfg), cfg.tableName) };

/**
 * API Gateway HTTP API Lambda authorizer (simple responses). It resolves the bearer token to a name
 * and role (and the token's hash, its subject) and always lets the request through: the handler answers 401/403 as problem details
 * using the route table's role, exactly as on the local server, which calls this same function.
 * Its log lines carry API Gateway's request id (`correlation_id`), like the handler's for the same request.
 */
export const handlerFor =
  (appContext: () => Deps) =>
  async (
    event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'> & {
      requestContext?: Pick<APIGatewayRequestAuthorizerEventV2['requestContext'], 'requestId'>;
    },
    context?: Context,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> =>
    invocation('authorizer', { context, correlationId: event.requestContext?.requestId }, async () => {
      const principal = await authenticate(
        appContext(),
        header({ headers: event.headers ?? {} }, 'authorization'),
      );
      count(principal ? 'TokensAccepted' : 'TokensRefused');
      // The scheme goes along: the handler takes Basic only on the routes that allow it (feeds). The
      // answer is cached per Authorization header, whatever the route, so the authorizer cannot decide it.
      return {
        isAuthorized: true,
        context: principal
          ? {
              name: principal.name,
              role: principal.role,
              subject: principal.subject,
              scheme: principal.scheme,
            }
          : {},
      };
    });

export const handler = handlerFor(() => deps);
