import { Duration, Fn, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
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
import { ORIGIN_HEADER } from '../../shared/http/origin';
import { Section, acknowledge } from './section';

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
