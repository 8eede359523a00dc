import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TrackerEvent } from '../events/event';
import { OUTBOX_PK, outboxKey } from './keys';

/**
 * Notifications are written to the outbox in the same transaction as the change that causes them,
 * then published and removed. A lease keeps two deliverers from publishing one event at once; an
 * event whose publish failed stays until a later drain (the stale check runs one) delivers it.
 */
export const OUTBOX_LEASE_MS = 30_000;

export const outboxItem = (event: TrackerEvent, leaseUntil: number) => ({ ...outboxKey(event.id), event, leaseUntil });

export class OutboxStore {
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string) {}

  async pending(limit = 100): Promise<{ event: TrackerEvent; leaseUntil: number }[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': OUTBOX_PK }, ConsistentRead: true, Limit: limit }),
    );
    return Items.map((i) => ({ event: i.event as TrackerEvent, leaseUntil: Number(i.leaseUntil ?? 0) }));
  }

  /** Take the lease on an event; false when someone else holds a live lease or it is gone. */
  async claim(eventId: string, now: number, leaseMs = OUTBOX_LEASE_MS): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: outboxKey(eventId),
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
  async release(eventId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.table, Key: outboxKey(eventId), UpdateExpression: 'SET leaseUntil = :zero', ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':zero': 0 } }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async remove(eventId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: outboxKey(eventId) }));
  }
}
