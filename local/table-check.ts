import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { missingIndexes } from './migration';

/**
 * What an existing local table lacks of today's definition: the global indexes an earlier version
 * of the code did not create. A table written before the sharded key model (#12) lacks them, and its
 * items have the old shape too; `npm run migrate` adds the indexes and rewrites the items. Empty when
 * the table is current.
 */
export async function indexesToMigrate(
  db: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
): Promise<string[]> {
  const { Table } = await (db as DynamoDBClient).send(new DescribeTableCommand({ TableName: tableName }), {
    requestTimeout: 30_000,
  });
  return missingIndexes(Table!, tableName).map((i) => i.IndexName!);
}

/** The warning `npm start` prints over a table that needs `npm run migrate` (it keeps running for it). */
export const migrateFirstMessage = (dataDir: string, missing: readonly string[]): string =>
  `The table in ${dataDir} was written by an earlier version of Scenario Tracker (it lacks ${missing.join(', ')}): ` +
  'run `npm run migrate` once in another terminal while this server runs; lists answer 500 until then.';
