import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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
  const stack = new ScenarioTrackerStack(app, settings.stackName, {
    // Environment-agnostic unless the CLI knows the account: synth never needs AWS.
    ...(account && region ? { env: { account, region } } : {}),
    description: `Scenario Tracker (${settings.stage}): thread tracking API, table, schedule and alarms`,
    stage: settings.stage,
    corsOrigins: settings.corsOrigins,
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
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, settings };
}
