import { queryAll } from './query-all';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { SOURCE_FIELDS, type FetchResult, type Source, type SourceStatus } from '../domain/sources';
import {
  INDEX,
  SOURCE_SHARDS,
  shardNumbers,
  sourceDuePk,
  sourceDueShard,
  sourceKey,
  sourcesScenarioPk,
} from './keys';
import { IdempotencyClaimLost } from './thread-store';

/**
 * News sources (contract 1.2; keys: ./keys.ts `sourceKey`, docs/data-model.md "Source"). Besides the
 * contract's fields an item keeps what polite polling needs: the validators of the last answer
 * (`etag`, `lastModified`, exactly as received) and when a fetch last started (`lastAttemptAt`, ms),
 * which is the once-a-minute guard and the lease of a fetch in one: a fetch is taken by moving it
 * (conditional), which touches no index; only recording the outcome moves the due key.
 */

/** What a fetch sends back: the validators of the last answer that gave them. */
export interface StoredValidators {
  etag: string | null;
  lastModified: string | null;
}

/** A source with what only polling reads. */
export type PolledSource = Source & StoredValidators;

/** The outcome of a fetch, as recorded on its source. */
export interface FetchRecord {
  fetchedAt: string;
  result: FetchResult;
  failures: number;
  nextFetchAt: string;
  /** The validators to send next time; undefined: keep those held. */
  validators?: StoredValidators;
}

/** Another fetch of this source started less than a minute ago (at `lastAttemptAt`, ms). */
export class SourceBusy extends Error {
  constructor(readonly lastAttemptAt: number) {
    super('fetched within the last minute');
  }
}

const dueKeys = (id: string, nextFetchAt: string) => ({
  GSI3PK: sourceDuePk(sourceDueShard(id)),
  GSI3SK: `${nextFetchAt}#${id}`,
});

export const sourceView = (item: Record<string, unknown>): Source =>
  Object.fromEntries(SOURCE_FIELDS.map((f) => [f, item[f] ?? null])) as unknown as Source;

const polled = (item: Record<string, unknown>): PolledSource => ({
  ...sourceView(item),
  etag: (item.etag as string | undefined) ?? null,
  lastModified: (item.lastModified as string | undefined) ?? null,
});

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class SourceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** A new source, active and due at its `nextFetchAt`. */
  async create(source: Source, idempotency?: IdempotencyCompletion): Promise<void> {
    const put = {
      TableName: this.table,
      Item: {
        ...sourceKey(source.id),
        GSI1PK: sourcesScenarioPk(source.scenario),
        GSI1SK: source.id,
        ...(source.status === 'active' ? dueKeys(source.id, source.nextFetchAt) : {}),
        ...source,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    if (!idempotency) {
      await this.db.send(new PutCommand(put));
      return;
    }
    // With the idempotency record's completion, so a replay finds the source this write made.
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: put }, { Put: completionPut(this.table, idempotency) }],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      )
        throw new IdempotencyClaimLost();
      throw error;
    }
  }

  async get(id: string, consistent = false): Promise<PolledSource | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: sourceKey(id), ConsistentRead: consistent }),
    );
    return Item ? polled(Item) : null;
  }

  /** A scenario's sources, oldest first (ids are ULIDs): one Query of GSI1 per page of DynamoDB's. */
  async list(scenario: string): Promise<Source[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': sourcesScenarioPk(scenario) },
    });
    return items.map(sourceView);
  }

  /**
   * Change title, interval or status. Pausing takes the source out of the due index; resuming puts
   * it back at its `nextFetchAt` (a new one when given). The source after, or null when it is gone.
   */
  async patch(
    id: string,
    change: { title?: string | null; intervalMinutes?: number; status?: SourceStatus; nextFetchAt?: string },
  ): Promise<Source | null> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    let remove = '';
    if (change.status === 'paused') remove = ' REMOVE GSI3PK, GSI3SK';
    if (change.status === 'active') {
      if (!change.nextFetchAt) throw new Error('resuming a source names its next fetch');
      const keys = dueKeys(id, change.nextFetchAt);
      sets.push('GSI3PK = :duePk', 'GSI3SK = :dueSk');
      values[':duePk'] = keys.GSI3PK;
      values[':dueSk'] = keys.GSI3SK;
    }
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sourceKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${remove}`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? sourceView(Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  /** Remove a source (its inbox items stay); false when there was none. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: sourceKey(id),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Take the source for one fetch at `nowMs`: only if no fetch started within `gapMs` (SourceBusy
   * otherwise, with when the last one started); null when the source is gone. One conditional
   * UpdateItem of an attribute no index holds.
   */
  async claim(id: string, nowMs: number, gapMs: number): Promise<PolledSource | null> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sourceKey(id),
          UpdateExpression: 'SET lastAttemptAt = :now',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(lastAttemptAt) OR lastAttemptAt <= :since)',
          ExpressionAttributeValues: { ':now': nowMs, ':since': nowMs - gapMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? polled(Attributes) : null;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: sourceKey(id), ConsistentRead: true }),
      );
      if (!Item) return null;
      throw new SourceBusy(Number(Item.lastAttemptAt));
    }
  }

  /**
   * Record a fetch's outcome: the contract's fields, the validators, and — while the source is
   * active — its new place in the due index. A source paused meanwhile keeps out of the index; one
   * deleted meanwhile stays deleted. The source after, or null when it is gone.
   */
  async record(id: string, r: FetchRecord): Promise<Source | null> {
    const values: Record<string, unknown> = {
      ':at': r.fetchedAt,
      ':result': r.result,
      ':failures': r.failures,
      ':next': r.nextFetchAt,
    };
    const sets = [
      'lastFetchedAt = :at',
      'lastResult = :result',
      'failures = :failures',
      'nextFetchAt = :next',
    ];
    if (r.validators) {
      sets.push('etag = :etag', 'lastModified = :lastModified');
      values[':etag'] = r.validators.etag;
      values[':lastModified'] = r.validators.lastModified;
    }
    const keys = dueKeys(id, r.nextFetchAt);
    const update = (active: boolean) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sourceKey(id),
          UpdateExpression: `SET ${[...sets, ...(active ? ['GSI3PK = :duePk', 'GSI3SK = :dueSk'] : [])].join(', ')}`,
          ConditionExpression: active ? '#status = :active' : 'attribute_exists(PK)',
          ExpressionAttributeNames: active ? { '#status': 'status' } : undefined,
          ExpressionAttributeValues: active
            ? { ...values, ':duePk': keys.GSI3PK, ':dueSk': keys.GSI3SK, ':active': 'active' }
            : values,
          ReturnValues: 'ALL_NEW',
        }),
      );
    try {
      return sourceView((await update(true)).Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      return sourceView((await update(false)).Attributes!);
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  /** The ids of active sources due at `nowMs`, earliest first within each shard, up to `limitPerShard` each. */
  async due(nowMs: number, limitPerShard = 100): Promise<string[]> {
    const shards = await Promise.all(
      shardNumbers(SOURCE_SHARDS).map((n) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.byDue,
            // '$' sorts right after '#': every due time ≤ now.
            KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK < :upper',
            ExpressionAttributeValues: {
              ':pk': sourceDuePk(n),
              ':upper': `${new Date(nowMs).toISOString()}$`,
            },
            Limit: limitPerShard,
          }),
        ),
      ),
    );
    return shards
      .flatMap(({ Items = [] }) => Items.map((i) => String(i.GSI3SK)))
      .sort()
      .map((key) => key.slice(key.indexOf('#') + 1));
  }
}
