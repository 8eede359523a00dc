import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TrackerEvent } from '../domain/event';
import { OUTBOX_SHARDS, outboxKey, outboxShardPk, shardNumbers } from './keys';

/**
 * Notifications are written to the outbox in the same transaction as the change that causes them,
 * then published and removed. A lease keeps two deliverers from publishing one event at once; an
 * event whose publish failed stays until a later drain (the stale check runs one) delivers it.
 *
 * The outbox is sharded by thread (`OUTBOX#<n>`, docs/data-model.md): writes to different threads
 * never queue on one partition key, and a drain reads every shard.
 */
export const OUTBOX_LEASE_MS = 30_000;

export const outboxItem = (event: TrackerEvent, leaseUntil: number) => ({
  ...outboxKey(event),
  event,
  leaseUntil,
});

/** What identifies an outbox item: the event's id, and its thread (which picks the shard). */
type EventRef = Pick<TrackerEvent, 'id' | 'threadId'>;

export class OutboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Events waiting in the outbox: up to `limitPerShard` from each shard, oldest first within a shard. */
  async pending(limitPerShard = 100): Promise<{ event: TrackerEvent; leaseUntil: number }[]> {
    const shards = await Promise.all(
      shardNumbers(OUTBOX_SHARDS).map((n) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': outboxShardPk(n) },
            ConsistentRead: true,
            Limit: limitPerShard,
          }),
        ),
      ),
    );
    // Event ids are ULIDs: sorting by id delivers the oldest first across shards.
    return shards
      .flatMap(({ Items = [] }) =>
        Items.map((i) => ({ event: i.event as TrackerEvent, leaseUntil: Number(i.leaseUntil ?? 0) })),
      )
      .sort((a, b) => (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  }

  /** Take the lease on an event; false when someone else holds a live lease or it is gone. */
  async claim(event: EventRef, now: number, leaseMs = OUTBOX_LEASE_MS): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: outboxKey(event),
          UpdateExpression: 'SET leaseUntil = :until',
          ConditionExpression: 'attribute_exists(PK) AND leaseUntil < :now',
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Give up the lease after a failed publish, so the very next drain may retry. */
  async release(event: EventRef): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: outboxKey(event),
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async remove(event: EventRef): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: outboxKey(event) }));
  }
}
