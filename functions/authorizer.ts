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
import { ORIGIN_HEADER } from '../shared/http/origin';
import { header } from '../shared/http/request';
import { count, invocation } from '../shared/observability';
import { originSecret, secretsManagerStages, type OriginSecret } from '../shared/store/origin-secret';

type Deps = Pick<AppContext, 'tokens'>;

const cfg = config();
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: Deps = { tokens: new TokenStore(createDocumentClient(cfg), cfg.tableName) };

/**
 * The origin check, when the stack has an edge (TRACKER_ORIGIN_SECRET_ARN set): only requests that
 * carry the edge's origin header pass (shared/http/origin.ts). The local server and cloud mode have
 * no edge and no such setting, so nothing is checked there.
 */
let origin: OriginSecret | undefined;
const originCheck = (): OriginSecret | undefined => {
  const arn = cfg.originSecretArn;
  return arn ? (origin ??= originSecret(secretsManagerStages(arn))) : undefined;
};

type AuthorizerEvent = Pick<APIGatewayRequestAuthorizerEventV2, 'headers'> & {
  requestContext?: Pick<APIGatewayRequestAuthorizerEventV2['requestContext'], 'requestId'>;
  /** The values of the authorizer's identity sources, in its order (API Gateway sends them). */
  identitySource?: string[] | null;
};

/**
 * API Gateway HTTP API Lambda authorizer (simple responses). It resolves the bearer token to a name
 * and role (and the token's hash, its subject) and always lets the request through: the handler answers 401/403 as problem details
 * using the route table's role, exactly as on the local server, which calls this same function.
 * Its log lines carry API Gateway's request id (`correlation_id`), like the handler's for the same request.
 */
export const handlerFor =
  (appContext: () => Deps) =>
  async (
    event: AuthorizerEvent,
    context?: Context,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> =>
    invocation('authorizer', { context, correlationId: event.requestContext?.requestId }, async () => {
      const edge = originCheck();
      if (edge) {
        // Not through the edge: refused here (API Gateway answers 403), before any route's function.
        // A request without the header never gets here: API Gateway answers 401 on its identity source.
        if (!(await edge.accepts(header({ headers: event.headers ?? {} }, ORIGIN_HEADER)))) {
          count('OriginRefused');
          return { isAuthorized: false, context: {} };
        }
        // The public routes' authorizer has the origin header as its only identity source, so its
        // answer is cached for every caller alike: it must not carry anyone's token (infra/constructs/api.ts).
        if (event.identitySource?.length === 1) return { isAuthorized: true, context: {} };
      }
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
              // Contract 1.2: whether it may publish its own drafts (a cached answer from before: it may not).
              ...(principal.selfPublish ? { selfPublish: true } : {}),
            }
          : {},
      };
    });

export const handler = handlerFor(() => deps);
