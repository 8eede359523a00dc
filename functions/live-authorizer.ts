import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { AppContext } from '../shared/app/context';
import { authenticate } from '../shared/app/tokens';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';
import { count, invocation } from '../shared/observability';

type Deps = Pick<AppContext, 'tokens'>;

const cfg = config();
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps: Deps = { tokens: new TokenStore(createDocumentClient(cfg), cfg.tableName) };

/**
 * The `$connect` authorizer of the live WebSocket API (REQUEST type, identity source the `token`
 * query parameter). Any known token may connect: every role includes reader. A refused token
 * throws `Unauthorized`, which API Gateway answers with HTTP 401 at the handshake (a missing
 * parameter never reaches this function: API Gateway answers 401 itself). The event holds the token
 * in its query string: it is never logged. The context hands the token's subject (hash) and name to
 * the connection's routes.
 */
export const handlerFor =
  (appContext: () => Deps) =>
  async (
    event: Pick<APIGatewayRequestAuthorizerEvent, 'queryStringParameters' | 'methodArn'>,
    context?: Context,
  ): Promise<APIGatewayAuthorizerResult> => {
    const allowed = await invocation(
      'live-authorizer',
      { context },
      async (): Promise<APIGatewayAuthorizerResult | null> => {
        const token = event.queryStringParameters?.token;
        const principal = token ? await authenticate(appContext(), `Bearer ${token}`) : null;
        count(principal ? 'LiveTokensAccepted' : 'LiveTokensRefused');
        if (!principal) return null;
        return {
          principalId: principal.name,
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
          },
          context: { name: principal.name, role: principal.role, subject: principal.subject },
        };
      },
    );
    // Thrown outside the invocation: a refused token is an answer (401), not a failure to log and count.
    if (!allowed) throw new Error('Unauthorized');
    return allowed;
  };

export const handler = handlerFor(() => deps);
