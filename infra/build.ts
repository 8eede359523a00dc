import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EDGE_ACL_REGION, EdgeAclStack } from './edge-acl-stack';
import { resolveSettings, type StackSettings } from './settings';
import { ScenarioTrackerStack } from './stack';

/**
 * The context of cdk.json (feature flags, stages) that the CLI applies: whoever builds the app
 * outside the CLI (tests, the cold-start benchmark) passes it, so they synthesize what `cdk synth` does.
 */
export const cdkJsonContext = (): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context ?? {};

export interface BuiltApp {
  app: App;
  stack: ScenarioTrackerStack;
  /** The edge's web ACL stack (us-east-1), when the stack has an edge. */
  edgeAcl: EdgeAclStack | undefined;
  settings: StackSettings;
}

/**
 * The CDK app: one stack, configured from context/environment, checked by cdk-nag's AWS Solutions
 * pack (cdk-nag 3: a policy-validation plugin, so synthesis fails on any unacknowledged error).
 * infra/app.ts runs it for the CLI; the tests build it the same way.
 */
export function buildApp(props: AppProps = {}, env: NodeJS.ProcessEnv = process.env): BuiltApp {
  const app = new App(props);
  const settings = resolveSettings((key) => app.node.tryGetContext(key), env);
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  const pinned = Boolean(account && region);
  // The edge's web ACL lives in us-east-1 (AWS takes a CloudFront web ACL nowhere else), in a stack
  // of its own that the main stack references across regions. CDK can only do that between stacks
  // pinned to their regions, so an environment-agnostic synth has no edge (warned below).
  const edgeAcl =
    settings.edge && pinned
      ? new EdgeAclStack(app, `${settings.stackName}-edge-acl`, {
          env: { account: account!, region: EDGE_ACL_REGION },
          description: `Scenario Tracker (${settings.stage}): the web ACL of the HTTP API's edge (CloudFront needs it in ${EDGE_ACL_REGION})`,
          stage: settings.stage,
          requestsPerMinute: settings.edgeRequestsPerMinute,
          writesPerMinute: settings.edgeWritesPerMinute,
          crossRegionReferences: true,
          tags: { project: 'scenario-tracker', stage: settings.stage },
          terminationProtection: settings.stage === 'prod',
        })
      : undefined;
  const stack = new ScenarioTrackerStack(app, settings.stackName, {
    // Environment-agnostic unless the CLI knows the account: synth never needs AWS.
    ...(pinned ? { env: { account: account!, region: region! } } : {}),
    ...(edgeAcl ? { crossRegionReferences: true } : {}),
    edge: edgeAcl
      ? {
          webAclArn: edgeAcl.webAcl.attrArn,
          domain:
            settings.edgeDomain && settings.edgeCertificateArn
              ? { name: settings.edgeDomain, certificateArn: settings.edgeCertificateArn }
              : undefined,
          secretRevision: settings.edgeSecretRevision,
        }
      : undefined,
    description: `Scenario Tracker (${settings.stage}): thread tracking API, table, schedule and alarms`,
    stage: settings.stage,
    corsOrigins: settings.corsOrigins,
    embedOrigins: settings.embedOrigins,
    logRetentionDays: settings.logRetentionDays,
    logLevel: settings.logLevel,
    alarmEmail: settings.alarmEmail,
    webhookUrl: settings.webhookUrl,
    throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
    tableIndexes: settings.tableIndexes,
    reservedConcurrency: settings.reservedConcurrency,
    runbookUrl: settings.runbookUrl,
    accountConcurrency: settings.accountConcurrency,
    apiGatewayCloudWatchRole: settings.apiGatewayCloudWatchRole,
    tags: { project: 'scenario-tracker', stage: settings.stage },
    // Production cannot be deleted by a stray `cdk destroy`.
    terminationProtection: settings.stage === 'prod',
  });
  // A setting given only for this synth is dropped by the next deploy that does not repeat it.
  for (const { key, source } of settings.fromFlags)
    Annotations.of(stack).addWarningV2(
      `scenario-tracker:setting-from-flag:${key}`,
      `${key} comes from ${source}, not from cdk.json stages.${settings.stage}: a later deploy without it falls back to the stage's value. Record it in cdk.json to keep it.`,
    );
  if (settings.accountConcurrency === undefined)
    Annotations.of(stack).addWarningV2(
      'scenario-tracker:account-concurrency-assumed',
      `stages.${settings.stage} names no accountConcurrency: reserved concurrency stays off, and the AccountConcurrencyHigh alarm assumes Lambda's default quota of 1,000. Set it to the account's quota (aws lambda get-account-settings) — see docs/deploy.md.`,
    );
  if (settings.edge && !pinned)
    Annotations.of(stack).addWarningV2(
      'scenario-tracker:edge-needs-environment',
      `stages.${settings.stage} has an edge (edge: on), but this synth is environment-agnostic (no CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION), and the edge's web ACL in ${EDGE_ACL_REGION} can only be referenced from a stack pinned to its region: this template has NO edge — no CloudFront, no per-address limits, no origin check. \`cdk deploy\` with credentials pins the stack and has it. To synthesize without the edge on purpose, set edge to off (-c edge=off) — see docs/deploy.md, "The edge".`,
    );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, edgeAcl, settings };
}
