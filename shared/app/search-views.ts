import { decodeTime } from 'ulid';
import type { ChangeRecord } from '../domain/changes';
import { searchDocOf, type SearchDoc } from '../domain/search-docs';
import { MemoryIndex } from '../domain/search-memory';
import { THREAD_SK, UPDATE_PREFIX, threadIdOfPk } from '../store/keys';
import type { SearchSource } from '../store/search-source';

/**
 * The search views: the searchable documents (shared/domain/search-docs.ts) of the scenarios a
 * process has been asked about, in memory (shared/domain/search-memory.ts), read from the thread and
 * update items on first use and kept current from the changes feed's carriers (every thread write
 * leaves one: docs/data-model.md, *Changes feed*). No index is written: a thread write pays nothing
 * for search (docs/architecture.md, "Search").
 *
 * - **On first use** a scenario's view reads its threads (its GSI1 partition) and each thread's
 *   updates (one Query per thread, a few at once): what the scenario holds, once per process. A
 *   search across scenarios reads every scenario so.
 * - **Before a search**, a view last brought up to date REFRESH_MS or longer ago reads the carriers
 *   recorded since (one Query of the scenario's changes index, or the eight outbox partitions at
 *   once), and the thread and update items they name, consistently (one BatchGetItem): what it reads
 *   grows with the writes since, not with the scenario. A write is findable within REFRESH_MS plus
 *   the changes index's lag: the contract's 5 seconds.
 * - **Drafts** (contract 1.2: found only by editors who ask, `drafts=true`) leave no carrier: a
 *   search that asks for them reads the waiting drafts of its scenarios again (each scenario's drafts
 *   queue, one Query), at most every REFRESH_MS; other searches never pay for them.
 * - A write may commit up to the write budget after the time its carrier is stamped with (the
 *   changes feed's `settleMs`): each catch-up reads from that far before the last one began, and
 *   skips the carriers it has applied already.
 */

/** A view is brought up to date before a search at most this often (OpenSearch's default refresh interval). */
export const REFRESH_MS = 1_000;
/** More carriers than this since the last catch-up: the view is read again whole instead. */
export const CATCH_UP_MAX = 2_000;
/** Threads whose updates are read at once when a view is read whole. */
const READ_CONCURRENCY = 8;

interface Scope {
  /** When the last catch-up (or the whole read) began, ms. */
  at: number;
  /** The one catch-up under way, which concurrent searches wait for. */
  pending?: Promise<void> | undefined;
}

async function eachAtOnce<T>(items: readonly T[], n: number, act: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await act(next);
    }),
  );
}

const ALL = '*';

export class SearchViews {
  readonly index = new MemoryIndex();
  /** Brought-up-to-date scopes: a scenario, or ALL once every scenario is read. */
  private readonly scopes = new Map<string, Scope>();
  /** Carriers applied, by id, with their time: skipped when read again within the settle window. */
  private readonly applied = new Map<string, number>();
  /** When each scope's drafts were last read (a scenario, or ALL). */
  private readonly draftsRead = new Map<string, number>();

  constructor(
    private readonly source: SearchSource,
    /** How long after its stamp a write may still commit (shared/app/changes.ts, settleMs). */
    private readonly settleMs: number,
    private readonly clock: () => number = Date.now,
    /** CATCH_UP_MAX; smaller in tests. */
    private readonly catchUpMax: number = CATCH_UP_MAX,
  ) {}

  /**
   * Have the next search catch up whatever its last catch-up's age (what a test awaits after a write
   * instead of waiting REFRESH_MS; the local server's write requests do not call it, as the cloud's
   * cannot).
   */
  refreshOnNextSearch(): void {
    for (const scope of this.scopes.values()) scope.at = Math.min(scope.at, this.clock() - REFRESH_MS);
    this.draftsRead.clear();
  }

  /** Whether a scenario's documents are in memory (read whole, and kept current since). */
  private loaded(scenario: string): boolean {
    return this.scopes.has(ALL) || this.scopes.has(scenario);
  }

  /** Make the view a search of `scenario` (undefined: every scenario) reads current, its drafts too when asked. */
  async ready(scenario: string | undefined, drafts = false): Promise<void> {
    await this.current(scenario);
    if (drafts) await this.readDrafts(scenario === undefined || this.scopes.has(ALL) ? ALL : scenario);
  }

  /** Read the waiting drafts of a scope's scenarios again, unless that was done within REFRESH_MS. */
  private async readDrafts(name: string): Promise<void> {
    const last = this.draftsRead.get(name);
    if (last !== undefined && this.clock() - last < REFRESH_MS) return;
    this.draftsRead.set(name, this.clock());
    try {
      const scenarios = name === ALL ? await this.source.scenarioIds() : [name];
      const docs: SearchDoc[] = [];
      await eachAtOnce(scenarios, READ_CONCURRENCY, async (scenario) => {
        for (const d of await this.source.waitingDrafts(scenario))
          docs.push(searchDocOf(d, { threadId: String(d.threadId), updateId: String(d.id) }, scenario));
      });
      this.index.replaceDrafts(new Set(scenarios), docs);
    } catch (error) {
      this.draftsRead.delete(name);
      throw error;
    }
  }

  private async current(scenario: string | undefined): Promise<void> {
    // Once every scenario is read, the one catch-up across scenarios keeps each current.
    const name = scenario === undefined || this.scopes.has(ALL) ? ALL : scenario;
    const known = this.scopes.get(name);
    if (known?.pending) return known.pending;
    if (known && this.clock() - known.at < REFRESH_MS) return;
    const scope: Scope = known ?? { at: this.clock() };
    this.scopes.set(name, scope);
    scope.pending = (known ? this.catchUp(name, scope) : this.readWhole(name, scope)).finally(
      () => (scope.pending = undefined),
    );
    try {
      await scope.pending;
    } catch (error) {
      // A view never read whole is read again by the next search; a failed catch-up is tried again.
      if (!known) this.scopes.delete(name);
      throw error;
    }
  }

  /** Read a scope's scenarios whole (every scenario for ALL); the next catch-up starts from when it began. */
  private async readWhole(name: string, scope: Scope): Promise<void> {
    const began = this.clock();
    const scenarios = name === ALL ? await this.source.scenarioIds() : [name];
    const docs: SearchDoc[][] = [];
    await eachAtOnce(scenarios, 2, async (scenario) => {
      const threads = await this.source.scenarioThreads(scenario);
      await eachAtOnce(threads, READ_CONCURRENCY, async (thread) => {
        docs.push(this.threadDocs(thread, await this.source.threadUpdates(String(thread.id))));
      });
    });
    // Applied in one synchronous step (no search sees half of it).
    this.index.removeScenarios(new Set(scenarios));
    for (const list of docs) for (const doc of list) this.index.put(doc);
    scope.at = began;
  }

  /** Apply what was written since the scope's last catch-up began (less the settle window). */
  private async catchUp(name: string, scope: Scope): Promise<void> {
    const began = this.clock();
    const since = scope.at - this.settleMs;
    const { writes, overflow } = await this.source.changes.writesSince(
      name === ALL ? undefined : name,
      since,
      this.catchUpMax,
    );
    if (overflow) return this.readWhole(name, scope);
    const fresh = writes.filter((w) => !this.applied.has(w.id));
    const threads = new Set<string>();
    const whole = new Set<string>();
    /** The updates the changes name, by thread. */
    const updates = new Map<string, Set<string>>();
    for (const w of fresh)
      for (const c of w.changes) {
        threads.add(c.threadId);
        if (movesDocs(c)) whole.add(c.threadId);
        else if (c.updateId !== undefined)
          updates.set(c.threadId, (updates.get(c.threadId) ?? new Set()).add(c.updateId));
      }
    const items = await this.source.items(
      [...threads],
      [...updates]
        .filter(([threadId]) => !whole.has(threadId))
        .flatMap(([threadId, ids]) => [...ids].map((updateId) => ({ threadId, updateId }))),
    );
    const threadItems = new Map<string, Record<string, unknown>>();
    const updateItems = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      const threadId = threadIdOfPk(String(item.PK));
      if (item.SK === THREAD_SK) threadItems.set(threadId, item);
      else updateItems.set(`${threadId}#${String(item.SK).slice(UPDATE_PREFIX.length)}`, item);
    }
    // Threads whose documents are all read again: moved (between scenarios, or into a view).
    const rereads = new Map<string, Record<string, unknown>[]>();
    await eachAtOnce(
      [...threads].filter((t) => {
        const item = threadItems.get(t);
        if (!item || !this.loaded(String(item.scenario))) return false;
        const had = this.index.threadDocs(t).map((k) => this.index.doc(k)!);
        return whole.has(t) || had.length === 0 || had.some((d) => d.scenario !== item.scenario);
      }),
      READ_CONCURRENCY,
      async (t) => void rereads.set(t, await this.source.threadUpdates(t)),
    );
    // Applied in one synchronous step (no search sees half of it).
    for (const threadId of threads) {
      const thread = threadItems.get(threadId);
      const scenario = thread ? String(thread.scenario) : undefined;
      if (!thread || !this.loaded(scenario!)) {
        this.index.removeThread(threadId);
        continue;
      }
      const all = rereads.get(threadId);
      if (all) {
        this.index.removeThread(threadId);
        for (const doc of this.threadDocs(thread, all)) this.index.put(doc);
        continue;
      }
      this.index.put(searchDocOf(thread, { threadId }, scenario!));
      for (const updateId of updates.get(threadId) ?? []) {
        const item = updateItems.get(`${threadId}#${updateId}`);
        if (item) this.index.put(searchDocOf(item, { threadId, updateId }, scenario!));
        else this.index.remove(`${threadId}#${updateId}`);
      }
    }
    for (const w of fresh) this.applied.set(w.id, decodeTime(w.id.slice(0, 26)));
    // Forget what no catch-up reads again.
    for (const [id, ms] of this.applied)
      if (ms <= began - 2 * this.settleMs - REFRESH_MS) this.applied.delete(id);
    scope.at = began;
  }

  /** A thread's documents: the thread's own and its updates'. */
  private threadDocs(thread: Record<string, unknown>, updates: Record<string, unknown>[]): SearchDoc[] {
    const threadId = String(thread.id);
    const scenario = String(thread.scenario);
    return [
      searchDocOf(thread, { threadId }, scenario),
      ...updates.map((u) =>
        searchDocOf(u, { threadId, updateId: String(u.SK).slice(UPDATE_PREFIX.length) }, scenario),
      ),
    ];
  }
}

/** A change after which a thread's documents are all read again (its updates' scenario moved with it). */
const movesDocs = (c: ChangeRecord): boolean => c.type === 'moved' || c.type === 'thread_created';
