import './quiet';
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createContext, setAppContext, type AppContext } from '../../shared/app/context';
import { readConfig, type Config } from '../../shared/config';
import { ensureTable } from '../../shared/store/table';
import { freePort, startDynamoLocal } from '../../local/dynamodb-local';
import { log } from './common';

export interface Dynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * An in-memory DynamoDB Local on a free port, or the one a caller (bench/run.ts) already started and
 * passed in via BENCH_DYNAMODB_ENDPOINT. Only what we start do we stop.
 */
export async function useDynamo(): Promise<Dynamo> {
  const given = process.env.BENCH_DYNAMODB_ENDPOINT;
  if (given) return { endpoint: given, stop: async () => undefined };
  const port = await freePort();
  const started = Date.now();
  const running = await startDynamoLocal({ port, timeoutMs: 90_000 });
  log(`DynamoDB Local (in memory) on ${running.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { endpoint: running.endpoint, stop: () => running.stop() };
}

export function benchConfig(
  endpoint: string,
  tableName = `bench-${randomUUID().slice(0, 8)}`,
  overrides: Partial<Config> = {},
): Config {
  // No EventBridge bus: notifications go to the log publisher, which here logs at a level we silence.
  const env = {
    ...process.env,
    DYNAMODB_ENDPOINT: endpoint,
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: '',
    TRACKER_WEBHOOK_URL: '',
  };
  return { ...readConfig(env), ...overrides };
}

/** A context over a fresh table, installed as the handlers' context (what the local server uses). */
export async function benchContext(
  endpoint: string,
  tableName?: string,
  overrides: Partial<Config> = {},
): Promise<AppContext> {
  const cfg = benchConfig(endpoint, tableName, overrides);
  const ctx = createContext(cfg);
  await ensureTable(ctx.db, cfg.tableName);
  setAppContext(ctx);
  return ctx;
}

/** BatchWrite many items, `parallel` batches in flight, retrying unprocessed items. */
export async function batchPut(
  db: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
  parallel = 4,
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [table]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      for (let attempt = 0; request && (request[table]?.length ?? 0) > 0; attempt++) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: request }));
        request = out.UnprocessedItems as typeof request;
        if (request && (request[table]?.length ?? 0) > 0)
          await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
