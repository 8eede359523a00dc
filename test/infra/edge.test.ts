import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { cdkJsonContext } from '../../infra/build';
import { ORIGIN_CHECK_CACHE_TTL, AUTHORIZER_CACHE_TTL } from '../../infra/constructs/api';
import {
  EDGE_ACL_REGION,
  EDGE_RATE_WINDOW_SECONDS,
  EDGE_RULES,
  WRITE_METHODS,
} from '../../infra/edge-acl-stack';
import { resolveSettings, StackSettingError } from '../../infra/settings';
import { ORIGIN_HEADER } from '../../shared/http/origin';
import { ROUTES } from '../../shared/routes';
import { publicPaths } from '../../infra/constructs/edge';
import { PUBLIC_MAX_AGE_SECONDS } from '../../shared/domain/public-cache';
import { refId, synthesized, type Resources, type Shared } from './synth';
import { EDGE_CERTIFICATE, EDGE_DOMAIN, STAGES, stageStack } from './stacks';
import { PUBLIC_CORS } from '../../shared/http/cors';

/**
 * The edge in front of the HTTP API (infra/constructs/edge.ts, infra/edge-acl-stack.ts): a
 * CloudFront distribution behind a WAF web ACL in us-east-1, and an origin header without which
 * every route refuses. Read from the stacks of the run, as `cdk synth` writes them.
 */

const aclTemplate = (shared: Shared): Template =>
  Template.fromJSON(
    shared.assembly.getStackByName(`${shared.artifact.stackName}-edge-acl`).template as Record<
      string,
      unknown
    >,
  );
const aclArtifact = (shared: Shared) =>
  shared.assembly.getStackByName(`${shared.artifact.stackName}-edge-acl`);
const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Resources).filter(([, r]) => r.Type === type);
const stageSettings = (stage: string) => {
  const context = cdkJsonContext();
  return resolveSettings((key) => (key === 'stage' ? stage : context[key]), {});
};

describe('the web ACL of every pinned stage', () => {
  it.each(STAGES)(
    '%s: lives in us-east-1 with scope CLOUDFRONT and exactly the two per-address rules',
    (stage) => {
      // Prepare
      const shared = synthesized(stageStack(stage, 'pinned'));
      // Act
      const acl = aclTemplate(shared);
      const acls = resourcesOf(acl, 'AWS::WAFv2::WebACL');
      // Assess: one ACL, in the only region CloudFront takes it from, holding no managed rule group
      expect(aclArtifact(shared).environment.region).toBe(EDGE_ACL_REGION);
      expect(acls).toHaveLength(1);
      const props = acls[0]![1].Properties as { Scope: string; Rules: { Name: string; Statement: object }[] };
      expect(props.Scope).toBe('CLOUDFRONT');
      expect(props.Rules.map((r) => r.Name)).toEqual([...EDGE_RULES]);
      expect(JSON.stringify(props.Rules)).not.toContain('ManagedRuleGroupStatement');
    },
  );

  it.each(STAGES)(
    "%s: limits each address to the stage's requests and writes a minute, 429 beyond",
    (stage) => {
      // Prepare
      const settings = stageSettings(stage);
      const acl = aclTemplate(synthesized(stageStack(stage, 'pinned')));
      const limited = {
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'rate-limited',
            ResponseHeaders: [{ Name: 'Retry-After', Value: String(EDGE_RATE_WINDOW_SECONDS) }],
          },
        },
      };
      // Act / Assess: writes (the four methods that change something) and all requests, per source address
      acl.hasResourceProperties('AWS::WAFv2::WebACL', {
        DefaultAction: { Allow: {} },
        Rules: [
          {
            Name: 'WritesPerAddress',
            Action: limited,
            Statement: {
              RateBasedStatement: {
                AggregateKeyType: 'IP',
                EvaluationWindowSec: EDGE_RATE_WINDOW_SECONDS,
                Limit: settings.edgeWritesPerMinute,
                ScopeDownStatement: {
                  OrStatement: {
                    Statements: WRITE_METHODS.map((m) => ({
                      ByteMatchStatement: Match.objectLike({
                        FieldToMatch: { Method: {} },
                        PositionalConstraint: 'EXACTLY',
                        SearchString: m,
                      }),
                    })),
                  },
                },
              },
            },
          },
          {
            Name: 'RequestsPerAddress',
            Action: limited,
            Statement: {
              RateBasedStatement: {
                AggregateKeyType: 'IP',
                EvaluationWindowSec: EDGE_RATE_WINDOW_SECONDS,
                Limit: settings.edgeRequestsPerMinute,
              },
            },
          },
        ],
      });
      // Writes are held tighter than reads in every stage of cdk.json.
      expect(settings.edgeWritesPerMinute).toBeLessThan(settings.edgeRequestsPerMinute);
    },
  );

  it('answers a limited address with problem details', () => {
    // Act
    const acl = aclTemplate(synthesized(stageStack('prod', 'pinned'))).toJSON();
    const body = (
      Object.values(acl.Resources as Resources)[0]!.Properties as {
        CustomResponseBodies: Record<string, { ContentType: string; Content: string }>;
      }
    ).CustomResponseBodies['rate-limited']!;
    // Assess
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toEqual(
      expect.objectContaining({
        type: 'https://scenario-tracker.dev/problems/too-many-requests',
        status: 429,
        // The contract's code for 429 (api.md, "Problem codes"), as the API's own OpenAPI lists it.
        code: 'too_many_requests',
        title: expect.any(String),
      }),
    );
  });
});

describe('the distribution of every pinned stage', () => {
  it.each(STAGES)('%s: forwards everything but Host to the API uncached, behind the web ACL', (stage) => {
    // Prepare
    const { template } = synthesized(stageStack(stage, 'pinned'));
    const [apiId] = resourcesOf(template, 'AWS::ApiGatewayV2::Api')[0]!;
    // Act
    const distributions = resourcesOf(template, 'AWS::CloudFront::Distribution');
    // Assess
    expect(distributions).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: Match.arrayEquals(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
          CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
          OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
          ViewerProtocolPolicy: 'https-only',
        }),
        PriceClass: 'PriceClass_100',
        WebACLId: {
          'Fn::GetStackOutput': Match.objectLike({
            StackName: `ScenarioTracker-${stage}-edge-acl`,
            Region: EDGE_ACL_REGION,
          }),
        },
        // The API's origin, then the same API through Origin Shield for the public routes (below).
        Origins: [
          Match.objectLike({
            DomainName: {
              'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }],
            },
            CustomOriginConfig: Match.objectLike({
              OriginProtocolPolicy: 'https-only',
              OriginSSLProtocols: ['TLSv1.2'],
            }),
          }),
          Match.objectLike({ OriginShield: { Enabled: true, OriginShieldRegion: 'eu-west-1' } }),
        ],
      }),
    });
  });

  it.each(STAGES)('%s: sends the origin header as a reference to its secret, never a value', (stage) => {
    // Prepare
    const { template } = synthesized(stageStack(stage, 'pinned'));
    const [secretId] = resourcesOf(template, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('OriginSecret'),
    )!;
    // Act
    const [, distribution] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0]!;
    const headers = (
      distribution.Properties as {
        DistributionConfig: {
          Origins: { OriginCustomHeaders: { HeaderName: string; HeaderValue: unknown }[] }[];
        };
      }
    ).DistributionConfig.Origins[0]!.OriginCustomHeaders;
    // Assess: CloudFormation resolves it at deploy time; the template holds the secret's ARN only
    expect(headers.find((h) => h.HeaderName === ORIGIN_HEADER)!.HeaderValue).toEqual({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
    });
  });

  it('serves a custom domain with its us-east-1 certificate and TLS 1.2 at least', () => {
    // Act
    const { template } = synthesized('prod pinned with an edge domain');
    // Assess
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [EDGE_DOMAIN],
        ViewerCertificate: {
          AcmCertificateArn: EDGE_CERTIFICATE,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    expect(template.toJSON().Outputs.ApiUrl.Value).toBe(`https://${EDGE_DOMAIN}`);
  });
});

describe('the origin check of the HTTP API behind the edge', () => {
  const { template } = synthesized(stageStack('prod', 'pinned'));
  const authorizers = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').filter(
    ([, r]) => !String((r.Properties as { Name: string }).Name).startsWith('live'),
  );
  const byName = (name: string) =>
    authorizers.find(([, r]) => (r.Properties as { Name: string }).Name === name)!;

  it('makes API Gateway itself refuse a request without the origin header, on the token routes and the public ones', () => {
    // Assess: an identity source that is missing gets API Gateway's 401 without invoking the authorizer
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      Name: 'bearer-token',
      IdentitySource: ['$request.header.Authorization', `$request.header.${ORIGIN_HEADER}`],
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_TTL.toSeconds(),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      Name: 'edge-origin',
      IdentitySource: [`$request.header.${ORIGIN_HEADER}`],
      AuthorizerResultTtlInSeconds: ORIGIN_CHECK_CACHE_TTL.toSeconds(),
    });
  });

  it('puts every route behind one of the two: the token one where a role is needed, the origin one elsewhere', () => {
    // Prepare
    const [tokenId] = byName('bearer-token');
    const [originId] = byName('edge-origin');
    const needsRole = new Set(ROUTES.filter((r) => r.role).map((r) => `${r.method} ${r.path}`));
    // Act
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties as { RouteKey: string; AuthorizerId?: unknown; ApiId: unknown })
      .filter((r) => !String(r.RouteKey).startsWith('$connect') && refId(r.ApiId)?.startsWith('HttpApi'));
    // Assess: none is left open to a client that goes around the edge
    expect(routes.length).toBeGreaterThan(ROUTES.length);
    for (const route of routes)
      expect({ route: route.RouteKey, authorizer: refId(route.AuthorizerId) }).toEqual({
        route: route.RouteKey,
        authorizer: needsRole.has(route.RouteKey) ? tokenId : originId,
      });
  });

  it("gives the authorizer the secret's ARN and read access to it, the feeds the edge's URL", () => {
    // Prepare
    const shared = synthesized(stageStack('prod', 'pinned'));
    const [secretId] = resourcesOf(template, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('OriginSecret'),
    )!;
    const [distributionId] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0]!;
    const envOf = (fn: 'authorizer' | 'feeds') =>
      (
        (template.toJSON().Resources as Resources)[shared.functionId(fn)]!.Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables;
    // Act / Assess
    expect(envOf('authorizer').TRACKER_ORIGIN_SECRET_ARN).toEqual({ Ref: secretId });
    expect(envOf('feeds').TRACKER_PUBLIC_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
    });
    expect(template.toJSON().Outputs.ApiUrl.Value).toEqual(envOf('feeds').TRACKER_PUBLIC_URL);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^AuthorizerRole') }]),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
            Resource: { Ref: secretId },
          }),
        ]),
      },
    });
  });
});

describe('a synthesis without the edge', () => {
  it('says so loudly when the stage has an edge but the synth is environment-agnostic', () => {
    // Act
    const { template, annotations } = synthesized(stageStack('prod', 'agnostic'));
    // Assess: no edge at all, and a warning that names the setting and the way to get it
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain(ORIGIN_HEADER);
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('NO edge'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.entry.data)).toMatch(/CDK_DEFAULT_ACCOUNT.*edge=off/s);
  });

  it('has no edge, no web ACL stack and no warning when the stage turns it off', () => {
    // Act
    const shared = synthesized('dev pinned without edge');
    // Assess: the API as before the edge, checking no origin header
    shared.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(JSON.stringify(shared.template.toJSON())).not.toContain(ORIGIN_HEADER);
    expect(shared.assembly.stacks.map((s) => s.stackName)).toEqual([shared.artifact.stackName]);
    expect(shared.annotations.findWarning('*', Match.stringLikeRegexp('NO edge'))).toEqual([]);
  });
});

describe('the edge settings', () => {
  const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

  it('default to an edge with the limits of EDGE_DEFAULTS and no custom domain', () => {
    // Act
    const s = resolveSettings(contextOf({}), {});
    // Assess
    expect(s).toEqual(
      expect.objectContaining({
        edge: true,
        edgeRequestsPerMinute: 600,
        edgeWritesPerMinute: 120,
        edgeDomain: undefined,
        edgeCertificateArn: undefined,
        edgeSecretRevision: 1,
      }),
    );
  });

  it.each([
    [{ edgeWritesPerMinute: 700 }, 'edgeWritesPerMinute', /above edgeRequestsPerMinute/],
    [{ edgeRequestsPerMinute: 5 }, 'edgeRequestsPerMinute', /from 10/],
    [{ edgeDomain: EDGE_DOMAIN }, 'edgeCertificateArn', /go together/],
    [{ edgeCertificateArn: EDGE_CERTIFICATE }, 'edgeDomain', /go together/],
    [
      { edgeDomain: EDGE_DOMAIN, edgeCertificateArn: EDGE_CERTIFICATE.replace('us-east-1', 'eu-west-1') },
      'edgeCertificateArn',
      /us-east-1/,
    ],
    [{ edge: 'maybe' }, 'edge', /edge/],
  ])('refuse %j, naming %s', (values, setting, message) => {
    // Act
    let thrown: unknown;
    try {
      resolveSettings(contextOf(values), {});
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(StackSettingError);
    expect((thrown as StackSettingError).setting).toBe(setting);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('what the edge changes in a deployed stack', () => {
  it.each(STAGES)('%s: adds resources and changes no logical id or type of the stack without it', (stage) => {
    // Prepare: the same stage without the edge (environment-agnostic) and with it (pinned)
    const without = synthesized(stageStack(stage, 'agnostic')).template.toJSON().Resources as Resources;
    const withEdge = synthesized(stageStack(stage, 'pinned')).template.toJSON().Resources as Resources;
    // Act
    const changed = Object.entries(without)
      .filter(([id, r]) => withEdge[id]?.Type !== r.Type)
      .map(([id]) => id);
    // Assess: a stack deployed before the edge updates in place
    expect(changed).toEqual([]);
  });
});

describe('the figures docs/deploy.md gives for the edge', () => {
  const deploy = readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');

  it("are the stages' limits of cdk.json", () => {
    // Prepare
    const prod = stageSettings('prod');
    const dev = stageSettings('dev');
    // Assess
    expect(deploy).toContain(
      `\`edgeWritesPerMinute\`, ${prod.edgeWritesPerMinute} in prod, ${dev.edgeWritesPerMinute} in dev`,
    );
    expect(deploy).toContain(
      `\`edgeRequestsPerMinute\`, ${prod.edgeRequestsPerMinute} in prod, ${dev.edgeRequestsPerMinute} in dev`,
    );
  });

  it('price the web ACL with the rules it has: $5, $1 a rule, $0.40 for the secret', () => {
    // Act
    const fixed = 5 + EDGE_RULES.length * 1 + 0.4;
    // Assess
    expect(deploy).toContain(`$1 per rule (${EDGE_RULES.length})`);
    expect(deploy).toContain(`**$${fixed.toFixed(2)} a month**`);
  });
});

describe('the public routes at the edge (contract 1.2)', () => {
  /** CloudFront's path pattern as a regular expression: `*` any characters, `?` one. */
  const matches = (pattern: string, path: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(path);
  const config = (stage: string) => {
    const { template } = synthesized(stageStack(stage, 'pinned'));
    const [, distribution] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0]!;
    return {
      template,
      dist: (distribution.Properties as { DistributionConfig: Record<string, any> }).DistributionConfig,
    };
  };

  it('take one path pattern per folder of the public routes, with the query strings oEmbed reads', () => {
    expect(publicPaths(ROUTES)).toEqual([
      { pattern: '/public/*', queryStrings: [] },
      { pattern: '/embed/*', queryStrings: [] },
      { pattern: '/embed.js', queryStrings: [] },
      { pattern: '/oembed', queryStrings: ['format', 'maxheight', 'maxwidth', 'url'] },
      { pattern: '/badge/*', queryStrings: [] },
      { pattern: '/p/*', queryStrings: [] },
    ]);
  });

  it('never take a route that needs a token: those stay on the uncached default behaviour', () => {
    // Prepare: a request path of every route, each parameter filled in
    const patterns = publicPaths(ROUTES).map((p) => p.pattern);
    for (const route of ROUTES) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'badge' ? 'x.svg' : 'x'));
      // Act
      const cached = patterns.some((pattern) => matches(pattern, path));
      // Assess
      expect({ route: `${route.method} ${route.path}`, cached }).toEqual({
        route: `${route.method} ${route.path}`,
        cached: route.publicCache === true,
      });
    }
  });

  it.each(STAGES)(
    '%s: caches them for as long as their Cache-Control says, keyed on no header or cookie, through Origin Shield',
    (stage) => {
      // Act
      const { template, dist } = config(stage);
      // Assess
      const behaviors = dist.CacheBehaviors as Record<string, any>[];
      expect(behaviors.map((b) => b.PathPattern)).toEqual(publicPaths(ROUTES).map((p) => p.pattern));
      const shieldOrigin = (dist.Origins as { Id: string; OriginShield?: object }[]).find(
        (o) => o.OriginShield,
      )!;
      for (const b of behaviors) {
        expect(b).toMatchObject({
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          CachedMethods: ['GET', 'HEAD', 'OPTIONS'],
          TargetOriginId: shieldOrigin.Id,
          ViewerProtocolPolicy: 'https-only',
          Compress: true,
        });
        expect(b.OriginRequestPolicyId).toBeUndefined();
      }
      const policies = resourcesOf(template, 'AWS::CloudFront::CachePolicy').map(
        ([, r]) => (r.Properties as { CachePolicyConfig: Record<string, any> }).CachePolicyConfig,
      );
      expect(policies).toHaveLength(2);
      for (const p of policies) {
        // No default TTL: an answer without Cache-Control is not kept; max-age 30 fits under MaxTTL.
        expect(p).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 86_400 });
        expect(p.MaxTTL).toBeGreaterThanOrEqual(PUBLIC_MAX_AGE_SECONDS);
        expect(p.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        });
      }
      expect(
        policies
          .map((p) => p.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig)
          .sort((a, b) => (a.QueryStringBehavior < b.QueryStringBehavior ? -1 : 1)),
      ).toEqual([
        { QueryStringBehavior: 'none' },
        { QueryStringBehavior: 'whitelist', QueryStrings: ['format', 'maxheight', 'maxwidth', 'url'] },
      ]);
      // The API's own routes: still the default behaviour, uncached.
      expect(dist.DefaultCacheBehavior.CachePolicyId).toBe(CachePolicy.CACHING_DISABLED.cachePolicyId);
    },
  );

  it.each(STAGES)("%s: answers CORS * for them at the edge, whatever the API's own CORS says", (stage) => {
    const { template } = config(stage);
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowCredentials: false,
          OriginOverride: true,
          // What the local server answers for the public routes (cloud and laptop cannot drift).
          AccessControlAllowMethods: { Items: [...PUBLIC_CORS.allowMethods] },
          AccessControlAllowHeaders: { Items: [...PUBLIC_CORS.allowHeaders] },
          AccessControlExposeHeaders: { Items: [...PUBLIC_CORS.exposeHeaders] },
          AccessControlMaxAgeSec: PUBLIC_CORS.maxAgeSeconds,
        }),
      }),
    });
  });
});
