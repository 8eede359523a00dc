import { NotFoundError } from '../domain/errors';
import type { Thread, Update } from '../domain/types';
import type { AppContext } from './context';

/** The contract: the 50 most recently recorded updates. */
export const FEED_SIZE = 50;
/** Threads read per page of the scenario's update-time index while looking for them. */
const THREAD_PAGE = 25;

export const ATOM_TYPE = 'application/atom+xml; charset=utf-8';

const newestFirst = (a: Update, b: Update) =>
  a.recordedAt !== b.recordedAt
    ? a.recordedAt < b.recordedAt
      ? 1
      : -1
    : a.id < b.id
      ? 1
      : a.id > b.id
        ? -1
        : 0;

/** When an entry last changed: recorded, amended (once amendments exist: `revisedAt`), retracted. */
export const entryUpdated = (update: Update & { revisedAt?: string | null }): string =>
  [update.recordedAt, update.revisedAt ?? '', update.retraction?.retractedAt ?? ''].reduce((a, b) =>
    b > a ? b : a,
  );

/** Text for an Atom `type="html"` element: markup escaped (so no `]]>` either), and no character XML forbids. */
const html = (text: string) =>
  text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
const attr = (text: string) => html(text).replace(/"/g, '&quot;');
const plain = (text: string) => text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');

export interface FeedSource {
  /** urn:scenario-tracker:{scenario|thread}:{id} */
  id: string;
  title: string;
  /** Where clients reach the API (TRACKER_PUBLIC_URL): feed links are absolute. */
  base: string;
  /** This feed's own path, and the JSON resource it stands for. */
  selfPath: string;
  alternatePath: string;
  /** When nothing is in the feed: the time of the thing itself. */
  emptyUpdated: string;
}

/**
 * Atom 1.0 through the `feed` package (only the feeds function bundles it and its XML dependencies,
 * and loads them on its first request, not at cold start). It writes one `link` per entry; the contract's
 * `rel="related"` link per source is added after it, in the entry the update's own link identifies
 * (those links are unique: one per update).
 */
export async function renderAtom(
  source: FeedSource,
  entries: { update: Update; thread: Pick<Thread, 'id' | 'title'> }[],
): Promise<string> {
  const { Feed } = await import('feed');
  const updated = entries.length
    ? entries.map((e) => entryUpdated(e.update)).reduce((a, b) => (b > a ? b : a))
    : source.emptyUpdated;
  const feed = new Feed({
    id: source.id,
    title: plain(source.title),
    updated: new Date(updated),
    copyright: '',
    generator: 'Scenario Tracker',
    author: { name: 'Scenario Tracker' },
    link: `${source.base}${source.alternatePath}`,
    feedLinks: { atom: `${source.base}${source.selfPath}` },
  });
  const related = new Map<string, string>();
  for (const { update, thread } of entries) {
    const link = `${source.base}/threads/${thread.id}/updates/${update.id}`;
    feed.addItem({
      id: `urn:scenario-tracker:update:${update.id}`,
      title: html(`${update.retracted ? '[Retracted] ' : ''}${thread.title}: ${update.status ?? 'note'}`),
      link,
      date: new Date(entryUpdated(update)),
      published: new Date(update.recordedAt),
      description: html(update.summary),
      author: [{ name: plain(update.postedBy) }],
      // Contract 1.2 "Key events": a key event's entry says so, for readers that filter by category.
      ...(update.key ? { category: [{ term: 'key' }] } : {}),
    });
    related.set(
      `<link href="${link}"/>`,
      update.sources
        .map(
          (s) =>
            `<link rel="related" href="${attr(new URL(s.url).href)}"${s.title ? ` title="${attr(s.title)}"` : ''}/>`,
        )
        .join(''),
    );
  }
  return feed.atom1().replace(/<link href="[^"]*"\/>/g, (own) => `${own}${related.get(own) ?? ''}`);
}

/** A thread's feed: its newest FEED_SIZE updates by recorded time. 404 for an unknown thread. */
export async function threadFeed(
  ctx: Pick<AppContext, 'threads' | 'feeds'>,
  threadId: string,
  base: string,
): Promise<string> {
  const store = ctx.feeds;
  const thread = await ctx.threads.getThread(threadId);
  if (!thread) throw new NotFoundError(`No thread ${threadId}.`);
  const updates = await store.newestUpdates(threadId, FEED_SIZE);
  return renderAtom(
    {
      id: `urn:scenario-tracker:thread:${threadId}`,
      title: thread.title,
      base,
      selfPath: `/threads/${threadId}/feed.atom`,
      alternatePath: `/threads/${threadId}`,
      emptyUpdated: thread.updatedAt,
    },
    updates.sort(newestFirst).map((update) => ({ update, thread })),
  );
}

/**
 * A scenario's feed: the newest FEED_SIZE updates across its threads, without reading every
 * thread's history. Threads come most recently updated first (the scenario's changes feed, each
 * thread once: a later page may name a thread again for an older write); a thread's updates were all
 * recorded at or before its `updatedAt`, so once FEED_SIZE updates are held that are newer than
 * every thread not yet seen, the walk stops. Each thread read has its newest updates read (one
 * Query), and only while its `lastRecordedAt` could still place an update in the feed.
 * 404 when the scenario has no thread and no scenario item.
 */
export async function scenarioFeed(
  ctx: Pick<AppContext, 'threads' | 'feeds'>,
  scenario: string,
  base: string,
): Promise<string> {
  const store = ctx.feeds;
  const [info, firstPage] = await Promise.all([
    store.scenario(scenario),
    store.threadsByUpdate(scenario, THREAD_PAGE),
  ]);
  if (!info && firstPage.threads.length === 0) throw new NotFoundError(`No scenario ${scenario}.`);
  let top: { update: Update; thread: Thread }[] = [];
  let pending: Thread[] = [];
  let page: { threads: Thread[]; next?: Record<string, unknown>; olderThan?: string } = firstPage;
  let newestUpdatedAt = '';
  const seen = new Set<string>();
  for (;;) {
    page = { ...page, threads: page.threads.filter((t) => !seen.has(t.id)) };
    for (const t of page.threads) seen.add(t.id);
    pending.push(...page.threads);
    for (const t of page.threads) if (t.updatedAt > newestUpdatedAt) newestUpdatedAt = t.updatedAt;
    // Threads not read yet were updated at or before the page's oldest write, so recorded no later.
    const bound = page.next ? (page.olderThan ?? '') : '';
    pending.sort((a, b) =>
      a.lastRecordedAt < b.lastRecordedAt ? 1 : a.lastRecordedAt > b.lastRecordedAt ? -1 : 0,
    );
    while (pending.length > 0 && pending[0]!.lastRecordedAt >= bound) {
      const thread = pending.shift()!;
      const cutoff = top.length >= FEED_SIZE ? top[FEED_SIZE - 1]!.update.recordedAt : '';
      if (thread.lastRecordedAt < cutoff) {
        pending = [];
        break;
      }
      const updates = await store.newestUpdates(thread.id, FEED_SIZE);
      top = [...top, ...updates.map((update) => ({ update, thread }))]
        .sort((a, b) => newestFirst(a.update, b.update))
        .slice(0, FEED_SIZE);
    }
    const full = top.length >= FEED_SIZE && top[FEED_SIZE - 1]!.update.recordedAt >= bound;
    if (!page.next || full) break;
    page = await store.threadsByUpdate(scenario, THREAD_PAGE, page.next);
  }
  return renderAtom(
    {
      id: `urn:scenario-tracker:scenario:${scenario}`,
      title: info?.title ?? scenario,
      base,
      selfPath: `/scenarios/${scenario}/feed.atom`,
      alternatePath: `/threads?scenario=${scenario}`,
      emptyUpdated: info?.updatedAt ?? (newestUpdatedAt || '1970-01-01T00:00:00.000Z'),
    },
    top,
  );
}
