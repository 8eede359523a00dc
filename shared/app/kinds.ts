import { KindConflictError, UnavailableError } from '../domain/errors';
import {
  BUILT_IN_REGISTRY,
  KINDS,
  KindRegistry,
  checkKindChange,
  type KindDefinition,
} from '../domain/kinds';
import type { PutKindInput } from '../domain/schemas';
import { nowUtc } from '../domain/time';
import type { Principal } from '../domain/types';
import { KindVersionConflict, type KindStore } from '../store/kind-store';

/**
 * The kind registry a process works with, cached: every write asks it (is this a kind, a status of
 * it, a terminal one?), and reading the KINDS partition on each would add a Query to every write.
 *
 * How fast a change reaches every function:
 * - in the process that made it (`PUT /kinds` on the admin function; every route on `npm start`,
 *   which runs all functions in one process): at once, `remember` puts it in the cache;
 * - a new kind, or a new status of a kind, anywhere else: at once as well — a miss (a kind or status
 *   the cache does not know) reloads before answering 400/422, at most once per `missReloadMs` per
 *   process, so a flood of unknown names cannot turn into a flood of Queries;
 * - a changed label or terminal flag: within the TTL (`KINDS_CACHE_SECONDS`, default 30 s), when the
 *   function instance next reloads.
 */
export class KindCache {
  private current: { registry: KindRegistry; loadedAt: number } | null = null;
  private loading: Promise<KindRegistry> | null = null;
  private lastMissReload = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly load: () => Promise<KindDefinition[]>,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly missReloadMs = 1000,
  ) {}

  /** The registry, reloaded when older than the TTL. */
  async registry(): Promise<KindRegistry> {
    if (this.current && this.clock() - this.current.loadedAt < this.ttlMs) return this.current.registry;
    return this.reload();
  }

  /**
   * The registry, reloaded first (rate-limited) when it does not satisfy `known`: a kind or status
   * just defined by another function instance is then accepted at once instead of after the TTL.
   */
  async knowing(known: (registry: KindRegistry) => boolean): Promise<KindRegistry> {
    const registry = await this.registry();
    if (known(registry) || this.clock() - this.lastMissReload < this.missReloadMs) return registry;
    this.lastMissReload = this.clock();
    return this.reload();
  }

  /**
   * A registry that answers for `kind`. A built-in kind never changes (`PUT /kinds` refuses their
   * names), so a question about one needs no read of the custom kinds: a write to a thread of a
   * built-in kind — nearly every write — reads no KINDS partition, which on a cold start is one Query
   * (and the SDK's first Query) fewer in the first request (docs/benchmarks.md, cold start).
   */
  async registryFor(kind: string): Promise<KindRegistry> {
    return BUILT_IN_REGISTRY.has(kind) ? BUILT_IN_REGISTRY : this.registry();
  }

  /** `knowing` for a question about one kind: a built-in kind's answer is fixed (see `registryFor`). */
  async knowingFor(kind: string, known: (registry: KindRegistry) => boolean): Promise<KindRegistry> {
    return BUILT_IN_REGISTRY.has(kind) ? BUILT_IN_REGISTRY : this.knowing(known);
  }

  /** Read the custom kinds now; concurrent callers share one read. */
  reload(): Promise<KindRegistry> {
    this.loading ??= (async () => {
      const startedAt = this.clock();
      try {
        const registry = new KindRegistry(await this.load());
        this.current = { registry, loadedAt: startedAt };
        return registry;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** This process changed a kind: it counts here at once, without another read. */
  remember(definition: KindDefinition): void {
    if (!this.current) return;
    const custom = this.current.registry.list().filter((k) => !k.builtIn && k.kind !== definition.kind);
    this.current = { registry: new KindRegistry([...custom, definition]), loadedAt: this.current.loadedAt };
  }
}

export const kindCache = (store: KindStore, ttlMs: number): KindCache =>
  new KindCache(async () => (await store.list(true)).map((k) => k.definition), ttlMs);

const sameDefinition = (a: KindDefinition, b: KindDefinition) =>
  JSON.stringify([a.label, a.statuses, a.cues ?? null]) ===
  JSON.stringify([b.label, b.statuses, b.cues ?? null]);

/** How many times a PUT re-reads after losing a race to another admin's change of the same kind. */
const PUT_ATTEMPTS = 5;

/**
 * Define or change a custom kind (`PUT /kinds/{kind}`). Decided on a consistent read of the stored
 * kind and written conditional on its version: if another change lands in between, it reads again
 * and decides again, so a status someone else just added is never silently dropped (it is a 409).
 */
export async function putKind(
  ctx: { kindStore: KindStore; kinds: KindCache },
  kind: string,
  input: PutKindInput,
  principal: Principal,
): Promise<{ definition: KindDefinition; created: boolean }> {
  if (kind in KINDS)
    throw new KindConflictError(`${kind} is a built-in kind; built-in kinds cannot be changed.`);
  const definition: KindDefinition = {
    kind,
    label: input.label,
    builtIn: false,
    statuses: input.statuses.map((s) => ({ name: s.name, terminal: s.terminal })),
    ...(input.cues !== undefined ? { cues: input.cues } : {}),
  };
  for (let attempt = 1; attempt <= PUT_ATTEMPTS; attempt++) {
    const stored = await ctx.kindStore.get(kind);
    checkKindChange(kind, stored?.definition, input);
    if (stored && sameDefinition(stored.definition, definition)) {
      ctx.kinds.remember(stored.definition);
      return { definition: stored.definition, created: false };
    }
    try {
      await ctx.kindStore.put(definition, stored?.version ?? null, nowUtc(), principal.name);
      ctx.kinds.remember(definition);
      return { definition, created: stored === null };
    } catch (error) {
      if (!(error instanceof KindVersionConflict)) throw error;
    }
  }
  throw new UnavailableError(`Kind ${kind} is being changed by others; retry shortly.`, 1);
}

/** Every kind, built-in and custom, as this process knows them. */
export const listKinds = async (ctx: { kinds: KindCache }): Promise<KindDefinition[]> =>
  (await ctx.kinds.registry()).list();
