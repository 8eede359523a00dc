import { CreateTokenSchema } from '../domain/schemas/tokens';
import type { DeclaredRoute } from './route';
import { TOKEN_NAME, jsonSchema } from './shapes';

/** The tokens function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const TOKENS_ROUTES = [
  {
    route: 'POST /tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'createToken',
    summary: 'Create a token (shown once)',
    body: { schema: CreateTokenSchema, label: 'The token' },
    responses: {
      201: {
        description: 'The token, shown this once',
        body: jsonSchema({
          type: 'object',
          required: ['name', 'role', 'token', 'createdAt', 'selfPublish'],
          properties: {
            name: { type: 'string' },
            role: { type: 'string' },
            token: { type: 'string' },
            createdAt: { type: 'string' },
            // Contract 1.2 "Drafts": may publish its own drafts.
            selfPublish: { type: 'boolean' },
          },
        }),
      },
    },
    problems: { 409: 'token_exists' },
  },
  {
    route: 'GET /tokens',
    group: 'tokens',
    role: 'admin',
    operationId: 'listTokens',
    summary: 'List tokens',
    responses: {
      200: {
        description: 'Names, roles and times; never a token or hash',
        body: jsonSchema({
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  role: { type: 'string' },
                  createdAt: { type: 'string' },
                  lastUsedAt: { type: ['string', 'null'] },
                  selfPublish: { type: 'boolean' },
                },
              },
            },
          },
        }),
      },
    },
  },
  {
    route: 'DELETE /tokens/{name}',
    group: 'tokens',
    role: 'admin',
    operationId: 'revokeToken',
    summary: 'Revoke a token',
    params: { name: TOKEN_NAME },
    responses: { 204: { description: 'Revoked' } },
    problems: { 404: 'not_found' },
  },
] as const satisfies readonly DeclaredRoute[];
