import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SynthOptions } from './synth';

/**
 * Every stack the infra tests read, by name: the infra project's global setup
 * (test/support/stacks-setup.ts) synthesizes each distinct one once per run, in one process, and
 * the test files read them (`synthesized(name)` in ./synth.ts). Synthesis is what costs: the first
 * one in a process compiles CloudFormation's template validator (seconds), and every Jest test file
 * is a fresh module registry, so each file that synthesized paid it again.
 */

/** The CORS origins of the API test (test/infra/api.test.ts): two dashboards, from context. */
export const DASHBOARDS = ['https://dash.example.org', 'https://ops.example.org'];

/** Log settings of test/infra/functions.test.ts: unlike the defaults, so they are seen to come from the stage. */
export const RETENTION_DAYS = 90;
export const LOG_LEVEL = 'WARN';

const PINNED = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' };
/** How test/infra/environments.test.ts synthesizes each stage: environment-agnostic, and pinned as `cdk deploy` does. */
export const PINNINGS = { agnostic: {}, pinned: PINNED } as const;
export type Pinning = keyof typeof PINNINGS;
const cdkJson = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: { stages: Record<string, Record<string, unknown>> };
  }
).context;
export const STAGES = Object.keys(cdkJson.stages);
/** The name of a stage's stack as environments.test.ts reads it. */
export const stageStack = (stage: string, pinning: Pinning) => `stage ${stage} ${pinning}`;

/** The directory of the run's stacks, which the infra project's global setup names for every worker. */
export const STACKS_DIR_VARIABLE = 'TEST_STACKS_DIR';

/** The custom domain of test/infra/edge.test.ts, and its certificate (ACM, us-east-1). */
export const EDGE_DOMAIN = 'api.desk.example.org';
export const EDGE_CERTIFICATE =
  'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

export const STACKS: Record<string, SynthOptions> = {
  /** cdk.json's defaults. */
  default: {},
  dev: { context: { stage: 'dev' } },
  /** Production with its alarm subscriber (as a production deploy is). */
  prod: { context: { stage: 'prod', alarmEmail: 'oncall@example.org' } },
  /** Production with reserved concurrency and the account's quota named. */
  'prod reserved': {
    context: {
      stage: 'prod',
      alarmEmail: 'oncall@example.org',
      reservedConcurrency: 'on',
      accountConcurrency: 1000,
    },
  },
  /** As test/fixtures/logical-ids-prod.json was synthesized (the subscription's id names the e-mail). */
  'prod as the logical-id fixture': {
    context: {
      stage: 'prod',
      alarmEmail: 'a@example.org',
      reservedConcurrency: 'on',
      accountConcurrency: 1000,
    },
  },
  'prod without alarm e-mail': { context: { stage: 'prod' } },
  'prod with alarm e-mail from the environment': {
    context: { stage: 'prod' },
    env: { TRACKER_ALARM_EMAIL: 'oncall@example.org' },
  },
  /** A prod block whose log settings differ from the defaults (a block, not flags: no synth warnings). */
  'prod with its own log settings': {
    context: {
      stage: 'prod',
      stages: {
        prod: {
          ...cdkJson.stages.prod,
          alarmEmail: 'oncall@example.org',
          logRetentionDays: RETENTION_DAYS,
          logLevel: LOG_LEVEL,
        },
      },
    },
  },
  'CORS for two dashboards': { context: { corsOrigins: DASHBOARDS.join(', ') } },
  'API Gateway CloudWatch role existing': { context: { stage: 'dev', apiGatewayCloudWatchRole: 'existing' } },
  'API Gateway CloudWatch role off': { context: { stage: 'dev', apiGatewayCloudWatchRole: 'off' } },
  /** The edge (test/infra/edge.test.ts): pinned, with a custom domain; pinned with the edge off. */
  'prod pinned with an edge domain': {
    context: { stage: 'prod', edgeDomain: EDGE_DOMAIN, edgeCertificateArn: EDGE_CERTIFICATE },
    env: PINNED,
  },
  'dev pinned without edge': { context: { stage: 'dev', edge: 'off' }, env: PINNED },
  ...Object.fromEntries(
    STAGES.flatMap((stage) =>
      (Object.keys(PINNINGS) as Pinning[]).map((pinning) => [
        stageStack(stage, pinning),
        { context: { stage }, env: PINNINGS[pinning] },
      ]),
    ),
  ),
};
