import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { INDEX } from './keys';

/** Non-key attributes the due index carries. */
export const DUE_INDEX_ATTRIBUTES = ['scenario', 'status'] as const;

/** Non-key attributes the expected-due index carries: what a ThreadOverdue notification tells. */
export const EXPECTED_INDEX_ATTRIBUTES = ['scenario', 'status', 'expected'] as const;

/** Non-key attributes the changes index carries: a page of the feed is answered from it alone. */
export const CHANGES_INDEX_ATTRIBUTES = ['changes'] as const;

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The table as the local tools and the tests create it. `infra/` declares the same keys and
 * indexes for the cloud (a stack test compares the two).
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const s = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const gsi = (name: string, pk: string, sk: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      s('PK'),
      s('SK'),
      s('GSI1PK'),
      s('GSI1SK'),
      s('GSI2PK'),
      s('GSI2SK'),
      s('GSI3PK'),
      s('GSI3SK'),
      s('GSI4PK'),
      s('GSI5PK'),
      s('GSI6PK'),
      s('GSI7PK'),
      s('USK'),
      s('LSI1SK'),
      s('GSI10PK'),
      s('GSI11PK'),
      s('GSI11SK'),
      s('GSI12PK'),
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    // Each list a request can ask for has an index that holds exactly its answer, in its order, so a
    // page reads O(page) items (docs/data-model.md). The thread's scope is its scenario
    // (SCENARIO#<s>) or its shard of all threads (THREADS#<n>).
    GlobalSecondaryIndexes: [
      gsi(INDEX.byScenario, 'GSI1PK', 'GSI1SK'),
      gsi(INDEX.allThreads, 'GSI2PK', 'GSI2SK'),
      // The stale check reads only this index: it needs the thread's scenario and status for the event.
      {
        ...gsi(INDEX.byDue, 'GSI3PK', 'GSI3SK'),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX_ATTRIBUTES] },
      },
      gsi(INDEX.byScenarioStatus, 'GSI4PK', 'GSI1SK'),
      gsi(INDEX.byStatus, 'GSI5PK', 'GSI2SK'),
      gsi(INDEX.staleByScenario, 'GSI6PK', 'GSI1SK'),
      gsi(INDEX.stale, 'GSI7PK', 'GSI2SK'),
      gsi(INDEX.byScenarioUpdated, 'GSI1PK', 'USK'),
      gsi(INDEX.byUpdated, 'GSI2PK', 'USK'),
      // Sparse: children under their parent (a thread's children are few: no shards), by id.
      gsi(INDEX.byParent, 'GSI10PK', 'GSI1SK'),
      // Sparse, like the due index: only threads awaiting their expected thing; the overdue check reads only this.
      {
        ...gsi(INDEX.byExpected, 'GSI11PK', 'GSI11SK'),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...EXPECTED_INDEX_ATTRIBUTES] },
      },
      // Sparse: a scenario's changes feed, in recorded order (the table's SK, the write's event id).
      {
        ...gsi(INDEX.changesByScenario, 'GSI12PK', 'SK'),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...CHANGES_INDEX_ATTRIBUTES] },
      },
    ],
    LocalSecondaryIndexes: [gsi(INDEX.byOccurred, 'PK', 'LSI1SK')],
    // New items' images: the outbox relay publishes the events of new outbox items (shared/app/outbox-relay.ts).
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  };
}

/** What ensureTable needs: the low-level client, or the document client (which passes these commands through). */
export interface TableAdmin {
  send(
    command: DescribeTableCommand | CreateTableCommand | UpdateTimeToLiveCommand,
    options?: { requestTimeout?: number },
  ): Promise<unknown>;
}

/**
 * Creating a table is not on any request's path and DynamoDB Local can take seconds over it (on a
 * busy machine), so these calls wait longer than the client's per-request timeout.
 */
const ADMIN = { requestTimeout: 30_000 };

/**
 * Create the table unless it exists; returns true when it was created. `definition` is the table's
 * own (`tableDefinition`) unless a caller varies it (the tests leave the stream off where nothing
 * reads it: test/support/context.ts says why).
 */
export async function ensureTable(
  client: TableAdmin | DynamoDBClient,
  tableName: string,
  definition: CreateTableCommandInput = tableDefinition(tableName),
): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }), ADMIN);
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(definition), ADMIN);
  } catch (error) {
    // Someone created it meanwhile (or an attempt of ours that timed out did): it exists, as wanted.
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
    ADMIN,
  );
  return true;
}
