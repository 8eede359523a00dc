import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { threadKey } from './keys';

/** BatchGetItem takes at most this many keys a request. */
const BATCH_MAX = 100;

/**
 * Thread items by id, in batches of 100 (BatchGetItem; keys DynamoDB leaves unprocessed are asked
 * again). Eventually consistent, as an index page is. Missing threads are left out; the order is
 * DynamoDB's, not the ids'.
 */
export async function getThreadItems(
  db: DynamoDBDocumentClient,
  table: string,
  ids: Iterable<string>,
): Promise<Record<string, unknown>[]> {
  const all = [...ids];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < all.length; i += BATCH_MAX) {
    let keys: Record<string, unknown>[] = all.slice(i, i + BATCH_MAX).map(threadKey);
    while (keys.length > 0) {
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }),
      );
      out.push(...(Responses?.[table] ?? []));
      keys = (UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return out;
}
