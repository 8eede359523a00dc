import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { READINESS_KEY } from './keys';

/**
 * One GetItem of a key nobody writes, abandoned after `timeoutMs` whatever the client's own attempts
 * and timeouts would allow: a readiness probe must answer before the prober gives up on it.
 */
export async function probeTable(
  db: DynamoDBDocumentClient,
  tableName: string,
  timeoutMs: number,
): Promise<void> {
  await db.send(new GetCommand({ TableName: tableName, Key: READINESS_KEY, ProjectionExpression: 'PK' }), {
    abortSignal: AbortSignal.timeout(timeoutMs),
  });
}
