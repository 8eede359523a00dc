import { config as loadConfig, type Config } from '../config';
import { createPublisher, FanOutPublisher, type Bus, type Publisher } from '../events/publisher';
import type { TrackerEvent } from '../domain/event';
import { WEBHOOK_TIMEOUT_MS } from '../domain/limits';
import type { LookupAll } from '../events/webhook-url';
import type { DeliveryStore } from '../store/delivery-store';
import type { DueThreads } from '../store/due-store';
import type { FeedStore } from '../store/feed-store';
import type { IdempotencyStore } from '../store/idempotency-store';
import type { KindStore } from '../store/kind-store';
import type { OutboxStore } from '../store/outbox-store';
import type { ScenarioStore } from '../store/scenario-store';
import type { SubscriptionStore } from '../store/subscription-store';
import type { ThreadStore } from '../store/thread-store';
import type { TokenStore } from '../store/token-store';
import { createDocumentClient, type DocumentClient } from '../store/client';
import type { RecountTrigger } from '../events/recount-trigger';
import type { PageTokenCodec } from '../store/page-token';
import { ALL_PARTS } from './parts';
import type { KindCache } from './kinds';

/** The adapters a handler works with. Built once per process, at first use rather than at import. */
export interface AppContext {
  config: Config;
  db: DocumentClient;
  threads: ThreadStore;
  scenarios: ScenarioStore;
  /** Where thread writes ask for their scenario's counts to be recomputed (after commit). */
  recounts: RecountTrigger;
  tokens: TokenStore;
  /** Custom kinds as stored, and the registry (built-in + custom) cached for this process (app/kinds.ts). */
  kindStore: KindStore;
  kinds: KindCache;
  idempotency: IdempotencyStore;
  outbox: OutboxStore;
  publisher: Publisher;
  pageTokens: PageTokenCodec;
  subscriptions: SubscriptionStore;
  deliveries: DeliveryStore;
  /** The due indexes the stale and overdue checks sweep. */
  due: DueThreads;
  /** The reads the Atom feeds make. */
  feeds: FeedStore;
  /** How webhook hosts are resolved, at subscription and at delivery (tests stub it). */
  lookup: LookupAll;
  /** How long a subscriber has to answer (10 s by the contract; tests shorten it). */
  webhookTimeoutMs: number;
  /** Called when new deliveries are due now: the local server's loop sets it; elsewhere it does nothing. */
  wakeDeliveries: () => void;
  /** Published events for the local server's live WebSocket hub (local/live.ts sets it); elsewhere it does nothing. */
  liveEvents: (events: readonly TrackerEvent[]) => void;
}

// ---- Parts only some processes carry ----------------------------------------------------------
//
// Each is handed over at import by the code that needs it, so the other functions' bundles leave
// its code and packages out: a function pays for every byte it bundles at cold start, evaluated or
// not (about 8 ms per 100 KiB, docs/benchmarks.md). A part that is missing where it is used fails
// loudly rather than doing nothing.

let bus: Bus | undefined;
let lookup: LookupAll | undefined;
let inProcessFanOut: InProcessFanOut | undefined;

/**
 * The functions that publish (threads-write, stale-check, subscriptions) hand the EventBridge bus
 * over at import (shared/events/bus.ts); the others never load it, and a context built with
 * EVENT_BUS_NAME set but no bus fails loudly rather than dropping events.
 */
export const useBus = (b: Bus): void => {
  bus = b;
};

/**
 * How webhook hosts are resolved and checked (shared/events/webhook-url.ts, with ipaddr.js): handed
 * over by the processes that create or deliver subscriptions (the subscriptions and deliveries
 * functions, shared/app/in-process.ts for the local server and the tools).
 */
export const useWebhooks = (resolve: LookupAll): void => {
  lookup = resolve;
};

/**
 * Where published events go in a process without a bus, besides the log and TRACKER_WEBHOOK_URL:
 * the local server's subscriptions and live sockets (shared/app/in-process.ts). In the cloud the
 * deliveries and live fan-out functions take them from the bus instead.
 */
export type InProcessFanOut = (ctx: () => AppContext) => Publisher[];

export const useInProcessFanOut = (fanOut: InProcessFanOut): void => {
  inProcessFanOut = fanOut;
};

const noLookup: LookupAll = () =>
  Promise.reject(new Error('this function was built without webhook lookup (useWebhooks)'));

/**
 * The parts of a context a function may or may not carry (its stores and what is built on them),
 * built in this order: a part may use the ones before it (`kinds` caches `kindStore`).
 */
const PART_NAMES = [
  'threads',
  'scenarios',
  'recounts',
  'tokens',
  'kindStore',
  'kinds',
  'idempotency',
  'outbox',
  'pageTokens',
  'subscriptions',
  'deliveries',
  'due',
  'feeds',
] as const satisfies readonly (keyof AppContext)[];

export type PartName = (typeof PART_NAMES)[number];

/** How each part is made, from the document client, the settings and the context being built. */
export type PartMakers = {
  readonly [K in PartName]?: (db: DocumentClient, cfg: Config, ctx: () => AppContext) => AppContext[K];
};

/** A part the function was not built with: any use of it fails, naming it. */
const missingPart = <K extends PartName>(name: K): AppContext[K] =>
  new Proxy({} as AppContext[K], {
    get: (_, key) => {
      if (key === 'then') return undefined; // not a promise
      throw new Error(`${name} is not part of this function's context (add it to the function's parts)`);
    },
  });

/** A context of the given parts; the others are missing (see `missingPart`). */
function assembleContext(cfg: Config, parts: PartMakers, overrides: Partial<AppContext>): AppContext {
  const db = overrides.db ?? createDocumentClient(cfg);
  if (cfg.eventBusName && !bus)
    throw new Error('EVENT_BUS_NAME is set, but this function was built without the bus (useBus)');
  const ctx = {
    config: cfg,
    db,
    // Without a bus (npm start) subscriptions and live connections are fanned out as part of
    // publishing; in the cloud the delivery and live fan-out functions do it from the bus.
    publisher: createPublisher(
      cfg,
      cfg.eventBusName || !inProcessFanOut ? undefined : new FanOutPublisher(inProcessFanOut(() => ctx)),
      bus?.publisher,
    ),
    lookup: lookup ?? noLookup,
    webhookTimeoutMs: WEBHOOK_TIMEOUT_MS,
    wakeDeliveries: () => undefined,
    liveEvents: () => undefined,
  } as Partial<AppContext> as AppContext; // its parts are assigned below
  const self = () => ctx;
  const assign = <K extends PartName>(name: K) => {
    const make = parts[name];
    ctx[name] =
      overrides[name] ??
      (name === 'recounts' && cfg.eventBusName && make
        ? (bus!.recounts(cfg.eventBusName, cfg.region) as AppContext[K])
        : make
          ? make(db, cfg, self)
          : missingPart(name));
  };
  for (const name of PART_NAMES) assign(name);
  return Object.assign(ctx, overrides);
}

/** A context with every part, from the environment's settings unless given (the local server, tools, tests). */
export function createContext(cfg: Config = loadConfig(), overrides: Partial<AppContext> = {}): AppContext {
  return assembleContext(cfg, ALL_PARTS, overrides);
}

let current: AppContext | undefined;

/** The context with every part, built on first use (the local server's, unless it set one). */
export const appContext = (): AppContext => (current ??= createContext());

/** For tests and the local server: use this context instead of one built from the environment. */
export const setAppContext = (ctx: AppContext | undefined): void => {
  current = ctx;
};

/**
 * A function's context: only the parts it is built with, each made by its maker on first use of the
 * context. Its IAM role is derived from the same parts (infra/permissions.ts), and the
 * stores it leaves out leave its bundle (cold start, docs/benchmarks.md). Where a context has been
 * set (the local server, tests), the function sees that one through the same restriction: every part
 * it was not built with fails when used, so a request that needs a missing part fails on the laptop
 * exactly as it would in the cloud.
 */
export function functionContext(
  parts: PartMakers,
): (() => AppContext) & { readonly parts: readonly PartName[] } {
  let view: { of: AppContext; ctx: AppContext } | undefined;
  const context = () => {
    const base = (current ??= assembleContext(loadConfig(), parts, {}));
    if (view?.of !== base) view = { of: base, ctx: restrict(base, parts) };
    return view.ctx;
  };
  // The names the function is built with: its IAM role is derived from the same list
  // (infra/permissions.ts FUNCTION_ACCESS), and test/unit/function-access.test.ts holds them equal.
  return Object.assign(context, { parts: PART_NAMES.filter((name) => parts[name] !== undefined) });
}

const restrict = (ctx: AppContext, parts: PartMakers): AppContext => {
  const view = { ...ctx };
  for (const name of PART_NAMES)
    if (!parts[name]) (view as Record<PartName, unknown>)[name] = missingPart(name);
  return view;
};
