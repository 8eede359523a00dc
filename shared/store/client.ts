import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config';

/** The client the stores share; the app holds it (for tools and tests) without importing the SDK. */
export type DocumentClient = DynamoDBDocumentClient;

/**
 * The document client every store module uses (with the dummy credentials of DynamoDB Local, when
 * the settings give them).
 *
 * Every attempt is bounded (connecting and the whole exchange), and so is the number of attempts:
 * a database that stops answering turns into a TimeoutError, answered 503, well before the function
 * is killed, instead of a request hanging as long as the database does. A frozen server still
 * accepts connections (the kernel does), so the request timeout is the one that fires; it must
 * throw, not merely warn, which is what `throwOnRequestTimeout` asks for.
 */
export function createDocumentClient(
  cfg: Pick<
    Config,
    'dynamodbEndpoint' | 'dynamodbCredentials' | 'region' | 'dynamodbTimeoutMs' | 'dynamodbMaxAttempts'
  >,
): DynamoDBDocumentClient {
  const local = cfg.dynamodbEndpoint !== undefined;
  const client = new DynamoDBClient({
    region: cfg.region,
    ...(local ? { endpoint: cfg.dynamodbEndpoint } : {}),
    ...(cfg.dynamodbCredentials ? { credentials: cfg.dynamodbCredentials } : {}),
    maxAttempts: cfg.dynamodbMaxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: cfg.dynamodbTimeoutMs,
      requestTimeout: cfg.dynamodbTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
