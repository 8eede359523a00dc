import { NotFoundError } from '../domain/errors';
import type { Expected, Scenario, Source, Thread } from '../domain/types';
import type { Precision } from '../domain/time';
import { LIMITS } from '../domain/limits';
import type { ListPosition } from '../store/thread-lists';
import type { AppContext } from './context';

/**
 * The public views of a scenario (contract 1.2, "Public scenarios and embeds"): what anyone may read
 * without a token once an editor has set `public: true`. Built field by field, never by spreading a
 * thread: no author, no token name, no history, nothing added to Thread later leaks by accident.
 */

/** A thread as the public sees it. */
export interface PublicThread {
  id: string;
  title: string;
  kind: string;
  status: string;
  statusSince: string;
  statusSincePrecision: Precision;
  summary: string;
  expected: Expected | null;
  overdue: boolean;
  /**
   * From the claims part of contract 1.2 (another change adds them to the thread view): passed on
   * when the thread carries them, absent until then.
   */
  disputed?: boolean;
  corroboration?: { outlets: string[]; count: number };
}

export interface PublicScenario {
  id: string;
  title: string;
  description: string;
  /** The latest change to anything shown: the scenario's text or any of its threads. */
  updatedAt: string;
  threads: PublicThread[];
}

/** A key event of a thread (contract 1.2, "Key events"), as the public sees it: no author. */
export interface PublicKeyEvent {
  id: string;
  status: string | null;
  summary: string;
  occurredAt: string;
  occurredPrecision: Precision;
  sources: Source[];
}

export type PublicThreadDetail = PublicThread & { scenario: string; keyEvents: PublicKeyEvent[] };

type Ctx = Pick<AppContext, 'scenarios' | 'threads' | 'publicViews'>;

/** What a thread may carry from other parts of contract 1.2, read only when present. */
type WithClaims = Thread & { disputed?: unknown; corroboration?: unknown };

const isCorroboration = (v: unknown): v is { outlets: string[]; count: number } =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as { outlets?: unknown }).outlets) &&
  typeof (v as { count?: unknown }).count === 'number';

export function publicThread(thread: Thread): PublicThread {
  const t = thread as WithClaims;
  return {
    id: t.id,
    title: t.title,
    kind: t.kind,
    status: t.status,
    statusSince: t.statusSince,
    statusSincePrecision: t.statusSincePrecision,
    summary: t.summary,
    expected: t.expected,
    overdue: t.overdue,
    ...(typeof t.disputed === 'boolean' ? { disputed: t.disputed } : {}),
    ...(isCorroboration(t.corroboration)
      ? { corroboration: { outlets: [...t.corroboration.outlets], count: t.corroboration.count } }
      : {}),
  };
}

/** Not public and missing answer alike: 404, never 401 or 403, so nothing tells them apart. */
const notPublic = (id: string) => new NotFoundError(`No public scenario ${id}.`);

async function publicScenarioItem(ctx: Ctx, id: string): Promise<Scenario> {
  const record = await ctx.scenarios.get(id);
  if (!record || !record.scenario.public) throw notPublic(id);
  return record.scenario;
}

/**
 * The scenario's non-archived threads: the thread list's own pages (`GET /threads?scenario=`, GSI1
 * by id), all of them — one Query for a scenario of up to a page of threads.
 */
async function scenarioThreads(ctx: Ctx, id: string): Promise<Thread[]> {
  const threads: Thread[] = [];
  let from: ListPosition | undefined;
  do {
    const page = await ctx.threads.listThreads({ scenario: id }, LIMITS.pageSize.max, from);
    threads.push(...page.items);
    from = page.next;
  } while (from);
  return threads;
}

/** One GetItem (the scenario) and one Query (its non-archived threads). */
export async function getPublicScenario(ctx: Ctx, id: string): Promise<PublicScenario> {
  const scenario = await publicScenarioItem(ctx, id);
  const threads = await scenarioThreads(ctx, id);
  const updatedAt = threads.reduce(
    (latest, t) => (t.updatedAt > latest ? t.updatedAt : latest),
    scenario.updatedAt,
  );
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    updatedAt,
    threads: threads.map(publicThread),
  };
}

export async function keyEventsOf(ctx: Ctx, threadId: string): Promise<PublicKeyEvent[]> {
  return (await ctx.publicViews.keyEvents(threadId)).map((u) => ({
    id: u.id,
    status: u.status,
    summary: u.summary,
    occurredAt: u.occurredAt,
    occurredPrecision: u.occurredPrecision,
    sources: u.sources.map((s) => ({ ...s })),
  }));
}

/**
 * One thread of a public scenario: the scenario item and the thread item (two GetItems). An
 * archived thread, or one of another scenario, is not found.
 */
export async function getPublicThreadView(ctx: Ctx, id: string, threadId: string): Promise<PublicThread> {
  await publicScenarioItem(ctx, id);
  const thread = await ctx.threads.getThread(threadId);
  if (!thread || thread.scenario !== id || thread.archived)
    throw new NotFoundError(`Public scenario ${id} has no thread ${threadId}.`);
  return publicThread(thread);
}

/** The same with the thread's key events: one Query of its updates more. */
export async function getPublicThread(ctx: Ctx, id: string, threadId: string): Promise<PublicThreadDetail> {
  const view = await getPublicThreadView(ctx, id, threadId);
  return { ...view, scenario: id, keyEvents: await keyEventsOf(ctx, threadId) };
}

/**
 * For the public page's schema.org Events (contract 1.2: `EventRescheduled` with
 * `previousStartDate` "from the status and the history of `expected`"): each expecting thread's
 * earlier start, when its expected date has moved (the calendar state keeps it). One Query of the
 * scenario's thread items, made only when the page has a summit to describe.
 */
export async function previousStartsOf(
  ctx: Ctx,
  scenario: string,
  threads: readonly PublicThread[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!threads.some((t) => t.kind === 'summit')) return out;
  for (const { thread, calendar } of await ctx.threads.calendarThreads(scenario)) {
    const previousAt = calendar?.previousAt;
    if (thread.expected !== null && previousAt !== undefined && previousAt !== thread.expected.at)
      out.set(thread.id, previousAt);
  }
  return out;
}
