import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { indexesToMigrate, migrateFirstMessage } from '../../local/table-check';
import { tableDefinition } from '../../shared/store/table';
import { freshContext } from '../support/context';

/** `npm start` over a data folder an earlier version wrote: it says at once to migrate, rather than leaving 500s to explain. */
describe('the table check npm start runs', () => {
  it('finds nothing to migrate in a table of today’s definition', async () => {
    // Prepare
    const ctx = await freshContext();
    // Act
    const missing = await indexesToMigrate(ctx.db, ctx.config.tableName);
    // Assess
    expect(missing).toEqual([]);
  });

  it('names the global indexes an earlier table lacks, and the message says to run npm run migrate', async () => {
    // Prepare: the keys of today's table without its global indexes, as the first model had
    const ctx = await freshContext();
    const tableName = `old-${randomUUID().slice(0, 8)}`;
    const today = tableDefinition(tableName);
    const client = new DynamoDBClient({
      endpoint: ctx.config.dynamodbEndpoint,
      region: ctx.config.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: today.KeySchema,
        AttributeDefinitions: today.AttributeDefinitions!.filter((a) =>
          today.KeySchema!.some((k) => k.AttributeName === a.AttributeName),
        ),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // Act
    const missing = await indexesToMigrate(client, tableName);
    // Assess
    expect(missing).toEqual(today.GlobalSecondaryIndexes!.map((i) => i.IndexName));
    expect(migrateFirstMessage('.data', missing)).toMatch(/run `npm run migrate` once in another terminal/);
    client.destroy();
  });
});
