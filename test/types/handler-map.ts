/**
 * Type test, checked by `tsc` in `npm run lint` (not run by Jest): a function group's handler map is
 * typed from its group's route table (shared/routes/<group>.ts; GroupRouteKey of shared/routes.ts), so a misspelt route, a missing route,
 * or a route of another group does not compile. Each `@ts-expect-error` fails the type check if the
 * error it expects goes away — that is, if the handler maps stop being checked.
 */
import { lambdaHandler, type RouteHandler } from '../../shared/http/handler';
import type { GroupRouteKey, RouteKey } from '../../shared/routes';
import { HEALTH_ROUTES } from '../../shared/routes/health';
import { TOKENS_ROUTES } from '../../shared/routes/tokens';

const ok: RouteHandler = async () => ({ statusCode: 200, headers: {}, body: '' });

// Every route of the group, nothing else: compiles.
export const complete = lambdaHandler(HEALTH_ROUTES)('health', {
  'GET /health': ok,
  'GET /openapi.json': ok,
});

export const misspelt = lambdaHandler(HEALTH_ROUTES)('health', {
  'GET /health': ok,
  // @ts-expect-error a misspelt route is not a route of the group
  'GET /openapi.jsn': ok,
});

// @ts-expect-error a missing route ('GET /openapi.json') does not compile
export const missing = lambdaHandler(HEALTH_ROUTES)('health', { 'GET /health': ok });

export const foreign = lambdaHandler(HEALTH_ROUTES)('health', {
  'GET /health': ok,
  'GET /openapi.json': ok,
  // @ts-expect-error a route of another group (threads-read) does not belong in this map
  'GET /threads': ok,
});

// HEAD twins run their GET's handler: they are not keys of their own.
// @ts-expect-error HEAD /health is served by GET /health's handler
export const head: GroupRouteKey<'health'> = 'HEAD /health';

// The route table's keys are literal: a typo is not a RouteKey.
// @ts-expect-error no such route
export const typo: RouteKey = 'POST /thread';

// A handler's request is typed from its route's entry: parameters from the path, the body from its schema.
export const typed = lambdaHandler(TOKENS_ROUTES)('tokens', {
  'POST /tokens': async (req) => {
    const name: string = req.body.name;
    // @ts-expect-error CreateTokenSchema has no such field
    void req.body.secret;
    // @ts-expect-error POST /tokens has no path parameter
    void req.params.name;
    return ok({ ...req, body: name });
  },
  'GET /tokens': ok,
  'DELETE /tokens/{name}': async (req) => {
    // @ts-expect-error DELETE /tokens/{name} takes no body
    void req.body.name;
    return ok({ ...req, body: req.params.name });
  },
});
