/**
 * The throughput benchmark's baseline: the DynamoDB calls a handler makes, made directly with the
 * document client (configured as `createDocumentClient` does), by `connections` concurrent
 * loops, with no HTTP, no routing, no validation and no handler. Runs in its own process, like the
 * server, and reports over IPC.
 */

import { outletsOf } from '../../shared/domain/outlets';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { hashToken } from '../../shared/app/tokens';
import { readConfig } from '../../shared/config';
import type { Thread } from '../../shared/domain/types';
import { threadItem, toThread, updateItem } from '../../shared/store/items';
import { threadKey, tokenHashKey } from '../../shared/store/keys';

export interface DirectJob {
  op: 'get' | 'post';
  token: string;
  threadIds: string[];
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface DirectResult {
  requests: number;
  errors: number;
  retries: number;
  latencies: number[];
  /** CPU time of this process during the measured part (µs, user + system). */
  cpuMicros: number;
}

const cfg = readConfig(process.env);
// The document client as shared/store/client.ts configures it.
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: cfg.region,
    endpoint: cfg.dynamodbEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const table = cfg.tableName;

async function authorize(token: string): Promise<void> {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: tokenHashKey(hashToken(token)), ConsistentRead: true }),
  );
  if (!Item) throw new Error('token not found');
}

async function getThread(id: string): Promise<void> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: threadKey(id) }));
  if (!Item) throw new Error(`no thread ${id}`);
}

/** Read the thread item (consistent), as the handler does for an in-order note, then commit thread + update, version-conditioned. */
async function postUpdate(id: string, n: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: threadKey(id), ConsistentRead: true }),
    );
    const thread: Thread | undefined = Item ? toThread(Item) : undefined;
    if (!thread) throw new Error(`no thread ${id}`);
    const now = new Date().toISOString();
    const update = {
      id: ulid(),
      threadId: id,
      status: null,
      summary: `Direct note ${n}.`,
      occurredAt: now,
      occurredPrecision: 'instant' as const,
      recordedAt: now,
      postedBy: 'local-editor',
      sources: [],
      quotes: [],
      retracted: false,
      retraction: null,
      revisedAt: null,
      revisedBy: null,
      revisionCount: 0,
      key: false,
    };
    const next: Thread = {
      ...thread,
      lastOccurredAt: now,
      lastOccurredPrecision: 'instant',
      lastRecordedAt: now,
      updateCount: thread.updateCount + 1,
      version: thread.version + 1,
      updatedAt: now,
    };
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: threadItem(next),
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': thread.version },
              },
            },
            {
              Put: {
                TableName: table,
                Item: updateItem({ ...update, outlets: outletsOf(update) }),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return attempt;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || attempt > 40) throw error;
    }
  }
}

async function runJob(job: DirectJob): Promise<DirectResult> {
  let next = 0;
  const result: DirectResult = { requests: 0, errors: 0, retries: 0, latencies: [], cpuMicros: 0 };
  const loop = async (until: number, record: boolean) => {
    while (Date.now() < until) {
      const i = next++;
      const id = job.threadIds[i % job.threadIds.length]!;
      const t0 = process.hrtime.bigint();
      try {
        await authorize(job.token);
        if (job.op === 'get') await getThread(id);
        else result.retries += await postUpdate(id, i);
        if (record) {
          result.requests++;
          result.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      } catch {
        if (record) result.errors++;
      }
    }
  };
  const warmEnd = Date.now() + job.warmupMs;
  await Promise.all(Array.from({ length: job.connections }, () => loop(warmEnd, false)));
  const end = Date.now() + job.durationMs;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: job.connections }, () => loop(end, true)));
  const used = process.cpuUsage(cpu);
  result.cpuMicros = used.user + used.system;
  return result;
}

process.on('message', (job: DirectJob) => {
  runJob(job).then(
    (r) => process.send?.({ ok: true, result: r }),
    (e) => process.send?.({ ok: false, error: String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
