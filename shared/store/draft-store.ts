import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Draft } from '../domain/types';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { draftItem, toDraft } from './items';
import { DRAFT_PREFIX, INDEX, PUBLISHED_AS, draftKey, draftsScope, threadPk } from './keys';
import { IdempotencyClaimLost, type Page, type TransactPart } from './thread-store';

/**
 * Drafts (contract 1.2 "Drafts"): one item each, `DRAFT#<ulid>` in its thread's partition
 * (keys.ts). Nothing that reads a thread's history asks for that prefix, so a draft changes no view
 * and no fold; no outbox item is written with it, so it notifies nobody. Published, the item stays
 * as a marker (`publishedAs`: the update it became) so a second publish or a discard is told it is
 * no longer a draft; it then leaves the scenario's queue (its GSI1 keys are removed).
 */

/** What a stored draft item is: waiting, or already published (as the update `publishedAs`). */
export type StoredDraft = { draft: Draft; publishedAs: string | null };

export class DraftStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Store a new draft, with the idempotency record it completes (if any) and one more write (`also`:
   * an inbox item's decision) in the same transaction. One item (and its GSI1 entry): the thread
   * item is not written, so its version stays.
   */
  async put(
    draft: Draft,
    idempotency?: IdempotencyCompletion,
    also?: { write: TransactPart; refused: () => Error },
  ): Promise<void> {
    const parts: TransactPart[] = [
      {
        Put: {
          TableName: this.table,
          Item: draftItem(draft),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ];
    const completionAt = idempotency ? parts.push({ Put: completionPut(this.table, idempotency) }) - 1 : -1;
    // One more write that lands with the draft or not at all (an inbox item's decision).
    const alsoAt = also ? parts.push(also.write) - 1 : -1;
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: parts }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (completionAt >= 0 && reasons[completionAt]?.Code === 'ConditionalCheckFailed')
          throw new IdempotencyClaimLost();
        if (alsoAt >= 0 && reasons[alsoAt]?.Code === 'ConditionalCheckFailed') throw also!.refused();
      }
      throw error;
    }
  }

  /** A draft item, waiting or published (consistent: a publish or discard decides from it). */
  async get(threadId: string, draftId: string, consistent = true): Promise<StoredDraft | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: draftKey(threadId, draftId), ConsistentRead: consistent }),
    );
    if (!Item) return null;
    return { draft: toDraft(Item), publishedAs: (Item[PUBLISHED_AS] as string | undefined) ?? null };
  }

  /**
   * A thread's waiting drafts, newest first: one Query of its partition's `DRAFT#` range (published
   * markers filtered out: a thread has few drafts, and the filter reads only that range).
   */
  async listOfThread(
    threadId: string,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<Page<Draft>> {
    return this.page(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        FilterExpression: 'attribute_not_exists(#as)',
        ExpressionAttributeNames: { '#as': PUBLISHED_AS },
        ExpressionAttributeValues: { ':pk': threadPk(threadId), ':p': DRAFT_PREFIX },
        ConsistentRead: true,
      },
      limit,
      startKey,
    );
  }

  /** A scenario's waiting drafts, newest first: one Query of its sparse GSI1 scope, O(page). */
  async listOfScenario(
    scenario: string,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<Page<Draft>> {
    return this.page(
      {
        IndexName: INDEX.byScenario,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': draftsScope(scenario) },
      },
      limit,
      startKey,
    );
  }

  private async page(
    query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<Page<Draft>> {
    const items: Record<string, unknown>[] = [];
    let start = startKey;
    let more: boolean;
    // A filtered Query may return fewer than asked: read on until the page is full or the range ends.
    do {
      const page = await this.db.send(
        new QueryCommand({
          ...query,
          TableName: this.table,
          ScanIndexForward: false,
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
      more = items.length > limit || start !== undefined;
    } while (items.length <= limit && start !== undefined);
    const kept = items.slice(0, limit);
    const last = kept[kept.length - 1];
    const lastKey =
      more && last
        ? {
            PK: last.PK,
            SK: last.SK,
            ...(query.IndexName ? { GSI1PK: last.GSI1PK, GSI1SK: last.GSI1SK } : {}),
          }
        : undefined;
    return { items: kept.map(toDraft), ...(lastKey ? { lastKey } : {}) };
  }

  /** Discard a waiting draft; false when it was published (or discarded) meanwhile. */
  async discard(threadId: string, draftId: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: draftKey(threadId, draftId),
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#as)',
          ExpressionAttributeNames: { '#as': PUBLISHED_AS },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
