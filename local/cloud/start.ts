import { createContext } from '../../shared/app/context';
import { readConfig, readLocalSettings } from '../../shared/config';
import { logger } from '../../shared/observability';
import { registerLocalTokens } from '../server';
import { LaunchError, startDynamoLocal, type RunningDynamo } from '../dynamodb-local';
import { seedIfEmpty } from '../seed';
import { startCloud, synthesizeForCloud } from './cloud';

/**
 * `npm start -- --cloud`: the whole API served as the cloud would run it (local/cloud/cloud.ts), on
 * the usual port, over the usual data folder's DynamoDB Local, in its own table (`cloud-mode`).
 * Each function's log lines are printed with its name; every call IAM refuses is printed too, as
 * `IAM DENIED: …` with the action, resource and keys it needed. Schedules run on their rates.
 */
export async function startCloudMode(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = readLocalSettings(env);
  const stage = env.TRACKER_CLOUD_STAGE ?? 'dev';
  let dynamo: RunningDynamo | undefined;
  let endpoint = env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    try {
      dynamo = await startDynamoLocal({ port: settings.dynamoLocalPort, dataDir: settings.dataDir });
    } catch (error) {
      if (error instanceof LaunchError) {
        console.error(error.message);
        process.exit(1);
      }
      throw error;
    }
    endpoint = dynamo.endpoint;
  }
  process.stdout.write(`synthesizing the ${stage} stack with its bundles (cdk synth)…\n`);
  const synthesized = synthesizeForCloud(stage);
  const cloud = await startCloud({
    synthesized,
    dynamodbEndpoint: endpoint,
    tableName: 'cloud-mode',
    port: settings.port,
    log: (fn, line) => process.stdout.write(`[${fn}] ${line}\n`),
  });
  const ctx = createContext(readConfig({ TABLE_NAME: cloud.tableName, DYNAMODB_ENDPOINT: endpoint }));
  if (settings.seed) await seedIfEmpty(ctx);
  const minted = await registerLocalTokens(ctx, env);
  cloud.startSchedules();
  logger.info('scenario tracker listening in cloud mode', {
    url: `http://localhost:${settings.port}`,
    live: cloud.liveUrl,
    stage,
  });
  for (const t of minted) process.stdout.write(`${t.role.padEnd(6)} token (${t.name}): ${t.token}\n`);
  const shutdown = async () => {
    await cloud.close();
    synthesized.cleanup();
    ctx.db.destroy();
    await dynamo?.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
