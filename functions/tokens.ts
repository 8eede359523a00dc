import { createToken, listTokens, revokeToken } from '../shared/app/tokens';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { lambdaHandler } from '../shared/http/handler';
import { empty, json } from '../shared/http/response';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({ tokens: parts.tokens, idempotency: parts.idempotency });

/** Token management (admin). Idempotency-Key is deliberately not honoured: a token is never replayed. */
export const handler = lambdaHandler(
  'tokens',
  {
    'POST /tokens': async (req) => {
      const { name, role } = req.body;
      return json(201, await createToken(req.ctx, name, role), {
        Location: `/tokens/${name}`,
        'Cache-Control': 'no-store',
      });
    },
    'GET /tokens': async (req) => json(200, { items: await listTokens(req.ctx) }),
    'DELETE /tokens/{name}': async (req) => {
      await revokeToken(req.ctx, req.params.name);
      return empty(204);
    },
  },
  appContext,
);
