import { KindSchema, PutKindSchema } from '../domain/schemas/kinds';
import type { DeclaredRoute } from './route';
import { KIND_NAME } from './shapes';

/** The kinds function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const KINDS_ROUTES = [
  {
    route: 'PUT /kinds/{kind}',
    group: 'kinds',
    role: 'admin',
    operationId: 'putKind',
    summary: 'Define a custom kind, or change one (statuses are never removed)',
    description:
      'Labels and terminal flags may change and statuses may be added; a status is never removed, and built-in kinds never change (409 kind_conflict). Same definition again: 200, nothing changes. Every function instance sees a new kind or status at once and a changed label or terminal flag within KINDS_CACHE_SECONDS (30 s).',
    params: { kind: KIND_NAME },
    body: { schema: PutKindSchema, label: 'The kind' },
    responses: {
      200: { description: 'Changed (or unchanged)', body: KindSchema },
      201: { description: 'Defined', location: '/kinds/{kind}', body: KindSchema },
    },
    problems: { 409: 'kind_conflict' },
  },
] as const satisfies readonly DeclaredRoute[];
