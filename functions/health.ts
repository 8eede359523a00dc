import { lambdaHandler } from '../shared/http/handler';
import { json } from '../shared/http/response';
import openapi from '../docs/openapi.json';

/** Open routes: liveness and the API description. No table access at all. */
export const handler = lambdaHandler('health', {
  'GET /health': async () => json(200, { status: 'ok' }),
  'GET /openapi.json': async () => json(200, openapi),
});
