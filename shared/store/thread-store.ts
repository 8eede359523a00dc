import { queryAll, queryPages } from './query-all';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CalendarState } from '../domain/calendar';
import type { KindRegistry } from '../domain/kinds';
import type { FoldCursor, UpdateFacts, UpdateKey } from '../domain/projection';
import type { Precision } from '../domain/time';
import type {
  CriteriaRevision,
  Revision,
  StoredRevision,
  StoredUpdate,
  Thread,
  Update,
} from '../domain/types';
import type { TrackerEvent } from '../domain/event';
import type { ChangeRecord } from '../domain/changes';
import {
  CRITERIA_PREFIX,
  INDEX,
  PUBLISHED_AS,
  REVISION_PREFIX,
  THREAD_SK,
  UPDATE_PREFIX,
  draftKey,
  parentPk,
  revisionsPrefix,
  scenarioPk,
  threadKey,
  threadPk,
  turnKey,
  updateKey,
} from './keys';
import { TTL_ATTRIBUTE } from './table';
import {
  criteriaItem,
  isLegacyThreadItem,
  listingItem,
  revisionItem,
  sameListing,
  threadItem,
  toCriteriaRevisions,
  recordedOutletsOf,
  toRevision,
  toStoredRevision,
  toStoredUpdate,
  toThread,
  toUpdate,
  updateItem,
} from './items';
import { completionPut, type IdempotencyCompletion } from './idempotency-store';
import { outboxItems } from './outbox-store';
import { threadsOfListings } from './thread-batch';
import { ThreadLists, type ListPosition, type ThreadFilter, type ThreadPage } from './thread-lists';

export type { ListPosition, ThreadFilter, ThreadPage };

/**
 * The thread item lost a race: someone else wrote it between our read and our write. `current` is
 * the thread item as the failed condition saw it (ReturnValuesOnConditionCheckFailure), so a retry
 * can decide again without reading it first; null if DynamoDB did not return it.
 */
export class VersionConflict extends Error {
  constructor(
    readonly current: ThreadRecord | null = null,
    /** Refused because the turn the write held ran out and is another's now: the thread itself did not change. */
    readonly turnLost = false,
  ) {
    super('thread version changed');
    this.name = 'VersionConflict';
  }
}

/** Another transaction touched one of our items at the same moment; nothing was written. Retry. */
export class TransientConflict extends Error {}

/** The parent a write attached to changed meanwhile (gone, got a parent, moved): decide again. */
export class ParentChanged extends TransientConflict {}

/** The draft a publish concerned was discarded or published meanwhile: decide again (and be told). */
export class DraftNoLongerWaiting extends TransientConflict {}

/** The thread we meant to create exists already. */
export class ThreadAlreadyExists extends Error {}

/** Our idempotency claim was taken over (it had expired) before we could complete it. */
export class IdempotencyClaimLost extends Error {}

/** Everything one write to a thread changes, committed as a single transaction. */
export interface ThreadWrite {
  thread: Thread;
  /** The version we read, or null when creating the thread. */
  expectedVersion: number | null;
  /** A new update, or an existing one now marked retracted, with its recorded outlets. */
  update?: StoredUpdate;
  updateIsNew?: boolean;
  events?: TrackerEvent[];
  /** What the changes feed records of this write: stored on its first outbox item (outbox-store.ts). */
  changes?: ChangeRecord[];
  /** The idempotency record this write completes: it lands only together with the write. */
  idempotency?: IdempotencyCompletion;
  /** Where the projection resumes from, stored on the thread item (absent: the next write folds the whole history). */
  cursor?: FoldCursor | null;
  /** The kinds the writer decided with: which statuses are terminal (the due index). Built-ins only when absent. */
  kinds?: KindRegistry;
  /**
   * A parent the thread attaches to: it must still exist, have no parent and be in this scenario when
   * the write lands, and its count of children goes up by one in the same transaction.
   */
  parentCheck?: { id: string; scenario: string };
  /** The parent the thread leaves (detached, or attached elsewhere): its count of children goes down by one. */
  detachFrom?: string;
  /**
   * The thread's count of children as read (null: the item has none, written before counting began).
   * The Put carries it and lands only if it is still that, so a child attaching meanwhile (which
   * changes the count, not the version) is never overwritten; a write that needs the thread to have
   * no children read 0 (or null) here, and the condition makes that hold when it lands.
   */
  children?: number | null;
  /** The calendar's state of the thread's expected event (domain/calendar.ts), kept on the thread item. */
  calendar?: CalendarState | null;
  /**
   * The listing item as read (ThreadRecord.listed; null or absent: none yet). The commit puts the
   * thread's listing item only when it differs from this: a write that changes nothing a list shows
   * writes no list index entry.
   */
  listed?: Record<string, unknown> | null;
  /** Wordings of `update` to store (an amendment): each lands only if no revision of that number exists. */
  revisions?: StoredRevision[];
  /** The id of the turn this write holds (see Turn): its commit gives the turn item back (deletes it). */
  turn?: string;
  /**
   * The thread item's queue mark as read (see Turn; null: none): carried over while it lasts. A write
   * that holds no turn lands only while no mark is live, so one that read before a writer began
   * queuing is refused and queues too.
   */
  queueUntil?: number | null;
  /** Contract 1.2: the thread's criteria changed (or were set at creation): their new text, kept as a revision. */
  criteria?: Omit<CriteriaRevision, 'revision'>;
  /**
   * A draft this write publishes as `update` (contract 1.2 "Drafts"): its item becomes a marker of
   * the update it became, and leaves the scenario's queue, only while it is still a waiting draft.
   */
  publishes?: { draftId: string; publishedAt: string; publishedBy: string };
  /**
   * One more write that lands with this one or not at all (an inbox item's decision, when an editor
   * accepts it as this update). When its condition fails, `refused()` is thrown.
   */
  also?: { write: TransactPart; refused: () => Error };
}

/** One part of a transaction, as the document client takes it. */
export type TransactPart = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/**
 * A writer's place at the head of a contended thread's queue. A writer that lost a race claims it;
 * the claim goes to the writer that has waited longest (the earliest `since`), and while it is held
 * (until `until`, ms since the epoch) only its holder commits. This makes a contended thread first
 * come, first served instead of a lottery in which an unlucky writer can lose every round.
 *
 * The turn lives on an item of its own (`#TURN`, keys.ts#turnKey), in no index: a claim writes
 * ~100 bytes (1 WCU), not the thread item and its index entries (issue 25). The thread item holds
 * only a *queue mark* (`queueUntil`), set by a claim when it is missing or about to run out (at most
 * about once a QUEUE_MARK_MS per contended thread): while it is live a new writer queues at once, and
 * a commit that holds no turn is refused (it read before the mark and queues then). The holder's
 * commit removes the turn from its item in its transaction, under the condition that the turn is still
 * its own (an UpdateItem, not a DeleteItem: the item stays until its TTL, and no writer of threads
 * needs to delete a thread's items).
 */
export interface Turn {
  id: string;
  /** When the writer's request began (ms since the epoch): the older claim wins. */
  since: number;
  until: number;
}

/** A thread item: the Thread, the cursor its projection resumes from (null on items written without one), and its queue mark. */
export interface ThreadRecord {
  thread: Thread;
  cursor: FoldCursor | null;
  /** The turn held on the thread, as a claim saw it (its item; a plain read of the thread does not read it). */
  turn?: Turn | null;
  /** Until when writers queue on the thread (ms since the epoch; null: no mark). See Turn. */
  queueUntil?: number | null;
  /** How many threads name this one as their parent (null on items written before they were counted). */
  children?: number | null;
  /** The calendar's state (null until `expected` first changes after creation). */
  calendar?: CalendarState | null;
  /**
   * The thread's listing item as stored (items.ts#listingItem: a pure function of the thread, which
   * every write keeps in step), or null for an item written before listing items existed.
   */
  listed?: Record<string, unknown> | null;
}

export interface ThreadHistory {
  thread: Thread | null;
  /** As stored: each with its recorded outlets (a fold's input). */
  updates: StoredUpdate[];
  /** The stored wordings of amended updates, by update id, oldest first, each with its recorded outlets. */
  revisions: Map<string, StoredRevision[]>;
  /** Contract 1.2: the thread's criteria over time, oldest first. */
  criteria: CriteriaRevision[];
}

export interface Page<T> {
  items: T[];
  /** Where to resume, or undefined at the end. */
  lastKey?: Record<string, unknown>;
}

/**
 * An update's facts as a window reads them, with its sources: a writer derives the outlets of an item
 * written before outlets were recorded (`outlets` null) from them, so no write folds such an item as
 * having none (shared/app/threads.ts). Readers fold with the recorded outlets alone.
 */
export interface WindowFacts extends UpdateFacts {
  sources: readonly { url: string }[];
  /** Written by the news inbox's accept (contract 1.2): its copies are the same outlet's story. */
  inboxItem: string | null;
}

/** An update's facts plus whether (and when last) its wording was amended: what the timeline reads. */
export interface TimelineFacts extends WindowFacts {
  revisionCount: number;
  revisedAt: string | null;
  /** Contract 1.2: a key event (false on items written before key events existed). */
  key: boolean;
}

/** The thread item's attribute holding the projection's cursor (not part of the Thread object). */
const CURSOR_ATTRIBUTE = 'fold';

/** An update key as the stored cursor holds it: one string, `<occurredAt> <recordedAt> <id>`. */
const keyText = (k: UpdateKey): string => `${k.occurredAt} ${k.recordedAt} ${k.id}`;
const keyOfText = (text: unknown): UpdateKey => {
  if (typeof text !== 'string') return text as UpdateKey; // the object form of older items
  // The times are ISO instants (no space); the id is the rest, whatever it holds.
  const first = text.indexOf(' ');
  const second = text.indexOf(' ', first + 1);
  return {
    occurredAt: text.slice(0, first),
    recordedAt: text.slice(first + 1, second),
    id: text.slice(second + 1),
  };
};

/**
 * The fold cursor as the thread item stores it: each update key as one string, no empty list of
 * retraction marks, no false overflow. Every byte of the thread item is paid on every write (twice:
 * the transaction), and with a realistic summary the item sits at the 1 KB write unit: this form is
 * about 90 bytes smaller than the object (issue 25; docs/data-model.md, *Index budget*). Items
 * written before hold the object form; `cursorFromItem` reads both.
 */
export const storedCursor = (c: FoldCursor): Record<string, unknown> => ({
  head: keyText(c.head),
  runStart: keyText(c.runStart),
  ...(c.retractions.length > 0 ? { retractions: c.retractions } : {}),
  ...(c.retractionsOverflow ? { retractionsOverflow: true } : {}),
  ...(c.claimed !== undefined ? { claimed: c.claimed } : {}),
  ...(c.unclaimed ? { unclaimed: true } : {}),
});

/** The fold cursor of a stored thread item (either form), or null when it has none. */
export const cursorFromItem = (item: Record<string, unknown>): FoldCursor | null => {
  const raw = item[CURSOR_ATTRIBUTE] as Record<string, unknown> | undefined;
  if (!raw) return null;
  return {
    head: keyOfText(raw.head),
    runStart: keyOfText(raw.runStart),
    retractions: (raw.retractions as FoldCursor['retractions'] | undefined) ?? [],
    retractionsOverflow: raw.retractionsOverflow === true,
    ...(raw.claimed !== undefined ? { claimed: raw.claimed as FoldCursor['claimed'] } : {}),
    ...(raw.unclaimed === true ? { unclaimed: true as const } : {}),
  };
};
/** The turn item's attribute holding the turn. */
const TURN_ATTRIBUTE = 'turn';
/** The thread item's queue mark (see Turn; not part of the Thread object). */
export const QUEUE_ATTRIBUTE = 'queueUntil';
/**
 * How long a queue mark lasts: a claim sets it this far ahead when less than half of it is left, so
 * a contended thread's item (and its index entries) is written for it about once a second, not once
 * a claim; a writer arriving within this after the contention ended queues needlessly once (a claim
 * granted at once: 1 WCU, and its commit gives the turn back: 2 more).
 */
export const QUEUE_MARK_MS = 2_000;
/**
 * The thread item's count of its children (not part of the Thread object): kept by the children's
 * own transactions (ADD ±1 when one attaches or leaves), so "has no children" is a condition a
 * transaction can check. Items written before it existed lack it; hasChildren's index Query covers
 * their children outside a race (docs/data-model.md).
 */
export const CHILDREN_ATTRIBUTE = 'childCount';
/**
 * The thread item's calendar state (domain/calendar.ts; not part of the Thread object): present only
 * once `expected` has changed after creation. Every write carries it over as read.
 */
export const CALENDAR_ATTRIBUTE = 'calendar';

/** The fields the projection reads of an update; DynamoDB still charges the whole item, but less travels. */
const FACTS_PROJECTION = {
  // Claims and outlets too (contract 1.2): who claims what, and the outlets a status rests on. The
  // sources come along for items from before outlets were recorded (WindowFacts).
  ProjectionExpression:
    'id, #status, summary, occurredAt, occurredPrecision, recordedAt, retraction, claimedBy, outlets, #sources, inboxItem',
  ExpressionAttributeNames: { '#status': 'status', '#sources': 'sources' },
};

/**
 * The thread item as a write stores it: the thread with its index keys (items.ts#threadItem), the
 * fold cursor, the count of children and the calendar state. One function for the write path and
 * for an import (shared/app/archive.ts), so an imported thread item is the item a write leaves.
 */
export const storedThreadItem = (
  record: {
    thread: Thread;
    cursor?: FoldCursor | null;
    children?: number | null;
    calendar?: CalendarState | null;
  },
  kinds?: KindRegistry,
): Record<string, unknown> => ({
  ...threadItem(record.thread, kinds),
  ...(record.cursor ? { [CURSOR_ATTRIBUTE]: storedCursor(record.cursor) } : {}),
  ...(typeof record.children === 'number' ? { [CHILDREN_ATTRIBUTE]: record.children } : {}),
  ...(record.calendar ? { [CALENDAR_ATTRIBUTE]: record.calendar } : {}),
});

const toRecord = (item: Record<string, unknown>): ThreadRecord => {
  const thread = toThread(item);
  return {
    thread,
    listed: isLegacyThreadItem(item) ? null : listingItem(thread),
    cursor: cursorFromItem(item),
    queueUntil: typeof item[QUEUE_ATTRIBUTE] === 'number' ? item[QUEUE_ATTRIBUTE] : null,
    children: typeof item[CHILDREN_ATTRIBUTE] === 'number' ? item[CHILDREN_ATTRIBUTE] : null,
    calendar: (item[CALENDAR_ATTRIBUTE] as CalendarState | undefined) ?? null,
  };
};

/** An item returned with an exception: the document client does not unmarshall those. */
const recordOf = (item: Record<string, AttributeValue> | undefined): ThreadRecord | null =>
  item && item.version ? toRecord(unmarshall(item)) : null;

const toFacts = (item: Record<string, unknown>): WindowFacts => ({
  id: String(item.id),
  status: (item.status as string | null | undefined) ?? null,
  summary: String(item.summary),
  occurredAt: String(item.occurredAt),
  occurredPrecision: (item.occurredPrecision as Precision | undefined) ?? 'instant',
  recordedAt: String(item.recordedAt),
  retraction: (item.retraction as { retractedAt: string } | null | undefined) ?? null,
  claimedBy: (item.claimedBy as string | undefined) ?? null,
  outlets: recordedOutletsOf(item),
  sources: (item.sources as { url: string }[] | undefined) ?? [],
  inboxItem: (item.inboxItem as string | undefined) ?? null,
});

export class ThreadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Eventually consistent: half the cost, and fine for reads that revalidate by ETag. */
  async getThread(id: string): Promise<Thread | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: threadKey(id) }));
    return Item ? toThread(Item) : null;
  }

  /** For writes that need only the thread item: the version they condition on must be the latest. */
  async getThreadConsistent(id: string): Promise<Thread | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: threadKey(id), ConsistentRead: true }),
    );
    return Item ? toThread(Item) : null;
  }

  /**
   * The thread and all its updates in one Query of its partition (the thread item sorts first).
   * Writes read consistently: the version they condition on must be the latest.
   */
  async loadHistory(id: string, consistent = true): Promise<ThreadHistory> {
    let thread: Thread | null = null;
    const updates: StoredUpdate[] = [];
    const revisions = new Map<string, StoredRevision[]>();
    const criteria: Record<string, unknown>[] = [];
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': threadPk(id) },
      ConsistentRead: consistent,
    });
    for (const item of items) {
      if (item.SK === THREAD_SK) thread = toThread(item);
      else if (typeof item.SK === 'string' && item.SK.startsWith(UPDATE_PREFIX))
        updates.push(toStoredUpdate(item));
      else if (typeof item.SK === 'string' && item.SK.startsWith(REVISION_PREFIX)) {
        // SK order is revision order (zero-padded numbers), so each list comes out oldest first.
        const updateId = item.SK.slice(REVISION_PREFIX.length).split('#')[0]!;
        revisions.set(updateId, [...(revisions.get(updateId) ?? []), toStoredRevision(item)]);
      } else if (typeof item.SK === 'string' && item.SK.startsWith(CRITERIA_PREFIX)) criteria.push(item);
    }
    return { thread, updates, revisions, criteria: toCriteriaRevisions(criteria) };
  }

  /** Contract 1.2: the thread's criteria over time, oldest first (one Query of their key range). */
  async getCriteria(threadId: string, consistent = false): Promise<CriteriaRevision[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': threadPk(threadId), ':p': CRITERIA_PREFIX },
      ConsistentRead: consistent,
    });
    return toCriteriaRevisions(items);
  }

  /** The thread item with its fold cursor: what a write (consistent) or a historical view reads first. */
  async getThreadRecord(id: string, consistent = true): Promise<ThreadRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: threadKey(id), ConsistentRead: consistent }),
    );
    return Item ? toRecord(Item) : null;
  }

  /**
   * A thread's updates occurred at or after (`inclusive`) / after `occurredAt`, oldest first, all pages:
   * the window a late report, a retraction or a view `asOf` folds. Reads the local index, so it can
   * be consistent; only what the projection needs travels back.
   */
  async updatesFrom(
    threadId: string,
    occurredAt: string,
    inclusive: boolean,
    consistent = true,
  ): Promise<WindowFacts[]> {
    const out: WindowFacts[] = [];
    for await (const page of this.pages(
      this.window(threadId, 'LSI1SK > :b', inclusive ? occurredAt : `${occurredAt}$`, true, consistent),
      null,
    ))
      out.push(...page);
    return out;
  }

  /**
   * Pages of a thread's updates occurred before / at or before (`inclusive`) `occurredAt`, newest
   * first: what a resumed fold needs of the updates before its point, read only as far as it asks.
   * LSI1SK is `<occurredAt>#<ulid>` and an update's ULID encodes its recordedAt, so this is
   * compareUpdates order.
   */
  updatesBefore(
    threadId: string,
    occurredAt: string,
    inclusive: boolean,
    consistent = true,
  ): AsyncGenerator<WindowFacts[]> {
    return this.pages(
      this.window(threadId, 'LSI1SK < :b', inclusive ? `${occurredAt}$` : occurredAt, false, consistent),
    );
  }

  /** Pages of a thread's updates, newest recorded first (the table's sort key is the ULID); the first page holds `expected`. */
  updatesByRecordedDesc(
    threadId: string,
    expected: number,
    consistent = true,
  ): AsyncGenerator<WindowFacts[]> {
    return this.pages(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :b)',
        ExpressionAttributeValues: { ':pk': threadPk(threadId), ':b': UPDATE_PREFIX },
        ...FACTS_PROJECTION,
        ScanIndexForward: false,
        ConsistentRead: consistent,
      },
      expected,
    );
  }

  /**
   * Pages of a thread's updates through LSI1 (`<occurredAt>#<ulid>`), strictly after (`forward`) or
   * strictly before `bound`: what the scenario timeline reads of each thread, from where a page
   * resumes. Pages start small and grow, as the timeline usually needs only the next few.
   */
  async *updatesAroundKey(
    threadId: string,
    bound: string,
    forward: boolean,
    consistent = false,
  ): AsyncGenerator<TimelineFacts[]> {
    let start: Record<string, unknown> | undefined;
    let limit = 4;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byOccurred,
          KeyConditionExpression: `PK = :pk AND LSI1SK ${forward ? '>' : '<'} :b`,
          ExpressionAttributeValues: { ':pk': threadPk(threadId), ':b': bound },
          ProjectionExpression: `${FACTS_PROJECTION.ProjectionExpression}, revisionCount, revisedAt, #key`,
          // `key` is a reserved word of DynamoDB's expressions.
          ExpressionAttributeNames: { ...FACTS_PROJECTION.ExpressionAttributeNames, '#key': 'key' },
          ScanIndexForward: forward,
          ConsistentRead: consistent,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      );
      yield (page.Items ?? []).map((item) => ({
        ...toFacts(item),
        revisionCount: Number(item.revisionCount ?? 0),
        revisedAt: (item.revisedAt as string | null | undefined) ?? null,
        key: item.key === true,
      }));
      start = page.LastEvaluatedKey;
      limit = Math.min(limit * 4, 1000);
    } while (start);
  }

  private window(
    threadId: string,
    condition: string,
    bound: string,
    forward: boolean,
    consistent: boolean,
  ): QueryCommandInput {
    return {
      TableName: this.table,
      IndexName: INDEX.byOccurred,
      KeyConditionExpression: `PK = :pk AND ${condition}`,
      ExpressionAttributeValues: { ':pk': threadPk(threadId), ':b': bound },
      ...FACTS_PROJECTION,
      ScanIndexForward: forward,
      ConsistentRead: consistent,
    };
  }

  /**
   * Query pages. A walk back usually stops after an update or two, so its first pages are small and
   * grow fourfold; `first` null reads whole (1 MB) pages, for windows read to their end.
   */
  private async *pages(input: QueryCommandInput, first: number | null = 2): AsyncGenerator<WindowFacts[]> {
    let start: Record<string, unknown> | undefined;
    let limit = first === null ? undefined : Math.max(1, first);
    do {
      const page = await this.db.send(
        new QueryCommand({ ...input, ...(limit ? { Limit: limit } : {}), ExclusiveStartKey: start }),
      );
      yield (page.Items ?? []).map(toFacts);
      start = page.LastEvaluatedKey;
      if (limit) limit = Math.min(limit * 4, 1000);
    } while (start);
  }

  /**
   * Every update of a thread, oldest occurred first (LSI1: `<occurredAt>#<ulid>`), one bounded page
   * at a time: what the export streams, so no more than a page of a thread is ever held.
   */
  async *updatesInOccurredOrder(threadId: string, pageSize: number): AsyncGenerator<Update[]> {
    const pages = queryPages(this.db, {
      TableName: this.table,
      IndexName: INDEX.byOccurred,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': threadPk(threadId) },
      ScanIndexForward: true,
      Limit: pageSize,
    });
    for await (const items of pages) yield items.map(toUpdate);
  }

  /**
   * The scenario's threads (not archived) that have or had an expected event, with their calendar
   * state: every thread of the scenario's list partition (GSI1, all pages: listing items, then the
   * threads by key), the others dropped here. Costs what a board costs: the scenario's thread items.
   */
  async calendarThreads(scenario: string): Promise<{ thread: Thread; calendar: CalendarState | null }[]> {
    const out: { thread: Thread; calendar: CalendarState | null }[] = [];
    const listed = await queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byScenario,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': scenarioPk(scenario) },
    });
    for (const item of await threadsOfListings(this.db, this.table, listed)) {
      const calendar = (item[CALENDAR_ATTRIBUTE] as CalendarState | undefined) ?? null;
      const thread = toThread(item);
      if (thread.expected !== null || calendar !== null) out.push({ thread, calendar });
    }
    return out;
  }

  /** The stored wordings of one update, oldest first (none until its first amendment). */
  async getRevisions(threadId: string, updateId: string, consistent = false): Promise<Revision[]> {
    const out: Revision[] = [];
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': threadPk(threadId), ':p': revisionsPrefix(updateId) },
      ConsistentRead: consistent,
    });
    out.push(...items.map(toRevision));
    return out;
  }

  /** An update as its item stores it, recorded outlets included: what a write of the update starts from. */
  async getStoredUpdate(threadId: string, updateId: string, consistent = true): Promise<StoredUpdate | null> {
    const item = await this.updateItemOf(threadId, updateId, consistent);
    return item ? toStoredUpdate(item) : null;
  }

  async getUpdate(threadId: string, updateId: string, consistent = false): Promise<Update | null> {
    const item = await this.updateItemOf(threadId, updateId, consistent);
    return item ? toUpdate(item) : null;
  }

  private async updateItemOf(
    threadId: string,
    updateId: string,
    consistent: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: updateKey(threadId, updateId),
        ConsistentRead: consistent,
      }),
    );
    return Item;
  }

  /**
   * A thread's updates, newest occurred time first, through the local index. A page may be short:
   * DynamoDB stops a Query at 1 MB (about 65 updates of 15 KB), and then the page ends there with a
   * resume key. Only the absence of a resume key means the history is over.
   */
  async listUpdates(
    threadId: string,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<Page<Update>> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.byOccurred,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': threadPk(threadId) },
        ScanIndexForward: false,
        // Local indexes can be read consistently, so a page always matches the thread's version.
        ConsistentRead: true,
        // One more than asked tells us whether another page exists without an empty last page.
        Limit: limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = Items.slice(0, limit);
    const last = items[items.length - 1];
    // More than asked for, or stopped early (at Limit, or at 1 MB with fewer than asked).
    const more = Items.length > limit || LastEvaluatedKey !== undefined;
    const lastKey = !more
      ? undefined
      : last
        ? { PK: last.PK, SK: last.SK, LSI1SK: last.LSI1SK }
        : LastEvaluatedKey;
    return { items: items.map(toUpdate), lastKey };
  }

  /**
   * Whether any thread names this one as its parent: one Query of the sparse parent index, at most
   * one item. Eventually consistent (a GSI): a child attached in the last instant may be missed.
   */
  async hasChildren(id: string): Promise<boolean> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.byParent,
        KeyConditionExpression: 'GSI10PK = :pk',
        ExpressionAttributeValues: { ':pk': parentPk(id) },
        ProjectionExpression: 'PK',
        Limit: 1,
      }),
    );
    return Items.length > 0;
  }

  /** Threads ordered by id, each filter served by its own index (shared/store/thread-lists.ts). */
  listThreads(filter: ThreadFilter, limit: number, from?: ListPosition): Promise<ThreadPage> {
    return new ThreadLists(this.db, this.table).list(filter, limit, from);
  }

  /**
   * Claim the turn on a thread (see Turn): granted when none is held, the held one ran out, is ours,
   * or is younger than ours. Writes the turn item (the claim), reads the thread item (consistent, at
   * the same time), and sets the thread's queue mark when it is missing or half run out. Returns the
   * thread item as it is now, with the turn as the claim left or found it, or null when the thread
   * does not exist.
   */
  async claimTurn(threadId: string, turn: Turn): Promise<{ record: ThreadRecord | null; granted: boolean }> {
    const now = Date.now();
    const claim = this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: turnKey(threadId),
          // The item goes when its turn is long over (DynamoDB's TTL), if no commit deleted it.
          UpdateExpression: 'SET #turn = :turn, #ttl = :ttl',
          ConditionExpression:
            'attribute_not_exists(#turn) OR #turn.#until < :now OR #turn.#id = :id OR #turn.#since > :since',
          ExpressionAttributeNames: {
            '#turn': TURN_ATTRIBUTE,
            '#ttl': TTL_ATTRIBUTE,
            '#until': 'until',
            '#id': 'id',
            '#since': 'since',
          },
          ExpressionAttributeValues: {
            ':turn': turn,
            ':ttl': Math.floor(turn.until / 1000) + 3_600,
            ':now': now,
            ':id': turn.id,
            ':since': turn.since,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .then(
        () => ({ granted: true, held: turn }),
        (error: unknown) => {
          if (error instanceof ConditionalCheckFailedException) {
            const old = error.Item ? unmarshall(error.Item) : undefined;
            return { granted: false, held: (old?.[TURN_ATTRIBUTE] as Turn | undefined) ?? null };
          }
          // A transaction on the item was in flight (DynamoDB, not Local): nothing was written, ask again.
          if (error instanceof Error && error.name === 'TransactionConflictException')
            throw new TransientConflict();
          throw error;
        },
      );
    const [{ granted, held }, record] = await Promise.all([claim, this.getThreadRecord(threadId)]);
    if (!record) return { record: null, granted };
    const queueUntil = await this.markQueue(threadId, record.queueUntil ?? null, now);
    return { record: { ...record, turn: held, queueUntil }, granted };
  }

  /** Set the thread's queue mark QUEUE_MARK_MS ahead when it is missing or half run out (see Turn); returns it. */
  private async markQueue(threadId: string, current: number | null, now: number): Promise<number | null> {
    if (current !== null && current - now > QUEUE_MARK_MS / 2) return current;
    const until = now + QUEUE_MARK_MS;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: threadKey(threadId),
          UpdateExpression: 'SET #queue = :until',
          // Never moves it back (another claim may have set it further meanwhile).
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#queue) OR #queue < :until)',
          ExpressionAttributeNames: { '#queue': QUEUE_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': until },
        }),
      );
      return until;
    } catch (error) {
      // Set further by another claim, or a transaction on the item in flight: the mark is there or comes.
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof Error && error.name === 'TransactionConflictException')
      )
        return current;
      throw error;
    }
  }

  /** The turn held on a thread (its item), or null: for tests and diagnostics; writers learn it by claiming. */
  async getTurn(threadId: string): Promise<Turn | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: turnKey(threadId), ConsistentRead: true }),
    );
    return (Item?.[TURN_ATTRIBUTE] as Turn | undefined) ?? null;
  }

  /** Give a turn back early (a write that holds it and then refuses): best effort, it runs out anyway. */
  async releaseTurn(threadId: string, turnId: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: turnKey(threadId),
          UpdateExpression: 'REMOVE #turn',
          ConditionExpression: '#turn.#id = :id',
          ExpressionAttributeNames: { '#turn': TURN_ATTRIBUTE, '#id': 'id' },
          ExpressionAttributeValues: { ':id': turnId },
        }),
      )
      .catch(() => undefined);
  }

  /**
   * Commit one write to a thread atomically: the thread item (conditional on the version read), the
   * update it concerns, the notifications it causes (outbox) and the idempotency record's completion.
   * Either all of it lands or none of it does.
   */
  async commit(write: ThreadWrite): Promise<void> {
    const now = Date.now();
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    items.push({
      Put: {
        TableName: this.table,
        Item: {
          ...storedThreadItem(write, write.kinds),
          // The queue mark lasts while it lasts: writers still queue behind this commit.
          ...(typeof write.queueUntil === 'number' && write.queueUntil > now
            ? { [QUEUE_ATTRIBUTE]: write.queueUntil }
            : {}),
        },
        ...(write.expectedVersion === null
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : {
              // The version we read; no live queue mark unless we hold the turn (its item's Update
              // below checks that); and the count of children we read (a child attaching changes only that).
              ConditionExpression: `version = :v AND ${
                write.turn !== undefined ? '' : '(attribute_not_exists(#queue) OR #queue < :now) AND '
              }${typeof write.children === 'number' ? '#children = :children' : 'attribute_not_exists(#children)'}`,
              ExpressionAttributeNames: {
                ...(write.turn !== undefined ? {} : { '#queue': QUEUE_ATTRIBUTE }),
                '#children': CHILDREN_ATTRIBUTE,
              },
              ExpressionAttributeValues: {
                ':v': write.expectedVersion,
                ...(write.turn !== undefined ? {} : { ':now': now }),
                ...(typeof write.children === 'number' ? { ':children': write.children } : {}),
              },
              // The loser of a race gets the winner's item back in the cancellation: its retry reads nothing.
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            }),
      },
    });
    // The list indexes follow the thread through its listing item, in the same transaction.
    const listing = listingItem(write.thread);
    if (!write.listed || !sameListing(write.listed, listing))
      items.push({ Put: { TableName: this.table, Item: listing } });
    if (write.update) {
      items.push({
        Put: {
          TableName: this.table,
          Item: updateItem(write.update),
          ...(write.updateIsNew
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'attribute_exists(PK)' }),
        },
      });
    }
    for (const revision of write.update ? (write.revisions ?? []) : []) {
      items.push({
        Put: {
          TableName: this.table,
          Item: revisionItem(write.update!.threadId, write.update!.id, revision),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    if (write.criteria) {
      items.push({
        Put: {
          TableName: this.table,
          Item: criteriaItem(write.thread.id, write.thread.version, write.criteria),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    // The notifications (the stream relays them), the first carrying the write's changes.
    for (const item of outboxItems(write.events ?? [], write.changes ?? [], Date.now()))
      items.push({ Put: { TableName: this.table, Item: item } });
    const parentAt = write.parentCheck ? items.length : -1;
    if (write.parentCheck) {
      // The parent still qualifies when this lands, and counts one more child; a parent whose own
      // write read its count of children before this lands is then refused (its Put's condition).
      items.push({
        Update: {
          TableName: this.table,
          Key: threadKey(write.parentCheck.id),
          UpdateExpression: 'ADD #children :one',
          ConditionExpression:
            'attribute_exists(PK) AND scenario = :scenario AND (attribute_not_exists(#parent) OR #parent = :none)',
          ExpressionAttributeNames: { '#parent': 'parent', '#children': CHILDREN_ATTRIBUTE },
          ExpressionAttributeValues: { ':scenario': write.parentCheck.scenario, ':none': null, ':one': 1 },
        },
      });
    }
    if (write.detachFrom !== undefined) {
      // May go below zero on a parent whose children attached before they were counted: "no
      // children" is then a count of at most zero together with the index Query (hasChildren).
      items.push({
        Update: {
          TableName: this.table,
          Key: threadKey(write.detachFrom),
          UpdateExpression: 'ADD #children :minusOne',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#children': CHILDREN_ATTRIBUTE },
          ExpressionAttributeValues: { ':minusOne': -1 },
        },
      });
    }
    const draftAt = write.publishes && write.update ? items.length : -1;
    if (write.publishes && write.update) {
      const { draftId, publishedAt, publishedBy } = write.publishes;
      items.push({
        Update: {
          TableName: this.table,
          Key: draftKey(write.update.threadId, draftId),
          UpdateExpression: 'SET #as = :as, publishedAt = :at, publishedBy = :by REMOVE GSI1PK, GSI1SK',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#as)',
          ExpressionAttributeNames: { '#as': PUBLISHED_AS },
          ExpressionAttributeValues: { ':as': write.update.id, ':at': publishedAt, ':by': publishedBy },
        },
      });
    }
    // The holder gives its turn back with the commit, which lands only while the turn is its own.
    const turnAt = write.turn !== undefined && write.expectedVersion !== null ? items.length : -1;
    if (turnAt >= 0) {
      items.push({
        Update: {
          TableName: this.table,
          Key: turnKey(write.thread.id),
          UpdateExpression: 'REMOVE #turn',
          ConditionExpression: '#turn.#id = :turn',
          ExpressionAttributeNames: { '#turn': TURN_ATTRIBUTE, '#id': 'id' },
          ExpressionAttributeValues: { ':turn': write.turn },
        },
      });
    }
    const alsoAt = write.also ? items.length : -1;
    if (write.also) items.push(write.also.write);
    const idem = write.idempotency;
    if (idem) items.push({ Put: completionPut(this.table, idem) });
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const first = reasons[0];
        if (first?.Code === 'ConditionalCheckFailed') {
          if (write.expectedVersion === null) throw new ThreadAlreadyExists();
          throw new VersionConflict(recordOf(first.Item as Record<string, AttributeValue> | undefined));
        }
        if (idem && reasons[reasons.length - 1]?.Code === 'ConditionalCheckFailed')
          throw new IdempotencyClaimLost();
        if (parentAt >= 0 && reasons[parentAt]?.Code === 'ConditionalCheckFailed') throw new ParentChanged();
        if (draftAt >= 0 && reasons[draftAt]?.Code === 'ConditionalCheckFailed')
          throw new DraftNoLongerWaiting();
        // Our turn ran out and another writer holds it now: the thread did not change, queue again.
        if (turnAt >= 0 && reasons[turnAt]?.Code === 'ConditionalCheckFailed')
          throw new VersionConflict(null, true);
        if (alsoAt >= 0 && reasons[alsoAt]?.Code === 'ConditionalCheckFailed') throw write.also!.refused();
        if (reasons.some((r) => r.Code === 'TransactionConflict')) throw new TransientConflict();
      }
      throw error;
    }
  }
}
