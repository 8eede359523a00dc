import {
  IdempotencyInProgressError,
  NotFoundError,
  PreconditionFailedError,
  ScenarioExistsError,
  UnavailableError,
} from '../domain/errors';
import { ZERO_COUNTS, countThreads, sameCounts } from '../domain/scenario-counts';
import type { CreateScenarioInput, PatchScenarioInput } from '../domain/schemas';
import { nowUtc } from '../domain/time';
import type { Scenario, ScenarioCounts } from '../domain/types';
import type { VersionPrecondition } from '../domain/precondition';
import type { RecountTrigger } from '../events/recount-trigger';
import { count, logger } from '../observability';
import { ScenarioAlreadyExists } from '../store/scenario-store';
import { IdempotencyClaimLost, VersionConflict } from '../store/thread-store';
import type { AppContext } from './context';
import { publishScenarioChange } from './public-live';
import type { IdempotencyTicket } from './threads';

/** A scenario's ETag: its version, which rises with every change of its representation, counts included. */
function newScenario(
  input: { id: string; title: string; description?: string; tags?: string[]; keywords?: string[] },
  now: string,
): Scenario {
  return {
    id: input.id,
    title: input.title,
    description: input.description ?? '',
    tags: input.tags ?? [],
    keywords: input.keywords ?? [],
    public: false,
    ...ZERO_COUNTS,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Make sure a scenario exists, creating it titled with its id: what a thread created in (or, soon,
 * moved into) an unknown scenario needs. One conditional Put of the scenario item, outside any
 * thread transaction, so writers of a scenario's threads never conflict on it; idempotent, and
 * cheap enough for thread creation (rare) but never done on updates. True when it created it.
 */
export async function ensureScenario(
  ctx: Pick<AppContext, 'scenarios'>,
  id: string,
  now = nowUtc(),
): Promise<boolean> {
  return ctx.scenarios.createIfAbsent(newScenario({ id, title: id }, now));
}

export async function createScenario(
  ctx: Pick<AppContext, 'config' | 'scenarios' | 'recounts'>,
  input: CreateScenarioInput,
  idempotency?: IdempotencyTicket,
): Promise<Scenario> {
  const scenario = newScenario(input, nowUtc());
  try {
    await ctx.scenarios.create(
      scenario,
      idempotency
        ? { ...idempotency, outcome: { scenario }, ttlSeconds: ctx.config.idempotencyTtlSeconds }
        : undefined,
    );
  } catch (error) {
    if (error instanceof ScenarioAlreadyExists)
      throw new ScenarioExistsError(`Scenario ${input.id} already exists.`);
    if (error instanceof IdempotencyClaimLost)
      throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
    throw error;
  }
  // Threads may be in it already (a thread create whose ensureScenario was lost): count them.
  await ctx.recounts.request([scenario.id]);
  return scenario;
}

export async function getScenario(ctx: Pick<AppContext, 'scenarios'>, id: string): Promise<Scenario> {
  const record = await ctx.scenarios.get(id);
  if (!record) throw new NotFoundError(`No scenario ${id}.`);
  return record.scenario;
}

/**
 * Change title, description, tags, keywords or `public` (contract 1.2). With If-Match, a lost race (a recount counts as a change: the
 * counts are part of the representation) is the client's 412; without it, re-read and retry. A
 * change to the values the scenario already has writes nothing and keeps its version.
 */
export async function patchScenario(
  ctx: Pick<AppContext, 'scenarios'> & Partial<Pick<AppContext, 'publicEvents'>>,
  id: string,
  input: PatchScenarioInput,
  ifMatch?: VersionPrecondition,
): Promise<Scenario> {
  for (let attempt = 1; ; attempt++) {
    const record = await ctx.scenarios.get(id, true);
    if (!record) throw new NotFoundError(`No scenario ${id}.`);
    const current = record.scenario;
    if (ifMatch !== undefined && !ifMatch.accepts(current.version)) {
      throw new PreconditionFailedError(
        `The scenario is at ${ifMatch.nameOf(current.version)}; If-Match asked for ${ifMatch.asked}.`,
      );
    }
    const title = input.title ?? current.title;
    const description = input.description ?? current.description;
    const tags = input.tags ?? current.tags;
    const keywords = input.keywords ?? current.keywords;
    const isPublic = input.public ?? current.public;
    if (
      title === current.title &&
      description === current.description &&
      tags.join('\n') === current.tags.join('\n') &&
      keywords.join('\n') === current.keywords.join('\n') &&
      isPublic === current.public
    )
      return current;
    const next: Scenario = {
      ...current,
      title,
      description,
      tags,
      keywords,
      public: isPublic,
      version: current.version + 1,
      updatedAt: nowUtc(),
    };
    try {
      await ctx.scenarios.patch(next, current.version);
      // Live embeds of a public scenario read it again (its text, or that it is no longer public).
      await publishScenarioChange(ctx.publicEvents, current, next);
      return next;
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      if (ifMatch !== undefined)
        throw new PreconditionFailedError('The scenario changed while this write was being applied.');
      if (attempt >= 5)
        throw new UnavailableError('Too many concurrent changes to this scenario; retry shortly.', 1);
    }
  }
}

export interface RecountResult {
  scenario: string;
  /** `absent`: no scenario item and no thread; `stale`: a later recount had written already. */
  outcome: 'changed' | 'unchanged' | 'absent' | 'superseded';
  counts?: ScenarioCounts;
  threadsRead: number;
}

/**
 * Recount one scenario: Query its threads through the scenario index (only status and flags travel,
 * O(its threads), never a Scan), then write the counts on the scenario item — bumping `version` and
 * `updatedAt` only when they changed, as they are part of its representation and ETag — and always
 * `countedAt`, the time this recount started reading. Of racing recounts the one that started last
 * wins. A scenario item missing while threads exist (a thread create that stopped before its
 * ensureScenario) is created here.
 */
export async function recountScenario(
  ctx: Pick<AppContext, 'scenarios'>,
  id: string,
): Promise<RecountResult> {
  for (let attempt = 1; ; attempt++) {
    const countedAt = nowUtc();
    const record = await ctx.scenarios.get(id, true);
    const threads = await ctx.scenarios.countedThreads(id);
    if (!record) {
      if (threads.length === 0) return { scenario: id, outcome: 'absent', threadsRead: 0 };
      await ensureScenario(ctx, id);
      continue;
    }
    const counts = countThreads(threads);
    const changed = !sameCounts(counts, record.scenario);
    const saved = await ctx.scenarios.saveCounts({
      id,
      expectedVersion: record.scenario.version,
      countedAt,
      now: nowUtc(),
      ...(changed ? { counts } : {}),
    });
    if (saved)
      return {
        scenario: id,
        outcome: changed ? 'changed' : 'unchanged',
        counts,
        threadsRead: threads.length,
      };
    // Either a recount that started later wrote first (its counts are at least as fresh: done), or
    // the item changed under us (a PATCH): compare again.
    const after = await ctx.scenarios.get(id, true);
    if (after?.countedAt !== undefined && after.countedAt > countedAt)
      return { scenario: id, outcome: 'superseded', threadsRead: threads.length };
    if (attempt >= 5) throw new Error(`recount of scenario ${id} kept losing races`);
  }
}

/** How far before `countedAt` a thread change still makes the sweep recount (write latency, index lag, clocks). */
export const SWEEP_MARGIN_MS = 10_000;

/**
 * The safety net for a lost recount request (a crash between a thread's commit and its request):
 * recount every scenario whose latest thread change is not clearly older than its counts. One
 * small Query per scenario (the newest carrier of its changes feed, GSI12) plus a recount of those
 * behind; run by the scheduled check. Returns the scenarios recounted.
 */
export async function sweepScenarioCounts(ctx: Pick<AppContext, 'scenarios'>): Promise<string[]> {
  const recounted: string[] = [];
  for await (const page of ctx.scenarios.allCountedAt()) {
    for (const { id, countedAt } of page) {
      const latest = await ctx.scenarios.latestThreadChange(id);
      if (latest === undefined) continue;
      if (countedAt !== undefined && Date.parse(latest) < Date.parse(countedAt) - SWEEP_MARGIN_MS) continue;
      await recountScenario(ctx, id);
      recounted.push(id);
    }
  }
  return recounted;
}

/**
 * In-process recounts, debounced: the local server and tests. Requests gather in a set; once
 * started (the local server does, with a delay), the first request of a quiet spell sets one timer,
 * and when it fires every scenario requested meanwhile is recounted once. Not started (tests), only
 * `flush()` runs them, so a test decides exactly when counts catch up, without sleeping.
 */
export class LocalRecounter implements RecountTrigger {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly recount: (scenario: string) => Promise<unknown>) {}

  start(delayMs: number): void {
    this.delayMs = delayMs;
    this.schedule();
  }

  stop(): void {
    this.delayMs = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async request(scenarios: readonly string[]): Promise<void> {
    for (const s of scenarios) this.pending.add(s);
    this.schedule();
  }

  flush(): Promise<void> {
    this.running = this.running.then(async () => {
      const batch = [...this.pending];
      this.pending.clear();
      for (const scenario of batch) {
        try {
          await this.recount(scenario);
        } catch (error) {
          // The sweep of the next scheduled check recounts it.
          count('RecountFailures');
          logger.warn('scenario recount failed', { scenario, error: String(error) });
        }
      }
    });
    return this.running;
  }

  private schedule(): void {
    if (this.delayMs === null || this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => this.schedule());
    }, this.delayMs);
    this.timer.unref();
  }
}
