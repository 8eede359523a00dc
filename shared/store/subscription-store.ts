import { queryAll } from './query-all';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TrackerEventType } from '../domain/event';
import { SUBSCRIPTIONS_PK, subscriptionKey } from './keys';
import type { SecretBox } from './secret-box';

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';

/** A subscription as the contract shows it (never with its secret). */
export interface Subscription {
  id: string;
  url: string;
  events: TrackerEventType[];
  scenario: string | null;
  threadId: string | null;
  description: string | null;
  status: SubscriptionStatus;
  createdAt: string;
}

/** What the delivery side knows besides: the secret, and since when every delivery has failed. */
export interface SubscriptionRecord extends Subscription {
  secret: string;
  failingSince: string | null;
}

const FIELDS = [
  'id',
  'url',
  'events',
  'scenario',
  'threadId',
  'description',
  'status',
  'createdAt',
] as const satisfies readonly (keyof Subscription)[];

export const subscriptionView = (record: Subscription): Subscription =>
  Object.fromEntries(FIELDS.map((f) => [f, record[f]])) as unknown as Subscription;

/**
 * How long fan-out and the local delivery loop trust their list of subscriptions. A change made
 * through the same store shows at once (it clears or patches the list); one made by another process
 * within this — which is why the cloud's delivery function reads the list afresh instead
 * (functions/deliveries.ts).
 */
export const SUBSCRIPTION_CACHE_MS = 5_000;

export interface SubscriptionChange {
  status?: 'active' | 'paused';
  events?: TrackerEventType[];
  description?: string | null;
}

/**
 * Subscriptions live in one partition (`SUBSCRIPTIONS`): they are few (an admin makes each), fan-out
 * reads them all in one Query and keeps the list for a few seconds in the process; deliveries are
 * attempted with the subscription as that list has it (shared/app/deliveries.ts).
 */
export class SubscriptionStore {
  private cache?: { at: number; list: SubscriptionRecord[] };
  /** Moves on every change made here: a read that started before one does not become the cache. */
  private generation = 0;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly box: SecretBox,
  ) {}

  private async fromItem(item: Record<string, unknown>): Promise<SubscriptionRecord> {
    const id = String(item.id);
    return {
      ...subscriptionView(item as unknown as Subscription),
      secret: await this.box.open(String(item.sealedSecret), id),
      failingSince: (item.failingSince as string | undefined) ?? null,
    };
  }

  async create(subscription: Subscription, secret: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...subscriptionKey(subscription.id),
          ...subscriptionView(subscription),
          sealedSecret: await this.box.seal(secret, subscription.id),
          updatedAt: subscription.createdAt,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    this.forget();
  }

  async get(id: string): Promise<SubscriptionRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: subscriptionKey(id), ConsistentRead: true }),
    );
    return Item ? await this.fromItem(Item) : null;
  }

  /** Every subscription, oldest first (ids are ULIDs). */
  async list(): Promise<SubscriptionRecord[]> {
    const out: SubscriptionRecord[] = [];
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': SUBSCRIPTIONS_PK },
      ConsistentRead: true,
    });
    out.push(...(await Promise.all(items.map((i) => this.fromItem(i)))));
    return out;
  }

  /**
   * The list as fan-out and the local delivery loop use it: read at most every
   * SUBSCRIPTION_CACHE_MS; a change made through this store clears it (or, for the failure clock,
   * patches it), and a read that was under way during a change is used by its caller but not kept.
   */
  async listCached(now = Date.now()): Promise<SubscriptionRecord[]> {
    if (this.cache && now - this.cache.at < SUBSCRIPTION_CACHE_MS && now >= this.cache.at)
      return this.cache.list;
    const generation = this.generation;
    const list = await this.list();
    if (generation === this.generation) this.cache = { at: now, list };
    return list;
  }

  private forget(): void {
    this.cache = undefined;
    this.generation++;
  }

  /** The failure clock moved by our own hand: the cached list follows (no read for it). */
  private patchCached(id: string, failingSince: string | null): void {
    this.generation++;
    if (this.cache)
      this.cache = {
        ...this.cache,
        list: this.cache.list.map((r) => (r.id === id ? { ...r, failingSince } : r)),
      };
  }

  /** Apply a PATCH; null when there is no such subscription. Back to active starts the failure clock afresh. */
  async update(id: string, change: SubscriptionChange, now: string): Promise<SubscriptionRecord | null> {
    const sets = ['updatedAt = :now'];
    const values: Record<string, unknown> = { ':now': now };
    const names: Record<string, string> = {};
    if (change.status !== undefined) {
      sets.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = change.status;
    }
    if (change.events !== undefined) {
      sets.push('events = :events');
      values[':events'] = change.events;
    }
    if (change.description !== undefined) {
      sets.push('description = :description');
      values[':description'] = change.description;
    }
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: subscriptionKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${change.status === 'active' ? ' REMOVE failingSince' : ''}`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.forget();
      return Attributes ? await this.fromItem(Attributes) : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async remove(id: string): Promise<boolean> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: subscriptionKey(id), ReturnValues: 'ALL_OLD' }),
    );
    this.forget();
    return Attributes !== undefined;
  }

  /** A delivery failed: start the failure clock unless it runs already. */
  async markFailing(id: string, at: string): Promise<void> {
    const started = await this.conditional({
      Key: subscriptionKey(id),
      UpdateExpression: 'SET failingSince = :at',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(failingSince)',
      ExpressionAttributeValues: { ':at': at },
    });
    // Refused: it runs already since a time we do not know (or the subscription is gone): read again.
    if (started) this.patchCached(id, at);
    else this.forget();
  }

  /** A delivery went through: the subscription is no longer failing. */
  async clearFailing(id: string): Promise<void> {
    // Refused: it was not running. Either way it is not now.
    await this.conditional({
      Key: subscriptionKey(id),
      UpdateExpression: 'REMOVE failingSince',
      ConditionExpression: 'attribute_exists(failingSince)',
    });
    this.patchCached(id, null);
  }

  /** Every delivery has failed for 24 hours: disable, unless it was paused or changed meanwhile. */
  async disable(id: string, failingSince: string, at: string): Promise<boolean> {
    const done = await this.conditional({
      Key: subscriptionKey(id),
      UpdateExpression: 'SET #status = :disabled, updatedAt = :at',
      ConditionExpression: '#status = :active AND failingSince = :since',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':disabled': 'disabled',
        ':active': 'active',
        ':since': failingSince,
        ':at': at,
      },
    });
    this.forget();
    return done;
  }

  private async conditional(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
