import { ulid } from 'ulid';
import { BUILT_IN_CUES } from '../domain/cues';
import { NotFoundError } from '../domain/errors';
import { inboxItemArrived } from '../domain/event';
import {
  NEAR_COPY_THRESHOLD,
  canonicalUrl,
  copyText,
  signature,
  similarity,
  type InboxItem,
} from '../domain/inbox';
import { dateInText, languageOf, outletOf, startOf } from '../domain/inbox-text';
import type { KindRegistry } from '../domain/kinds';
import { ThreadIndex, type MatchableThread, type StatusCues } from '../domain/matching';
import { nowUtc } from '../domain/time';
import type { Thread } from '../domain/types';
import { InboxUrlTaken, type InboxStore } from '../store/inbox-store';
import type { ScenarioStore } from '../store/scenario-store';
import type { ThreadStore } from '../store/thread-store';
import type { KindCache } from './kinds';

/**
 * The news inbox's use cases (contract 1.2, "Sources and the news inbox"): an entry arrives (pushed
 * with `POST /inbox`, or from a polled feed), is deduplicated, matched to the scenario's threads and
 * stored; editors list, accept and dismiss items (accept: shared/app/inbox-decisions.ts).
 */

export interface InboxDeps {
  inbox: InboxStore;
  threads: Pick<ThreadStore, 'listThreads' | 'listUpdates'>;
  kinds: KindCache;
  matchers: ThreadIndexCache;
  nearCopies: NearCopyWindows;
}

/** An entry as it arrives. */
export interface InboxEntry {
  scenario: string;
  url: string;
  title: string;
  summary?: string | undefined;
  publishedAt?: string | undefined;
  language?: string | undefined;
  /** The feed it came from; absent when pushed. */
  source?: string | null;
}

/** How many of the newest items of a scenario a new entry is compared with for near copies. */
export const NEAR_COPY_WINDOW = 200;
/**
 * How long an instance compares arrivals with the near-copy window it read before reading it again.
 * The window is one Query of up to NEAR_COPY_WINDOW items (≈ 37 read units when full, the largest
 * part of an arrival's cost), and a burst brings many arrivals a second: read per arrival, it was
 * 28 of the 30 read units an arrival cost in bench/matching.ts's 1,000-item burst. Items this instance makes join its window at once; an item another instance
 * made within the last second can be missed as a near copy (its link is still deduplicated), which
 * is the same order of staleness as the index's own propagation delay that the window already has.
 */
export const NEAR_COPY_WINDOW_TTL_MS = 1_000;
/** How many recent update summaries of a thread go into its index entry. */
export const RECENT_UPDATES = 3;
/**
 * How long a scenario's thread index is reused at most. Within it, each arrival still asks whether a
 * thread of the scenario was written since the index was built (the newest carrier of its changes
 * feed: one Query of one key, GSI12), so a thread created, retitled, given keywords, archived or
 * moved, or a new update, is matched (or no longer matched) from the next arrival on (contract 1.2:
 * "the scenario's non-archived threads"). The scenario's own keywords leave no carrier: a change to
 * them reaches matching within this time.
 */
export const INDEX_TTL_MS = 60_000;
/** The most threads a scenario's index holds (a page of the list). */
const MAX_THREADS = 100;

/**
 * Each scenario's thread index, built from its non-archived threads and their recent updates and
 * from the scenario's own keywords, and kept while no thread of the scenario is written (at most
 * INDEX_TTL_MS): a burst of a thousand entries reads the threads once, not a thousand times.
 */
export class ThreadIndexCache {
  private readonly built = new Map<
    string,
    { index: Promise<ThreadIndex>; at: number; seen: Promise<string | undefined> }
  >();

  constructor(
    private readonly threads: Pick<ThreadStore, 'listThreads' | 'listUpdates'>,
    private readonly scenarios: Pick<ScenarioStore, 'get' | 'latestThreadChange'>,
    private readonly ttlMs = INDEX_TTL_MS,
  ) {}

  async index(scenario: string): Promise<ThreadIndex> {
    const hit = this.built.get(scenario);
    if (hit && Date.now() - hit.at < this.ttlMs) {
      const [latest, seen] = await Promise.all([this.scenarios.latestThreadChange(scenario), hit.seen]);
      if (latest === seen) return hit.index;
      // Another arrival may have rebuilt it meanwhile, from the same newest write.
      const current = this.built.get(scenario);
      if (current && current !== hit && (await current.seen) === latest) return current.index;
      return this.rebuild(scenario, Promise.resolve(latest));
    }
    return this.rebuild(scenario, this.scenarios.latestThreadChange(scenario));
  }

  /** Forget a scenario's index (a thread was created or changed here and must be matched at once). */
  forget(scenario: string): void {
    this.built.delete(scenario);
  }

  /** Build the index; `seen`, the newest thread write it reflects, is read before the threads are. */
  private rebuild(scenario: string, seen: Promise<string | undefined>): Promise<ThreadIndex> {
    const entry = { index: seen.then(() => this.build(scenario)), at: Date.now(), seen };
    this.built.set(scenario, entry);
    // A failed build is not kept: the next entry tries again.
    entry.index.catch(() => {
      if (this.built.get(scenario) === entry) this.built.delete(scenario);
    });
    return entry.index;
  }

  private async build(scenario: string): Promise<ThreadIndex> {
    const [page, record] = await Promise.all([
      this.threads.listThreads({ scenario }, MAX_THREADS),
      this.scenarios.get(scenario),
    ]);
    const threads = await Promise.all(
      page.items.map(async (t): Promise<MatchableThread> => {
        const { items } = await this.threads.listUpdates(t.id, RECENT_UPDATES);
        return {
          id: t.id,
          kind: t.kind,
          title: t.title,
          keywords: keywordsOf(t),
          recent: items.filter((u) => !u.retracted).map((u) => u.summary),
        };
      }),
    );
    return new ThreadIndex(threads, record?.scenario.keywords ?? []);
  }
}

type Signed = { id: string; signature: string };

/** Each scenario's near-copy window (its newest items' signatures), read at most once per NEAR_COPY_WINDOW_TTL_MS. */
export class NearCopyWindows {
  private readonly windows = new Map<string, { at: number; items: Promise<Signed[]> }>();

  constructor(
    private readonly inbox: Pick<InboxStore, 'recentSignatures'>,
    private readonly ttlMs = NEAR_COPY_WINDOW_TTL_MS,
    private readonly size = NEAR_COPY_WINDOW,
  ) {}

  recent(scenario: string): Promise<Signed[]> {
    const hit = this.windows.get(scenario);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.items;
    const items = this.inbox.recentSignatures(scenario, this.size);
    this.windows.set(scenario, { at: Date.now(), items });
    // A failed read is not kept: the next arrival reads again.
    items.catch(() => this.windows.delete(scenario));
    return items;
  }

  /** An item made here: the next arrival compares with it without waiting for the next read. */
  add(scenario: string, item: Signed): void {
    const hit = this.windows.get(scenario);
    if (!hit) return;
    hit.items = hit.items.then((list) => [item, ...list.filter((x) => x.id !== item.id)].slice(0, this.size));
  }
}

/** A thread's `keywords` (contract 1.2, set by PATCH; another part of the code adds the field): empty when absent. */
const keywordsOf = (thread: Thread): string[] => {
  const k = (thread as Thread & { keywords?: unknown }).keywords;
  return Array.isArray(k) ? k.filter((w): w is string => typeof w === 'string') : [];
};

/** Each kind's status cues: a custom kind's own (`PUT /kinds`), a built-in kind's defaults unless an admin set others. */
export const cuesOf = (registry: KindRegistry): StatusCues =>
  Object.fromEntries(registry.list().map((k) => [k.kind, k.cues ?? BUILT_IN_CUES[k.kind] ?? {}]));

/** What an arrival did: made a new item, or added to an existing one (a duplicate). */
export interface Arrival {
  item: InboxItem;
  created: boolean;
}

/**
 * An entry arrives. Its canonical URL already known in the scenario: that item, with this spelling
 * of the URL among its duplicates unless it is the item's own or listed already. A near
 * copy of one of the scenario's newest items: its URL joins that item's duplicates. Otherwise a new
 * item, with its outlet, language, publication date (from the text when not given) and matches.
 */
export async function receiveEntry(ctx: InboxDeps, entry: InboxEntry, now = nowUtc()): Promise<Arrival> {
  const canonical = canonicalUrl(entry.url);
  const known = await ctx.inbox.findByUrl(entry.scenario, canonical);
  if (known) {
    // The same link again: nothing new. Another spelling of it (host case, fragment, utm_*) is a
    // duplicate like any other: its URL joins the item's duplicates (contract 1.2, "Duplicates").
    if (entry.url === known.url || known.duplicates.includes(entry.url))
      return { item: known, created: false };
    return { item: await ctx.inbox.addSpelling(known.id, entry.url), created: false };
  }

  const summary = entry.summary ?? '';
  const text = copyText({ title: entry.title, summary });
  const sig = signature(text);
  if (sig) {
    const recent = await ctx.nearCopies.recent(entry.scenario);
    const copyOf = recent
      .map((r) => ({ id: r.id, s: similarity(sig, r.signature) }))
      .filter((r) => r.s >= NEAR_COPY_THRESHOLD)
      .sort((a, b) => b.s - a.s)[0];
    if (copyOf) return addAsDuplicate(ctx, copyOf.id, entry, canonical);
  }

  const language = entry.language ?? languageOf(text);
  const reference = new Date(entry.publishedAt ?? now);
  const textDate = entry.publishedAt === undefined ? dateInText(text, new Date(now), language) : null;
  // A date the text gives is when the article was published only if it is not after its arrival.
  const publishedAt = entry.publishedAt ?? (textDate && startOf(textDate) <= now ? startOf(textDate) : null);
  const [index, registry] = await Promise.all([ctx.matchers.index(entry.scenario), ctx.kinds.registry()]);
  const item: InboxItem = {
    id: `inb_${ulid(Date.parse(now))}`,
    scenario: entry.scenario,
    source: entry.source ?? null,
    url: entry.url,
    title: entry.title,
    summary,
    language,
    publishedAt,
    firstSeenAt: now,
    outlet: outletOf(entry.url),
    duplicates: [],
    matches: index.match(text, cuesOf(registry), publishedAt ? new Date(publishedAt) : reference, language),
    state: 'new',
    decidedAt: null,
    decidedBy: null,
    updateId: null,
  };
  try {
    await ctx.inbox.create({
      item,
      signature: sig,
      canonicalUrl: canonical,
      events: [inboxItemArrived(item, now)],
    });
    if (sig) ctx.nearCopies.add(entry.scenario, { id: item.id, signature: sig });
    return { item, created: true };
  } catch (error) {
    if (!(error instanceof InboxUrlTaken)) throw error;
    // The same link arrived at the same moment: the other arrival made the item.
    const other = await ctx.inbox.findByUrl(entry.scenario, canonical);
    if (!other) throw error;
    return { item: other, created: false };
  }
}

async function addAsDuplicate(
  ctx: InboxDeps,
  id: string,
  entry: InboxEntry,
  canonical: string,
): Promise<Arrival> {
  try {
    return { item: await ctx.inbox.addDuplicate(id, entry.scenario, entry.url, canonical), created: false };
  } catch (error) {
    if (!(error instanceof InboxUrlTaken)) throw error;
    const other = await ctx.inbox.findByUrl(entry.scenario, canonical);
    if (!other) throw error;
    return { item: other, created: false };
  }
}

export async function getInboxItem(ctx: Pick<InboxDeps, 'inbox'>, id: string): Promise<InboxItem> {
  const item = await ctx.inbox.get(id);
  if (!item) throw new NotFoundError(`No inbox item ${id}.`);
  return item;
}
