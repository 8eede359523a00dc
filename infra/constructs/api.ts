import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  type CfnStage,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES, pathsOf, type FunctionGroup, type Route } from '../../shared/routes';
import { accessLogGroupName } from './log-names';
import { Section, acknowledge, pascal } from './section';
import { CORS } from '../../shared/http/cors';

/** How long API Gateway caches the authorizer's answer per Authorization header. */
export const AUTHORIZER_CACHE_TTL = Duration.seconds(60);

/**
 * How long API Gateway caches the origin check of the public routes (per origin header value, so
 * one answer for everyone who comes through the edge): the authorizer runs about once per this.
 */
export const ORIGIN_CHECK_CACHE_TTL = Duration.seconds(300);

/**
 * Whom a route serves, for its throttle; derived from the route table (shared/routes.ts), so a new
 * route gets its class without anyone remembering to give it one.
 * - `edit`: a route that changes something (every method but GET and HEAD): the editors' and admins';
 * - `read`: a GET or HEAD that needs a role: the readers' (dashboards, the desk);
 * - `feeds`: the Atom feeds, which feed readers poll on their own schedule, and the scenario import
 *   (admin, rare, two at once at most: RESERVED_CONCURRENCY), held as low as it was beside them;
 * - `public`: no role at all (health, the OpenAPI document);
 * - `unrouted`: the catch-alls, which only answer 404 and 405.
 */
export type ThrottleClass = 'edit' | 'read' | 'feeds' | 'public' | 'unrouted';

export const throttleClassOf = (route: Pick<Route, 'method' | 'group' | 'role'>): ThrottleClass =>
  route.role === null
    ? 'public'
    : route.group === 'feeds' || route.group === 'scenario-import'
      ? 'feeds'
      : route.method === 'GET' || route.method === 'HEAD'
        ? 'read'
        : 'edit';

/**
 * Each class's throttle, per route: API Gateway keeps one token bucket per stage and route, for all
 * callers together. The editors' and readers' routes take the stage's throttle (settings:
 * throttleRate, throttleBurst); what nobody needs at that rate is held lower, so a scanner or a feed
 * reader gone wrong costs little and the stage's total stays bounded (docs/deploy.md, "Load").
 * A fixed limit above the stage's is lowered to it.
 */
export const CLASS_THROTTLES: Record<ThrottleClass, { rateLimit: number; burstLimit: number } | 'stage'> = {
  edit: 'stage',
  read: 'stage',
  feeds: { rateLimit: 10, burstLimit: 20 },
  public: { rateLimit: 10, burstLimit: 20 },
  unrouted: { rateLimit: 5, burstLimit: 10 },
};

/** The route groups API Gateway sends requests to (the authorizer is not one). */
export const API_GROUPS: readonly FunctionGroup[] = [
  'health',
  'threads-read',
  'threads-write',
  'tokens',
  'kinds',
  'subscriptions',
  'feeds',
  'inbox',
  'scenario-import',
];

export interface ApiProps {
  /** Deployment stage: part of the API's name. */
  stage: string;
  /** The function of each route group (shared/routes.ts); the feeds function is told the API's URL. */
  functions: Record<FunctionGroup, IFunction> & { feeds: LambdaFunction; 'threads-read': LambdaFunction };
  /** The routes to deploy (shared/routes.ts ROUTES unless a test gives its own table). */
  routes?: readonly Route[];
  /** Resolves the bearer token on every route that needs a role. */
  authorizerFunction: IFunction;
  /** Origins allowed by CORS; empty → no CORS configuration at all. */
  corsOrigins: readonly string[];
  /** Default stage throttling. */
  throttle: { rateLimit: number; burstLimit: number };
  /**
   * The edge's origin header (shared/http/origin.ts), when the stack has an edge: every route then
   * needs it — API Gateway refuses a request without it (401) before any authorizer or function
   * runs, and the authorizer refuses a wrong value (403).
   */
  originHeader?: string | undefined;
  /** Days the access log keeps its lines. */
  logRetentionDays: RetentionDays;
  /** What happens to the access log group when the stack is deleted (kept in prod). */
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The HTTP API: every route of the one route table (shared/routes.ts) to its group's function,
 * the token authorizer wherever a role is needed, 405/404 catch-alls, one throttled `$default`
 * stage with JSON access logs.
 */
export class Api extends Section {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const cors = props.corsOrigins.length > 0;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `scenario-tracker-${props.stage}`,
      description: `Scenario Tracker API (${props.stage})`,
      createDefaultStage: false,
      ...(cors
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              // One policy with the local server (shared/http/cors.ts).
              allowMethods: CORS.allowMethods.map((m) => CorsHttpMethod[m]),
              allowHeaders: CORS.allowHeaders.map((h) => h.toLowerCase()),
              exposeHeaders: CORS.exposeHeaders.map((h) => h.toLowerCase()),
              maxAge: Duration.seconds(CORS.maxAgeSeconds),
            },
          }
        : {}),
    });
    this.accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: accessLogGroupName(this, 'access'),
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        // No header is logged, so never a token; the caller is the authorizer's token name.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            caller: '$context.authorizer.name',
          }),
        ),
      },
    });
    this.throttleRoutes(this.addRoutes(props), props.throttle);
    // Feed links are absolute: built on the API's own URL, never on a request's Host header.
    props.functions.feeds.addEnvironment('TRACKER_PUBLIC_URL', this.httpApi.apiEndpoint);
    // So are the public routes' embed, oEmbed and page links (contract 1.2), served by threads-read.
    props.functions['threads-read'].addEnvironment('TRACKER_PUBLIC_URL', this.httpApi.apiEndpoint);
  }

  /**
   * Each route's own throttle, by its class. The stage is made to wait for the routes: API Gateway
   * refuses route settings for a route key that does not exist yet.
   */
  private throttleRoutes(
    routes: { key: string; cls: ThrottleClass; route: HttpRoute }[],
    stage: ApiProps['throttle'],
  ): void {
    const limits = (cls: ThrottleClass) => {
      const fixed = CLASS_THROTTLES[cls];
      return fixed === 'stage'
        ? stage
        : {
            rateLimit: Math.min(fixed.rateLimit, stage.rateLimit),
            burstLimit: Math.min(fixed.burstLimit, stage.burstLimit),
          };
    };
    (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      routes.map(({ key, cls }) => [
        key,
        // Passed to CloudFormation as it is (the property is JSON): its own spelling.
        { ThrottlingRateLimit: limits(cls).rateLimit, ThrottlingBurstLimit: limits(cls).burstLimit },
      ]),
    );
    for (const { route } of routes) this.stage.node.addDependency(route);
  }

  /** Every route, with its key and throttle class. */
  private addRoutes(props: ApiProps): { key: string; cls: ThrottleClass; route: HttpRoute }[] {
    const added: { key: string; cls: ThrottleClass; route: HttpRoute }[] = [];
    const origin = props.originHeader ? [`$request.header.${props.originHeader}`] : [];
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', props.authorizerFunction, {
      authorizerName: 'bearer-token',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // Required by API Gateway for caching: a request without this header gets API Gateway's own
      // 401. With an edge, the origin header too: a request that did not come through it is refused
      // by API Gateway itself, without invoking anything; the cache key holds both values.
      identitySource: ['$request.header.Authorization', ...origin],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    // The routes that need no role still need the edge: the same function checks only the origin
    // header there (its one identity source), one cached answer for everyone who comes through it.
    const originOnly = props.originHeader
      ? new HttpLambdaAuthorizer('OriginAuthorizer', props.authorizerFunction, {
          authorizerName: 'edge-origin',
          responseTypes: [HttpLambdaResponseType.SIMPLE],
          identitySource: origin,
          resultsCacheTtl: ORIGIN_CHECK_CACHE_TTL,
        })
      : undefined;
    // One invoke permission per function, scoped to this API (`<api>/*/*/*`), not one per route: a
    // permission is a resource, and one per route (140 and more) took the prod stack past
    // CloudFormation's 500 resources once contract 1.2's routes came; it also keeps each function's
    // resource policy far from Lambda's 20 KB. API Gateway still invokes a function only for the
    // routes integrated with it.
    const integrations = Object.fromEntries(
      API_GROUPS.map((g) => [
        g,
        new HttpLambdaIntegration(`${pascal(g)}Integration`, props.functions[g], {
          scopePermissionToRoute: false,
        }),
      ]),
    ) as Record<FunctionGroup, HttpLambdaIntegration>;

    // The one route table: every route, its group's function, the authorizer whenever a role is needed.
    const routes = props.routes ?? ROUTES;
    for (const route of routes) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.group],
        ...(route.role ? { authorizer } : originOnly ? { authorizer: originOnly } : {}),
      });
      added.push({ key: `${route.method} ${route.path}`, cls: throttleClassOf(route), route: created! });
      if (!route.role && !originOnly && created) {
        acknowledge(
          created,
          'AwsSolutions-APIG4',
          `${route.method} ${route.path} is open by contract (no role in shared/routes.ts).`,
        );
      }
    }
    // Catch-alls so the cloud answers like the local server: API Gateway prefers the routes above,
    // so `ANY <path>` only sees methods the path does not allow (405) and `$default` only unknown
    // paths (404); the health function answers both as problem details and touches no data.
    for (const path of pathsOf(routes)) {
      for (const created of this.httpApi.addRoutes({
        path,
        methods: [HttpMethod.ANY],
        integration: integrations.health,
        ...(originOnly ? { authorizer: originOnly } : {}),
      })) {
        added.push({ key: `ANY ${path}`, cls: 'unrouted', route: created });
        if (!originOnly)
          acknowledge(
            created,
            'AwsSolutions-APIG4',
            `ANY ${path} only answers 405 method_not_allowed; it reads and writes nothing.`,
          );
      }
    }
    const fallback = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrations.health,
      ...(originOnly ? { authorizer: originOnly } : {}),
    });
    if (!originOnly)
      acknowledge(
        fallback,
        'AwsSolutions-APIG4',
        '$default only answers 404 not_found; it reads and writes nothing.',
      );
    added.push({ key: '$default', cls: 'unrouted', route: fallback });
    return added;
  }
}
