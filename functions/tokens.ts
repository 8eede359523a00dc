import { createToken, listTokens, revokeToken } from '../shared/app/tokens';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';
import { lambdaHandler } from '../shared/http/handler';
import { TOKENS_ROUTES } from '../shared/routes/tokens';
import { empty, json } from '../shared/http/response';

const cfg = config();
/** What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). */
const deps = { tokens: new TokenStore(createDocumentClient(cfg), cfg.tableName) };
const appContext = () => deps;

/** Token management (admin). Idempotency-Key is deliberately not honoured: a token is never replayed. */
export const handler = lambdaHandler(TOKENS_ROUTES)(
  'tokens',
  {
    'POST /tokens': async (req) => {
      const { name, role, selfPublish } = req.body;
      return json(201, await createToken(req.ctx, name, role, undefined, selfPublish === true), {
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
