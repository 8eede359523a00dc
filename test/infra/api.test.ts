import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CLASS_THROTTLES, throttleClassOf } from '../../infra/constructs/api';
import { PATHS, ROUTES, routeKey } from '../../shared/routes';
import { referencedIds, synthesized, type Resources } from './synth';
import { DASHBOARDS } from './stacks';

// Prepare: the run's stack (synthesized once, by the infra project's global setup)
const { template, functionId } = synthesized('CORS for two dashboards');
// The HTTP API only: the live WebSocket API (infra/live-api.ts, construct `Live`) has its own tests (live.test.ts).
const resources = Object.fromEntries(
  Object.entries(template.toJSON().Resources as Resources).filter(([id]) => !id.startsWith('Live')),
) as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** The deployed routes as `{ key, functionId, authorizerId }`, reading integration → function. */
function deployedRoutes() {
  return ofType('AWS::ApiGatewayV2::Route').map(([, route]) => {
    const p = route.Properties!;
    const integrationId = referencedIds(p.Target)[0]!;
    const uri = resources[integrationId]!.Properties!.IntegrationUri;
    return {
      key: p.RouteKey as string,
      functionId: referencedIds(uri)[0],
      authorizationType: p.AuthorizationType,
      authorizerId: referencedIds(p.AuthorizerId)[0],
    };
  });
}

describe('HTTP API routes', () => {
  it('deploys exactly the route keys of the shared route table, plus its 405 and 404 catch-alls', () => {
    // Act
    const keys = deployedRoutes().map((r) => r.key);
    // Assess
    const fallbacks = [...PATHS.map((p) => `ANY ${p}`), '$default'];
    expect(keys.sort()).toEqual([...ROUTES.map(routeKey), ...fallbacks].sort());
  });

  it('sends the catch-alls, without the authorizer, to the health function, which touches no data', () => {
    const fallbacks = deployedRoutes().filter((r) => r.key === '$default' || r.key.startsWith('ANY '));
    expect(fallbacks).toHaveLength(PATHS.length + 1);
    for (const r of fallbacks)
      expect({ key: r.key, fn: r.functionId, auth: r.authorizationType }).toEqual({
        key: r.key,
        fn: functionId('health'),
        auth: 'NONE',
      });
  });

  it("sends every route to its group's function", () => {
    // Act
    const byKey = new Map(deployedRoutes().map((r) => [r.key, r.functionId]));
    // Assess
    for (const route of ROUTES)
      expect({ route: routeKey(route), fn: byKey.get(routeKey(route)) }).toEqual({
        route: routeKey(route),
        fn: functionId(route.group),
      });
  });

  it('puts the token authorizer on every route that needs a role and on no open route', () => {
    // Prepare
    const [authorizerId] = ofType('AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
    const byKey = new Map(deployedRoutes().map((r) => [r.key, r]));
    // Act / Assess
    for (const route of ROUTES) {
      const deployed = byKey.get(routeKey(route))!;
      if (route.role)
        expect({ key: deployed.key, type: deployed.authorizationType, id: deployed.authorizerId }).toEqual({
          key: deployed.key,
          type: 'CUSTOM',
          id: authorizerId,
        });
      else
        expect({ key: deployed.key, type: deployed.authorizationType, id: deployed.authorizerId }).toEqual({
          key: deployed.key,
          type: 'NONE',
          id: undefined,
        });
    }
    expect(
      ROUTES.filter((r) => !r.role)
        .map(routeKey)
        .sort(),
    ).toEqual(
      [
        'GET /health',
        'GET /openapi.json',
        'GET /ready',
        // Contract 1.2's public routes: no token, 404 unless the scenario is public.
        'GET /public/scenarios/{id}',
        'GET /public/scenarios/{id}/threads/{threadId}',
        'GET /embed/{scenario}',
        'GET /embed/{scenario}/{threadId}',
        'GET /embed.js',
        'GET /oembed',
        'GET /badge/{scenario}/{badge}',
        'GET /p/{scenario}',
      ]
        .flatMap((key) => [key, key.replace(/^GET/, 'HEAD')])
        .sort(),
    );
  });

  it('deploys a HEAD route beside every GET route, to the same function behind the same authorizer', () => {
    // Prepare
    const byKey = new Map(deployedRoutes().map((r) => [r.key, r]));
    const gets = ROUTES.filter((r) => r.method === 'GET');

    // Act
    const pairs = gets.map((r) => ({ get: byKey.get(`GET ${r.path}`), head: byKey.get(`HEAD ${r.path}`) }));

    // Assess: API Gateway sends HEAD only to an explicit HEAD route (else to ANY, a 405)
    expect(gets.length).toBeGreaterThan(0);
    for (const { get, head } of pairs) {
      expect(head).toBeDefined();
      expect({ fn: head!.functionId, type: head!.authorizationType, authorizer: head!.authorizerId }).toEqual(
        { fn: get!.functionId, type: get!.authorizationType, authorizer: get!.authorizerId },
      );
    }
    expect(byKey.get('HEAD /health')).toEqual(
      expect.objectContaining({ functionId: functionId('health'), authorizationType: 'NONE' }),
    );
    expect(
      deployedRoutes()
        .filter((r) => r.key.startsWith('HEAD '))
        .map((r) => r.key.slice(5))
        .sort(),
    ).toEqual(gets.map((r) => r.path).sort());
  });

  it('uses one simple-response Lambda authorizer keyed on Authorization and cached for 60 seconds', () => {
    // Assess
    expect(ofType('AWS::ApiGatewayV2::Authorizer')).toHaveLength(1);
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 60,
    });
    expect(referencedIds(authorizer.Properties!.AuthorizerUri)).toContain(functionId('authorizer'));
  });

  it('lets API Gateway invoke each API function only from this API: one permission per function, not per route', () => {
    // Assess: one permission per function a route is integrated with, plus the authorizer's, all
    // scoped to this API's ARN (a permission per route took the prod stack past 500 resources).
    const apiId = ofType('AWS::ApiGatewayV2::Api')[0]![0];
    const fromApi = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties!.Principal === 'apigateway.amazonaws.com',
    );
    const groups = new Set(ROUTES.map((r) => r.group));
    expect(fromApi).toHaveLength(groups.size + 1);
    for (const [, permission] of fromApi)
      expect(referencedIds(permission.Properties!.SourceArn)).toContain(apiId);
    expect(PATHS.length).toBeGreaterThan(0);
  });
});

describe('HTTP API throttles per route class', () => {
  const [stageId, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
  const settings = stage.Properties!.RouteSettings as Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  >;
  const rate = (key: string) => settings[key]?.ThrottlingRateLimit;

  it('gives every deployed route key a throttle of its own, and makes the stage wait for the routes it names', () => {
    // Prepare
    const routes = ofType('AWS::ApiGatewayV2::Route');
    const dependsOn = (resources[stageId] as { DependsOn?: string[] }).DependsOn ?? [];
    // Assess: API Gateway refuses settings for a route key that does not exist yet
    expect(Object.keys(settings).sort()).toEqual(
      routes.map(([, r]) => r.Properties!.RouteKey as string).sort(),
    );
    for (const [id] of routes)
      expect({ route: id, awaited: dependsOn.includes(id) }).toEqual({ route: id, awaited: true });
  });

  it('gives the editors’ and readers’ routes the stage’s throttle, classed from the route table', () => {
    for (const route of ROUTES) {
      // Act
      const cls = throttleClassOf(route);
      // Assess
      if (route.role !== null && route.group !== 'feeds' && route.group !== 'scenario-import')
        expect({ key: routeKey(route), cls, rate: rate(routeKey(route)) }).toEqual({
          key: routeKey(route),
          cls: ['GET', 'HEAD'].includes(route.method) ? 'read' : 'edit',
          rate: 50,
        });
    }
    expect(rate('POST /threads/{id}/updates')).toBe(50);
    expect(throttleClassOf({ method: 'POST', group: 'threads-write', role: 'editor' })).toBe('edit');
  });

  it('holds what nobody needs at the stage’s rate lower: feeds, the open routes, the catch-alls', () => {
    // Assess
    expect(rate('GET /health')).toBe(
      CLASS_THROTTLES.public !== 'stage' ? CLASS_THROTTLES.public.rateLimit : NaN,
    );
    expect(rate('GET /openapi.json')).toBe(10);
    for (const route of ROUTES.filter((r) => r.group === 'feeds')) expect(rate(routeKey(route))).toBe(10);
    // The import (admin, rare) kept the rate it had in the feeds group.
    expect(rate('POST /scenarios/import')).toBe(10);
    for (const path of PATHS) expect(rate(`ANY ${path}`)).toBe(5);
    expect(rate('$default')).toBe(5);
  });

  it('bounds the whole stage: the sum of every route’s rate is what docs/deploy.md states', () => {
    // Act
    const total = Object.values(settings).reduce((sum, s) => sum + s.ThrottlingRateLimit, 0);
    const doc = readFileSync(path.join(__dirname, '../../docs/deploy.md'), 'utf8');
    // Assess
    expect(doc).toContain(`at most **${total.toLocaleString('en-US')} requests a second** in all`);
  });
});

describe('HTTP API stage and CORS', () => {
  it('serves a single auto-deployed $default stage with throttling and JSON access logs', () => {
    // Assess
    expect(ofType('AWS::ApiGatewayV2::Stage')).toHaveLength(1);
    expect(ofType('AWS::ApiGatewayV2::Stage')[0]![1].Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        Format: expect.any(String),
      },
    });
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
    const settings = stage.Properties!.AccessLogSettings as { Format: string; DestinationArn: unknown };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(settings.Format.toLowerCase()).not.toContain('authorization');
    expect(resources[referencedIds(settings.DestinationArn)[0]!]!.Type).toBe('AWS::Logs::LogGroup');
  });

  it('allows exactly the configured dashboard origins with the headers the contract uses', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: DASHBOARDS,
        AllowHeaders: Match.arrayWith([
          'authorization',
          'content-type',
          'if-match',
          'if-none-match',
          'idempotency-key',
        ]),
        ExposeHeaders: Match.arrayWith(['etag', 'location', 'idempotent-replayed', 'retry-after']),
        AllowMethods: Match.arrayWith(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
      },
    });
  });

  it('passes the same CORS origins to the HTTP functions as TRACKER_CORS_ORIGINS', () => {
    // Assess
    for (const name of [
      'health',
      'threads-read',
      'threads-write',
      'tokens',
      'kinds',
      'feeds',
      'inbox',
      'scenario-import',
    ] as const) {
      const env = (
        resources[functionId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect({ name, cors: env.TRACKER_CORS_ORIGINS }).toEqual({ name, cors: DASHBOARDS.join(',') });
    }
  });

  it('tells the feeds function the API URL it builds links on (TRACKER_PUBLIC_URL), as the ApiUrl output gives it', () => {
    // Prepare
    const env = (
      resources[functionId('feeds')]!.Properties!.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    // Assess
    expect(env.TRACKER_PUBLIC_URL).toEqual(template.toJSON().Outputs.ApiUrl.Value);
    expect(referencedIds(env.TRACKER_PUBLIC_URL)).toContain(ofType('AWS::ApiGatewayV2::Api')[0]![0]);
  });

  it('outputs the API URL without a trailing slash, so paths append cleanly', () => {
    // Assess
    const url = template.toJSON().Outputs.ApiUrl.Value;
    expect(JSON.stringify(url)).not.toMatch(/\/"\]\]$/);
    expect(referencedIds(url)).toContain(ofType('AWS::ApiGatewayV2::Api')[0]![0]);
  });
});
