import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { impact, type ImpactPosting } from '../domain/search-rank';
import type { DocumentClient } from './client';
import {
  THREAD_SK,
  UPDATE_PREFIX,
  SEARCH_DOC_PREFIX,
  firstFormatPostingSk,
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
 * - A **posting** says that one document (a thread or an update) holds one term, twice: in the
 *   word's list, `PK = SEARCH#<term>`, `SK = <9999 − impact>#<scenario>#<threadId>#<updateId or
 *   empty>`, and in its scenario's slice, `PK = SEARCH#<term>#<scenario>`, `SK = <9999 −
 *   impact>#<threadId>#<updateId or empty>`; `d` only on drafts. The impact (BM25's term-frequency
 *   part, shared/domain/search-rank.ts) leads the sort key, so a Query reads a word's best documents
 *   first and a query stops reading as soon as its page cannot change: what it reads grows with the
 *   results asked for, never with the scenario, the table or the length of a common word's list.
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

/** The index format a document record's postings are in: 2, impact-ordered (none: the first). */
export const INDEX_FORMAT = 2;

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
  /** INDEX_FORMAT when its postings were written in it; absent on records of the first format. */
  v?: number | undefined;
}

/** A document's key in a ranking: `<thread>#<update or empty>` (ties are broken by it). */
export const docKeyOf = (d: { threadId: string; updateId?: string | undefined }) =>
  `${d.threadId}#${d.updateId ?? ''}`;
export const docOfKey = (key: string): { threadId: string; updateId?: string } => {
  const [threadId, updateId] = key.split('#') as [string, string];
  return updateId ? { threadId, updateId } : { threadId };
};

/** A term's impact in a document (shared/domain/search-rank.ts). */
export const impactIn = (doc: Pick<IndexedDoc, 'terms' | 'n'>, term: string): number | undefined =>
  doc.terms[term] === undefined ? undefined : impact(doc.terms[term], bucketLength(doc.n));

/** One posting as read from a list. */
export interface Posting extends ImpactPosting {
  scenario: string;
  threadId: string;
  updateId?: string | undefined;
}

/** What one index change wrote, for the cost figures (docs/architecture.md, "Search"). */
export interface IndexWrites {
  put: number;
  deleted: number;
}

const BATCH_WRITE = 25;
const BATCH_GET = 100;

type Key = { PK: string; SK: string };

/**
 * The posting items of a document: per term, one in the word's list and one in its scenario's
 * slice, keyed by impact; `d` only on drafts.
 */
function postingsOf(doc: IndexedDoc): Map<string, Key & { d?: true }> {
  const out = new Map<string, Key & { d?: true }>();
  const add = (PK: string, SK: string) =>
    out.set(`${PK}\n${SK}`, { PK, SK, ...(doc.draft ? { d: true as const } : {}) });
  for (const term of Object.keys(doc.terms)) {
    if (doc.v !== INDEX_FORMAT) {
      add(postingPk(term), firstFormatPostingSk(doc.scenario, doc.threadId, doc.updateId));
      continue;
    }
    const i = impactIn(doc, term)!;
    add(postingPk(term), postingSk(i, doc.scenario, doc.threadId, doc.updateId));
    add(postingPk(term, doc.scenario), postingSk(i, undefined, doc.threadId, doc.updateId));
  }
  return out;
}

/** A posting item as read; null for an item of the first format (left for the backfill to delete). */
function toPosting(item: Record<string, unknown>, scenario: string | undefined): Posting | null {
  const parts = String(item.SK).split('#');
  if (parts.length !== (scenario === undefined ? 4 : 3) || !/^\d{4}$/.test(parts[0]!)) return null;
  const [rank, ...rest] = parts as [string, ...string[]];
  const [inScenario, threadId, updateId] = scenario === undefined ? rest : [scenario, ...rest];
  return {
    key: `${threadId}#${updateId ?? ''}`,
    impact: 9999 - Number(rank),
    draft: item.d === true,
    scenario: inScenario!,
    threadId: threadId!,
    ...(updateId ? { updateId } : {}),
  };
}

/**
 * The backfill's checkpoint, one item beside the document records (`SEARCHDOC#`, no thread id: no
 * document's): the index format it fills and the last thread it finished; `done` once every thread is.
 */
export const BACKFILL_KEY = { PK: `${SEARCH_DOC_PREFIX}`, SK: '#BACKFILL' } as const;
export interface BackfillCheckpoint {
  format: number;
  after?: string | undefined;
  done: boolean;
  threads: number;
  documents: number;
}

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
   * differ are written, and the document record only when something changed. A record of the first
   * format (no `v`) has its postings under the first format's keys: those are deleted, the new
   * written.
   */
  async replace(before: IndexedDoc | null, after: IndexedDoc | null): Promise<IndexWrites> {
    const doc = after ?? before;
    if (!doc) return { put: 0, deleted: 0 };
    const next = after ? { ...after, v: INDEX_FORMAT } : null;
    const had = before ? postingsOf(before) : new Map<string, Key & { d?: true }>();
    const want = next ? postingsOf(next) : new Map<string, Key & { d?: true }>();
    const writes: Record<string, unknown>[] = [];
    let deleted = 0;
    for (const [id, key] of had)
      if (!want.has(id)) {
        writes.push({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } });
        deleted++;
      }
    for (const [id, item] of want)
      if (had.get(id)?.d !== item.d || !had.has(id)) writes.push({ PutRequest: { Item: item } });
    const put = writes.length - deleted;
    if (writes.length === 0 && before?.v === INDEX_FORMAT && next) return { put, deleted };
    await this.batchWrite(writes);
    // The record after its postings, and apart from them: IAM's dynamodb:LeadingKeys judges a batch's
    // keys against one statement, and postings and records are two families (shared/store/access.ts).
    // Should this fail, the next record of the document diffs against the older record: the postings
    // already written are written again, harmlessly.
    const key = searchDocKey(doc.threadId, doc.updateId);
    if (next) await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key, doc: next } }));
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
   * A word's postings (in the scenario, or everywhere), best first, read on from where the last read
   * stopped: each `read(limit)` is one Query or more (a page ends at 1 MB too) until `limit` postings
   * or the end of the list.
   */
  postingSource(
    term: string,
    scenario: string | undefined,
  ): { read(limit: number): Promise<{ postings: Posting[]; done: boolean }> } {
    let start: Record<string, unknown> | undefined;
    let done = false;
    return {
      read: async (limit: number) => {
        const postings: Posting[] = [];
        while (!done && postings.length < limit) {
          const page = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'PK = :pk',
              ExpressionAttributeValues: { ':pk': postingPk(term, scenario) },
              Limit: limit - postings.length,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of page.Items ?? []) {
            const p = toPosting(item, scenario);
            if (p) postings.push(p);
          }
          start = page.LastEvaluatedKey;
          done = !start;
        }
        return { postings, done };
      },
    };
  }

  /**
   * A thread's searchable items as stored (its thread item, then its updates) as the stream would
   * offer them, INSERT records with their new images: what the backfill hands the indexer.
   */
  async sourceRecords(threadId: string): Promise<SearchStreamRecord[]> {
    return (await this.sourceItems(threadId)).map((item, i) => ({
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: `${threadId}#${i}`,
        Keys: marshall({ PK: item.PK, SK: item.SK }),
        NewImage: marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
      },
    }));
  }

  private async sourceItems(threadId: string): Promise<Record<string, unknown>[]> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: threadKey(threadId), ConsistentRead: true }),
    );
    const out: Record<string, unknown>[] = Item ? [Item] : [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :u)',
          ExpressionAttributeValues: { ':pk': threadPk(threadId), ':u': UPDATE_PREFIX },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Where the backfill stopped (the last thread id done), in which index format; null: never run. */
  async backfillCheckpoint(): Promise<BackfillCheckpoint | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: BACKFILL_KEY, ConsistentRead: true }),
    );
    return Item ? (Item.checkpoint as BackfillCheckpoint) : null;
  }

  async saveBackfillCheckpoint(checkpoint: BackfillCheckpoint): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...BACKFILL_KEY, checkpoint } }));
  }

  /** Documents as indexed, by key (absent ones are left out): the random access of a ranking. */
  async docs(keys: readonly string[], terms: readonly string[]): Promise<Map<string, IndexedDoc>> {
    // Only the words asked about travel back (a record holds every word of its document).
    const names: Record<string, string> = { '#d': 'doc', '#t': 'terms' };
    terms.forEach((t, i) => (names[`#w${i}`] = t));
    const items = await this.batchGet(
      keys.map((k) => {
        const d = docOfKey(k);
        return searchDocKey(d.threadId, d.updateId);
      }),
      {
        ProjectionExpression: [
          ...['scenario', 'threadId', 'updateId', 'n', 'draft', 'v'].map((a) => `#d.${a}`),
          ...terms.map((_, i) => `#d.#t.#w${i}`),
        ].join(', '),
        ExpressionAttributeNames: names,
      },
    );
    for (const i of items) (i.doc as IndexedDoc).terms ??= {};
    return new Map(items.map((i) => [docKeyOf(i.doc as IndexedDoc), i.doc as IndexedDoc]));
  }

  /** The thread and update items of a page of results, by key (absent ones are left out). */
  async items(docs: readonly { threadId: string; updateId?: string | undefined }[]) {
    const keys = docs.map((d) => (d.updateId ? updateKey(d.threadId, d.updateId) : threadKey(d.threadId)));
    // What a snippet and a hit need, not the whole item (an update's revisions, a thread's fold).
    const fields = ['PK', 'SK', 'title', 'summary', 'keywords', 'quotes', 'sources', 'retracted', 'draft'];
    return this.batchGet(keys, {
      ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
    });
  }

  private async batchGet(
    keys: Record<string, string>[],
    projection: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> },
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: Record<string, string>[] | undefined = keys.slice(i, i + BATCH_GET);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt === 5) throw new Error('the search index could not read (throttled)');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const page = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ...projection } } }),
        );
        out.push(...((page.Responses?.[this.table] ?? []) as Record<string, unknown>[]));
        pending = page.UnprocessedKeys?.[this.table]?.Keys as Record<string, string>[] | undefined;
      }
    }
    return out;
  }
}
