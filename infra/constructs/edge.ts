import { Duration, Fn, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  CachedMethods,
  ResponseHeadersPolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type AddBehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, type HttpOriginProps } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PUBLIC_CORS } from '../../shared/http/cors';
import { ORIGIN_HEADER } from '../../shared/http/origin';
import type { Route } from '../../shared/routes';
import { Section, acknowledge } from './section';

/** A path pattern of the public routes and the query strings they read (the cache key's). */
export interface PublicPath {
  pattern: string;
  queryStrings: readonly string[];
}

/**
 * The CloudFront path patterns of the routes marked `publicCache`: `/<first segment>/*` for a route
 * under a folder, the exact path for one of a single segment (`/embed.js`, `/oembed`). The routes'
 * paths start with a literal segment, so a pattern never takes an API route of another folder.
 */
export function publicPaths(routes: readonly Route[]): PublicPath[] {
  const byPattern = new Map<string, Set<string>>();
  for (const route of routes.filter((r) => r.publicCache)) {
    const segments = route.path.split('/').slice(1);
    const pattern = segments.length > 1 ? `/${segments[0]}/*` : route.path;
    const keys = byPattern.get(pattern) ?? new Set<string>();
    for (const q of Object.keys(route.query?.describe ?? {})) keys.add(q);
    byPattern.set(pattern, keys);
  }
  return [...byPattern].map(([pattern, keys]) => ({ pattern, queryStrings: [...keys].sort() }));
}

/** The header that carries edgeSecretRevision: not secret, it only makes a new revision a change. */
export const ORIGIN_REVISION_HEADER = 'X-Origin-Revision';

export interface EdgeProps {
  /** Deployment stage: part of the descriptions. */
  stage: string;
  /** The API the edge forwards to. */
  httpApi: HttpApi;
  /** The web ACL (scope CLOUDFRONT, us-east-1: infra/edge-acl-stack.ts) that limits each address. */
  webAclArn: string;
  /** A custom domain and its ACM certificate (us-east-1); the *.cloudfront.net name otherwise. */
  domain?: { name: string; certificateArn: string } | undefined;
  /** Bumped to make CloudFront take up a rotated origin secret (settings: edgeSecretRevision). */
  secretRevision: number;
  /** What happens to the origin secret when the stack is deleted. */
  removalPolicy: RemovalPolicy;
}

/**
 * The edge in front of the HTTP API: a CloudFront distribution whose default behaviour forwards
 * every request to the API uncached, behind the web ACL of infra/edge-acl-stack.ts, and adds the
 * origin header (shared/http/origin.ts) with the value of a Secrets Manager secret, which the API's
 * authorizer checks (infra/constructs/api.ts): a client that goes around the edge is refused.
 *
 * Built to take more behaviours (the data desk's cached public routes, issue #28): `apiOrigin()`
 * makes another origin for the same API carrying the same origin header (with Origin Shield, say),
 * and `addBehavior` puts a path pattern on it with its own cache policy. Whatever is not matched
 * stays on the uncached default behaviour.
 */
export class Edge extends Section {
  readonly distribution: Distribution;
  /** The value CloudFront sends as the origin header; rotation: docs/runbook.md. */
  readonly originSecret: Secret;
  /** Where clients reach the API: https://<custom domain or *.cloudfront.net>, no trailing slash. */
  readonly url: string;
  private readonly originDomain: string;
  private readonly secretRevision: number;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    this.secretRevision = props.secretRevision;
    this.originSecret = new Secret(this, 'OriginSecret', {
      description: `Scenario Tracker (${props.stage}): the origin header CloudFront sends to the HTTP API`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.originSecret,
      'AwsSolutions-SMG4',
      'Rotated by hand (docs/runbook.md, "Rotating the origin secret"): put a new value, which Secrets Manager makes AWSCURRENT while the old one stays AWSPREVIOUS and accepted, then deploy with edgeSecretRevision bumped so CloudFront sends the new one. A rotation Lambda could not redeploy the distribution.',
    );
    // The API's own host name: the endpoint URL without its scheme.
    this.originDomain = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    const certificate = props.domain
      ? Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn)
      : undefined;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Scenario Tracker (${props.stage}): edge of the HTTP API`,
      defaultBehavior: {
        origin: this.apiOrigin(),
        // An API: nothing is cached unless a behaviour says so; every method goes through.
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Every viewer header (Authorization, Idempotency-Key, If-Match, If-None-Match, Origin, ...),
        // every query string and cookie, but not Host: API Gateway routes on its own host name. AWS's
        // managed policy, because a policy of one's own cannot name Authorization.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        // No redirect: a redirected POST would lose its body. Plain HTTP is refused (403).
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        compress: true,
      },
      webAclId: props.webAclArn,
      // North America and Europe only: the cheapest class; viewers elsewhere reach the nearest of them.
      priceClass: PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      ...(props.domain && certificate
        ? {
            domainNames: [props.domain.name],
            certificate,
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = `https://${props.domain ? props.domain.name : this.distribution.distributionDomainName}`;
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'The tracker serves newsrooms wherever they report from; the web ACL limits each address instead of whole countries.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      "CloudFront's standard logs need an S3 bucket with ACLs for one more copy of what is already recorded: the web ACL's sampled requests and metrics show every address it limited, and the API's access log (infra/constructs/api.ts) has every request that reached the API.",
    );
    if (!props.domain)
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain (settings: edgeDomain, edgeCertificateArn) the distribution uses the *.cloudfront.net certificate, whose minimum viewer protocol CloudFront fixes; with one, TLS 1.2 (TLSv1.2_2021) is the minimum.',
      );
  }

  /**
   * An origin for the API with the origin header, for the default behaviour and for any behaviour
   * added later (`extra`: Origin Shield, timeouts, ...). HTTPS with TLS 1.2 only, as API Gateway takes.
   */
  apiOrigin(extra: Omit<HttpOriginProps, 'customHeaders' | 'protocolPolicy' | 'originSslProtocols'> = {}) {
    return new HttpOrigin(this.originDomain, {
      ...extra,
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      readTimeout: extra.readTimeout ?? Duration.seconds(30),
      customHeaders: {
        // A dynamic reference ({{resolve:secretsmanager:...}}): CloudFormation puts the value into
        // the distribution at deploy time; the template holds only the secret's ARN. Reading it at
        // run time is not an option here: CloudFront sends origin headers as configured and cannot
        // read Secrets Manager. The value is in the distribution's configuration (readable with
        // cloudfront:GetDistributionConfig), never in a function's environment; the authorizer reads
        // it at run time (shared/store/origin-secret.ts) and rotation is in docs/runbook.md.
        [ORIGIN_HEADER]: this.originSecret.secretValue.unsafeUnwrap(),
        [ORIGIN_REVISION_HEADER]: String(this.secretRevision),
      },
    });
  }

  /**
   * The public routes (contract 1.2, shared/routes.ts `publicCache`) served from CloudFront's cache:
   * one behaviour per path pattern, GET/HEAD/OPTIONS only, on an origin with Origin Shield in the
   * API's region (every edge location asks the shield, the shield asks the API: a scenario costs its
   * reads once per max-age for the whole distribution, not once per edge location). The cache policy
   * follows the origin's Cache-Control (min TTL 0, no default TTL: an answer without one is not
   * kept), keys on the path and the query strings the routes take (oEmbed's), never on a header or
   * cookie, so no Authorization is forwarded or cached. CORS `*` is set here too: API Gateway's own
   * CORS configuration, when the stage has one, would replace the function's header.
   */
  cachePublicRoutes(routes: readonly PublicPath[], shieldRegion: string): void {
    const origin = this.apiOrigin({ originShieldRegion: shieldRegion, originShieldEnabled: true });
    const cors = new ResponseHeadersPolicy(this, 'PublicCors', {
      comment: 'Public routes: readable from any page (contract 1.2)',
      corsBehavior: {
        // The same policy the local server answers (shared/http/cors.ts): declared once.
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: [...PUBLIC_CORS.allowMethods],
        accessControlAllowHeaders: [...PUBLIC_CORS.allowHeaders],
        accessControlExposeHeaders: [...PUBLIC_CORS.exposeHeaders],
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.seconds(PUBLIC_CORS.maxAgeSeconds),
        originOverride: true,
      },
    });
    const policies = new Map<string, CachePolicy>();
    const policyFor = (queryStrings: readonly string[]) => {
      const key = [...queryStrings].sort().join(',');
      let policy = policies.get(key);
      if (!policy) {
        policy = new CachePolicy(this, key ? `PublicCacheQuery${policies.size}` : 'PublicCache', {
          comment: `Public routes: as long as their Cache-Control says${key ? `; keyed on ${key}` : ''}`,
          minTtl: Duration.seconds(0),
          defaultTtl: Duration.seconds(0),
          maxTtl: Duration.days(1),
          headerBehavior: CacheHeaderBehavior.none(),
          cookieBehavior: CacheCookieBehavior.none(),
          queryStringBehavior: key
            ? CacheQueryStringBehavior.allowList(...queryStrings)
            : CacheQueryStringBehavior.none(),
          enableAcceptEncodingGzip: true,
          enableAcceptEncodingBrotli: true,
        });
        policies.set(key, policy);
      }
      return policy;
    };
    for (const { pattern, queryStrings } of routes)
      this.addBehavior(pattern, {
        origin,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD_OPTIONS,
        cachePolicy: policyFor(queryStrings),
        responseHeadersPolicy: cors,
        compress: true,
      });
  }

  /**
   * A behaviour of its own for a path pattern (issue #28: cached public routes). CloudFront forwards
   * `Authorization` only with caching disabled (the default behaviour) or when the cache policy keys
   * on it: a cached public route needs neither, and must not key on it.
   */
  addBehavior(pathPattern: string, options: AddBehaviorOptions & { origin?: HttpOrigin } = {}): void {
    const { origin, ...rest } = options;
    this.distribution.addBehavior(pathPattern, origin ?? this.apiOrigin(), {
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      ...rest,
    });
  }
}
