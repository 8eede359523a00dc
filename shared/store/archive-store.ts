import { queryAll, queryPages } from './query-all';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { INDEX, changesScenarioPk, importKey, threadKey, threadPk } from './keys';

/** A thread id the import meant to write exists already in another scenario (or is not an import's). */
export class ThreadTaken extends Error {
  constructor(readonly threadId: string) {
    super(`thread ${threadId} exists`);
  }
}

/** The scenario item appeared meanwhile (another import, or a thread created in it): nothing was finished. */
export class ScenarioTaken extends Error {}

/** BatchWriteItem takes at most 25 items a call; BatchGetItem 100 keys. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;
/** BatchWriteItem calls in flight at once. */
const WRITERS = 4;
/** Unprocessed items (throttling) are sent again after a short, growing pause, this many times at most. */
const BATCH_RETRIES = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the archive reads and the import writes (shared/app/archive.ts), beyond what the thread and
 * scenario stores already offer: a thread's whole partition as stored, the scenario's changes feed
 * carriers, and the import's own writes. Everything here is keyed by a thread, a scenario, the
 * outbox or the import's mark: no Scan.
 */
export class ArchiveStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every item of a thread's partition, in key order (thread, criteria, drafts, revisions, updates). */
  async partition(threadId: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': threadPk(threadId) },
      ConsistentRead: true,
    });
  }

  /** The scenario's changes-feed carriers (GSI12), oldest first, a page at a time. */
  async *carriers(scenario: string): AsyncGenerator<{ id: string; changes: unknown[] }[]> {
    const pages = queryPages(this.db, {
      TableName: this.table,
      IndexName: INDEX.changesByScenario,
      KeyConditionExpression: 'GSI12PK = :pk',
      ExpressionAttributeValues: { ':pk': changesScenarioPk(scenario) },
    });
    for await (const items of pages)
      yield items.map((i) => ({ id: String(i.SK), changes: (i.changes as unknown[]) ?? [] }));
  }

  /** Whether an import of this scenario was started and not finished. */
  async importUnderWay(scenario: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: importKey(scenario), ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  /** Mark the import as started (again, on a retry: the same item). */
  async markImport(scenario: string, startedAt: string): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...importKey(scenario), scenario, startedAt } }),
    );
  }

  /** The scenario of each of these threads that exists (consistent reads), by id. */
  async threadScenarios(ids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < ids.length; i += GET_BATCH) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + GET_BATCH).map(threadKey);
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > BATCH_RETRIES) throw new Error('BatchGetItem left keys unprocessed');
        if (attempt > 0) await pause(2 ** attempt * 10);
        const answer: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'id, scenario',
              },
            },
          }),
        );
        for (const item of answer.Responses?.[this.table] ?? [])
          found.set(String(item.id), String(item.scenario));
        keys = answer.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  /**
   * A thread item: lands when the id is free or already this scenario's (an interrupted import's,
   * which the caller has checked); ThreadTaken when another scenario took the id meanwhile.
   */
  async putThread(item: Record<string, unknown>, scenario: string): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK) OR scenario = :s',
          ExpressionAttributeValues: { ':s': scenario },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ThreadTaken(String(item.id));
      throw error;
    }
  }

  /**
   * Items whose keys nothing else writes (a thread's updates, wordings, criteria and drafts, the
   * feed's carriers): plain Puts, 25 a call, so writing them twice (a retry) leaves the same items.
   */
  async putAll(items: readonly Record<string, unknown>[]): Promise<void> {
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += WRITE_BATCH) batches.push(items.slice(i, i + WRITE_BATCH));
    // A few batches at once: an archive of thousands of items lands within the function's timeout.
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.putBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITERS, batches.length) }, worker));
  }

  private async putBatch(items: readonly Record<string, unknown>[]): Promise<void> {
    let requests: Record<string, unknown>[] | undefined = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests?.length; attempt++) {
      if (attempt > BATCH_RETRIES) throw new Error('BatchWriteItem left items unprocessed');
      if (attempt > 0) await pause(2 ** attempt * 10);
      const { UnprocessedItems } = await this.db.send(
        new BatchWriteCommand({ RequestItems: { [this.table]: requests as never } }),
      );
      requests = UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined;
    }
  }

  /**
   * The last write of an import: the scenario item (only if none exists) and the end of the mark,
   * in one transaction. Until it lands the scenario is not there (404, not listed).
   */
  async finish(scenarioItem: Record<string, unknown>, scenario: string): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: scenarioItem,
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Delete: { TableName: this.table, Key: importKey(scenario) } },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        throw new ScenarioTaken();
      throw error;
    }
  }
}
