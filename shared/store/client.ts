import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config';
import { tracer } from '../observability';

/**
 * The document client every store module uses. DynamoDB Local accepts any credentials, so when an
 * endpoint is given and none are configured, fixed dummy ones keep the SDK from looking elsewhere.
 */
export function createDocumentClient(cfg: Pick<Config, 'dynamodbEndpoint' | 'region'>): DynamoDBDocumentClient {
  const local = cfg.dynamodbEndpoint !== undefined;
  const client = new DynamoDBClient({
    region: cfg.region,
    ...(local ? { endpoint: cfg.dynamodbEndpoint } : {}),
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  // Traces every DynamoDB call as a subsegment in Lambda; a no-op elsewhere.
  tracer()?.captureAWSv3Client(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
