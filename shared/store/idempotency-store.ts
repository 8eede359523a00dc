import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { idempotencyKey } from './keys';
import { TTL_ATTRIBUTE } from './table';
import type { StoredResponse } from './thread-store';

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'completed'; bodyHash: string; response: StoredResponse }
  | { kind: 'in_progress'; bodyHash: string };

/**
 * Idempotency records. A request first claims its key (a conditional put); the write it guards
 * completes the record inside the same transaction as the write itself, so a crash can never leave
 * a write without its record or the reverse. A claim whose request died expires after the lock
 * time; DynamoDB's TTL removes records a day later (and records past their TTL count as absent,
 * since TTL deletion lags).
 */
export class IdempotencyStore {
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string) {}

  async claim(keyHash: string, claimId: string, bodyHash: string, lockSeconds: number, ttlSeconds: number): Promise<ClaimResult> {
    const nowSec = Math.floor(Date.now() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...idempotencyKey(keyHash), state: 'in_progress', claimId, bodyHash, lockExpiresAt: nowSec + lockSeconds, [TTL_ATTRIBUTE]: nowSec + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(PK) OR #ttl < :now OR (#state = :inProgress AND lockExpiresAt < :now)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSec, ':inProgress': 'in_progress' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const old = unmarshallLoose(error.Item);
      if (old.state === 'completed') return { kind: 'completed', bodyHash: String(old.bodyHash), response: old.response as StoredResponse };
      return { kind: 'in_progress', bodyHash: String(old.bodyHash) };
    }
  }

  /** Give the key back after a failed request, so it may be corrected and retried. */
  async release(keyHash: string, claimId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: idempotencyKey(keyHash), ConditionExpression: 'claimId = :c AND #state = :inProgress', ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':c': claimId, ':inProgress': 'in_progress' } }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

// The exception carries the raw attribute map; the document client does not unmarshall it for us.
const unmarshallLoose = (item: Record<string, unknown>) => unmarshall(item as Parameters<typeof unmarshall>[0]) as Record<string, unknown>;
