import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge, nagName } from './section';

/**
 * Who provides API Gateway's account-level CloudWatch Logs role, which a WebSocket stage needs to
 * write access logs (HTTP APIs do not: they log without it). Without it, creating the stage fails:
 * "CloudWatch Logs role ARN must be set in account settings to enable logging".
 * - `create`: this stack makes the role and points the account's setting (one per account and
 *   region, shared by every REST and WebSocket API there) at it;
 * - `existing`: the account already has the setting (another stage in the same account and region
 *   with `create`, or an organisation baseline); the stack touches nothing account-wide;
 * - `off`: the live stage writes no access log, and nothing account-wide is needed.
 */
export const API_GATEWAY_CLOUDWATCH_ROLE_MODES = ['create', 'existing', 'off'] as const;
export type ApiGatewayCloudWatchRole = (typeof API_GATEWAY_CLOUDWATCH_ROLE_MODES)[number];

export interface ApiGatewayAccountProps {
  /** Deployment stage: part of the role's description. */
  readonly stage: string;
}

/**
 * The account's API Gateway CloudWatch Logs role, set by this stack (`create`). The setting is
 * account-wide: it is the role every REST and WebSocket API of the account and region logs
 * through, and the last stack to set it wins. So the role is kept when the stack is deleted or
 * rolled back: the account setting would otherwise point at a role that no longer exists, and every
 * API in the region that logs would stop logging. It holds AWS's own policy for this role and
 * nothing else.
 */
export class ApiGatewayAccount extends Construct {
  readonly role: Role;
  readonly setting: CfnAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountProps) {
    super(scope, id);
    const policy = ManagedPolicy.fromAwsManagedPolicyName(
      'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    this.role = new Role(this, 'CloudWatchRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway's account-level CloudWatch Logs role, set by Scenario Tracker (${props.stage}) in ${Stack.of(this).stackName}`,
      managedPolicies: [policy],
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledge(
      this.role,
      `AwsSolutions-IAM4[Policy::${nagName(this, policy.managedPolicyArn)}]`,
      "API Gateway's account-level logging role: AWS's managed policy is the one it documents for it, and it serves every API of the account and region, whose log groups no narrower statement could name in advance.",
    );
    this.setting = new CfnAccount(this, 'Setting', { cloudWatchRoleArn: this.role.roleArn });
  }
}
