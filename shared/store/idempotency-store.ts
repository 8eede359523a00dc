import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { InboxItem } from '../domain/inbox';
import { SOURCE_FIELDS, type Source } from '../domain/sources';
import type { Draft, Scenario, Thread } from '../domain/types';
import { toDraft, toScenario, toThread } from './items';
import { idempotencyKey } from './keys';
import { TTL_ATTRIBUTE } from './table';

/**
 * What a completed write produced, by reference: enough to present its first response again
 * without keeping a copy of it. The thread as the write left it (a thread item is small, and the
 * thread item itself moves on), and the update the write concerned, by id, with whether it was
 * retracted then: its text lives in its own item, which never changes but for its one retraction.
 */
export interface ThreadOutcome {
  thread: Thread;
  /**
   * `revision`: the update's revisionCount then (absent on records from before amendments: 0).
   * `threadSummary`: the thread's summary was this update's then (an in-order update: the usual
   * case), so the record leaves it out and a replay takes it from the update at that revision — a
   * realistic summary would otherwise take the record past 1 KB, and a transaction pays double
   * for every KB (issue 25: +5 WCU → +3).
   */
  update?: { id: string; retracted: boolean; revision?: number; threadSummary?: boolean };
  /**
   * A draft the write stored (contract 1.2): kept whole, since its item may be published or
   * discarded before a replay, and it never changes while it waits.
   */
  draft?: Draft;
}

/** A created scenario, as the write left it (its item moves on with every recount). */
export interface ScenarioOutcome {
  scenario: Scenario;
}

/** A created news source (contract 1.2), as the write left it (its item moves on with every fetch). */
export interface SourceOutcome {
  source: Source;
}

/**
 * An inbox item as a write answered it (contract 1.2), kept whole so a replay is the first answer
 * even after the item gained duplicates. `created`: a push that made it (201) or found it (200);
 * absent on a decision.
 */
export interface InboxOutcome {
  inboxItem: InboxItem;
  created?: boolean;
}

/** What a fetch of a news source came to (`POST /sources/{id}/fetch`), kept whole: it is small. */
export interface FetchedOutcome {
  fetchReport: { fetchedAt: string; result: number | string; newItems: number };
}

export type WriteOutcome = ThreadOutcome | ScenarioOutcome | SourceOutcome | InboxOutcome | FetchedOutcome;

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'completed'; bodyHash: string; outcome: WriteOutcome }
  | { kind: 'in_progress'; bodyHash: string };

/** The completion a write puts inside its own transaction (shared/store/thread-store.ts `commit`). */
export interface IdempotencyCompletion {
  keyHash: string;
  claimId: string;
  bodyHash: string;
  outcome: WriteOutcome;
  ttlSeconds: number;
}

/**
 * What a completed record keeps of an outcome: a thread write's update by reference (a replay reads
 * it again), and its thread without the summary when that is the update's own; any other outcome
 * whole, under its own name (an inbox push's `created` as `inboxCreated`).
 */
function recordOf(o: WriteOutcome): Record<string, unknown> {
  if ('inboxItem' in o)
    return { inboxItem: o.inboxItem, ...(o.created !== undefined ? { inboxCreated: o.created } : {}) };
  if (!('thread' in o)) return { ...o };
  return {
    thread: o.update?.threadSummary ? { ...o.thread, summary: undefined } : o.thread,
    ...(o.update
      ? {
          updateId: o.update.id,
          updateRetracted: o.update.retracted,
          updateRevision: o.update.revision ?? 0,
          ...(o.update.threadSummary ? { summaryFromUpdate: true } : {}),
        }
      : {}),
    ...(o.draft ? { draft: o.draft } : {}),
  };
}

/**
 * The completed record, and the condition that makes it (and so the whole write it travels with)
 * land only while the claim it completes still stands.
 */
export function completionPut(table: string, c: IdempotencyCompletion) {
  return {
    TableName: table,
    Item: {
      ...idempotencyKey(c.keyHash),
      state: 'completed',
      bodyHash: c.bodyHash,
      ...recordOf(c.outcome),
      [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + c.ttlSeconds,
    },
    ConditionExpression: 'claimId = :claim',
    ExpressionAttributeValues: { ':claim': c.claimId },
  };
}

/**
 * Idempotency records. A request first claims its key (a conditional put); the write it guards
 * completes the record inside the same transaction as the write itself, so a crash can never leave
 * a write without its record or the reverse. A claim whose request died expires after the lock
 * time; DynamoDB's TTL removes records a day later (and records past their TTL count as absent,
 * since TTL deletion lags).
 */
export class IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(
    keyHash: string,
    claimId: string,
    bodyHash: string,
    lockSeconds: number,
    ttlSeconds: number,
  ): Promise<ClaimResult> {
    const nowSec = Math.floor(Date.now() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...idempotencyKey(keyHash),
            state: 'in_progress',
            claimId,
            bodyHash,
            lockExpiresAt: nowSec + lockSeconds,
            [TTL_ATTRIBUTE]: nowSec + ttlSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR #ttl < :now OR (#state = :inProgress AND lockExpiresAt < :now)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSec, ':inProgress': 'in_progress' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const old = unmarshallLoose(error.Item);
      if (old.state === 'completed')
        return { kind: 'completed', bodyHash: String(old.bodyHash), outcome: outcomeOf(old) };
      // Our own claim: an attempt that timed out had landed, and the SDK's retry found it.
      if (old.claimId === claimId) return { kind: 'claimed' };
      return { kind: 'in_progress', bodyHash: String(old.bodyHash) };
    }
  }

  /**
   * Complete a claim after its write, for a write that is safe to repeat by itself (an inbox push
   * finds the item it made; a fetch only fetches again): the record is not in the write's
   * transaction. False when the claim is no longer this request's.
   */
  async complete(completion: IdempotencyCompletion): Promise<boolean> {
    try {
      await this.db.send(new PutCommand(completionPut(this.table, completion)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Give the key back after a failed request, so it may be corrected and retried: only while it is
   * still this request's unfinished claim (see shared/http/idempotency.ts for why that is safe even
   * when the write's outcome is unknown).
   */
  async release(keyHash: string, claimId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: idempotencyKey(keyHash),
          ConditionExpression: 'claimId = :c AND #state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':c': claimId, ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function outcomeOf(record: Record<string, unknown>): WriteOutcome {
  if (typeof record.fetchReport === 'object' && record.fetchReport !== null) {
    const r = record.fetchReport as Record<string, unknown>;
    return {
      fetchReport: {
        fetchedAt: String(r.fetchedAt),
        result: typeof r.result === 'number' ? r.result : String(r.result),
        newItems: Number(r.newItems),
      },
    };
  }
  // A map comes back in no particular key order: the route puts the item's fields in order.
  if (typeof record.inboxItem === 'object' && record.inboxItem !== null)
    return {
      inboxItem: record.inboxItem as InboxItem,
      ...(typeof record.inboxCreated === 'boolean' ? { created: record.inboxCreated } : {}),
    };
  if (typeof record.source === 'object' && record.source !== null)
    return {
      // In the contract's field order, as the first response gave it.
      source: Object.fromEntries(
        SOURCE_FIELDS.map((f) => [f, (record.source as Record<string, unknown>)[f] ?? null]),
      ) as unknown as Source,
    };
  if (typeof record.scenario === 'object' && record.scenario !== null)
    return { scenario: toScenario(record.scenario as Record<string, unknown>) };
  if (typeof record.thread !== 'object' || record.thread === null)
    throw new Error('idempotency record without its thread');
  const thread = toThread(record.thread as Record<string, unknown>);
  if (typeof record.draft === 'object' && record.draft !== null)
    return { thread, draft: toDraft(record.draft as Record<string, unknown>) };
  return typeof record.updateId === 'string'
    ? {
        thread,
        update: {
          id: record.updateId,
          retracted: record.updateRetracted === true,
          revision: Number(record.updateRevision ?? 0),
          ...(record.summaryFromUpdate === true ? { threadSummary: true } : {}),
        },
      }
    : { thread };
}

// The exception carries the raw attribute map; the document client does not unmarshall it for us.
const unmarshallLoose = (item: Record<string, unknown>) =>
  unmarshall(item as Parameters<typeof unmarshall>[0]) as Record<string, unknown>;
