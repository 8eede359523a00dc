import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  StreamViewType,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TTL_ATTRIBUTE, tableDefinition } from '../shared/store/table';

/**
 * The cloud table, built from the very definition the local tools and tests create
 * (shared/store/table.ts), so key names, indexes and projections cannot drift apart.
 */
const DEFINITION = tableDefinition('scenario-tracker');

const TYPES: Record<string, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

type KeySchema = readonly { AttributeName?: string; KeyType?: string }[] | undefined;
type Projection = { ProjectionType?: string; NonKeyAttributes?: string[] } | undefined;

const attribute = (name: string | undefined): Attribute => {
  const def = DEFINITION.AttributeDefinitions?.find((a) => a.AttributeName === name);
  const type = def?.AttributeType ? TYPES[def.AttributeType] : undefined;
  if (!name || !type) throw new Error(`tableDefinition has no attribute definition for ${name}`);
  return { name, type };
};

const key = (schema: KeySchema, type: 'HASH' | 'RANGE'): Attribute | undefined => {
  const name = schema?.find((k) => k.KeyType === type)?.AttributeName;
  return name === undefined ? undefined : attribute(name);
};

const projection = (p: Projection): { projectionType: ProjectionType; nonKeyAttributes?: string[] } => {
  switch (p?.ProjectionType) {
    case 'KEYS_ONLY':
      return { projectionType: ProjectionType.KEYS_ONLY };
    case 'INCLUDE':
      return { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...(p.NonKeyAttributes ?? [])] };
    default:
      return { projectionType: ProjectionType.ALL };
  }
};

/** Names of every secondary index, global and local: what a Query grant may need to name. */
export const GLOBAL_INDEX_NAMES = (DEFINITION.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName!);
export const LOCAL_INDEX_NAMES = (DEFINITION.LocalSecondaryIndexes ?? []).map((i) => i.IndexName!);

/**
 * `indexCount`: declare only the first n global indexes. CloudFormation creates or deletes one global
 * index per stack update, so adding several to a deployed table takes one deploy each (docs/deploy.md).
 */
export function createTable(scope: Construct, id: string, indexCount?: number): Table {
  const partitionKey = key(DEFINITION.KeySchema, 'HASH');
  if (!partitionKey) throw new Error('tableDefinition has no partition key');
  const sortKey = key(DEFINITION.KeySchema, 'RANGE');
  const table = new Table(scope, id, {
    partitionKey,
    ...(sortKey ? { sortKey } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    // The table outlives the stack: deleting the stack must never delete the data.
    removalPolicy: RemovalPolicy.RETAIN,
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: TTL_ATTRIBUTE,
    // As the shared definition says (new images): the outbox relay reads new outbox items from it
    // (infra/constructs/stream-consumer.ts).
    stream: DEFINITION.StreamSpecification!.StreamViewType as StreamViewType,
  });
  for (const index of (DEFINITION.GlobalSecondaryIndexes ?? []).slice(0, indexCount)) {
    const sk = key(index.KeySchema, 'RANGE');
    table.addGlobalSecondaryIndex({
      indexName: index.IndexName!,
      partitionKey: key(index.KeySchema, 'HASH')!,
      ...(sk ? { sortKey: sk } : {}),
      ...projection(index.Projection),
    });
  }
  for (const index of DEFINITION.LocalSecondaryIndexes ?? []) {
    const pk = key(index.KeySchema, 'HASH');
    if (pk?.name !== partitionKey.name)
      throw new Error(`local index ${index.IndexName} must share the table's partition key`);
    table.addLocalSecondaryIndex({
      indexName: index.IndexName!,
      sortKey: key(index.KeySchema, 'RANGE')!,
      ...projection(index.Projection),
    });
  }
  return table;
}
