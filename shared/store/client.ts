import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config';

/**
 * The document client every store module uses. DynamoDB Local accepts any credentials, so when an
 * endpoint is given and none are configured, fixed dummy ones keep the SDK from looking elsewhere.
 *
 * Every attempt is bounded (connecting and the whole exchange), and so is the number of attempts:
 * a database that stops answering turns into a TimeoutError, answered 503, well before the function
 * is killed, instead of a request hanging as long as the database does. A frozen server still
 * accepts connections (the kernel does), so the request timeout is the one that fires; it must
 * throw, not merely warn, which is what `throwOnRequestTimeout` asks for.
 */
export function createDocumentClient(
  cfg: Pick<Config, 'dynamodbEndpoint' | 'region' | 'dynamodbTimeoutMs' | 'dynamodbMaxAttempts'>,
): DynamoDBDocumentClient {
  const local = cfg.dynamodbEndpoint !== undefined;
  const client = new DynamoDBClient({
    region: cfg.region,
    ...(local ? { endpoint: cfg.dynamodbEndpoint } : {}),
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: cfg.dynamodbMaxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: cfg.dynamodbTimeoutMs,
      requestTimeout: cfg.dynamodbTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
