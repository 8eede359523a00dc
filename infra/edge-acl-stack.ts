import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { problemType } from '../shared/http/problem';

/** The one region a web ACL for CloudFront (scope CLOUDFRONT) can be created in. */
export const EDGE_ACL_REGION = 'us-east-1';

/** The length of the window WAF counts each address's requests over. */
export const EDGE_RATE_WINDOW_SECONDS = 60;

/** The methods that change something: the editors' routes (infra/constructs/api.ts, class `edit`). */
export const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The contract's problem code for 429 (api.md, "Problem codes"). */
export const RATE_LIMITED_CODE = 'too_many_requests';

/** The rules of the web ACL, by name: docs/deploy.md ("The edge") prices them one by one. */
export const EDGE_RULES = ['WritesPerAddress', 'RequestsPerAddress'] as const;

export interface EdgeAclStackProps extends StackProps {
  /** Deployment stage: part of the web ACL's name and metric names. */
  stage: string;
  /** Requests one source address may send per minute, all methods together. */
  requestsPerMinute: number;
  /** Writes (WRITE_METHODS) one source address may send per minute. */
  writesPerMinute: number;
}

/**
 * The body WAF answers a limited address with: problem details, like every refusal of the API, with
 * the contract's code for 429 (api.md, "Problem codes"). WAF's content types hold no
 * `application/problem+json`, so it goes out as `application/json`.
 */
const RATE_LIMITED_BODY = JSON.stringify({
  type: problemType(RATE_LIMITED_CODE),
  title: 'Too many requests',
  status: 429,
  code: RATE_LIMITED_CODE,
  detail: 'This address sent more requests than the edge takes in a minute; wait a minute and try again.',
});

/**
 * The edge's web ACL (WAF), in its own stack because AWS takes a web ACL for CloudFront only in
 * us-east-1, wherever the rest of the stage lives. The main stack's distribution uses it by ARN,
 * through CDK's cross-region references (infra/build.ts). What it holds:
 * - `WritesPerAddress`: a source address sending more than `writesPerMinute` POST, PUT, PATCH or
 *   DELETE requests in a minute gets 429 on all of them until its rate falls back;
 * - `RequestsPerAddress`: the same for every request, at `requestsPerMinute`.
 * The address is the one CloudFront saw the connection from, never a header a client could write
 * (X-Forwarded-For). No AWS managed rule group: each costs a rule a month and more per request, and
 * what they catch (SQL injection, known bad inputs, bot signatures) is not this API's exposure: every
 * body is validated against its schema, nothing is rendered as HTML, DynamoDB takes no query text
 * (docs/security.md, "The edge").
 */
export class EdgeAclStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeAclStackProps) {
    super(scope, id, props);
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: `scenario-tracker-${props.stage}-${name}`,
      sampledRequestsEnabled: true,
    });
    const limited = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'rate-limited',
          responseHeaders: [{ name: 'Retry-After', value: String(EDGE_RATE_WINDOW_SECONDS) }],
        },
      },
    };
    const method = (name: string): CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { method: {} },
        positionalConstraint: 'EXACTLY',
        searchString: name,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `scenario-tracker-${props.stage}-edge`,
      description: `Scenario Tracker ${props.stage} - limits per source address in front of the HTTP API`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('edge'),
      customResponseBodies: {
        'rate-limited': { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
      },
      rules: [
        {
          name: EDGE_RULES[0],
          priority: 0,
          action: limited,
          visibilityConfig: metric(EDGE_RULES[0]),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: EDGE_RATE_WINDOW_SECONDS,
              limit: props.writesPerMinute,
              scopeDownStatement: { orStatement: { statements: WRITE_METHODS.map(method) } },
            },
          },
        },
        {
          name: EDGE_RULES[1],
          priority: 1,
          action: limited,
          visibilityConfig: metric(EDGE_RULES[1]),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: EDGE_RATE_WINDOW_SECONDS,
              limit: props.requestsPerMinute,
            },
          },
        },
      ],
    });
    new CfnOutput(this, 'WebAclArn', {
      value: this.webAcl.attrArn,
      description: 'The web ACL (WAF, scope CLOUDFRONT) of the HTTP API edge',
    });
  }
}
