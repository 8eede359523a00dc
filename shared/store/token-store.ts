import { queryAll } from './query-all';
import {
  BatchGetCommand,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Role } from '../domain/types';
import { TOKENS_PK, tokenHashKey, tokenNameKey } from './keys';

export interface TokenRecord {
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  /** May publish its own drafts (contract 1.2 "Drafts"); false on tokens stored before it existed. The store always sets it. */
  selfPublish?: boolean;
}

export class TokenNameTaken extends Error {}

/**
 * Tokens live as two items written together: one keyed by the token's SHA-256 hash (what a request
 * is checked against) and one under the TOKENS partition keyed by name (for listing and revoking).
 * The token itself is never stored.
 */
export class TokenStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(
    name: string,
    role: Role,
    hash: string,
    createdAt: string,
    replace = false,
    selfPublish = false,
  ): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...tokenNameKey(name), name, role, hash, createdAt, selfPublish },
                ...(replace ? {} : { ConditionExpression: 'attribute_not_exists(PK)' }),
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...tokenHashKey(hash), name, role, createdAt, lastUsedAt: null, selfPublish },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        throw new TokenNameTaken();
      throw error;
    }
  }

  /** Strongly consistent, so a revoked token fails on its very next request. */
  async findByHash(hash: string): Promise<TokenRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tokenHashKey(hash), ConsistentRead: true }),
    );
    return Item
      ? {
          name: Item.name,
          role: Item.role,
          createdAt: Item.createdAt,
          lastUsedAt: Item.lastUsedAt ?? null,
          selfPublish: Item.selfPublish === true,
        }
      : null;
  }

  async list(): Promise<TokenRecord[]> {
    const named: Record<string, unknown>[] = [];
    named.push(
      ...(await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': TOKENS_PK },
      })),
    );
    // lastUsedAt is kept on the hash item, which the request path already reads.
    const lastUsed = new Map<string, string | null>();
    for (let i = 0; i < named.length; i += 100) {
      const keys = named.slice(i, i + 100).map((n) => tokenHashKey(String(n.hash)));
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [this.table]: { Keys: keys },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.table] ?? [])
          lastUsed.set(String(item.name), (item.lastUsedAt as string | null) ?? null);
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return named.map((n) => ({
      name: String(n.name),
      role: n.role as Role,
      createdAt: String(n.createdAt),
      lastUsedAt: lastUsed.get(String(n.name)) ?? null,
      selfPublish: n.selfPublish === true,
    }));
  }

  /** Delete both items; false when no token has that name. */
  async revoke(name: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tokenNameKey(name), ConsistentRead: true }),
    );
    if (!Item) return false;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: tokenNameKey(name),
                ConditionExpression: '#hash = :h',
                ExpressionAttributeNames: { '#hash': 'hash' },
                ExpressionAttributeValues: { ':h': Item.hash },
              },
            },
            { Delete: { TableName: this.table, Key: tokenHashKey(String(Item.hash)) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** Record use at most once a minute: the condition makes extra writes within the minute no-ops. */
  async touch(hash: string, now: string, minIntervalMs = 60_000): Promise<void> {
    const threshold = new Date(Date.parse(now) - minIntervalMs).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenHashKey(hash),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt = :null OR lastUsedAt < :threshold)',
          ExpressionAttributeValues: { ':now': now, ':threshold': threshold, ':null': null },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
