import { queryAll } from './query-all';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { KindDefinition, StatusDefinition } from '../domain/kinds';
import { KINDS_PK, KIND_PREFIX, kindKey } from './keys';

/** A custom kind as stored: its definition and the version its next change is conditioned on. */
export interface StoredKind {
  definition: KindDefinition;
  version: number;
}

/** Someone else changed (or created) the kind between our read and our write. */
export class KindVersionConflict extends Error {
  constructor() {
    super('kind version changed');
    this.name = 'KindVersionConflict';
  }
}

const STATUS_FIELDS = (s: Record<string, unknown>): StatusDefinition => ({
  name: String(s.name),
  terminal: s.terminal === true,
});

const toStored = (item: Record<string, unknown>): StoredKind => ({
  definition: {
    kind: String(item.kind),
    label: String(item.label),
    builtIn: false,
    statuses: ((item.statuses as Record<string, unknown>[] | undefined) ?? []).map(STATUS_FIELDS),
    ...(item.cues !== undefined ? { cues: item.cues as Record<string, string[]> } : {}),
  },
  version: Number(item.version),
});

/** Custom kinds: items `PK=KINDS, SK=KIND#<kind>` (see docs/data-model.md). */
export class KindStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every custom kind, by name: one Query of the KINDS partition (a page or two at most). */
  async list(consistent = false): Promise<StoredKind[]> {
    const out: StoredKind[] = [];
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': KINDS_PK, ':prefix': KIND_PREFIX },
      ConsistentRead: consistent,
    });
    out.push(...items.map(toStored));
    return out;
  }

  /** One custom kind, read consistently: a change is decided on the latest version. */
  async get(kind: string): Promise<StoredKind | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: kindKey(kind), ConsistentRead: true }),
    );
    return Item ? toStored(Item) : null;
  }

  /**
   * Write a kind's definition, conditional on the version read (`null`: it must not exist yet), so
   * two admins changing one kind at once cannot lose each other's statuses: the loser re-reads.
   */
  async put(
    definition: KindDefinition,
    expectedVersion: number | null,
    now: string,
    by: string,
  ): Promise<StoredKind> {
    const version = (expectedVersion ?? 0) + 1;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...kindKey(definition.kind),
            kind: definition.kind,
            label: definition.label,
            statuses: definition.statuses,
            ...(definition.cues !== undefined ? { cues: definition.cues } : {}),
            version,
            updatedAt: now,
            updatedBy: by,
          },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new KindVersionConflict();
      throw error;
    }
    return { definition: { ...definition, builtIn: false }, version };
  }
}
