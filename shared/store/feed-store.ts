import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Thread, Update } from '../domain/types';
import { INDEX, UPDATE_PREFIX, scenarioPk, threadPk, updatedSkHour } from './keys';
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

  /**
   * One page of a scenario's threads, most recently updated first. The index orders by the hour of
   * the update time, then id (keys.ts#updatedSk): a page ends on a whole hour (it reads the rest of
   * its last hour) and is sorted by `updatedAt`, so every thread a later page holds was updated
   * before every thread of this one — what the feed's stop rule relies on.
   */
  async threadsByUpdate(
    scenario: string,
    limit: number,
    start?: Record<string, unknown>,
  ): Promise<{ threads: Thread[]; next?: Record<string, unknown> }> {
    const before = typeof start?.before === 'string' ? start.before : undefined;
    const query = (condition: string, values: Record<string, unknown>, max?: number) =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byScenarioUpdated,
          KeyConditionExpression: `GSI1PK = :pk${condition}`,
          ExpressionAttributeValues: { ':pk': scenarioPk(scenario), ...values },
          ScanIndexForward: false,
          ...(max ? { Limit: max } : {}),
        }),
      );
    const first = await query(before ? ' AND USK < :before' : '', before ? { ':before': before } : {}, limit);
    const items = [...(first.Items ?? [])];
    let next: Record<string, unknown> | undefined;
    const last = items[items.length - 1];
    if (first.LastEvaluatedKey && last) {
      // The rest of the last item's hour (a thread's keys of one hour are few: those written in it).
      const hourFloor = `${updatedSkHour(String(last.USK))}#`;
      let rest: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.byScenarioUpdated,
            KeyConditionExpression: 'GSI1PK = :pk AND USK BETWEEN :floor AND :last',
            ExpressionAttributeValues: {
              ':pk': scenarioPk(scenario),
              ':floor': hourFloor,
              ':last': last.USK,
            },
            ScanIndexForward: false,
            ExclusiveStartKey: rest ?? { PK: last.PK, SK: last.SK, GSI1PK: last.GSI1PK, USK: last.USK },
          }),
        );
        items.push(...(page.Items ?? []));
        rest = page.LastEvaluatedKey;
      } while (rest);
      next = { before: hourFloor };
    }
    const threads = items
      .map(toThread)
      .sort((a, b) =>
        a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1,
      );
    return { threads, ...(next ? { next } : {}) };
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
