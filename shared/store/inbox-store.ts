import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { MAX_DUPLICATES, type InboxItem, type InboxState } from '../domain/inbox';
import type { Page } from './thread-store';
import type { TrackerEvent } from '../domain/event';
import { INDEX, inboxItemKey, inboxScenarioPk, inboxStatePk, inboxUrlKey } from './keys';
import { outboxItem } from './outbox-store';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { IdempotencyClaimLost } from './thread-store';

/** The item's fields in the contract's order: also the order of a response body. */
const FIELDS = [
  'id',
  'scenario',
  'source',
  'url',
  'title',
  'summary',
  'language',
  'publishedAt',
  'firstSeenAt',
  'outlet',
  'duplicates',
  'matches',
  'state',
  'decidedAt',
  'decidedBy',
  'updateId',
] as const satisfies readonly (keyof InboxItem)[];

const MATCH_FIELDS = [
  'threadId',
  'score',
  'suggestedStatus',
  'suggestedOccurredAt',
  'suggestedPrecision',
] as const;

/** An item as stored (or as built), in the contract's field order, nested matches included. */
export const inboxItemView = (stored: Record<string, unknown>): InboxItem => {
  const item = Object.fromEntries(FIELDS.map((f) => [f, stored[f] ?? null])) as unknown as InboxItem;
  return {
    ...item,
    duplicates: (stored.duplicates as string[] | undefined) ?? [],
    matches: ((stored.matches as Record<string, unknown>[] | undefined) ?? []).map(
      (m) =>
        Object.fromEntries(
          MATCH_FIELDS.map((f) => [f, m[f] ?? null]),
        ) as unknown as InboxItem['matches'][number],
    ),
  };
};
/** An item as a response body presents it. */
export const inboxItemInOrder = (item: InboxItem): InboxItem =>
  inboxItemView(item as unknown as Record<string, unknown>);

/** A new item: the item, its near-copy signature (null: too short to compare) and its canonical URL. */
export interface NewInboxItem {
  item: InboxItem;
  signature: string | null;
  canonicalUrl: string;
  /** Its notification (InboxItemArrived), committed with it in the outbox. */
  events?: readonly TrackerEvent[];
}

/** Another item already holds this canonical URL (an arrival that raced ours). */
export class InboxUrlTaken extends Error {}
/** The item was decided by someone else meanwhile (or does not exist). */
export class InboxItemDecided extends Error {}

/** The write that records an item's decision; it goes into the thread write's transaction on accept. */
export interface InboxDecision {
  id: string;
  scenario: string;
  state: Exclude<InboxState, 'new'>;
  decidedAt: string;
  decidedBy: string;
  updateId: string | null;
  reason?: string | null;
}

/** The thread ids an item matched, for the `threadId` filter of a list. */
const MATCHED = 'matchedThreads';

export class InboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string, consistent = false): Promise<InboxItem | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: inboxItemKey(id), ConsistentRead: consistent }),
    );
    return Item ? inboxItemView(Item) : null;
  }

  /** The item holding a canonical URL (its own or a duplicate's), if any: one GetItem, then the item. */
  async findByUrl(scenario: string, canonicalUrl: string): Promise<InboxItem | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: inboxUrlKey(scenario, canonicalUrl),
        ConsistentRead: true,
      }),
    );
    return Item ? this.get(String(Item.itemId), true) : null;
  }

  /**
   * The newest items of a scenario, whatever their state, with their signatures: what a new entry is
   * compared with for near copies. One Query of GSI2, `window` items at most.
   */
  async recentSignatures(scenario: string, window: number): Promise<{ id: string; signature: string }[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.allThreads,
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': inboxScenarioPk(scenario) },
        ProjectionExpression: 'id, signature',
        ScanIndexForward: false,
        Limit: window,
      }),
    );
    return Items.filter((i) => typeof i.signature === 'string').map((i) => ({
      id: String(i.id),
      signature: String(i.signature),
    }));
  }

  /** Writes a new item and claims its URL, together; InboxUrlTaken when another item holds the URL. */
  async create({ item, signature, canonicalUrl, events = [] }: NewInboxItem): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...inboxItemKey(item.id),
                  GSI1PK: inboxStatePk(item.scenario, item.state),
                  GSI1SK: item.id,
                  GSI2PK: inboxScenarioPk(item.scenario),
                  GSI2SK: item.id,
                  ...item,
                  ...(signature ? { signature } : {}),
                  [MATCHED]: item.matches.map((m) => m.threadId),
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...inboxUrlKey(item.scenario, canonicalUrl), itemId: item.id },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            // Leased to this writer like a thread write's events; the relay publishes them from the stream.
            ...events.map((event) => ({
              Put: { TableName: this.table, Item: outboxItem(event, Date.now()) },
            })),
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      )
        throw new InboxUrlTaken();
      throw error;
    }
  }

  /**
   * Adds a URL to an item's duplicates and claims it, together; the item as it is after. A URL
   * another item claimed meanwhile is not added (InboxUrlTaken); past MAX_DUPLICATES the URL is
   * claimed (it finds this item again) but not listed.
   */
  async addDuplicate(id: string, scenario: string, url: string, canonicalUrl: string): Promise<InboxItem> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: inboxItemKey(id),
                UpdateExpression: 'SET duplicates = list_append(duplicates, :url)',
                ConditionExpression: 'attribute_exists(PK) AND size(duplicates) < :max',
                ExpressionAttributeValues: { ':url': [url], ':max': MAX_DUPLICATES },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...inboxUrlKey(scenario, canonicalUrl), itemId: id },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [item, claim] = error.CancellationReasons ?? [];
      if (claim?.Code === 'ConditionalCheckFailed') throw new InboxUrlTaken();
      if (item?.Code !== 'ConditionalCheckFailed') throw error;
      // Full: the URL still finds this item, it is just not listed again.
      await this.db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...inboxUrlKey(scenario, canonicalUrl), itemId: id },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        )
        .catch(() => undefined);
    }
    const after = await this.get(id, true);
    if (!after) throw new Error(`inbox item ${id} vanished`);
    return after;
  }

  /**
   * Lists another spelling of an item's own link (the same canonical URL, already claimed by the
   * item) among its duplicates, once; the item as it is after. Past MAX_DUPLICATES it is not listed.
   */
  async addSpelling(id: string, url: string): Promise<InboxItem> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: inboxItemKey(id),
          UpdateExpression: 'SET duplicates = list_append(duplicates, :url)',
          ConditionExpression:
            'attribute_exists(PK) AND size(duplicates) < :max AND NOT contains(duplicates, :one)',
          ExpressionAttributeValues: { ':url': [url], ':one': url, ':max': MAX_DUPLICATES },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return inboxItemView(Attributes!);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
      const now = await this.get(id, true);
      if (!now) throw new Error(`inbox item ${id} vanished`, { cause: error });
      return now;
    }
  }

  /**
   * A scenario's items in one state, newest first: one Query of GSI1 (O(page)). With `threadId`, only
   * items that matched that thread: a filter on the page read, so such a page may come back short
   * (with a `lastKey` to go on from) when few items match.
   */
  async list(
    scenario: string,
    state: InboxState,
    limit: number,
    startKey?: Record<string, unknown>,
    threadId?: string,
  ): Promise<Page<InboxItem>> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.byScenario,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: {
          ':pk': inboxStatePk(scenario, state),
          ...(threadId !== undefined ? { ':t': threadId } : {}),
        },
        ...(threadId !== undefined
          ? { FilterExpression: 'contains(#m, :t)', ExpressionAttributeNames: { '#m': MATCHED } }
          : {}),
        ScanIndexForward: false,
        Limit: threadId !== undefined ? limit : limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = Items.slice(0, limit);
    const last = items[items.length - 1];
    const more = Items.length > limit || LastEvaluatedKey !== undefined;
    const lastKey = !more
      ? undefined
      : last && Items.length > limit
        ? { PK: last.PK, SK: last.SK, GSI1PK: last.GSI1PK, GSI1SK: last.GSI1SK }
        : LastEvaluatedKey;
    return { items: items.map(inboxItemView), lastKey };
  }

  /**
   * The decision's write: the item leaves the `new` partition of GSI1 for its state's, and only if it
   * is still new. Accepting puts this into the thread write's transaction (ThreadWrite.also), so the
   * update and the decision land together or not at all.
   */
  decisionUpdate(d: InboxDecision) {
    return {
      Update: {
        TableName: this.table,
        Key: inboxItemKey(d.id),
        UpdateExpression:
          'SET #state = :state, decidedAt = :at, decidedBy = :by, updateId = :update, GSI1PK = :pk, dismissReason = :reason',
        ConditionExpression: 'attribute_exists(PK) AND #state = :new',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': d.state,
          ':at': d.decidedAt,
          ':by': d.decidedBy,
          ':update': d.updateId,
          ':pk': inboxStatePk(d.scenario, d.state),
          ':reason': d.reason ?? null,
          ':new': 'new',
        },
      },
    };
  }

  /**
   * Dismisses an item: InboxItemDecided when it is no longer new. With an idempotency completion,
   * the decision and the key's record commit together (IdempotencyClaimLost when the claim is gone).
   */
  async dismiss(d: InboxDecision, idempotency?: IdempotencyCompletion): Promise<InboxItem> {
    if (idempotency) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [this.decisionUpdate(d), { Put: completionPut(this.table, idempotency) }],
          }),
        );
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [decision, claim] = error.CancellationReasons ?? [];
        if (decision?.Code === 'ConditionalCheckFailed') throw new InboxItemDecided();
        if (claim?.Code === 'ConditionalCheckFailed') throw new IdempotencyClaimLost();
        throw error;
      }
      const after = await this.get(d.id, true);
      if (!after) throw new InboxItemDecided();
      return after;
    }
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({ ...this.decisionUpdate(d).Update, ReturnValues: 'ALL_NEW' }),
      );
      return inboxItemView(Attributes!);
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException')
        throw new InboxItemDecided();
      throw error;
    }
  }
}
