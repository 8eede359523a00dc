import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TrackerEvent, TrackerEventType } from '../domain/event';
import {
  DELIVERY_SHARDS,
  INDEX,
  attemptLogPk,
  deliveryDuePk,
  deliveryDueShard,
  deliveryKey,
  shardNumbers,
  shardOf,
} from './keys';
import { TTL_ATTRIBUTE } from './table';

/**
 * Webhook delivery state, one item per subscription × event (`DELIVERY#<eventId>` / `SUB#<id>`):
 * the event itself, the attempts made, when the next is due. While pending it is in the sparse due
 * index — GSI3, the stale check's index, with keys of its own (`WEBHOOKDUE#<n>`, n a hash of event
 * and subscription) so no partition key takes every pending delivery. Claiming a delivery moves its
 * due key a lease ahead: a worker that dies mid-attempt leaves it due again when the lease ends, so
 * a crash only delays a delivery. A worker that attempts a delivery as soon as it fans it out
 * creates it already under that lease (`createHeld`): the same guarantee without a claim.
 *
 * Each attempt is also logged under the subscription (`SUBLOG#<id>#<n>`, sharded the same way) and
 * expires after ATTEMPT_LOG_DAYS; GET /subscriptions/{id} merges the shards' newest 50.
 */
export const DELIVERY_LEASE_MS = 30_000;
export const ATTEMPT_LOG_DAYS = 30;
/** Settled delivery items are kept this long (a late re-fan-out of the same event finds them and does not resend). */
export const SETTLED_DELIVERY_DAYS = 7;

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface DeliveryRef {
  eventId: string;
  subscriptionId: string;
}

/** A due delivery as the index gives it: which one, and the due key a claim is conditioned on. */
export interface DueDelivery extends DeliveryRef {
  dueKey: string;
}

export interface Delivery extends DeliveryRef {
  event: TrackerEvent;
  /** Attempts made so far. */
  attempt: number;
  state: DeliveryState;
  nextAttemptAt: string | null;
}

/** A delivery under a lease of ours: the due key our outcome is conditioned on. */
export type HeldDelivery = Delivery & { leaseKey: string };

/** What became of an attempt: due again at `retryAtMs`, or settled. */
export type DeliveryOutcome = { retryAtMs: number } | { state: Exclude<DeliveryState, 'pending'> };

/** One line of a subscription's delivery log, as GET /subscriptions/{id} shows it. */
export interface AttemptRecord {
  eventId: string;
  type: TrackerEventType;
  attempt: number;
  attemptedAt: string;
  responseStatus: number | null;
  error: string | null;
  delivered: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dueKeyOf = (atMs: number, ref: DeliveryRef) => `${iso(atMs)}#${ref.eventId}#${ref.subscriptionId}`;
const dueIndexKeys = (atMs: number, ref: DeliveryRef) => ({
  GSI3PK: deliveryDuePk(deliveryDueShard(ref.eventId, ref.subscriptionId)),
  GSI3SK: dueKeyOf(atMs, ref),
});
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

const toDelivery = (item: Record<string, unknown>): Delivery => ({
  eventId: String(item.eventId),
  subscriptionId: String(item.subscriptionId),
  event: item.event as TrackerEvent,
  attempt: Number(item.attempt ?? 0),
  state: item.state as DeliveryState,
  nextAttemptAt: (item.nextAttemptAt as string | undefined) ?? null,
});

export class DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * A pending delivery of `event` to a subscription, due at `dueMs`; false when it exists already
   * (an event fanned out twice — after a crash, or a redelivered queue message — is delivered once).
   */
  async create(event: TrackerEvent, subscriptionId: string, dueMs: number): Promise<boolean> {
    return (await this.put(event, subscriptionId, dueMs, dueMs)) !== null;
  }

  /**
   * A pending delivery created already claimed by its creator, for an attempt it makes at once: due
   * at `nowMs`, its due key a lease ahead (what a claim would have written). A creator that dies
   * before recording the attempt leaves it due again when the lease ends, as a claim does. Null when
   * it exists already (nothing to attempt: its first fan-out's worker has it).
   */
  async createHeld(event: TrackerEvent, subscriptionId: string, nowMs: number): Promise<HeldDelivery | null> {
    return await this.put(event, subscriptionId, nowMs, nowMs + DELIVERY_LEASE_MS);
  }

  private async put(
    event: TrackerEvent,
    subscriptionId: string,
    dueMs: number,
    keyMs: number,
  ): Promise<HeldDelivery | null> {
    const ref = { eventId: event.id, subscriptionId };
    const keys = dueIndexKeys(keyMs, ref);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...deliveryKey(event.id, subscriptionId),
            ...ref,
            event,
            attempt: 0,
            state: 'pending',
            nextAttemptAt: iso(dueMs),
            ...keys,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return {
        ...ref,
        event,
        attempt: 0,
        state: 'pending',
        nextAttemptAt: iso(dueMs),
        leaseKey: keys.GSI3SK,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** Deliveries due at `nowMs`, oldest first within each shard, up to `limitPerShard` from each. */
  async due(nowMs: number, limitPerShard = 100): Promise<DueDelivery[]> {
    const shards = await Promise.all(
      shardNumbers(DELIVERY_SHARDS).map((n) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.byDue,
            // '$' sorts right after '#': every due time ≤ now.
            KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK < :upper',
            ExpressionAttributeValues: { ':pk': deliveryDuePk(n), ':upper': `${iso(nowMs)}$` },
            Limit: limitPerShard,
          }),
        ),
      ),
    );
    return shards
      .flatMap(({ Items = [] }) => Items)
      .map((i) => {
        const dueKey = String(i.GSI3SK);
        const [, eventId, subscriptionId] = dueKey.split('#');
        return { eventId: eventId!, subscriptionId: subscriptionId!, dueKey };
      })
      .sort((a, b) => (a.dueKey < b.dueKey ? -1 : a.dueKey > b.dueKey ? 1 : 0));
  }

  /** The pending deliveries of one event (the cloud attempts them right after fanning it out). */
  async pendingOf(eventId: string): Promise<(Delivery & { dueKey: string })[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': deliveryKey(eventId, '').PK },
        ConsistentRead: true,
      }),
    );
    return Items.filter((i) => i.state === 'pending' && typeof i.GSI3SK === 'string').map((i) => ({
      ...toDelivery(i),
      dueKey: String(i.GSI3SK),
    }));
  }

  /**
   * Take a due delivery for one attempt: its due key moves a lease ahead, conditional on the key
   * seen, so of two workers only one attempts it. The delivery, or null when someone else took it.
   */
  async claim(due: DueDelivery, nowMs: number): Promise<HeldDelivery | null> {
    const lease = dueIndexKeys(nowMs + DELIVERY_LEASE_MS, due);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(due.eventId, due.subscriptionId),
          UpdateExpression: 'SET GSI3SK = :lease',
          ConditionExpression: 'GSI3SK = :seen',
          ExpressionAttributeValues: { ':lease': lease.GSI3SK, ':seen': due.dueKey },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? { ...toDelivery(Attributes), leaseKey: lease.GSI3SK } : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /**
   * Record the outcome of the attempt we hold the lease of: due again at `retryAtMs`, or settled
   * (`delivered`, `failed` after the last retry, `dropped` when its subscription is gone or not
   * active). A lease that ran out and was taken over loses quietly: the other worker records its own.
   */
  async settle(
    held: DeliveryRef & { leaseKey: string },
    attempt: number,
    outcome: DeliveryOutcome,
    nowMs: number,
  ): Promise<void> {
    const retry = 'retryAtMs' in outcome;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(held.eventId, held.subscriptionId),
          UpdateExpression: retry
            ? 'SET attempt = :attempt, nextAttemptAt = :next, GSI3SK = :due'
            : `SET attempt = :attempt, #state = :state, ${TTL_ATTRIBUTE} = :expires REMOVE nextAttemptAt, GSI3PK, GSI3SK`,
          ConditionExpression: 'GSI3SK = :held',
          ...(retry ? {} : { ExpressionAttributeNames: { '#state': 'state' } }),
          ExpressionAttributeValues: {
            ':attempt': attempt,
            ':held': held.leaseKey,
            ...(retry
              ? { ':next': iso(outcome.retryAtMs), ':due': dueKeyOf(outcome.retryAtMs, held) }
              : {
                  ':state': outcome.state,
                  ':expires': epochSeconds(nowMs) + SETTLED_DELIVERY_DAYS * 86_400,
                }),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Record an attempt of a delivery we hold the lease of: its log line, then its outcome — due
   * again at `retryAtMs`, or settled (`delivered`, `failed` after the last retry). Two plain writes,
   * not one transaction: a transaction would save a round trip but doubles the units of all three
   * writes (the log line, the delivery, its GSI3 entry), so a delivery attempted at once would cost
   * 8 WCU instead of 5 (measured on DynamoDB Local when this was chosen; the 5 is checked by
   * test/integration/delivery-cost.test.ts). Logged first, so an attempt made is always in the log;
   * a crash between the two leaves the delivery due again when the lease ends (at least once). A
   * lease that ran out and was taken over loses its outcome quietly: the other worker records its own.
   */
  async record(
    held: HeldDelivery,
    line: AttemptRecord,
    outcome: DeliveryOutcome,
    nowMs: number,
  ): Promise<void> {
    await this.logAttempt(held.subscriptionId, line);
    await this.settle(held, line.attempt, outcome, nowMs);
  }

  async logAttempt(subscriptionId: string, record: AttemptRecord): Promise<void> {
    const shard = shardOf(`${record.eventId}/${subscriptionId}`, DELIVERY_SHARDS);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: attemptLogPk(subscriptionId, shard),
          SK: `${record.attemptedAt}#${record.eventId}#${String(record.attempt).padStart(3, '0')}`,
          ...record,
          [TTL_ATTRIBUTE]: epochSeconds(Date.parse(record.attemptedAt)) + ATTEMPT_LOG_DAYS * 86_400,
        },
      }),
    );
  }

  /** The newest `limit` attempts of a subscription, newest first: each shard's newest, merged. */
  async latestAttempts(subscriptionId: string, limit = 50): Promise<AttemptRecord[]> {
    const shards = await Promise.all(
      shardNumbers(DELIVERY_SHARDS).map((n) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': attemptLogPk(subscriptionId, n) },
            ScanIndexForward: false,
            Limit: limit,
          }),
        ),
      ),
    );
    return shards
      .flatMap(({ Items = [] }) => Items)
      .sort((a, b) => (a.SK < b.SK ? 1 : a.SK > b.SK ? -1 : 0))
      .slice(0, limit)
      .map((i) => ({
        eventId: String(i.eventId),
        type: i.type as TrackerEventType,
        attempt: Number(i.attempt),
        attemptedAt: String(i.attemptedAt),
        responseStatus: (i.responseStatus as number | null | undefined) ?? null,
        error: (i.error as string | null | undefined) ?? null,
        delivered: Boolean(i.delivered),
      }));
  }
}
