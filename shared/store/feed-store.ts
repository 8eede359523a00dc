import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Thread, Update } from '../domain/types';
import { INDEX, UPDATE_PREFIX, scenarioPk, threadPk } from './keys';
import { toThread, toUpdate } from './items';

/** The scenario item the scenarios feature writes (`SCENARIO#<id>` / `#SCENARIO`), as far as feeds need it. */
export interface ScenarioInfo {
  title: string | null;
  updatedAt: string | null;
}

/**
 * What the Atom feeds read. A thread's newest updates by recorded time are its partition's last
 * `UPDATE#<ulid>` items (a ULID starts with its recorded time). A scenario's threads come from the
 * scenario's update-time index (GSI8, newest first), page by page, so the feed can stop as soon as no
 * thread not yet seen can hold a newer update (docs/data-model.md, access pattern "feeds").
 */
export class FeedStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async newestUpdates(threadId: string, limit: number): Promise<Update[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :u)',
        ExpressionAttributeValues: { ':pk': threadPk(threadId), ':u': UPDATE_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toUpdate);
  }

  /** One page of a scenario's threads, most recently updated first. */
  async threadsByUpdate(
    scenario: string,
    limit: number,
    start?: Record<string, unknown>,
  ): Promise<{ threads: Thread[]; next?: Record<string, unknown> }> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.byScenarioUpdated,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': scenarioPk(scenario) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return { threads: Items.map(toThread), ...(LastEvaluatedKey ? { next: LastEvaluatedKey } : {}) };
  }

  async scenario(id: string): Promise<ScenarioInfo | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: scenarioPk(id), SK: '#SCENARIO' } }),
    );
    return Item
      ? {
          title: typeof Item.title === 'string' ? Item.title : null,
          updatedAt: typeof Item.updatedAt === 'string' ? Item.updatedAt : null,
        }
      : null;
  }
}
