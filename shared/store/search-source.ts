import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChangeStore } from './change-store';
import {
  INDEX,
  SCENARIOS_LIST_PK,
  UPDATE_PREFIX,
  draftsScope,
  scenarioPk,
  threadPk,
  threadKey,
  updateKey,
} from './keys';
import { queryAll } from './query-all';
import { threadsOfListings } from './thread-batch';

/**
 * What the search views (shared/app/search-views.ts) read of the table: no index of their own — the
 * thread and update items themselves, a scenario's threads from its list partition (GSI1), and what
 * was written since from the changes feed's carriers (ChangeStore.writesSince). Only the fields a
 * document is made of travel (docs/architecture.md, "Search").
 */

const THREAD_FIELDS = ['id', 'scenario', 'title', 'summary', 'keywords'];
const UPDATE_FIELDS = ['SK', 'summary', 'quotes', 'sources', 'retracted', 'draft'];
const DRAFT_FIELDS = ['id', 'threadId', 'summary', 'quotes', 'sources', 'draft'];
const BATCH_GET = 100;

const projection = (fields: readonly string[]) => ({
  ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
});

export class SearchSource {
  readonly changes: ChangeStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.changes = new ChangeStore(db, table);
  }

  /** Every scenario's id: the scenarios' list partition (GSI1; scenarios are few). */
  async scenarioIds(): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': SCENARIOS_LIST_PK },
      ProjectionExpression: 'id',
    });
    return items.map((i) => String(i.id));
  }

  /**
   * A scenario's thread items, their searchable fields: its GSI1 partition (listing items), then the
   * threads by key (thread-batch.ts).
   */
  async scenarioThreads(scenario: string): Promise<Record<string, unknown>[]> {
    const listed = await this.listPartition(scenarioPk(scenario), ['SK', ...THREAD_FIELDS]);
    return threadsOfListings(this.db, this.table, listed, projection(THREAD_FIELDS));
  }

  /** A scenario's waiting drafts, their searchable fields: its drafts queue (GSI1's sparse drafts scope). */
  waitingDrafts(scenario: string): Promise<Record<string, unknown>[]> {
    return this.listPartition(draftsScope(scenario), DRAFT_FIELDS);
  }

  /** Every item of one GSI1 partition, these fields of each. */
  private listPartition(pk: string, fields: readonly string[]): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ...projection(fields),
    });
  }

  /** A thread's update items, their searchable fields (one Query of its partition's updates, consistent). */
  async threadUpdates(threadId: string): Promise<Record<string, unknown>[]> {
    const p = projection(UPDATE_FIELDS);
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :u)',
      ExpressionAttributeValues: { ':pk': threadPk(threadId), ':u': UPDATE_PREFIX },
      ProjectionExpression: p.ProjectionExpression,
      ExpressionAttributeNames: { ...p.ExpressionAttributeNames, '#pk': 'PK', '#sk': 'SK' },
      ConsistentRead: true,
    });
  }

  /**
   * Thread items and update items by key, consistent (a carrier just read names a write that has
   * committed: an eventually consistent read could still return the item before it). Missing ones
   * are left out; each item comes with its PK and SK.
   */
  async items(
    threads: readonly string[],
    updates: readonly { threadId: string; updateId: string }[],
  ): Promise<Record<string, unknown>[]> {
    const keys = [...threads.map(threadKey), ...updates.map((u) => updateKey(u.threadId, u.updateId))];
    const p = projection([...new Set(['PK', 'SK', ...THREAD_FIELDS, ...UPDATE_FIELDS])]);
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET);
      while (pending.length > 0) {
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true, ...p } },
          }),
        );
        out.push(...(Responses?.[this.table] ?? []));
        pending = (UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return out;
  }
}
