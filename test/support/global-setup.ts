import { freePort, startDynamoLocal } from '../../local/dynamodb-local';

/**
 * One in-memory DynamoDB Local for the whole run, on a free port. Test files each create their own
 * table in it (test/support/context.ts), so they never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  const port = await freePort();
  const dynamo = await startDynamoLocal({ port });
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.TEST_DYNAMODB_PID = String(dynamo.pid);
  (globalThis as { __dynamo__?: typeof dynamo }).__dynamo__ = dynamo;
}
