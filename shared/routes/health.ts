import type { DeclaredRoute } from './route';
import { jsonSchema } from './shapes';

/** The health function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const HEALTH_ROUTES = [
  {
    route: 'GET /health',
    group: 'health',
    role: null,
    operationId: 'getHealth',
    summary: 'Liveness check',
    responses: {
      200: {
        description: 'Up',
        body: jsonSchema({ type: 'object', properties: { status: { const: 'ok' } } }),
      },
    },
  },
  {
    route: 'GET /openapi.json',
    group: 'health',
    role: null,
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
    responses: { 200: { description: 'This document', body: jsonSchema({ type: 'object' }) } },
  },
] as const satisfies readonly DeclaredRoute[];
