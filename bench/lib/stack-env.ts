import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { buildApp, cdkJsonContext } from '../../infra/build';
import { ALL_FUNCTION_ENTRIES, type AnyFunctionName } from '../../infra/bundling';

/**
 * Every function the stack deploys, with the environment Lambda gives it: the stack's variables as
 * `cdk synth` writes them (deploy-time references replaced by values of the same shape) plus the
 * variables the Lambda runtime sets. The cold-start benchmark runs each bundle with it, so the
 * settings a function parses at start are the ones it parses in the cloud.
 */

/** Values for what only a deployment knows, each of the shape the settings check (shared/config.ts). */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  TABLE_NAME: 'scenario-tracker-bench',
  EVENT_BUS_NAME: 'scenario-tracker-bench',
  PAGE_TOKEN_SECRET_ARN:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scenario-tracker-page-token-AbCdEf',
  TRACKER_WEBHOOK_SECRET_KEY_ARN:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scenario-tracker-webhook-key-AbCdEf',
  TRACKER_PUBLIC_URL: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com',
  TRACKER_LIVE_CALLBACK_URL: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/bench',
  TRACKER_PUBLIC_EVENTS_URL: 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com/event',
  TRACKER_PUBLIC_EVENTS_REALTIME_URL:
    'wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime',
  TRACKER_PUBLIC_EVENTS_KEY: 'da2-abcdefghijklmnopqrstuvwxyz',
};

/** The variables Lambda itself sets for a function (the ones our code or Powertools read). */
const runtimeVariables = (
  name: AnyFunctionName,
  memorySize: number,
  runtime: string,
): Record<string, string> => ({
  AWS_REGION: 'eu-west-1',
  AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
  AWS_LAMBDA_FUNCTION_NAME: `scenario-tracker-bench-${name}`,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
});

export function stackEnvironments(): Map<AnyFunctionName, NodeJS.ProcessEnv> {
  const outdir = mkdtempSync(join(tmpdir(), 'tracker-bench-synth-'));
  try {
    const { stack } = buildApp(
      { outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } },
      {},
    );
    const functions = { ...stack.functions, ...stack.live.functions };
    const out = new Map<AnyFunctionName, NodeJS.ProcessEnv>();
    for (const name of Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[]) {
      const fn = functions[name];
      if (!fn) throw new Error(`the stack has no function ${name}`);
      const cfn = fn.node.defaultChild as CfnFunction;
      const variables = (
        stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined
      )?.variables;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        ...runtimeVariables(name, cfn.memorySize ?? 128, String(cfn.runtime)),
      };
      for (const [key, value] of Object.entries(variables ?? {})) {
        if (typeof value === 'string') env[key] = value;
        else if (DEPLOY_TIME_VALUES[key] !== undefined) env[key] = DEPLOY_TIME_VALUES[key];
        else
          throw new Error(
            `${name}: ${key} is only known at deploy time; give it a value in bench/lib/stack-env.ts`,
          );
      }
      out.set(name, env);
    }
    return out;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
