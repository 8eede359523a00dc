import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import {
  AlreadyRetractedError, CannotRetractLastStatusError, IdempotencyInProgressError, InvalidStatusError, NoStatusAtTimeError,
  NotFoundError, PreconditionFailedError, ThreadExistsError, UnavailableError,
} from '../domain/errors';
import { isStatusOf } from '../domain/kinds';
import { cursorOf, foldAll, project, resumeFold, stateOf, type Cutoff, type Fold } from '../domain/projection';
import { addUpdate, retractUpdate as refold, viewAsOf, type HistoryWindows } from '../domain/resume';
import type { CreateThreadInput, CreateUpdateInput, PatchThreadInput } from '../domain/schemas';
import { nowUtc } from '../domain/time';
import type { Principal, Thread, ThreadState, Update } from '../domain/types';
import { statusChanged, type TrackerEvent } from '../events/event';
import { deliver } from '../events/delivery';
import { matchHits, threadEtag } from '../http/etag';
import { IdempotencyClaimLost, ThreadAlreadyExists, TransientConflict, VersionConflict, type ThreadRecord, type ThreadWrite, type Turn } from '../store/thread-store';
import type { WriteOutcome } from '../store/idempotency-store';
import type { AppContext } from './context';

export const DEFAULT_STALE_AFTER_HOURS = 168;

/** What an idempotent request holds while it runs: completing it is part of the write's transaction. */
export interface IdempotencyTicket {
  keyHash: string;
  claimId: string;
  bodyHash: string;
}

export interface WriteOptions {
  principal: Principal;
  ifMatch?: string;
  idempotency?: IdempotencyTicket;
}

/** A write's outcome: the thread after it, and the update it concerned (if any). */
export interface WriteResult {
  thread: Thread;
  update?: Update;
}

/** What the idempotency record keeps of a result: the thread, and the update by reference. */
export const outcomeOf = (result: WriteResult): WriteOutcome => ({
  thread: result.thread,
  ...(result.update ? { update: { id: result.update.id, retracted: result.update.retracted } } : {}),
});

type Decision = Omit<ThreadWrite, 'expectedVersion' | 'idempotency'>;

/** What the write decided from: the thread item as read (consistently) and its fold cursor. */
type Decide = (record: ThreadRecord, now: string) => Decision | Promise<Decision>;

/** Full-jitter exponential back-off, capped: spreads racing writers out instead of lock-stepping them. */
const backoff = (ctx: AppContext, attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(ctx.config.writeBackoffCapMs, 5 * 2 ** attempt)));

function newUpdate(threadId: string, input: CreateUpdateInput, principal: Principal, now: string): Update {
  return {
    id: ulid(Date.parse(now)),
    threadId,
    status: input.status ?? null,
    summary: input.summary,
    occurredAt: input.occurredAt ?? now,
    recordedAt: now,
    postedBy: principal.name,
    sources: input.sources ?? [],
    quotes: input.quotes ?? [],
    retracted: false,
    retraction: null,
  };
}

/** The thread after a change to its history: recomputed by the one projection, refreshed, one version on. */
function refreshed(thread: Thread, state: ThreadState, now: string): Thread {
  return { ...thread, ...state, version: thread.version + 1, stale: false, staleSince: null, updatedAt: now };
}

/** The windows of a thread's history, read from the store (consistently for writes). */
const windowsOf = (ctx: AppContext, threadId: string, consistent: boolean): HistoryWindows => ({
  from: (occurredAt, inclusive) => ctx.threads.updatesFrom(threadId, occurredAt, inclusive, consistent),
  before: (occurredAt, inclusive) => ctx.threads.updatesBefore(threadId, occurredAt, inclusive, consistent),
  byRecordedDesc: (expected) => ctx.threads.updatesByRecordedDesc(threadId, expected, consistent),
  all: async () => (await ctx.threads.loadHistory(threadId, consistent)).updates,
});

/**
 * The fold a write resumes from: the one stored on the thread item, or — for an item written before
 * cursors existed, or by an older version of the code — the fold of the whole history, read once
 * (the write then stores the cursor, and the next write resumes from it).
 */
async function foldFor(ctx: AppContext, record: ThreadRecord): Promise<Fold> {
  return resumeFold(record.thread, record.cursor) ?? foldAll(await windowsOf(ctx, record.thread.id, true).all());
}

/** The Decision of a write that changed the thread's history, from the fold after it. */
function historyChange(thread: Thread, fold: Fold, update: Update, updateIsNew: boolean, now: string): Decision {
  const state = stateOf(fold)!;
  const next = refreshed(thread, state, now);
  return { thread: next, cursor: cursorOf(fold), update, updateIsNew, events: changeEvents(thread, next, now) };
}

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
  return sleep(Math.min(TURN_POLL_MAX_MS, Math.max(TURN_POLL_MIN_MS, roundTripMs, gap / 2)) * (0.75 + Math.random() / 2));
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read, decide, commit. The first attempt reads the thread item consistently and commits a
 * transaction conditioned on its version (and on no other writer's turn being held). With If-Match a
 * lost race is the client's conflict (412). Without it, the writer has met contention and queues:
 * it claims the thread's turn (shared/store/thread-store.ts Turn), which goes to the writer that has
 * waited longest; granted, it gets the thread item back from the claim, decides again and commits;
 * refused, it waits behind the holder and asks again. So contended writes are served roughly in
 * arrival order and none is starved, until the bounded attempts or the time budget run out (503
 * with Retry-After). Every decision starts from the thread item as it stands (a consistent read, or
 * what the claim returned), and whatever window of the history it needs is read after that, so
 * nothing is applied twice and nothing is lost: anything written in between moves the version the
 * commit is conditioned on.
 */
async function writeThread<R>(
  ctx: AppContext,
  threadId: string,
  options: WriteOptions,
  decide: Decide,
  render: (result: WriteResult) => R,
): Promise<R> {
  const { writeMaxAttempts, writeRetryBudgetMs, idempotencyTtlSeconds } = ctx.config;
  const started = Date.now();
  const deadline = started + writeRetryBudgetMs;
  const turn: Turn = { id: randomUUID(), since: started, until: 0 };
  let queued = false;
  let holding = false;
  let roundTripMs = 0;
  // Attempts count commits (and transient conflicts); waiting in the queue is bounded by the time budget.
  let attempt = 0;
  const giveUpIfSpent = () => {
    if (attempt >= writeMaxAttempts || Date.now() >= deadline) throw new UnavailableError('Too many concurrent writes to this thread; retry shortly.', 1);
  };
  try {
    for (;;) {
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
          attempt++;
          giveUpIfSpent();
          await backoff(ctx, attempt);
          continue;
        }
        ({ record } = claim);
        holding = claim.granted;
      }
      if (!record) throw new NotFoundError(`No thread ${threadId}.`);
      const { thread } = record;
      if (options.ifMatch !== undefined && !matchHits(options.ifMatch, threadEtag(thread))) {
        throw new PreconditionFailedError(`The thread is at ${threadEtag(thread)}; If-Match asked for ${options.ifMatch}.`);
      }
      // Another writer's turn is held: a commit now would be refused, so queue at once.
      if (!queued && record.turn && record.turn.until > Date.now()) queued = true;
      if (queued && !holding) {
        giveUpIfSpent();
        await waitBehind(record.turn, turn, roundTripMs);
        continue;
      }
      const now = nowUtc();
      let decision: Decision;
      try {
        decision = { cursor: record.cursor, ...(await decide(record, now)) };
      } catch (error) {
        // A refusal read from a window is only the thread's answer if the thread did not move meanwhile.
        if (!(error instanceof CannotRetractLastStatusError) || (await ctx.threads.getThreadConsistent(threadId))?.version === thread.version) throw error;
        attempt++;
        giveUpIfSpent();
        queued = true;
        continue;
      }
      const result: WriteResult = { thread: decision.thread, ...(decision.update ? { update: decision.update } : {}) };
      const response = render(result);
      attempt++;
      try {
        await ctx.threads.commit({
          ...decision,
          expectedVersion: thread.version,
          ...(holding ? { turn: turn.id } : {}),
          ...(options.idempotency ? { idempotency: { ...options.idempotency, outcome: outcomeOf(result), ttlSeconds: idempotencyTtlSeconds } } : {}),
        });
        holding = false; // the commit's Put of the thread item released it
        await deliver(ctx, decision.events ?? []);
        return response;
      } catch (error) {
        if (error instanceof IdempotencyClaimLost) throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
        if (error instanceof VersionConflict) {
          // Refused by another writer's turn, the version unchanged: not a change the client's If-Match is about.
          const moved = error.current === null || error.current.thread.version !== thread.version;
          if (moved && options.ifMatch !== undefined) throw new PreconditionFailedError('The thread changed while this write was being applied.');
          giveUpIfSpent();
          queued = true;
          continue;
        }
        // A transient conflict says nothing about the thread's version: go round again (If-Match is re-checked on the fresh read).
        if (!(error instanceof TransientConflict)) throw error;
        giveUpIfSpent();
        await backoff(ctx, attempt);
      }
    }
  } finally {
    // Refused after claiming (If-Match, a decision's error, the budget): let the next writer in now rather than at the lease's end.
    if (holding) await ctx.threads.releaseTurn(threadId, turn.id);
  }
}

export async function createThread<R>(ctx: AppContext, input: CreateThreadInput, options: WriteOptions, render: (r: WriteResult) => R): Promise<R> {
  if (!isStatusOf(input.kind, input.status)) throw new InvalidStatusError(`${input.status} is not a status of kind ${input.kind}.`);
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
    createdAt: now,
    updatedAt: now,
  };
  const response = render({ thread, update });
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.threads.commit({
        thread,
        cursor: cursorOf(fold),
        expectedVersion: null,
        update,
        updateIsNew: true,
        ...(options.idempotency ? { idempotency: { ...options.idempotency, outcome: outcomeOf({ thread, update }), ttlSeconds: ctx.config.idempotencyTtlSeconds } } : {}),
      });
      return response;
    } catch (error) {
      if (error instanceof ThreadAlreadyExists) throw new ThreadExistsError(`Thread ${input.id} already exists.`);
      if (error instanceof IdempotencyClaimLost) throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
      if (!(error instanceof TransientConflict)) throw error;
      if (attempt >= ctx.config.writeMaxAttempts) throw new UnavailableError('Too many concurrent writes; retry shortly.', 1);
      await backoff(ctx, attempt);
    }
  }
}

export function postUpdate<R>(ctx: AppContext, threadId: string, input: CreateUpdateInput, options: WriteOptions, render: (r: WriteResult) => R) {
  return writeThread(ctx, threadId, options, async (record, now) => {
    const { thread } = record;
    if (input.status != null && !isStatusOf(thread.kind, input.status)) {
      throw new InvalidStatusError(`${input.status} is not a status of kind ${thread.kind}.`);
    }
    const update = newUpdate(threadId, input, options.principal, now);
    // In order (the common case): the stored fold steps on, nothing else is read. A late report
    // reads the updates from its occurred time on, and back only as far as the status run needs.
    const { fold } = await addUpdate(await foldFor(ctx, record), update, windowsOf(ctx, threadId, true));
    return historyChange(thread, fold, update, true, now);
  }, render);
}

export function retractUpdate<R>(ctx: AppContext, threadId: string, updateId: string, reason: string, options: WriteOptions, render: (r: WriteResult) => R) {
  return writeThread(ctx, threadId, options, async (record, now) => {
    const { thread } = record;
    // Read after the thread item: a retraction committed in between has moved its version.
    const target = await ctx.threads.getUpdate(threadId, updateId, true);
    if (!target) throw new NotFoundError(`Thread ${threadId} has no update ${updateId}.`);
    if (target.retracted) throw new AlreadyRetractedError(`Update ${updateId} was retracted at ${target.retraction?.retractedAt}.`);
    const retracted: Update = { ...target, retracted: true, retraction: { reason, retractedAt: now, retractedBy: options.principal.name } };
    const fold = await refold(await foldFor(ctx, record), retracted, windowsOf(ctx, threadId, true));
    if (!stateOf(fold)) throw new CannotRetractLastStatusError(`Retracting ${updateId} would leave thread ${threadId} without any status.`);
    return historyChange(thread, fold, retracted, false, now);
  }, render);
}

export function patchThread<R>(ctx: AppContext, threadId: string, input: PatchThreadInput, options: WriteOptions, render: (r: WriteResult) => R) {
  return writeThread(ctx, threadId, options, ({ thread }, now) => ({
    thread: {
      ...thread,
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.staleAfterHours !== undefined ? { staleAfterHours: input.staleAfterHours } : {}),
      version: thread.version + 1,
      updatedAt: now,
    },
  }), render);
}

/**
 * The thread as it stood at `asOf` and/or as it was known at `knownAt`.
 *
 * `asOf` alone resumes from the thread's fold: it reads the updates occurred after `asOf` and walks
 * back only as far as the status run at `asOf` reaches (see domain/resume.ts#viewAsOf). Those reads
 * are consistent and bracketed by two reads of the thread item: if the version moved in between,
 * they may not belong together, so it reads again (then, after a few tries, the whole history).
 * `knownAt` cuts on recorded time, which no index orders the fold by: it projects the whole history
 * (one Query of the partition), as does a thread whose item carries no fold cursor yet.
 */
export async function threadAsOf(ctx: AppContext, threadId: string, cut: Cutoff): Promise<Thread & Cutoff> {
  const { asOf, knownAt } = cut;
  if (asOf !== undefined && knownAt === undefined) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await ctx.threads.getThreadRecord(threadId);
      if (!record) throw new NotFoundError(`No thread ${threadId}.`);
      const fold = resumeFold(record.thread, record.cursor);
      if (!fold) break;
      const state = await viewAsOf(fold, asOf, windowsOf(ctx, threadId, true));
      if ((await ctx.threads.getThreadConsistent(threadId))?.version !== record.thread.version) continue;
      if (!state) throw new NoStatusAtTimeError(`Thread ${threadId} had no status ${describeCut(cut)}.`);
      return { ...record.thread, ...state, ...cut };
    }
  }
  const { thread, updates } = await ctx.threads.loadHistory(threadId, false);
  if (!thread) throw new NotFoundError(`No thread ${threadId}.`);
  const state = project(updates, cut);
  if (!state) throw new NoStatusAtTimeError(`Thread ${threadId} had no status ${describeCut(cut)}.`);
  return { ...thread, ...state, ...cut };
}

const describeCut = (cut: Cutoff) => [cut.asOf && `as of ${cut.asOf}`, cut.knownAt && `known at ${cut.knownAt}`].filter(Boolean).join(' and ');
