import { isRetracted, ownStatus, precisionOf } from '../domain/projection';
import { wordingKnownAt } from '../domain/revisions';
import type { Precision } from '../domain/time';
import type { Thread } from '../domain/types';
import type { TimelinePosition } from '../store/page-keys';
import type { TimelineFacts } from '../store/thread-store';
import { archivedMatches, type ArchivedFilter } from './archived';
import type { AppContext } from './context';
import { getScenario } from './scenarios';

/** One status change of a scenario's timeline (contract 1.1 "Boards and timelines"), or a key event (1.2). */
export interface TimelineItem {
  threadId: string;
  updateId: string;
  /** The update's status: null only for a key event that is a note (`key`). */
  status: string | null;
  previousStatus: string | null;
  occurredAt: string;
  occurredPrecision: Precision;
  summary: string;
  /** Contract 1.2: whether the update is a key event of the story (its flag now, also at `knownAt`). */
  key: boolean;
}

export interface TimelineQuery {
  knownAt?: string;
  archived?: ArchivedFilter;
  /** Contract 1.2: key events only, status changes or not (a key note's status is null). */
  key?: boolean;
}

export interface TimelinePage {
  items: TimelineItem[];
  next?: TimelinePosition;
}

/** Timeline order: occurred time, then thread id, then update id (within a thread, LSI1 order). */
const before = (a: TimelinePosition, b: TimelinePosition): boolean =>
  a.occurredAt !== b.occurredAt
    ? a.occurredAt < b.occurredAt
    : a.threadId !== b.threadId
      ? a.threadId < b.threadId
      : a.updateId < b.updateId;

/** What a timeline sees of an update: recorded by `knownAt`, and not retracted as known then. */
const visible = (u: TimelineFacts, knownAt?: string) => knownAt === undefined || u.recordedAt <= knownAt;
const live = (u: TimelineFacts, knownAt?: string) => visible(u, knownAt) && !isRetracted(u, knownAt);

/**
 * One thread's status changes after `from`, in order, read lazily from LSI1: the status before the
 * window comes from walking back to the thread's previous live status-carrying update (usually one
 * small Query page), then the window is read forward page by page only as far as the merge asks.
 */
async function* changesOf(
  ctx: Pick<AppContext, 'threads' | 'scenarios'>,
  thread: Thread,
  from: TimelinePosition | undefined,
  knownAt: string | undefined,
  keyOnly = false,
): AsyncGenerator<TimelineItem> {
  // LSI1SK is `<occurredAt>#<ulid>`; '$' sorts after '#' and after every ULID, '!' before every time.
  // The window after `from` and the updates before it (the page's own last change included).
  const [after, upTo] =
    from === undefined
      ? ['!', null]
      : thread.id < from.threadId
        ? [`${from.occurredAt}$`, `${from.occurredAt}$`]
        : thread.id === from.threadId
          ? [`${from.occurredAt}#${from.updateId}`, `${from.occurredAt}#${from.updateId}$`]
          : [from.occurredAt, `${from.occurredAt}#`];
  let previous: string | null = null;
  if (upTo !== null) {
    walk: for await (const page of ctx.threads.updatesAroundKey(thread.id, upTo, false)) {
      for (const u of page) {
        // A party's claim is not a change of the thread's status (contract 1.2): it is no step here.
        const own = ownStatus(u);
        if (live(u, knownAt) && own !== null) {
          previous = own;
          break walk;
        }
      }
    }
  }
  for await (const page of ctx.threads.updatesAroundKey(thread.id, after, true)) {
    for (const u of page) {
      if (!live(u, knownAt)) continue;
      // A claim is a party's word, not the thread's status (ownStatus: null for claims and notes).
      const status = ownStatus(u);
      // Key events only: every live key update, status change or not (previousStatus: the thread's
      // status before it); the status changes between them are still followed for that.
      const shown = keyOnly ? u.key : status !== null && status !== previous;
      if (shown)
        yield {
          threadId: thread.id,
          updateId: u.id,
          status,
          previousStatus: previous,
          occurredAt: u.occurredAt,
          occurredPrecision: precisionOf(u),
          summary: await summaryOf(ctx, thread.id, u, knownAt),
          key: u.key,
        };
      if (status !== null) previous = status;
    }
  }
}

/** The update's summary, as worded at `knownAt` (its revisions are read only if it was amended after then). */
async function summaryOf(
  ctx: Pick<AppContext, 'threads' | 'scenarios'>,
  threadId: string,
  u: TimelineFacts,
  knownAt: string | undefined,
): Promise<string> {
  if (knownAt === undefined || u.revisionCount === 0 || (u.revisedAt !== null && u.revisedAt <= knownAt))
    return u.summary;
  const update = await ctx.threads.getUpdate(threadId, u.id);
  if (!update) return u.summary;
  return wordingKnownAt(update, await ctx.threads.getRevisions(threadId, u.id), knownAt).summary;
}

/** Every thread of the scenario (GSI1, by id), the archived filter applied. */
async function threadsOf(
  ctx: Pick<AppContext, 'threads' | 'scenarios'>,
  scenario: string,
  archived: ArchivedFilter | undefined,
): Promise<Thread[]> {
  const out: Thread[] = [];
  let after: string | undefined;
  do {
    // Archived threads live in their own index partitions: the list must be asked for them.
    const page = await ctx.threads.listThreads(
      { scenario, archived: archived ?? 'false' },
      100,
      after !== undefined ? { after } : undefined,
    );
    out.push(...page.items.filter((t) => archivedMatches(t, archived)));
    after = page.next?.after;
  } while (after !== undefined);
  return out;
}

/**
 * A page of the scenario's timeline: a lazy k-way merge of every thread's changes after the page's
 * position. Cost per page: the scenario's thread list (GSI1, all of it), and per thread one short
 * walk back plus the forward LSI1 pages the merge consumes (at least one small page each), so it
 * grows with the number of threads in the scenario, not with the length of their histories.
 */
export async function timelinePage(
  ctx: Pick<AppContext, 'threads' | 'scenarios'>,
  scenario: string,
  q: TimelineQuery,
  limit: number,
  from?: TimelinePosition,
): Promise<TimelinePage> {
  await getScenario(ctx, scenario);
  const threads = await threadsOf(ctx, scenario, q.archived);
  const streams = threads.map((t) => changesOf(ctx, t, from, q.knownAt, q.key === true));
  const heads = await Promise.all(
    streams.map(async (st) => (await st.next()).value as TimelineItem | undefined),
  );
  const items: TimelineItem[] = [];
  while (items.length <= limit) {
    let i = -1;
    heads.forEach((h, n) => {
      if (h !== undefined && (i === -1 || before(h, heads[i]!))) i = n;
    });
    if (i === -1) break;
    items.push(heads[i]!);
    heads[i] = (await streams[i]!.next()).value as TimelineItem | undefined;
  }
  await Promise.all(streams.map((st) => st.return(undefined)));
  if (items.length <= limit) return { items };
  const last = items[limit - 1]!;
  return {
    items: items.slice(0, limit),
    next: { occurredAt: last.occurredAt, threadId: last.threadId, updateId: last.updateId },
  };
}
