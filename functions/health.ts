import { lambdaHandlerFor } from '../shared/http/handler';
import { ROUTES, type Declared } from '../shared/routes';
import { json } from '../shared/http/response';
import openapi from '../docs/openapi.json';

/**
 * Open routes: liveness and the API description. No table access at all. The one function given the
 * whole route table: it also answers the API's catch-alls (`ANY <path>`, infra/constructs/api.ts),
 * whose 405 lists every method of the path, whichever function serves it.
 */
export const handler = lambdaHandlerFor<Declared>(ROUTES)('health', {
  'GET /health': async () => json(200, { status: 'ok' }),
  'GET /openapi.json': async () => json(200, openapi),
});
