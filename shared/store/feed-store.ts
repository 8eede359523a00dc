import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Thread, Update } from '../domain/types';
import { UPDATE_PREFIX, scenarioPk, threadPk } from './keys';
import { toThread, toUpdate } from './items';
import { ChangeStore } from './change-store';
import { getThreadItems } from './thread-batch';

/** The scenario item the scenarios feature writes (`SCENARIO#<id>` / `#SCENARIO`), as far as feeds need it. */
export interface ScenarioInfo {
  title: string | null;
  updatedAt: string | null;
}

/**
 * What the Atom feeds read. A thread's newest updates by recorded time are its partition's last
 * `UPDATE#<ulid>` items (a ULID starts with its recorded time). A scenario's threads come from the
 * scenario's changes feed (GSI12, newest write first), page by page, so the feed can stop as soon as
 * no thread not yet seen can hold a newer update (docs/data-model.md, access pattern "feeds").
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
   * One page of a scenario's live threads, most recently updated first: the threads its changes
   * feed's carriers name, newest write first (ChangeStore.threadsByNewestWrite: every thread write
   * leaves one), read by key and sorted by `updatedAt`. A thread's `updatedAt` is its newest write's
   * time, so a thread first named on a later page was updated before every thread of this one — what
   * the feed's stop rule relies on; a thread named again there (an older write) is one the caller has
   * seen already.
   */
  async threadsByUpdate(
    scenario: string,
    limit: number,
    start?: Record<string, unknown>,
  ): Promise<{ threads: Thread[]; next?: Record<string, unknown>; olderThan?: string }> {
    const before = typeof start?.before === 'string' ? start.before : undefined;
    const page = await new ChangeStore(this.db, this.table).threadsByNewestWrite(scenario, limit, before);
    const threads = (await getThreadItems(this.db, this.table, page.threadIds))
      .map(toThread)
      .filter((t) => t.scenario === scenario && !t.archived)
      .sort((a, b) =>
        a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1,
      );
    return {
      threads,
      // Threads first named on later pages were updated at or before this page's oldest write.
      ...(page.next !== undefined
        ? { next: { before: page.next }, olderThan: new Date(page.oldestMs!).toISOString() }
        : {}),
    };
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
