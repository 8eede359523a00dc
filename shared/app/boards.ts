import { CORROBORATING_OUTLETS } from '../domain/corroboration';
import { NoStatusAtTimeError, NotFoundError } from '../domain/errors';
import type { Cutoff } from '../domain/projection';
import type { Thread } from '../domain/types';
import type { ListPosition, ThreadFilter } from '../store/thread-store';
import { archivedMatches, type ArchivedFilter } from './archived';
import type { AppContext } from './context';
import { threadAsOf } from './thread-views';

/** A scenario's threads as they stood at `asOf` and/or as known at `knownAt` (contract 1.1 "Boards"). */
export interface BoardQuery {
  scenario: string;
  cut: Cutoff;
  /** Matched against the status each thread had then. */
  status?: string;
  archived?: ArchivedFilter;
  /** Contract 1.2: matched against each thread's claims and outlets then. */
  disputed?: boolean;
  corroborated?: boolean;
  /** Filters on what a thread is now (its kind, stale flag, update time), served by the list's index. */
  current: Omit<ThreadFilter, 'scenario' | 'status'>;
}

export interface BoardPage {
  items: (Thread & Cutoff)[];
  next?: ListPosition;
}

/** How many historical views of one page are computed at once: a page is at most 100 threads. */
const VIEWS_AT_ONCE = 10;

/**
 * One page of a board. The scenario's threads are read by id (GSI1, `limit` of them, with the
 * current-state filters), then each one's view is computed exactly as `GET /threads/{id}?asOf=`
 * computes it (threadAsOf: a thread item read and its windowed history; `knownAt` reads the
 * thread's partition). Threads with no status then, or whose status then is not the one asked for,
 * are left out, so a page may be short; the position is the last id read, and only its absence
 * ends the board.
 */
export async function boardPage(
  ctx: Pick<AppContext, 'threads'>,
  q: BoardQuery,
  limit: number,
  from?: ListPosition,
): Promise<BoardPage> {
  // Archived threads live in their own index partitions: the list must be asked for them.
  const page = await ctx.threads.listThreads(
    { ...q.current, scenario: q.scenario, archived: q.archived ?? 'false' },
    limit,
    from,
  );
  const candidates = page.items.filter((t) => archivedMatches(t, q.archived));
  const views: ((Thread & Cutoff) | null)[] = [];
  for (let i = 0; i < candidates.length; i += VIEWS_AT_ONCE) {
    views.push(
      ...(await Promise.all(candidates.slice(i, i + VIEWS_AT_ONCE).map((t) => viewOrNone(ctx, t.id, q.cut)))),
    );
  }
  const items = views.filter(
    (v): v is Thread & Cutoff =>
      v !== null &&
      (q.status === undefined || v.status === q.status) &&
      (q.disputed === undefined || (v.disputed ?? false) === q.disputed) &&
      (q.corroborated === undefined ||
        (v.corroboration?.count ?? 0) >= CORROBORATING_OUTLETS === q.corroborated),
  );
  return { items, ...(page.next ? { next: page.next } : {}) };
}

/** A thread's view, or none when it had no status then (or was removed between the list and the read). */
async function viewOrNone(
  ctx: Pick<AppContext, 'threads'>,
  id: string,
  cut: Cutoff,
): Promise<(Thread & Cutoff) | null> {
  try {
    return await threadAsOf(ctx, id, cut);
  } catch (error) {
    if (error instanceof NoStatusAtTimeError || error instanceof NotFoundError) return null;
    throw error;
  }
}
