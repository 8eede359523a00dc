import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScenarioTrackerStack } from '../../infra/stack';
import { RetractionSchema } from '../../shared/domain/schemas';
import { lambdaHandlerFor } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { buildOpenApi } from '../../shared/openapi';
import { DECLARED_ROUTES, withHeadTwins, type DeclaredRoute } from '../../shared/routes';
import { referencedIds, type Resources } from './synth';

/**
 * Adding a route is one entry in the route table plus its handler: a fixture table with one more
 * entry than the deployed one is given to the dispatcher, the OpenAPI document and the stack, and
 * the route appears in all three without anything else being named.
 */
const ECHO = {
  route: 'POST /echoes/{id}',
  group: 'health',
  role: 'editor',
  operationId: 'postEcho',
  summary: 'Echo a reason',
  params: { id: { pattern: /^[a-z]+$/, notFound: (id: string) => `No echo ${id}.` } },
  body: { schema: RetractionSchema, label: 'The echo' },
  responses: { 200: { description: 'The reason, echoed', body: RetractionSchema } },
} as const satisfies DeclaredRoute;
const FIXTURE = [...DECLARED_ROUTES, ECHO] as const;
const ROUTES = withHeadTwins(FIXTURE);

/** The health function's routes and the new one's handler, the body typed from its entry. */
const handler = lambdaHandlerFor<(typeof FIXTURE)[number]>(ROUTES)('health', {
  'GET /health': async () => json(200, { status: 'ok' }),
  'GET /openapi.json': async () => json(200, {}),
  'POST /echoes/{id}': async (req) => json(200, { id: req.params.id, reason: req.body.reason }),
});

const event = (id: string, body: unknown) =>
  ({
    routeKey: 'POST /echoes/{id}',
    rawPath: `/echoes/${id}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: { id },
    requestContext: {
      requestId: 'fixture',
      http: { method: 'POST' },
      authorizer: { lambda: { name: 'desk', role: 'editor', subject: 'fixture' } },
    },
  }) as unknown as APIGatewayProxyEventV2;

describe('a route added by one route-table entry', () => {
  it('is answered by the dispatcher, its path parameter checked and its body parsed as declared', async () => {
    // Act
    const ok = await handler(event('abc', { reason: 'a test' }));
    const invalid = await handler(event('abc', { reason: '' }));
    const unknown = await handler(event('ABC', { reason: 'a test' }));
    // Assess
    expect({ status: ok.statusCode, body: JSON.parse(ok.body) }).toEqual({
      status: 200,
      body: { id: 'abc', reason: 'a test' },
    });
    expect({ status: invalid.statusCode, detail: JSON.parse(invalid.body).detail }).toEqual({
      status: 400,
      detail: expect.stringMatching(/^The echo is not valid: reason /),
    });
    expect({ status: unknown.statusCode, detail: JSON.parse(unknown.body).detail }).toEqual({
      status: 404,
      detail: 'No echo ABC.',
    });
  });

  it('is in the OpenAPI document with its role, parameter, body and answer', () => {
    // Act
    const doc = buildOpenApi(ROUTES) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    // Assess
    expect(doc.paths['/echoes/{id}']!.post).toMatchObject({
      operationId: 'postEcho',
      security: [{ bearer: [] }],
      description: 'Needs the editor role.',
      parameters: [{ name: 'id', in: 'path', required: true }],
      requestBody: {
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Retraction' } } },
      },
      responses: {
        '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Retraction' } } } },
        '415': { description: 'unsupported_media_type' },
      },
    });
  });

  it("is deployed to its group's function behind the authorizer, which API Gateway may invoke for it", () => {
    // Prepare: the stack with the fixture's table (no bundling: the template is what is read)
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ScenarioTrackerStack(app, 'Fixture', {
      stage: 'dev',
      corsOrigins: [],
      logRetentionDays: RetentionDays.ONE_WEEK,
      routes: ROUTES,
    });
    // Act
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    // Assess
    const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
    const health = stack.getLogicalId(stack.functions.health.node.defaultChild as CfnElement);
    const [authorizerId] = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer')
      .map(([id]) => id);
    const route = ofType('AWS::ApiGatewayV2::Route').find(
      (r) => r.Properties!.RouteKey === 'POST /echoes/{id}',
    )!;
    const integration = resources[referencedIds(route.Properties!.Target)[0]!]!;
    expect({
      type: route.Properties!.AuthorizationType,
      authorizer: referencedIds(route.Properties!.AuthorizerId),
      fn: referencedIds(integration.Properties!.IntegrationUri),
    }).toEqual({ type: 'CUSTOM', authorizer: [authorizerId], fn: [health] });
    // API Gateway may invoke the function from any route of this API (one permission per function,
    // not per route: infra/constructs/api.ts), so the new route needs no permission of its own.
    const invoke = ofType('AWS::Lambda::Permission').filter(
      (p) =>
        p.Properties!.Principal === 'apigateway.amazonaws.com' &&
        referencedIds(p.Properties!.FunctionName).includes(health),
    );
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]!.Properties!.SourceArn)).toContain('/*/*/*"');
  });
});
