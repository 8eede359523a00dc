/**
 * The DynamoDB SDK values the stores use, imported from here rather than from the packages. The SDK
 * packages are CommonJS, and a bundle copies a CommonJS module's whole export list (hundreds of
 * commands and errors for client-dynamodb) into a fresh namespace object for every ES module that
 * imports it: through this one module that copy is made once per package instead of once per store,
 * a few ms of every cold start (docs/benchmarks.md).
 */
export {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
export type { QueryCommandInput, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
export {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
export type { AttributeValue } from '@aws-sdk/client-dynamodb';
export { unmarshall } from '@aws-sdk/util-dynamodb';
