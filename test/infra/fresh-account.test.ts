import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { referencedIds, synth, synthesized, type Resources, type Shared } from './synth';

/**
 * What a new AWS account needs from the stack (docs/deploy.md, "A new account"): the live stage's
 * access log has API Gateway's account-level CloudWatch role to log through, or is off; nothing the
 * stack keeps when it goes (or rolls back) has a fixed name a retried first deploy would collide with.
 */

// Prepare (once per file): prod as cdk.json defines it (the stack sets the role: the default), and
// a stage for each other choice of apiGatewayCloudWatchRole.
const prod = synthesized('prod');
const existing = synthesized('API Gateway CloudWatch role existing');
const off = synthesized('API Gateway CloudWatch role off');

type Resource = Resources[string] & { DependsOn?: string[] };
const resourcesOf = (s: Shared) => s.template.toJSON().Resources as Record<string, Resource>;
const ofType = (s: Shared, type: string) => Object.entries(resourcesOf(s)).filter(([, r]) => r.Type === type);
const liveStage = (s: Shared) =>
  ofType(s, 'AWS::ApiGatewayV2::Stage').find(([, r]) => r.Properties!.StageName === 'live')!;
const errorsIn = (s: Shared) =>
  (
    JSON.parse(readFileSync(path.join(s.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { severity: string; ruleName: string }[] }[];
    }
  ).pluginReports.flatMap((p) => p.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName));

describe("API Gateway's account-level CloudWatch role (the live stage's access log)", () => {
  it('is set by the stack by default, through a role kept when the stack goes, before the live stage is created', () => {
    // Prepare
    const [accountId, account] = ofType(prod, 'AWS::ApiGateway::Account')[0]!;
    const roleId = referencedIds(account.Properties!.CloudWatchRoleArn)[0]!;
    const role = resourcesOf(prod)[roleId]!;
    const [, stage] = liveStage(prod);
    // Assess
    expect(ofType(prod, 'AWS::ApiGateway::Account')).toHaveLength(1);
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(role.Properties!.AssumeRolePolicyDocument)).toContain('apigateway.amazonaws.com');
    expect(JSON.stringify(role.Properties!.ManagedPolicyArns)).toContain(
      'policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    expect(stage.DependsOn).toContain(accountId);
    expect(stage.Properties!.AccessLogSettings).toBeDefined();
  });

  it('is left alone with `existing`: the stage logs, nothing account-wide is created', () => {
    // Assess
    expect(ofType(existing, 'AWS::ApiGateway::Account')).toEqual([]);
    expect(
      ofType(existing, 'AWS::IAM::Role').filter(([, r]) =>
        JSON.stringify(r.Properties!.ManagedPolicyArns ?? []).includes(
          'AmazonAPIGatewayPushToCloudWatchLogs',
        ),
      ),
    ).toEqual([]);
    expect(liveStage(existing)[1].Properties!.AccessLogSettings).toBeDefined();
    expect(errorsIn(existing)).toEqual([]);
  });

  it('is not needed with `off`: the live stage writes no access log, and cdk-nag has the reason', () => {
    // Prepare
    const groups = ofType(off, 'AWS::Logs::LogGroup').map(([, g]) =>
      JSON.stringify(g.Properties!.LogGroupName ?? ''),
    );
    // Assess
    expect(ofType(off, 'AWS::ApiGateway::Account')).toEqual([]);
    expect(liveStage(off)[1].Properties!.AccessLogSettings).toBeUndefined();
    expect(groups.filter((g) => g.includes('live-access'))).toEqual([]);
    expect(errorsIn(off)).toEqual([]);
  });

  it('refuses any other value at synth', () => {
    expect(() => synth({ context: { apiGatewayCloudWatchRole: 'maybe' } })).toThrow(
      /^apiGatewayCloudWatchRole \(-c apiGatewayCloudWatchRole\) must be one of create, existing, off/,
    );
  });
});

describe('a retried first deploy', () => {
  /** Properties that name a resource in its account; a literal one collides with a retained leftover. */
  const NAME_PROPERTIES = [
    'LogGroupName',
    'TableName',
    'RoleName',
    'QueueName',
    'TopicName',
    'Name',
    'FunctionName',
  ];

  it('finds no leftover of a rolled-back attempt in its way: nothing the stack retains has a fixed name', () => {
    // Act
    const fixed = Object.entries(resourcesOf(prod))
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .flatMap(([id, r]) =>
        NAME_PROPERTIES.filter((p) => typeof r.Properties?.[p] === 'string').map((p) => `${id}.${p}`),
      );
    // Assess: prod retains its log groups, the table, the role and the webhook key
    expect(ofType(prod, 'AWS::Logs::LogGroup').every(([, g]) => g.DeletionPolicy === 'Retain')).toBe(true);
    expect(fixed).toEqual([]);
  });

  it('names the access log groups under /aws/vendedlogs/ with the stack id’s own suffix, new for each creation of the stack', () => {
    // Prepare: the HTTP API's stage and the live WebSocket API's
    const names = ofType(prod, 'AWS::ApiGatewayV2::Stage').map(([, stage]) => {
      const destination = (stage.Properties!.AccessLogSettings as { DestinationArn: unknown }).DestinationArn;
      return resourcesOf(prod)[referencedIds(destination)[0]!]!.Properties!.LogGroupName;
    });
    // Act: render each name for two creations of the stack
    const render = (value: unknown, stackId: string): string => {
      const v = value as Record<string, unknown> | string;
      if (typeof v === 'string') return v;
      if ('Ref' in v) return v.Ref === 'AWS::StackId' ? stackId : `<${String(v.Ref)}>`;
      if ('Fn::Join' in v) {
        const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
        return parts.map((p) => render(p, stackId)).join(sep);
      }
      if ('Fn::Select' in v) {
        const [i, list] = v['Fn::Select'] as [number, unknown];
        return renderList(list, stackId)[i]!;
      }
      throw new Error(`unexpected ${JSON.stringify(v)}`);
    };
    const renderList = (value: unknown, stackId: string): string[] => {
      const [sep, of] = (value as { 'Fn::Split': [string, unknown] })['Fn::Split'];
      return render(of, stackId).split(sep);
    };
    const first =
      'arn:aws:cloudformation:eu-west-1:123456789012:stack/ScenarioTracker-prod/0b5c3a80-1234-11ef-9f2f-0a1b2c3d4e5f';
    const retry =
      'arn:aws:cloudformation:eu-west-1:123456789012:stack/ScenarioTracker-prod/7d1e0f60-1235-11ef-8c1a-06f5e4d3c2b1';
    // Assess
    expect(names.map((n) => render(n, first)).sort()).toEqual([
      '/aws/vendedlogs/apigateway/ScenarioTracker-prod-0a1b2c3d4e5f/access',
      '/aws/vendedlogs/apigateway/ScenarioTracker-prod-0a1b2c3d4e5f/live-access',
    ]);
    expect(names.map((n) => render(n, retry)).sort()).toEqual([
      '/aws/vendedlogs/apigateway/ScenarioTracker-prod-06f5e4d3c2b1/access',
      '/aws/vendedlogs/apigateway/ScenarioTracker-prod-06f5e4d3c2b1/live-access',
    ]);
  });
});
