import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LISTING_SK, threadKey } from './keys';

/** BatchGetItem takes at most this many keys a request. */
const BATCH_MAX = 100;
/**
 * Keys DynamoDB leaves unprocessed (throttling, the 16 MB answer limit) are asked again after
 * 10, 20, 40, … ms, as AWS advises for BatchGetItem: every list page reads its threads this way.
 */
const UNPROCESSED_BACKOFF_MS = 10;
/** Rounds of asking again before giving up with an error (about 5 s of backoff in all). */
const UNPROCESSED_ROUNDS = 9;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Item = Record<string, unknown>;

/**
 * How to read: which attributes of each thread item (all when absent; `threadsOfListings` needs `id`
 * among them), and whether consistently (a write conditioned on the version read needs it).
 */
export interface ReadOptions {
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ConsistentRead?: boolean;
}

/**
 * Thread items by id, in batches of 100 (BatchGetItem; keys DynamoDB leaves unprocessed are asked
 * again, backing off). Eventually consistent, as an index page is, unless asked otherwise. Missing threads are left out; the order is
 * DynamoDB's, not the ids'.
 */
export async function getThreadItems(
  db: DynamoDBDocumentClient,
  table: string,
  ids: Iterable<string>,
  options?: ReadOptions,
): Promise<Item[]> {
  const all = [...ids];
  const out: Item[] = [];
  for (let i = 0; i < all.length; i += BATCH_MAX) {
    let keys: Item[] = all.slice(i, i + BATCH_MAX).map(threadKey);
    for (let round = 0; keys.length > 0; round++) {
      if (round > UNPROCESSED_ROUNDS) throw new Error('BatchGetItem left thread keys unprocessed');
      if (round > 0) await pause(UNPROCESSED_BACKOFF_MS * 2 ** (round - 1));
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ...options } } }),
      );
      out.push(...(Responses?.[table] ?? []));
      keys = (UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return out;
}

/**
 * The thread items a page of a list index names, in the page's order. The list indexes hold listing
 * items (items.ts#listingItem): their threads are read by key, one BatchGetItem per 100. A thread item
 * an older version wrote is listed itself until `npm run migrate` gives it a listing item: it is
 * taken as it is. A thread deleted meanwhile is left out, and a thread is given once.
 */
export async function threadsOfListings(
  db: DynamoDBDocumentClient,
  table: string,
  listed: readonly Item[],
  projection?: ReadOptions,
): Promise<Item[]> {
  const wanted = listed.filter((i) => i.SK === LISTING_SK).map((i) => String(i.id));
  const read = new Map(
    (await getThreadItems(db, table, wanted, projection)).map((i) => [String(i.id), i] as const),
  );
  // A thread listed twice (an older version's write put its list keys back on a thread that has a
  // listing item, until its next write or `npm run migrate`) is given once.
  const seen = new Set<string>();
  return listed.flatMap((i) => {
    const id = String(i.id);
    const thread = i.SK === LISTING_SK ? read.get(id) : i;
    if (!thread || seen.has(id)) return [];
    seen.add(id);
    return [thread];
  });
}
