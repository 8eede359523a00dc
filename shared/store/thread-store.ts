import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Thread, Update } from '../domain/types';
import type { TrackerEvent } from '../events/event';
import { INDEX, THREAD_SK, UPDATE_PREFIX, changesKey, scenarioPk, ALL_THREADS_PK, threadKey, threadPk, updateKey } from './keys';
import { threadItem, toThread, toUpdate, updateItem } from './items';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { OUTBOX_LEASE_MS, outboxItem } from './outbox-store';

/** The thread item lost a race: someone else wrote it between our read and our write. */
export class VersionConflict extends Error {
  constructor() {
    super('thread version changed');
    this.name = 'VersionConflict';
  }
}

/** Another transaction touched one of our items at the same moment; nothing was written. Retry. */
export class TransientConflict extends Error {}

/** The thread we meant to create exists already. */
export class ThreadAlreadyExists extends Error {}

/** Our idempotency claim was taken over (it had expired) before we could complete it. */
export class IdempotencyClaimLost extends Error {}

/** Everything one write to a thread changes, committed as a single transaction. */
export interface ThreadWrite {
  thread: Thread;
  /** The version we read, or null when creating the thread. */
  expectedVersion: number | null;
  /** A new update, or an existing one now marked retracted. */
  update?: Update;
  updateIsNew?: boolean;
  events?: TrackerEvent[];
  /** The idempotency record this write completes: it lands only together with the write. */
  idempotency?: IdempotencyCompletion;
}

export interface ThreadHistory {
  thread: Thread | null;
  updates: Update[];
}

export interface ThreadFilter {
  scenario?: string;
  kind?: string;
  status?: string;
  stale?: boolean;
  updatedSince?: string;
}

export interface Page<T> {
  items: T[];
  /** Where to resume, or undefined at the end. */
  lastKey?: Record<string, unknown>;
}

export interface ChangeCounter {
  n: number;
  at: string;
}

/**
 * Bump the change counters of a thread's scenario and of all threads, inside the transaction that
 * changes the thread: a list's ETag is its counter, so it moves exactly when a listed thread does.
 */
export function counterBumps(table: string, scenario: string, now: string) {
  return [changesKey(scenario), changesKey(null)].map((Key) => ({
    Update: { TableName: table, Key, UpdateExpression: 'ADD n :one SET #at = :now', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':one': 1, ':now': now } },
  }));
}

export class ThreadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Eventually consistent: half the cost, and fine for reads that revalidate by ETag. */
  async getThread(id: string): Promise<Thread | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: threadKey(id) }));
    return Item ? toThread(Item) : null;
  }

  /** For writes that need only the thread item: the version they condition on must be the latest. */
  async getThreadConsistent(id: string): Promise<Thread | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: threadKey(id), ConsistentRead: true }));
    return Item ? toThread(Item) : null;
  }

  /**
   * The thread and all its updates in one Query of its partition (the thread item sorts first).
   * Writes read consistently: the version they condition on must be the latest.
   */
  async loadHistory(id: string, consistent = true): Promise<ThreadHistory> {
    let thread: Thread | null = null;
    const updates: Update[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': threadPk(id) },
          ConsistentRead: consistent,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.SK === THREAD_SK) thread = toThread(item);
        else if (typeof item.SK === 'string' && item.SK.startsWith(UPDATE_PREFIX)) updates.push(toUpdate(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { thread, updates };
  }

  /** Eventually consistent and tiny: what a list poll that finds nothing new costs. */
  async getChanges(scenario: string | null): Promise<ChangeCounter> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: changesKey(scenario) }));
    return { n: Number(Item?.n ?? 0), at: String(Item?.at ?? '1970-01-01T00:00:00.000Z') };
  }

  async getUpdate(threadId: string, updateId: string, consistent = false): Promise<Update | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: updateKey(threadId, updateId), ...(consistent ? { ConsistentRead: true } : {}) }));
    return Item ? toUpdate(Item) : null;
  }

  /**
   * A thread's updates, newest occurred time first, through the local index. A page may be short:
   * DynamoDB stops a Query at 1 MB (about 65 updates of 15 KB), and then the page ends there with a
   * resume key. Only the absence of a resume key means the history is over.
   */
  async listUpdates(threadId: string, limit: number, startKey?: Record<string, unknown>): Promise<Page<Update>> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.byOccurred,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': threadPk(threadId) },
        ScanIndexForward: false,
        // Local indexes can be read consistently, so a page always matches the thread's version.
        ConsistentRead: true,
        // One more than asked tells us whether another page exists without an empty last page.
        Limit: limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = Items.slice(0, limit);
    const last = items[items.length - 1];
    // More than asked for, or stopped early (at Limit, or at 1 MB with fewer than asked).
    const more = Items.length > limit || LastEvaluatedKey !== undefined;
    const lastKey = !more ? undefined : last ? { PK: last.PK, SK: last.SK, LSI1SK: last.LSI1SK } : LastEvaluatedKey;
    return { items: items.map(toUpdate), lastKey };
  }

  /**
   * Threads ordered by id, from the scenario index or the all-threads index; other filters are
   * applied by the Query's filter expression. Pages may hold fewer than `limit` items (the read is
   * bounded per request); the resume key is always the last item returned, so nothing is skipped.
   */
  async listThreads(filter: ThreadFilter, limit: number, startKey?: Record<string, unknown>, maxRounds = 5): Promise<Page<Thread>> {
    const byScenario = filter.scenario !== undefined;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':pk': byScenario ? scenarioPk(filter.scenario!) : ALL_THREADS_PK };
    const conditions: string[] = [];
    const add = (attr: string, op: string, value: unknown) => {
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      conditions.push(`#${attr} ${op} :${attr}`);
    };
    if (filter.kind !== undefined) add('kind', '=', filter.kind);
    if (filter.status !== undefined) add('status', '=', filter.status);
    if (filter.stale !== undefined) add('stale', '=', filter.stale);
    if (filter.updatedSince !== undefined) add('updatedAt', '>', filter.updatedSince);
    const filtered = conditions.length > 0;
    const pkAttr = byScenario ? 'GSI1PK' : 'GSI2PK';
    const skAttr = byScenario ? 'GSI1SK' : 'GSI2SK';

    const items: Record<string, unknown>[] = [];
    let start = startKey;
    let exhausted = false;
    for (let round = 0; round < maxRounds && items.length < limit; round++) {
      const need = limit - items.length;
      const input: QueryCommandInput = {
        TableName: this.table,
        IndexName: byScenario ? INDEX.byScenario : INDEX.allThreads,
        KeyConditionExpression: `${pkAttr} = :pk`,
        ExpressionAttributeValues: values,
        ...(filtered ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
        Limit: filtered ? Math.max(need + 1, 100) : need + 1,
        ExclusiveStartKey: start,
      };
      const page = await this.db.send(new QueryCommand(input));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
      if (!start) {
        exhausted = true;
        break;
      }
    }
    const returned = items.slice(0, limit);
    const more = items.length > limit || !exhausted;
    const last = returned[returned.length - 1];
    const lastKey = !more ? undefined : last ? { PK: last.PK, SK: last.SK, [pkAttr]: last[pkAttr], [skAttr]: last[skAttr] } : start;
    return { items: returned.map(toThread), lastKey };
  }

  /**
   * Commit one write to a thread atomically: the thread item (conditional on the version read), the
   * update it concerns, the notifications it causes (outbox) and the idempotency record's completion.
   * Either all of it lands or none of it does.
   */
  async commit(write: ThreadWrite): Promise<void> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    items.push({
      Put: {
        TableName: this.table,
        Item: threadItem(write.thread),
        ...(write.expectedVersion === null
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': write.expectedVersion } }),
      },
    });
    if (write.update) {
      items.push({
        Put: {
          TableName: this.table,
          Item: updateItem(write.update),
          ...(write.updateIsNew ? { ConditionExpression: 'attribute_not_exists(PK)' } : { ConditionExpression: 'attribute_exists(PK)' }),
        },
      });
    }
    items.push(...counterBumps(this.table, write.thread.scenario, write.thread.updatedAt));
    for (const event of write.events ?? []) {
      // Leased to this writer, which publishes right after the commit; others wait out the lease.
      items.push({ Put: { TableName: this.table, Item: outboxItem(event, Date.now() + OUTBOX_LEASE_MS) } });
    }
    const idem = write.idempotency;
    if (idem) items.push({ Put: completionPut(this.table, idem) });
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          throw write.expectedVersion === null ? new ThreadAlreadyExists() : new VersionConflict();
        }
        if (idem && reasons[reasons.length - 1]?.Code === 'ConditionalCheckFailed') throw new IdempotencyClaimLost();
        if (reasons.some((r) => r.Code === 'TransactionConflict')) throw new TransientConflict();
      }
      throw error;
    }
  }
}
