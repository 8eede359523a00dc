import { queryAll, queryPages } from './query-all';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { CountedThread, Scenario, ScenarioCounts } from '../domain/types';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { INDEX, SCENARIOS_LIST_PK, scenarioKey, scenarioPk } from './keys';
import { ChangeStore } from './change-store';
import { COUNTED_AT, scenarioItem, toScenario } from './items';
import { IdempotencyClaimLost, VersionConflict } from './thread-store';

/** The scenario we meant to create exists already. */
export class ScenarioAlreadyExists extends Error {}

/** A scenario item with the time its counts were computed (undefined: never counted). */
export interface ScenarioRecord {
  scenario: Scenario;
  countedAt: string | undefined;
}

export interface ScenarioPage {
  items: Scenario[];
  /** The id to resume after, or undefined at the end. */
  after?: string;
}

/** What a recount writes: new counts (bumping version and updatedAt), or only the time it counted. */
export interface CountsWrite {
  id: string;
  expectedVersion: number;
  countedAt: string;
  counts?: ScenarioCounts;
  now: string;
}

/**
 * Scenario items (`SCENARIO#<id>` / `#SCENARIO`, listed in GSI1 under `SCENARIOS`). No thread write
 * ever touches one in its transaction: counts are written by the recount only (shared/app/scenarios.ts).
 */
export class ScenarioStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string, consistent = false): Promise<ScenarioRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: scenarioKey(id), ConsistentRead: consistent }),
    );
    return Item ? { scenario: toScenario(Item), countedAt: Item[COUNTED_AT] as string | undefined } : null;
  }

  /** Create it, with the idempotency record's completion in the same transaction when there is one. */
  async create(scenario: Scenario, idempotency?: IdempotencyCompletion): Promise<void> {
    const put = {
      TableName: this.table,
      Item: scenarioItem(scenario),
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    if (!idempotency) {
      try {
        await this.db.send(new PutCommand(put));
        return;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new ScenarioAlreadyExists();
        throw error;
      }
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: put }, { Put: completionPut(this.table, idempotency) }],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new ScenarioAlreadyExists();
        if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new IdempotencyClaimLost();
      }
      throw error;
    }
  }

  /** Create it unless it exists: true when this call created it. */
  async createIfAbsent(scenario: Scenario): Promise<boolean> {
    try {
      await this.create(scenario);
      return true;
    } catch (error) {
      if (error instanceof ScenarioAlreadyExists) return false;
      throw error;
    }
  }

  /** Title, description, tags, keywords and `public`, conditional on the version read (VersionConflict otherwise). */
  async patch(next: Scenario, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: scenarioKey(next.id),
          UpdateExpression:
            'SET title = :title, description = :description, tags = :tags, keywords = :keywords, #public = :public, version = :next, updatedAt = :now',
          ConditionExpression: 'version = :v',
          // `public` is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#public': 'public' },
          ExpressionAttributeValues: {
            ':public': next.public,
            ':title': next.title,
            ':description': next.description,
            ':tags': next.tags,
            ':keywords': next.keywords,
            ':next': next.version,
            ':now': next.updatedAt,
            ':v': expectedVersion,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new VersionConflict();
      throw error;
    }
  }

  /**
   * Scenarios by id after `after`, `limit` of them, optionally only those tagged `tag`. The tag is a
   * filter on the list index: a tagged page reads the scenarios up to its last one (scenarios are
   * few; see docs/capacity.md). One more than asked tells whether a next page exists.
   */
  async list(limit: number, after?: string, tag?: string): Promise<ScenarioPage> {
    const found: Scenario[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byScenario,
          KeyConditionExpression: after !== undefined ? 'GSI1PK = :pk AND GSI1SK > :after' : 'GSI1PK = :pk',
          ExpressionAttributeValues: {
            ':pk': SCENARIOS_LIST_PK,
            ...(after !== undefined ? { ':after': after } : {}),
            ...(tag !== undefined ? { ':tag': tag } : {}),
          },
          ...(tag !== undefined ? { FilterExpression: 'contains(tags, :tag)' } : {}),
          // A filtered page skips untagged scenarios: read bigger steps rather than many round trips.
          Limit: tag !== undefined ? Math.max(limit + 1, 100) : limit + 1,
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(page.Items ?? []).map(toScenario));
      start = page.LastEvaluatedKey;
    } while (start && found.length <= limit);
    const items = found.slice(0, limit);
    return found.length > limit ? { items, after: items[items.length - 1]!.id } : { items };
  }

  /** Every scenario's id and countedAt: what the safety-net sweep walks (scenarios are few). */
  async *allCountedAt(): AsyncGenerator<{ id: string; countedAt: string | undefined }[]> {
    const pages = queryPages(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': SCENARIOS_LIST_PK },
      ProjectionExpression: 'id, #counted',
      ExpressionAttributeNames: { '#counted': COUNTED_AT },
    });
    for await (const items of pages)
      yield items.map((i) => ({ id: String(i.id), countedAt: i[COUNTED_AT] as string | undefined }));
  }

  /**
   * The scenario's threads, only what counting needs: a Query of its GSI1 partition (its threads,
   * by id), O(its threads). Eventually consistent, like every global index: see the recount's timing.
   */
  async countedThreads(id: string): Promise<CountedThread[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': scenarioPk(id) },
      ProjectionExpression: '#status, stale, overdue, archived',
      ExpressionAttributeNames: { '#status': 'status' },
    });
    return items.map((i) => ({
      status: String(i.status),
      stale: i.stale === true,
      overdue: i.overdue === true,
      archived: i.archived === true,
    }));
  }

  /**
   * When the scenario's threads were last written (archived ones included, and a thread that left
   * it): the time of its changes feed's newest carrier (every thread write leaves one), or undefined.
   */
  async latestThreadChange(id: string): Promise<string | undefined> {
    const ms = await new ChangeStore(this.db, this.table).latestWriteMs(id);
    return ms === undefined ? undefined : new Date(ms).toISOString();
  }

  /**
   * Write a recount's result. Conditional on the version read (the counts were compared with it) and
   * on no later recount having written already (`countedAt` only moves forward): of two recounts
   * racing, the one that started last wins. Returns false when either condition failed.
   */
  async saveCounts(w: CountsWrite): Promise<boolean> {
    const changed = w.counts
      ? {
          UpdateExpression:
            'SET threadCount = :tc, statusCounts = :sc, staleCount = :st, overdueCount = :oc, version = :next, updatedAt = :now, #counted = :counted',
          values: {
            ':tc': w.counts.threadCount,
            ':sc': w.counts.statusCounts,
            ':st': w.counts.staleCount,
            ':oc': w.counts.overdueCount,
            ':next': w.expectedVersion + 1,
            ':now': w.now,
          },
        }
      : { UpdateExpression: 'SET #counted = :counted', values: {} };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: scenarioKey(w.id),
          UpdateExpression: changed.UpdateExpression,
          ConditionExpression: 'version = :v AND (attribute_not_exists(#counted) OR #counted <= :counted)',
          ExpressionAttributeNames: { '#counted': COUNTED_AT },
          ExpressionAttributeValues: { ...changed.values, ':v': w.expectedVersion, ':counted': w.countedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
