import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  LIVE_LIMITS,
  LiveSubscriptionLimitError,
  messageWindow,
  targetKey,
  type LiveTarget,
} from '../domain/live-protocol';
import { LIVE_SHARDS, liveConnectionKey, liveSubscriptionKey, liveTargetPk, shardNumbers } from './keys';
import { TTL_ATTRIBUTE } from './table';

/**
 * Live WebSocket connections of the cloud (API Gateway WebSocket API) in the one table: the
 * connection's item (`LIVE#CONN#<id>`: its token's subject, the targets it follows) and one item per
 * subscription under the target (`LIVE#<target>#<shard>`, sort key the connection id), which is what
 * the fan-out Queries. Every item carries `expiresAt` (DynamoDB TTL): API Gateway closes a connection
 * after 10 minutes without a client message and after 2 hours in all, and its `$disconnect` is best
 * effort, so items outlive a connection by at most LIVE_TTL_GRACE_MS and a read skips expired ones.
 * Implements the LiveRegistry port of shared/app/live.ts.
 */

/** API Gateway's idle timeout: no client message for this long and it closes the connection. */
export const LIVE_IDLE_MS = 10 * 60_000;
/** API Gateway's longest connection. */
export const LIVE_MAX_MS = 2 * 3_600_000;
/** Items live this much longer than the connection may, so a live connection never reads as expired. */
export const LIVE_TTL_GRACE_MS = 2 * 60_000;
/** A client message refreshes the items' expiry at most this often (each refresh writes every item). */
export const LIVE_REFRESH_MS = 60_000;

export interface ConnectionRecord {
  connectionId: string;
  subject: string;
  name: string;
  connectedAt: number;
  lastSeenAt: number;
  targets: string[];
}

/** Epoch seconds at which the items of a connection may go: idle or too old, whichever comes first. */
export const liveExpiry = (connectedAt: number, lastSeenAt: number): number =>
  Math.ceil((Math.min(lastSeenAt + LIVE_IDLE_MS, connectedAt + LIVE_MAX_MS) + LIVE_TTL_GRACE_MS) / 1000);

export class ConnectionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** $connect: the connection, with the subject and name of the token its authorizer accepted. */
  async connect(connection: { connectionId: string; subject: string; name: string }, nowMs: number) {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...liveConnectionKey(connection.connectionId),
          ...connection,
          connectedAt: nowMs,
          lastSeenAt: nowMs,
          // The authorizer has just found the token valid.
          tokenCheckedAt: nowMs,
          [TTL_ATTRIBUTE]: liveExpiry(nowMs, nowMs),
        },
      }),
    );
  }

  async get(connectionId: string): Promise<ConnectionRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: liveConnectionKey(connectionId), ConsistentRead: true }),
    );
    return Item ? record(Item) : null;
  }

  /**
   * Count a client message (the rule of countMessage, done by DynamoDB so that concurrent messages
   * on one connection, handled by different function instances, are all counted): one UpdateItem
   * that adds one to the count of the current window while it is under the limit; refused, the item
   * it returns tells a full window (not admitted) from an older one (start the window at 1) or a gone
   * connection (null).
   */
  async admit(
    connectionId: string,
    nowMs: number,
  ): Promise<{ admitted: boolean; tokenCheckedAt: number } | null> {
    const window = messageWindow(nowMs);
    let counted = await this.countIn(connectionId, window);
    if (counted.item === null) return null;
    // The first message of a window (or of the connection): start the window at 1.
    if (!counted.done && Number(counted.item.msgWindow ?? -1) < window) {
      const started = await this.startWindow(connectionId, window);
      if (started === null) return null;
      // Another message started this window at the same moment: count in it.
      counted = started ? { done: true, item: counted.item } : await this.countIn(connectionId, window);
      if (counted.item === null) return null;
    }
    const tokenCheckedAt = Number(counted.item.tokenCheckedAt ?? 0);
    // Not counted in a later window than ours (another instance's clock is a moment ahead, at a
    // window's turn): let the message through rather than close a connection over clock skew.
    const full = !counted.done && Number(counted.item.msgWindow) === window;
    return { admitted: !full, tokenCheckedAt };
  }

  private async countIn(
    connectionId: string,
    window: number,
  ): Promise<{ done: boolean; item: Record<string, unknown> | null }> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'ADD msgCount :one',
          ConditionExpression: 'attribute_exists(PK) AND msgWindow = :w AND msgCount < :max',
          ExpressionAttributeValues: { ':one': 1, ':w': window, ':max': LIVE_LIMITS.messagesPerWindow },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { done: true, item: Attributes ?? null };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The item as it was, in DynamoDB's own attribute format (the document client leaves it so).
      return { done: false, item: error.Item ? unmarshall(error.Item) : null };
    }
  }

  /** The first message of a window: true when counted, false when another one started it, null when gone. */
  private async startWindow(connectionId: string, window: number): Promise<boolean | null> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'SET msgWindow = :w, msgCount = :one',
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(msgWindow) OR msgWindow < :w)',
          ExpressionAttributeValues: { ':one': 1, ':w': window },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? false : null;
    }
  }

  /** The connection's token was found valid: no client message checks it again for a while. */
  async tokenChecked(connectionId: string, nowMs: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'SET tokenCheckedAt = :now',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async subscribe(connectionId: string, target: LiveTarget, nowMs: number): Promise<boolean> {
    const key = targetKey(target);
    let connection: ConnectionRecord;
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'ADD targets :t SET lastSeenAt = :now',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(targets) OR contains(targets, :key) OR size(targets) < :max)',
          ExpressionAttributeValues: {
            ':t': new Set([key]),
            ':key': key,
            ':now': nowMs,
            ':max': LIVE_LIMITS.subscriptionsPerConnection,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      connection = record(Attributes!);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return false;
      throw new LiveSubscriptionLimitError(
        `A connection holds at most ${LIVE_LIMITS.subscriptionsPerConnection} subscriptions; unsubscribe from one first.`,
      );
    }
    // A subscription is a client message too: the connection's expiry moves on with it.
    const expiresAt = liveExpiry(connection.connectedAt, nowMs);
    await Promise.all([
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...liveSubscriptionKey(key, connectionId),
            connectionId,
            subject: connection.subject,
            [TTL_ATTRIBUTE]: expiresAt,
          },
        }),
      ),
      this.expire(liveConnectionKey(connectionId), expiresAt),
    ]);
    return true;
  }

  async unsubscribe(connectionId: string, target: LiveTarget): Promise<void> {
    const key = targetKey(target);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'DELETE targets :t',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':t': new Set([key]) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: liveSubscriptionKey(key, connectionId) }),
    );
  }

  /**
   * A client message: push the expiry of the connection and of each subscription on. At most once a
   * LIVE_REFRESH_MS (the condition), so a chatty client costs one conditional write per message.
   */
  async touch(connectionId: string, nowMs: number): Promise<void> {
    let connection: ConnectionRecord;
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: liveConnectionKey(connectionId),
          UpdateExpression: 'SET lastSeenAt = :now',
          ConditionExpression: 'attribute_exists(PK) AND lastSeenAt <= :stale',
          ExpressionAttributeValues: { ':now': nowMs, ':stale': nowMs - LIVE_REFRESH_MS },
          ReturnValues: 'ALL_NEW',
        }),
      );
      connection = record(Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
    const expiresAt = liveExpiry(connection.connectedAt, nowMs);
    await Promise.all([
      this.expire(liveConnectionKey(connectionId), expiresAt),
      ...connection.targets.map((t) => this.expire(liveSubscriptionKey(t, connectionId), expiresAt)),
    ]);
  }

  /** Set an item's expiry, if the item is still there (unsubscribed or disconnected meanwhile: nothing to do). */
  private async expire(Key: Record<string, string>, expiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'SET #ttl = :exp',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':exp': expiresAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The connections subscribed to a target and not expired: one Query per shard (no Scan). */
  async subscribersOf(
    target: LiveTarget,
    nowMs: number,
  ): Promise<{ connectionId: string; subject: string }[]> {
    const key = targetKey(target);
    const shards = await Promise.all(
      shardNumbers(LIVE_SHARDS).map(async (n) => {
        const found: { connectionId: string; subject: string }[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'PK = :pk',
              FilterExpression: '#ttl > :now',
              ProjectionExpression: 'connectionId, subject',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':pk': liveTargetPk(key, n), ':now': Math.floor(nowMs / 1000) },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of page.Items ?? [])
            found.push({ connectionId: String(item.connectionId), subject: String(item.subject) });
          start = page.LastEvaluatedKey;
        } while (start);
        return found;
      }),
    );
    return shards.flat();
  }

  /** $disconnect, a gone connection, a refused one: the connection item and every subscription item. */
  async remove(connectionId: string): Promise<void> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: liveConnectionKey(connectionId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    const targets = Attributes ? record(Attributes).targets : [];
    await Promise.all(
      targets.map((t) =>
        this.db.send(new DeleteCommand({ TableName: this.table, Key: liveSubscriptionKey(t, connectionId) })),
      ),
    );
  }
}

const record = (item: Record<string, unknown>): ConnectionRecord => ({
  connectionId: String(item.connectionId),
  subject: String(item.subject),
  name: String(item.name),
  connectedAt: Number(item.connectedAt),
  lastSeenAt: Number(item.lastSeenAt),
  targets: item.targets instanceof Set ? [...(item.targets as Set<string>)] : [],
});
