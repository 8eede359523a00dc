import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import {
  AlreadyRetractedError,
  CannotRetractLastStatusError,
  IdempotencyInProgressError,
  InvalidParentError,
  InvalidStatusError,
  NotADraftError,
  NotFoundError,
  PreconditionFailedError,
  SameEditorError,
  ThreadExistsError,
} from '../domain/errors';
import { calendarAfterChange } from '../domain/calendar';
import type { VersionPrecondition } from '../domain/precondition';
import type { KindRegistry } from '../domain/kinds';
import { cursorOf, foldAll, resumeFold, stateOf, type Fold } from '../domain/projection';
import {
  addUpdate,
  amendUpdate as refoldAmended,
  retractUpdate as refold,
  type HistoryWindows,
} from '../domain/resume';
import { outletsOf } from '../domain/outlets';
import { changesWording, type Wording } from '../domain/revisions';
import type {
  AmendUpdateInput,
  CreateThreadInput,
  CreateUpdateInput,
  OccurredInput,
  PatchThreadInput,
} from '../domain/schemas';
import { scenariosToRecount } from '../domain/scenario-counts';
import { nowUtc, type PreciseTime } from '../domain/time';
import type {
  Draft,
  Expected,
  Principal,
  StoredRevision,
  StoredUpdate,
  Thread,
  ThreadState,
  Update,
} from '../domain/types';
import {
  statusChanged,
  threadChanged,
  threadCreated,
  updateAmended,
  updatePosted,
  updateRetracted,
  type TrackerEvent,
} from '../domain/event';
import {
  amendedChanges,
  createdChanges,
  patchedChanges,
  postedChanges,
  retractedChanges,
  touchedChange,
} from '../domain/changes';
import {
  IdempotencyClaimLost,
  ThreadAlreadyExists,
  TransientConflict,
  VersionConflict,
  type ThreadRecord,
  type ThreadWrite,
  type Turn,
  type WindowFacts,
} from '../store/thread-store';
import type { WriteOutcome } from '../store/idempotency-store';
import { count, logger } from '../observability';
import type { AppContext } from './context';
import type { ThreadReads } from './thread-views';

/**
 * What a thread write takes: the stores it reads and commits to, and where its recounts go. Its events
 * commit in its transaction (the outbox); the table's stream carries them on (shared/app/outbox-relay.ts).
 */
export type ThreadWrites = Pick<AppContext, 'config' | 'threads' | 'scenarios' | 'kinds' | 'recounts'>;
import { ensureScenario } from './scenarios';
import { WriteBudget, type RequestClock } from './write-budget';

export const DEFAULT_STALE_AFTER_HOURS = 168;

/** What an idempotent request holds while it runs: completing it is part of the write's transaction. */
export interface IdempotencyTicket {
  keyHash: string;
  claimId: string;
  bodyHash: string;
}

export interface WriteOptions {
  principal: Principal;
  /** The client's If-Match, parsed: a lost race is then its 412, not a retry. */
  ifMatch?: VersionPrecondition;
  idempotency?: IdempotencyTicket;
  /** When the request arrived (and must be answered by): the write budget runs from there. */
  clock?: RequestClock;
  /** One more write that commits with this one, made from its result (accepting an inbox item). */
  also?: (result: WriteResult) => NonNullable<ThreadWrite['also']>;
}

/** A write's outcome: the thread after it, and the update it concerned (if any). */
export interface WriteResult {
  thread: Thread;
  update?: Update;
  /** A draft the request stored instead of an update (contract 1.2): the thread is as it was. */
  draft?: Draft;
}

/** What the idempotency record keeps of a result: the thread, and the update by reference. */
export const outcomeOf = (result: WriteResult): WriteOutcome => ({
  thread: result.thread,
  ...(result.draft ? { draft: result.draft } : {}),
  ...(result.update
    ? {
        update: {
          id: result.update.id,
          retracted: result.update.retracted,
          revision: result.update.revisionCount,
          // The thread's summary is this update's (an in-order update): kept by reference.
          ...(result.thread.summary === result.update.summary ? { threadSummary: true } : {}),
        },
      }
    : {}),
});

type Decision = Omit<ThreadWrite, 'expectedVersion' | 'idempotency' | 'kinds'> & {
  /** Nothing changed: answer with the thread as read, write nothing (the version stays). */
  unchanged?: boolean;
  /** The thread moved to this scenario: created after the commit if missing. */
  movedTo?: string;
};

/** What the write decided from: the thread item as read (consistently) and its fold cursor. */
type Decide = (record: ThreadRecord, now: string) => Decision | Promise<Decision>;

/** An occurred time as given: parsed with its precision, or a full time from an internal caller; absent means now. */
const occurredOf = (given: OccurredInput | undefined, now: string): PreciseTime =>
  given === undefined
    ? { at: now, precision: 'instant' }
    : typeof given === 'string'
      ? { at: given, precision: 'instant' }
      : given;

function newUpdate(
  threadId: string,
  input: CreateUpdateInput,
  principal: Principal,
  now: string,
): StoredUpdate {
  const occurred = occurredOf(input.occurredAt, now);
  return {
    id: ulid(Date.parse(now)),
    threadId,
    status: input.status ?? null,
    summary: input.summary,
    occurredAt: occurred.at,
    occurredPrecision: occurred.precision,
    recordedAt: now,
    postedBy: principal.name,
    sources: input.sources ?? [],
    quotes: input.quotes ?? [],
    retracted: false,
    retraction: null,
    revisedAt: null,
    revisedBy: null,
    revisionCount: 0,
    key: false,
    claimedBy: input.claimedBy ?? null,
    ...(input.inboxItem !== undefined ? { inboxItem: input.inboxItem } : {}),
    outlets: outletsOf(input),
  };
}

/**
 * An update as a write folds and stores it: with its recorded outlets, derived from its sources when
 * its item is from before outlets were recorded (the writer loads the Public Suffix List anyway; a
 * reader never does), so no write stores a fold or an item that counts such an update's outlets as none.
 */
const withOutletsRecorded = <
  U extends {
    outlets: readonly string[] | null;
    sources: readonly { url: string }[];
    inboxItem?: string | null;
  },
>(
  u: U,
): U & { outlets: string[] } =>
  u.outlets !== null ? (u as U & { outlets: string[] }) : { ...u, outlets: outletsOf(u) };

/**
 * The thread after a change to its history: recomputed by the one projection, refreshed, one version
 * on. A live update occurred at or after `expected.at` (the projection's latest one is) means the
 * expected thing happened: that clears `overdue`.
 */
function refreshed(thread: Thread, state: ThreadState, now: string): Thread {
  const happened = thread.expected !== null && state.lastOccurredAt >= thread.expected.at;
  return {
    ...thread,
    ...state,
    version: thread.version + 1,
    stale: false,
    staleSince: null,
    updatedAt: now,
    ...(thread.overdue && happened ? { overdue: false, overdueSince: null } : {}),
  };
}

/** The windows a write folds: consistent, and every update with its outlets (withOutletsRecorded). */
const writeWindowsOf = (ctx: ThreadReads, threadId: string): HistoryWindows => {
  const recorded = async function* (pages: AsyncIterable<WindowFacts[]>) {
    for await (const page of pages) yield page.map(withOutletsRecorded);
  };
  return {
    from: async (occurredAt, inclusive) =>
      (await ctx.threads.updatesFrom(threadId, occurredAt, inclusive, true)).map(withOutletsRecorded),
    before: (occurredAt, inclusive) =>
      recorded(ctx.threads.updatesBefore(threadId, occurredAt, inclusive, true)),
    byRecordedDesc: (expected) => recorded(ctx.threads.updatesByRecordedDesc(threadId, expected, true)),
    all: async () => (await ctx.threads.loadHistory(threadId, true)).updates.map(withOutletsRecorded),
  };
};

/**
 * The fold a write resumes from: the one stored on the thread item, or — for an item written before
 * cursors existed, or by an older version of the code — the fold of the whole history, read once
 * (the write then stores the cursor, and the next write resumes from it).
 */
async function foldFor(ctx: ThreadReads, record: ThreadRecord): Promise<Fold> {
  return (
    resumeFold(record.thread, record.cursor) ?? foldAll(await writeWindowsOf(ctx, record.thread.id).all())
  );
}

/** The Decision of a write that changed the thread's history, from the fold after it. */
function historyChange(
  thread: Thread,
  fold: Fold,
  update: StoredUpdate,
  updateIsNew: boolean,
  now: string,
  principal: Principal,
): Decision {
  const state = stateOf(fold)!;
  const next = refreshed(thread, state, now);
  const about = (updateIsNew ? updatePosted : updateRetracted)(next, update, now);
  const actor = { by: principal.name, at: now };
  return {
    thread: next,
    cursor: cursorOf(fold),
    update,
    updateIsNew,
    events: [about, ...changeEvents(thread, next, now)],
    changes: (updateIsNew ? postedChanges : retractedChanges)(thread, next, update, actor),
  };
}

/** A change of the thread's status comes as its own event, after the one about the update. */
const changeEvents = (before: Thread, after: Thread, now: string): TrackerEvent[] =>
  before.status === after.status ? [] : [statusChanged(after, before.status, now)];

/** How long a claimed turn holds a thread for its writer: it reads nothing more, decides and commits, well within this. */
export const TURN_LEASE_MS = 1_000;

/**
 * How long a writer waits behind a turn held by an older one before asking again. The writers
 * between the holder and us started in the time between them, and a thread serves them about as fast
 * as they arrived, so our turn is about that far away: we wait half of it (jittered), at most
 * TURN_POLL_MAX_MS, and at least one round trip as we last measured it (the holder needs two, its
 * claim and its commit) or TURN_POLL_MIN_MS. A writer far back asks rarely; the next in line, often,
 * but never faster than the database answers.
 */
export const TURN_POLL_MIN_MS = 10;
export const TURN_POLL_MAX_MS = 1_000;
const waitBehind = (holder: Turn | null | undefined, ours: Turn, roundTripMs: number) => {
  const gap = holder ? ours.since - holder.since : 0;
  return sleep(
    Math.min(TURN_POLL_MAX_MS, Math.max(TURN_POLL_MIN_MS, roundTripMs, gap / 2)) * (0.75 + Math.random() / 2),
  );
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read, decide, commit. The first attempt reads the thread item consistently and commits a
 * transaction conditioned on its version (and on no writer queuing on the thread). With If-Match a
 * lost race is the client's conflict (412). Without it, the writer has met contention and queues:
 * it claims the thread's turn (shared/store/thread-store.ts Turn), which goes to the writer that has
 * waited longest; granted, it gets the thread item with the claim, decides again and commits;
 * refused, it waits behind the holder and asks again. So contended writes are served roughly in
 * arrival order and none is starved, until the bounded attempts or the time budget run out (503
 * with Retry-After). Every decision starts from the thread item as it stands (a consistent read, or
 * what the claim read), and whatever window of the history it needs is read after that, so
 * nothing is applied twice and nothing is lost: anything written in between moves the version the
 * commit is conditioned on.
 */
async function writeThread(
  ctx: ThreadWrites,
  threadId: string,
  options: WriteOptions,
  decide: Decide,
): Promise<WriteResult> {
  // Attempts count commits (and transient conflicts); waiting in the queue is bounded by the time budget.
  const budget = new WriteBudget(
    ctx.config,
    'Too many concurrent writes to this thread; retry shortly.',
    options.clock,
  );
  const turn: Turn = { id: randomUUID(), since: budget.started, until: 0 };
  let queued = false;
  let holding = false;
  let roundTripMs = 0;
  try {
    for (;;) {
      // Every round starts with a DynamoDB call: never one that could end after the budget.
      budget.giveUpIfLate();
      let record: ThreadRecord | null;
      if (!queued) record = await ctx.threads.getThreadRecord(threadId);
      else {
        let claim: Awaited<ReturnType<typeof ctx.threads.claimTurn>>;
        try {
          const asked = Date.now();
          claim = await ctx.threads.claimTurn(threadId, { ...turn, until: asked + TURN_LEASE_MS });
          roundTripMs = Date.now() - asked;
        } catch (error) {
          if (!(error instanceof TransientConflict)) throw error;
          budget.spend();
          budget.giveUpIfSpent();
          await budget.backoff();
          continue;
        }
        ({ record } = claim);
        holding = claim.granted;
      }
      if (!record) throw new NotFoundError(`No thread ${threadId}.`);
      const { thread } = record;
      const { ifMatch } = options;
      if (ifMatch !== undefined && !ifMatch.accepts(thread.version)) {
        throw new PreconditionFailedError(
          `The thread is at ${ifMatch.nameOf(thread.version)}; If-Match asked for ${ifMatch.asked}.`,
        );
      }
      // Writers are queuing on the thread (its queue mark): a commit now would be refused, so queue at once.
      if (!queued && (record.queueUntil ?? 0) > Date.now()) queued = true;
      if (queued && !holding) {
        budget.giveUpIfSpent();
        await waitBehind(record.turn, turn, roundTripMs);
        continue;
      }
      const now = nowUtc();
      let decision: Decision;
      try {
        decision = {
          cursor: record.cursor,
          calendar: record.calendar ?? null,
          ...(await decide(record, now)),
        };
      } catch (error) {
        // A refusal read from a window is only the thread's answer if the thread did not move meanwhile.
        if (
          !(error instanceof CannotRetractLastStatusError) ||
          (await ctx.threads.getThreadConsistent(threadId))?.version === thread.version
        )
          throw error;
        budget.spend();
        budget.giveUpIfSpent();
        queued = true;
        continue;
      }
      const result: WriteResult = {
        thread: decision.thread,
        ...(decision.update ? { update: decision.update } : {}),
      };
      // Nothing to write (the same value again): answer with the thread as read, keep its version.
      if (decision.unchanged) return result;
      // Which statuses are terminal decides whether the thread stays watched for staleness: the
      // registry of the kind the thread has after the write (a PATCH may change it).
      const kinds = await ctx.kinds.registryFor(decision.thread.kind);
      // The reads above took their time: a commit is started only if it can end within the budget.
      budget.giveUpIfLate();
      budget.spend();
      try {
        const { unchanged: _unchanged, movedTo, ...write } = decision;
        await ctx.threads.commit({
          ...write,
          // Every thread write leaves a carrier in the changes feed, its mark if it records no change:
          // `updatedSince` and the scenario's Atom feed find what was written there (thread-lists.ts).
          changes: write.changes?.length
            ? write.changes
            : [touchedChange(decision.thread, { by: options.principal.name, at: now })],
          kinds,
          expectedVersion: thread.version,
          // Carried over as read: the Put lands only if no child attached or left meanwhile.
          children: record.children ?? null,
          queueUntil: record.queueUntil ?? null,
          listed: record.listed ?? null,
          ...(holding ? { turn: turn.id } : {}),
          ...(options.also ? { also: options.also(result) } : {}),
          ...(options.idempotency
            ? {
                idempotency: {
                  ...options.idempotency,
                  outcome: outcomeOf(result),
                  ttlSeconds: ctx.config.idempotencyTtlSeconds,
                },
              }
            : {}),
        });
        holding = false; // the commit gave the turn back
        if (movedTo !== undefined) await ensureAfterCommit(ctx, movedTo, now);
        // After the commit, never inside it: the scenario's counts catch up within seconds.
        await ctx.recounts.request(scenariosToRecount(thread, decision.thread));
        return result;
      } catch (error) {
        if (error instanceof IdempotencyClaimLost)
          throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
        if (error instanceof VersionConflict) {
          // Refused by another writer's turn, the version unchanged: not a change the client's If-Match is about.
          const moved =
            !error.turnLost && (error.current === null || error.current.thread.version !== thread.version);
          if (moved && options.ifMatch !== undefined)
            throw new PreconditionFailedError('The thread changed while this write was being applied.');
          budget.giveUpIfSpent();
          queued = true;
          continue;
        }
        // A transient conflict says nothing about the thread's version: go round again (If-Match is re-checked on the fresh read).
        if (!(error instanceof TransientConflict)) throw error;
        budget.giveUpIfSpent();
        await budget.backoff();
      }
    }
  } finally {
    // Refused after claiming (If-Match, a decision's error, the budget): let the next writer in now rather than at the lease's end.
    if (holding) await ctx.threads.releaseTurn(threadId, turn.id);
  }
}

/** Whether the registry can answer for this kind and status without a reload: it knows the status, or the kind is built in (never changes). */
const settled = (r: KindRegistry, kind: string, status: string) =>
  r.isStatusOf(kind, status) || r.get(kind)?.builtIn === true;

export async function createThread(
  ctx: ThreadWrites,
  input: CreateThreadInput,
  options: WriteOptions,
): Promise<WriteResult> {
  // An unknown kind is the request's mistake (400 on `kind`); a status the kind lacks is 422.
  const kinds = await ctx.kinds.knowingFor(input.kind, (r) => settled(r, input.kind, input.status));
  kinds.requireKind(input.kind);
  if (!kinds.isStatusOf(input.kind, input.status))
    throw new InvalidStatusError(`${input.status} is not a status of kind ${input.kind}.`);
  const parent = input.parent ?? null;
  const now = nowUtc();
  const update = newUpdate(input.id, input, options.principal, now);
  const fold = foldAll([update]);
  const state = stateOf(fold)!;
  const thread: Thread = {
    id: input.id,
    scenario: input.scenario,
    kind: input.kind,
    title: input.title,
    ...state,
    version: 1,
    staleAfterHours: input.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS,
    stale: false,
    staleSince: null,
    overdue: false,
    overdueSince: null,
    expected: input.expected ?? null,
    parent,
    archived: false,
    createdAt: now,
    updatedAt: now,
    keywords: input.keywords ?? [],
    criteria: input.criteria ?? null,
  };
  // ThreadCreated only: it carries the first status (contract 1.1, "Precise points").
  const events = [threadCreated(thread, update, now)];
  // The same retry rule as every other thread write (writeThread): bounded attempts and time.
  const budget = new WriteBudget(ctx.config, 'Too many concurrent writes; retry shortly.', options.clock);
  for (;;) {
    // A commit is started only if it can end within the budget, which runs from the request's arrival.
    budget.giveUpIfLate();
    budget.spend();
    try {
      // Checked on every attempt: a parent that changed meanwhile (ParentChanged) is judged afresh.
      if (parent !== null) await requireParent(ctx, input.id, parent, input.scenario);
      await ctx.threads.commit({
        ...(parent !== null ? { parentCheck: { id: parent, scenario: input.scenario } } : {}),
        thread,
        cursor: cursorOf(fold),
        kinds,
        expectedVersion: null,
        update,
        updateIsNew: true,
        events,
        // Criteria given at creation are their first revision.
        ...(thread.criteria !== null
          ? { criteria: { text: thread.criteria, recordedAt: now, recordedBy: options.principal.name } }
          : {}),
        changes: createdChanges(thread, update, { by: options.principal.name, at: now }),
        ...(options.idempotency
          ? {
              idempotency: {
                ...options.idempotency,
                outcome: outcomeOf({ thread, update }),
                ttlSeconds: ctx.config.idempotencyTtlSeconds,
              },
            }
          : {}),
      });
      await scenarioAfterCreate(ctx, thread.scenario, now);
      return { thread, update };
    } catch (error) {
      if (error instanceof ThreadAlreadyExists)
        throw new ThreadExistsError(`Thread ${input.id} already exists.`);
      if (error instanceof IdempotencyClaimLost)
        throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
      if (!(error instanceof TransientConflict)) throw error;
      budget.giveUpIfSpent();
      await budget.backoff();
    }
  }
}

/**
 * A new thread's scenario: created if it does not exist (version 1 clients name scenarios only by
 * id), then recounted. After the thread's commit, as its own conditional Put: a scenario item in
 * the thread's transaction would make every create in that scenario conflict. Should this fail,
 * the thread stands (it committed) and the recount, which creates a missing scenario that has
 * threads, heals it.
 */
async function scenarioAfterCreate(ctx: ThreadWrites, scenario: string, now: string): Promise<void> {
  await ensureAfterCommit(ctx, scenario, now);
  await ctx.recounts.request([scenario]);
}

/** A thread's (new) scenario created if missing, after its commit; a failure is healed by its recount. */
async function ensureAfterCommit(ctx: ThreadWrites, scenario: string, now: string): Promise<void> {
  try {
    await ensureScenario(ctx, scenario, now);
  } catch (error) {
    count('EnsureScenarioFailures');
    logger.warn('could not ensure the scenario of a thread; its recount will', {
      scenario,
      error: String(error),
    });
  }
}

/**
 * A parent a thread may attach to: an existing thread, not the thread itself, with no parent of its
 * own, in the thread's scenario; and the thread must have no children (one level only). The write
 * re-checks the parent inside its transaction (`parentCheck`), and its own count of children (the
 * Put's condition), so neither a parent that changes meanwhile nor a child that attaches to this
 * thread meanwhile can slip through. `own` is the thread's record (absent: a thread being created,
 * which has no children).
 */
async function requireParent(
  ctx: ThreadWrites,
  threadId: string,
  parentId: string,
  scenario: string,
  own?: ThreadRecord,
): Promise<void> {
  if (parentId === threadId) throw new InvalidParentError('A thread cannot be its own parent.');
  const parent = await ctx.threads.getThreadConsistent(parentId);
  if (!parent) throw new InvalidParentError(`No thread ${parentId} to be the parent.`);
  if (parent.parent !== null)
    throw new InvalidParentError(
      `Thread ${parentId} has a parent itself (${parent.parent}): only one level of children.`,
    );
  if (parent.scenario !== scenario)
    throw new InvalidParentError(`Thread ${parentId} is in scenario ${parent.scenario}, not ${scenario}.`);
  if (own && !(await childless(ctx, own)))
    throw new InvalidParentError(`Thread ${threadId} has children: it cannot get a parent.`);
}

/**
 * Whether a thread has no children: its count (kept in the children's transactions) says none, and
 * so does the parent index, which also sees children attached before they were counted. The write
 * that relies on it lands only if the count is still the one read (the Put's condition).
 */
async function childless(ctx: ThreadWrites, record: ThreadRecord): Promise<boolean> {
  if ((record.children ?? 0) > 0) return false;
  return !(await ctx.threads.hasChildren(record.thread.id));
}

const sameExpected = (a: Expected | null, b: Expected | null): boolean =>
  a === null || b === null ? a === b : a.what === b.what && a.at === b.at && a.precision === b.precision;

/**
 * Changing kind is allowed only if every status the thread ever had — retracted updates included —
 * is a status of the new kind. Reads the whole history: a rare, admin-like write.
 */
async function requireKindFits(ctx: ThreadWrites, threadId: string, kind: string): Promise<void> {
  const kinds = await ctx.kinds.knowing((r) => r.has(kind));
  kinds.requireKind(kind);
  const { updates } = await ctx.threads.loadHistory(threadId, true);
  const missing = [
    ...new Set(
      updates.map((u) => u.status).filter((st): st is string => st !== null && !kinds.isStatusOf(kind, st)),
    ),
  ];
  if (missing.length)
    throw new InvalidStatusError(
      `Kind ${kind} has no status ${missing.join(', ')}, which this thread's history holds.`,
    );
}

export function postUpdate(
  ctx: ThreadWrites,
  threadId: string,
  input: CreateUpdateInput,
  options: WriteOptions,
): Promise<WriteResult> {
  return writeThread(ctx, threadId, options, async (record, now) => {
    const { thread } = record;
    await requireStatusOf(ctx, thread, input.status);
    const update = newUpdate(threadId, input, options.principal, now);
    // In order (the common case): the stored fold steps on, nothing else is read. A late report
    // reads the updates from its occurred time on, and back only as far as the status run needs.
    const { fold } = await addUpdate(await foldFor(ctx, record), update, writeWindowsOf(ctx, threadId));
    return historyChange(thread, fold, update, true, now, options.principal);
  });
}

/** A status an update of this thread may carry (a note carries none): 422 invalid_status otherwise. */
export async function requireStatusOf(
  ctx: Pick<ThreadWrites, 'kinds'>,
  thread: Pick<Thread, 'kind'>,
  status: string | null | undefined,
): Promise<void> {
  if (status == null) return;
  const kinds = await ctx.kinds.knowingFor(thread.kind, (r) => settled(r, thread.kind, status));
  if (!kinds.isStatusOf(thread.kind, status))
    throw new InvalidStatusError(`${status} is not a status of kind ${thread.kind}.`);
}

/** An update of the thread as stored now (a consistent read), refused when it was retracted. */
async function liveUpdate(
  ctx: ThreadWrites,
  threadId: string,
  updateId: string,
  whyRefused: string,
): Promise<StoredUpdate & { outlets: string[] }> {
  const update = await ctx.threads.getStoredUpdate(threadId, updateId, true);
  if (!update) throw new NotFoundError(`Thread ${threadId} has no update ${updateId}.`);
  if (update.retracted)
    throw new AlreadyRetractedError(
      `Update ${updateId} was retracted at ${update.retraction?.retractedAt}${whyRefused}.`,
    );
  return withOutletsRecorded(update);
}

export function retractUpdate(
  ctx: ThreadWrites,
  threadId: string,
  updateId: string,
  reason: string,
  options: WriteOptions,
): Promise<WriteResult> {
  return writeThread(ctx, threadId, options, async (record, now) => {
    const { thread } = record;
    // Read after the thread item: a retraction committed in between has moved its version.
    const target = await liveUpdate(ctx, threadId, updateId, '');
    const retracted: StoredUpdate = {
      ...target,
      retracted: true,
      retraction: { reason, retractedAt: now, retractedBy: options.principal.name },
    };
    const fold = await refold(await foldFor(ctx, record), retracted, writeWindowsOf(ctx, threadId));
    if (!stateOf(fold))
      throw new CannotRetractLastStatusError(
        `Retracting ${updateId} would leave thread ${threadId} without any status.`,
      );
    return historyChange(thread, fold, retracted, false, now, options.principal);
  });
}

/**
 * A new wording for an update (summary, sources, quotes; never status or occurredAt). Stored as the
 * update item's latest wording plus a revision item (and, on the first amendment, the original as
 * revision 0), in one transaction with the thread, whose summary is refolded from the update's
 * point on: it follows when the update is the latest live one. Staleness is left as it was: a
 * corrected wording is not news, so `lastRecordedAt` and the stale clock do not move.
 */
export function amendUpdate(
  ctx: ThreadWrites,
  threadId: string,
  updateId: string,
  input: AmendUpdateInput,
  options: WriteOptions,
): Promise<WriteResult> {
  return writeThread(ctx, threadId, options, async (record, now) => {
    const { thread } = record;
    // Read after the thread item: an amendment or retraction committed in between has moved its version.
    const target = await liveUpdate(ctx, threadId, updateId, '; a retracted update cannot be amended');
    const wording: Wording = {
      summary: input.summary ?? target.summary,
      sources: input.sources ?? target.sources,
      quotes: input.quotes ?? target.quotes,
    };
    const key = input.key ?? target.key;
    const reworded = changesWording(target, wording);
    // The same wording again is no amendment: nothing is written and the thread keeps its version.
    if (!reworded && key === target.key) return { thread, update: target, unchanged: true };
    // Only the key flag (contract 1.2 "Key events"): the update item is rewritten with the thread item
    // (one version on), as an amendment is, but it is no new wording: no revision, no refold.
    if (!reworded) {
      const flagged: StoredUpdate = { ...target, key };
      const next: Thread = { ...thread, version: thread.version + 1, updatedAt: now };
      return {
        thread: next,
        update: flagged,
        updateIsNew: false,
        events: [updateAmended(next, flagged, now)],
      };
    }
    const revision = target.revisionCount + 1;
    // New sources name their own outlets (an accepted item's copies still count as its one outlet).
    const outlets = outletsOf({ sources: wording.sources, inboxItem: target.inboxItem ?? null });
    const amended: StoredUpdate = {
      ...target,
      ...wording,
      key,
      revisedAt: now,
      revisedBy: options.principal.name,
      revisionCount: revision,
      outlets,
    };
    const revisions: StoredRevision[] = [
      ...(target.revisionCount === 0
        ? [
            {
              revision: 0,
              summary: target.summary,
              sources: target.sources,
              quotes: target.quotes,
              recordedAt: target.recordedAt,
              recordedBy: target.postedBy,
              outlets: target.outlets,
            },
          ]
        : []),
      { revision, ...wording, recordedAt: now, recordedBy: options.principal.name, outlets },
    ];
    const fold = await refoldAmended(await foldFor(ctx, record), amended, writeWindowsOf(ctx, threadId));
    const state = stateOf(fold)!;
    const next: Thread = { ...thread, ...state, version: thread.version + 1, updatedAt: now };
    return {
      thread: next,
      cursor: cursorOf(fold),
      update: amended,
      updateIsNew: false,
      revisions,
      events: [updateAmended(next, amended, now)],
      changes: amendedChanges(next, amended, { by: options.principal.name, at: now }),
    };
  });
}

/**
 * Publish a draft (contract 1.2 "Drafts"): posted as if now, through the same write as a post (the
 * same fold, the same events, If-Match and Idempotency-Key alike), with the draft's `occurredAt`
 * kept, `recordedAt` the publish time and `publishedBy` the publisher; `postedBy` stays whoever
 * drafted it. The update gets a new id (a ULID of the publish time), as every update's id encodes
 * when it was recorded (the orders of the thread's updates rely on it); `draftId` names the draft.
 * In the same transaction the draft item becomes a marker of what it became, so it is published
 * once: a second publish, or a discard, is 409 not_a_draft.
 */
export function publishDraft(
  ctx: ThreadWrites & Pick<AppContext, 'drafts'>,
  threadId: string,
  draftId: string,
  options: WriteOptions,
): Promise<WriteResult> {
  return writeThread(ctx, threadId, options, async (record, now): Promise<Decision> => {
    const { thread } = record;
    // Read after the thread item: a publish committed in between has moved its version.
    const draft = await waitingDraft(ctx, threadId, draftId);
    const { principal } = options;
    if (draft.recordedBy === principal.name && principal.selfPublish !== true)
      throw new SameEditorError(
        `${principal.name} drafted ${draftId}: another editor publishes it (or a token marked selfPublish).`,
      );
    // The kind may have changed since it was drafted.
    await requireStatusOf(ctx, thread, draft.status);
    const update: StoredUpdate = {
      id: ulid(Date.parse(now)),
      threadId,
      status: draft.status,
      summary: draft.summary,
      occurredAt: draft.occurredAt,
      occurredPrecision: draft.occurredPrecision,
      recordedAt: now,
      postedBy: draft.recordedBy,
      sources: draft.sources,
      quotes: draft.quotes,
      retracted: false,
      retraction: null,
      revisedAt: null,
      revisedBy: null,
      revisionCount: 0,
      publishedBy: principal.name,
      draftId,
      key: false,
      ...(draft.claimedBy ? { claimedBy: draft.claimedBy } : {}),
      // A draft accepted from the news inbox: its update is that item's, as an accepted update is.
      ...(draft.inboxItem !== undefined ? { inboxItem: draft.inboxItem } : {}),
      outlets: outletsOf(draft),
    };
    const { fold } = await addUpdate(await foldFor(ctx, record), update, writeWindowsOf(ctx, threadId));
    const change = historyChange(thread, fold, update, true, now, principal);
    return {
      ...change,
      // The changes feed says a draft was published (by its publisher), not that an update was posted.
      changes: (change.changes ?? []).map((c) =>
        c.updateId === update.id && (c.type === 'update' || c.type === 'late_update')
          ? { ...c, type: 'published' as const }
          : c,
      ),
      publishes: { draftId, publishedAt: now, publishedBy: principal.name },
    };
  });
}

/**
 * A draft still waiting (a consistent read): 404 when there is no such draft and no such update,
 * 409 not_a_draft when it was published or is an update.
 */
export async function waitingDraft(
  ctx: Pick<AppContext, 'drafts' | 'threads'>,
  threadId: string,
  draftId: string,
): Promise<Draft> {
  const stored = await ctx.drafts.get(threadId, draftId, true);
  if (stored?.publishedAs)
    throw new NotADraftError(`${draftId} was published as update ${stored.publishedAs}: it is no draft now.`);
  if (stored) return stored.draft;
  if (await ctx.threads.getUpdate(threadId, draftId, true))
    throw new NotADraftError(`${draftId} is an update of thread ${threadId}, not a draft.`);
  throw new NotFoundError(`Thread ${threadId} has no draft ${draftId}.`);
}

/**
 * `title` and `staleAfterHours` are version 1 fields: any PATCH with them is a write (version + 1).
 * The 1.1 fields write only when they change something: `expected` set to the value it has, or
 * `archived` to the state it is in, changes nothing.
 */
export function patchThread(
  ctx: ThreadWrites,
  threadId: string,
  input: PatchThreadInput,
  options: WriteOptions,
): Promise<WriteResult> {
  return writeThread(ctx, threadId, options, async (record, now): Promise<Decision> => {
    const { thread } = record;
    let next: Thread = {
      ...thread,
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.staleAfterHours !== undefined ? { staleAfterHours: input.staleAfterHours } : {}),
    };
    let changed = input.title !== undefined || input.staleAfterHours !== undefined;
    // Any change to what is expected starts the wait afresh.
    let calendar = record.calendar ?? null;
    if (input.expected !== undefined && !sameExpected(thread.expected, input.expected)) {
      next = { ...next, expected: input.expected, overdue: false, overdueSince: null };
      // The calendar's event: its SEQUENCE rises, a cleared one is kept as cancelled.
      calendar = calendarAfterChange(calendar, thread.expected, input.expected, now);
      changed = true;
    }
    if (input.archived !== undefined && input.archived !== thread.archived) {
      // Archived threads are never stale or overdue; unarchived, they are watched again from here.
      next = {
        ...next,
        archived: input.archived,
        stale: false,
        staleSince: null,
        overdue: false,
        overdueSince: null,
      };
      changed = true;
    }
    // Contract 1.2: keywords write only when they differ (order and spelling count: they are shown as given).
    if (input.keywords !== undefined && input.keywords.join('\n') !== thread.keywords.join('\n')) {
      next = { ...next, keywords: input.keywords };
      changed = true;
    }
    // Contract 1.2: every change of the criteria is kept, as a revision item written with this write only.
    const criteriaChanged = input.criteria !== undefined && input.criteria !== thread.criteria;
    if (criteriaChanged) {
      next = { ...next, criteria: input.criteria ?? null };
      changed = true;
    }
    if (input.kind !== undefined && input.kind !== thread.kind) {
      await requireKindFits(ctx, threadId, input.kind);
      next = { ...next, kind: input.kind };
      changed = true;
    }
    const scenario = input.scenario ?? thread.scenario;
    const parent = input.parent !== undefined ? input.parent : thread.parent;
    const moving = scenario !== thread.scenario;
    const attaching = parent !== null && parent !== thread.parent;
    // Leaving a parent (detached, or attached elsewhere): the old parent counts one child less.
    const leaving = thread.parent !== null && parent !== thread.parent ? thread.parent : null;
    if (moving && (parent !== null || !(await childless(ctx, record)))) {
      throw new InvalidParentError(
        'A thread with a parent or children cannot move to another scenario: detach first.',
      );
    }
    if (attaching) await requireParent(ctx, threadId, parent, scenario, record);
    if (moving || parent !== thread.parent) {
      next = { ...next, scenario, parent };
      changed = true;
    }
    if (!changed) return { thread, unchanged: true };
    const after: Thread = { ...next, version: thread.version + 1, updatedAt: now };
    // Contract 1.2: what changed goes out as ThreadChanged; a title or staleAfterHours given again
    // moves the version (contract 1) but changes nothing, and so tells nobody.
    const changes = changedFields(thread, after);
    // The changes feed's entries (moved, archived, expected_set, changed, …) ride on its ThreadChanged.
    const feed = patchedChanges(thread, after, { by: options.principal.name, at: now });
    return {
      thread: after,
      ...(changes.length > 0
        ? { events: [threadChanged(after, changes, now, moving ? thread.scenario : undefined)] }
        : {}),
      ...(criteriaChanged
        ? { criteria: { text: next.criteria, recordedAt: now, recordedBy: options.principal.name } }
        : {}),
      ...(feed.length ? { changes: feed } : {}),
      calendar,
      ...(attaching ? { parentCheck: { id: parent, scenario } } : {}),
      ...(leaving !== null ? { detachFrom: leaving } : {}),
      ...(moving ? { movedTo: scenario } : {}),
    };
  });
}

/**
 * The names of the thread's fields a PATCH changed, in the thread's order: those it set and those that
 * follow from them (archiving clears `stale` and `overdue`); the version and update time always move.
 */
const changedFields = (before: Thread, after: Thread): string[] =>
  (Object.keys(after) as (keyof Thread)[]).filter(
    (f) => f !== 'version' && f !== 'updatedAt' && JSON.stringify(before[f]) !== JSON.stringify(after[f]),
  );
