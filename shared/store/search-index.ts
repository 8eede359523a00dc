import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DocumentClient } from './client';
import {
  THREAD_SK,
  UPDATE_PREFIX,
  postingPk,
  postingSk,
  searchDocKey,
  threadIdOfPk,
  threadKey,
  threadPk,
  updateKey,
} from './keys';

/**
 * The search index: an inverted index in the one table, written only by the search indexer from the
 * table's stream (shared/app/search-indexer.ts), never by a thread write (docs/architecture.md,
 * "Search").
 *
 * - A **posting** says that one document (a thread or an update) holds one term:
 *   `PK = SEARCH#<term>`, `SK = <scenario>#<threadId>#<updateId or empty>`, with `w` (the term's
 *   weighted frequency in the document), `n` (the document's weighted length, as a bucket: below) and
 *   `d` (only on drafts). A query reads, per word, one partition (with `scenario`, only the
 *   scenario's slice of it: `begins_with(SK, <scenario>#)`), so it reads what matches, never the
 *   scenario or the table.
 * - A **document record**, `PK = SEARCHDOC#<threadId>`, `SK = #THREAD | UPDATE#<id>`, remembers what
 *   the document's postings are (terms and weights, scenario, length, draft), so the indexer, which
 *   sees only new images on the stream, can remove the postings of words an edit took out, and a
 *   thread's move can rewrite its updates' postings under the new scenario.
 *
 * Neither carries any index attribute: they are in no GSI and not in LSI1.
 */
/** A stream record, down to what the indexer reads (Lambda's event and GetRecords alike). */
export interface SearchStreamRecord {
  eventName?: string | undefined;
  dynamodb?:
    | {
        SequenceNumber?: string | undefined;
        Keys?: Record<string, AttributeValue> | undefined;
        NewImage?: Record<string, AttributeValue> | undefined;
      }
    | undefined;
}

/** A thread's or an update's key in a stream record's keys; null for every other item. */
export function searchDocOf(
  keys: Record<string, AttributeValue> | undefined,
): { threadId: string; updateId?: string } | null {
  const pk = keys?.PK?.S;
  const sk = keys?.SK?.S;
  if (!pk?.startsWith(threadPk('')) || sk === undefined) return null;
  if (sk === THREAD_SK) return { threadId: threadIdOfPk(pk) };
  if (sk.startsWith(UPDATE_PREFIX))
    return { threadId: threadIdOfPk(pk), updateId: sk.slice(UPDATE_PREFIX.length) };
  return null;
}

/**
 * What a stream record says of a thread or update: which one, and its item as now (null: removed).
 * Null for records of any other item.
 */
export function searchChangeOf(
  record: SearchStreamRecord,
): { at: { threadId: string; updateId?: string }; item: Record<string, unknown> | null } | null {
  const at = searchDocOf(record.dynamodb?.Keys ?? record.dynamodb?.NewImage);
  if (!at) return null;
  const image = record.eventName === 'REMOVE' ? undefined : record.dynamodb?.NewImage;
  return { at, item: image ? unmarshall(image) : null };
}

/**
 * Lengths are kept as buckets of about 10 % (`round(ln(length) / ln(1.1))`): an edit that changes a
 * document's length a little changes no posting, and length normalisation does not need more.
 */
export const lengthBucket = (length: number): number =>
  Math.round(Math.log(Math.max(1, length)) / Math.log(1.1));
export const bucketLength = (bucket: number): number => 1.1 ** bucket;

/** One document as indexed. */
export interface IndexedDoc {
  scenario: string;
  threadId: string;
  updateId?: string | undefined;
  /** term → weighted frequency */
  terms: Record<string, number>;
  /** lengthBucket of the weighted length */
  n: number;
  draft: boolean;
}

export interface Posting {
  threadId: string;
  updateId?: string | undefined;
  scenario: string;
  w: number;
  n: number;
  draft: boolean;
}

/** What one index change wrote, for the cost figures (docs/architecture.md, "Search"). */
export interface IndexWrites {
  put: number;
  deleted: number;
}

/** Postings read per word at most: a query's reads are bounded, whatever the word. */
export const MAX_POSTINGS_PER_TERM = 2000;

const BATCH_WRITE = 25;
const BATCH_GET = 100;

const toPosting = (item: Record<string, unknown>): Posting => {
  const [scenario, threadId, updateId] = String(item.SK).split('#') as [string, string, string];
  return {
    scenario,
    threadId,
    ...(updateId ? { updateId } : {}),
    w: Number(item.w),
    n: Number(item.n),
    draft: item.d === true,
  };
};

export class SearchIndex {
  constructor(
    private readonly db: DocumentClient,
    private readonly table: string,
  ) {}

  /** A document as last indexed, or null. */
  async doc(threadId: string, updateId: string | undefined): Promise<IndexedDoc | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: searchDocKey(threadId, updateId), ConsistentRead: true }),
    );
    return Item ? (Item.doc as IndexedDoc) : null;
  }

  /** Every indexed update of a thread (a move rewrites their postings). */
  async updateDocs(threadId: string): Promise<IndexedDoc[]> {
    const out: IndexedDoc[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :u)',
          ExpressionAttributeValues: { ':pk': searchDocKey(threadId, undefined).PK, ':u': UPDATE_PREFIX },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(page.Items ?? []).map((i) => i.doc as IndexedDoc));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** The scenario of a thread, from its item (what an update's postings are filed under). */
  async scenarioOf(threadId: string): Promise<string | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: threadKey(threadId),
        ProjectionExpression: 'scenario',
        ConsistentRead: true,
      }),
    );
    return typeof Item?.scenario === 'string' ? Item.scenario : null;
  }

  /**
   * Move a document's postings from `before` to `after` (either null: none): only the postings that
   * differ are written, and the document record only when something changed.
   */
  async replace(before: IndexedDoc | null, after: IndexedDoc | null): Promise<IndexWrites> {
    const doc = after ?? before;
    if (!doc) return { put: 0, deleted: 0 };
    const sk = (d: IndexedDoc) => postingSk(d.scenario, d.threadId, d.updateId);
    const same = (term: string) =>
      before &&
      after &&
      before.scenario === after.scenario &&
      before.n === after.n &&
      before.draft === after.draft &&
      before.terms[term] === after.terms[term];
    const writes: Record<string, unknown>[] = [];
    let deleted = 0;
    for (const term of Object.keys(before?.terms ?? {}))
      if (!after || !(term in after.terms) || before!.scenario !== after.scenario) {
        writes.push({ DeleteRequest: { Key: { PK: postingPk(term), SK: sk(before!) } } });
        deleted++;
      }
    for (const [term, w] of Object.entries(after?.terms ?? {}))
      if (!same(term))
        writes.push({
          PutRequest: {
            Item: {
              PK: postingPk(term),
              SK: sk(after!),
              w,
              n: after!.n,
              ...(after!.draft ? { d: true } : {}),
            },
          },
        });
    const put = writes.length - deleted;
    if (writes.length === 0 && before && after) return { put, deleted };
    await this.batchWrite(writes);
    // The record after its postings, and apart from them: IAM's dynamodb:LeadingKeys judges a batch's
    // keys against one statement, and postings and records are two families (shared/store/access.ts).
    // Should this fail, the next record of the document diffs against the older record: the postings
    // already written are written again, harmlessly.
    const key = searchDocKey(doc.threadId, doc.updateId);
    if (after) await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key, doc: after } }));
    else await this.db.send(new DeleteCommand({ TableName: this.table, Key: key }));
    return { put, deleted };
  }

  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE) {
      let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + BATCH_WRITE);
      // Unprocessed items (throttling) go again, a bounded number of times; then the batch fails and
      // the stream offers its records again (the writes are idempotent).
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt === 5) throw new Error('the search index could not write its postings (throttled)');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }),
        );
        pending = out.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined;
      }
    }
  }

  /**
   * A term's postings, in the scenario or everywhere, at most MAX_POSTINGS_PER_TERM of them;
   * `complete` says whether that was all.
   */
  async postings(
    term: string,
    scenario: string | undefined,
  ): Promise<{ postings: Posting[]; complete: boolean }> {
    const postings: Posting[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.table,
        KeyConditionExpression: scenario ? 'PK = :pk AND begins_with(SK, :s)' : 'PK = :pk',
        ExpressionAttributeValues: { ':pk': postingPk(term), ...(scenario ? { ':s': `${scenario}#` } : {}) },
        Limit: MAX_POSTINGS_PER_TERM - postings.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      };
      const page = await this.db.send(new QueryCommand(input));
      postings.push(...(page.Items ?? []).map(toPosting));
      start = page.LastEvaluatedKey;
    } while (start && postings.length < MAX_POSTINGS_PER_TERM);
    return { postings, complete: !start };
  }

  /** Which of these documents hold the term (for a word with more postings than one query reads). */
  async holding(term: string, docs: readonly Posting[]): Promise<Posting[]> {
    const keys = docs.map((d) => ({
      PK: postingPk(term),
      SK: postingSk(d.scenario, d.threadId, d.updateId),
    }));
    return (await this.batchGet(keys)).map(toPosting);
  }

  /** The thread and update items of a page of results, by key (absent ones are left out). */
  async items(docs: readonly { threadId: string; updateId?: string | undefined }[]) {
    const keys = docs.map((d) => (d.updateId ? updateKey(d.threadId, d.updateId) : threadKey(d.threadId)));
    return this.batchGet(keys);
  }

  private async batchGet(keys: Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: Record<string, string>[] | undefined = keys.slice(i, i + BATCH_GET);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt === 5) throw new Error('the search index could not read (throttled)');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const page = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending } } }),
        );
        out.push(...((page.Responses?.[this.table] ?? []) as Record<string, unknown>[]));
        pending = page.UnprocessedKeys?.[this.table]?.Keys as Record<string, string>[] | undefined;
      }
    }
    return out;
  }
}
