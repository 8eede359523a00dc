import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * A Query's pages followed to the end by lib-dynamodb's own paginator, for the reads that want
 * every matching item (a thread's partition, a short list): no hand-kept ExclusiveStartKey loop.
 * A read that stops early (a page of a list, a bounded window) keeps its own loop and its limit.
 */
export async function* queryPages(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<Record<string, unknown>[]> {
  for await (const page of paginateQuery({ client: db }, input)) yield page.Items ?? [];
}

/** Every item a Query matches, in key order. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPages(db, input)) items.push(...page);
  return items;
}
