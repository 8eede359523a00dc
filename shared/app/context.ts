import { config as loadConfig, type Config } from '../config';
import { createPublisher, FanOutPublisher, type Bus, type Publisher } from '../events/publisher';
import type { TrackerEvent } from '../domain/event';
import { WEBHOOK_TIMEOUT_MS } from '../domain/limits';
import type { LookupAll } from '../events/webhook-url';
import { DeliveryStore } from '../store/delivery-store';
import { DueStore, type DueThreads } from '../store/due-store';
import { FeedStore } from '../store/feed-store';
import { secretBox } from '../store/secret-box';
import { SubscriptionStore } from '../store/subscription-store';
import { createDocumentClient, type DocumentClient } from '../store/client';
import type { RecountTrigger } from '../events/recount-trigger';
import { IdempotencyStore } from '../store/idempotency-store';
import { KindStore } from '../store/kind-store';
import { OutboxStore } from '../store/outbox-store';
import { pageTokenCodec, type PageTokenCodec } from '../store/page-token';
import { sharedManagedSecret } from '../store/managed-secret';
import { ScenarioStore } from '../store/scenario-store';
import { ThreadStore } from '../store/thread-store';
import { LocalRecounter, recountScenario } from './scenarios';
import { TokenStore } from '../store/token-store';
import { kindCache, type KindCache } from './kinds';

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

export function createContext(cfg: Config = loadConfig(), overrides: Partial<AppContext> = {}): AppContext {
  const db = overrides.db ?? createDocumentClient(cfg);
  const scenarios = overrides.scenarios ?? new ScenarioStore(db, cfg.tableName);
  // With a bus (the cloud) requests go to the recount function; otherwise this process recounts.
  if (cfg.eventBusName && !bus)
    throw new Error('EVENT_BUS_NAME is set, but this function was built without the bus (useBus)');
  const recounts = cfg.eventBusName
    ? bus!.recounts(cfg.eventBusName, cfg.region)
    : new LocalRecounter((id) => recountScenario({ scenarios }, id));
  const kindStore = overrides.kindStore ?? new KindStore(db, cfg.tableName);
  const ctx: AppContext = {
    config: cfg,
    db,
    threads: new ThreadStore(db, cfg.tableName),
    scenarios,
    recounts,
    tokens: new TokenStore(db, cfg.tableName),
    kindStore,
    kinds: kindCache(kindStore, cfg.kindsCacheSeconds * 1000),
    idempotency: new IdempotencyStore(db, cfg.tableName),
    outbox: new OutboxStore(db, cfg.tableName),
    // Without a bus (npm start) subscriptions and live connections are fanned out as part of
    // publishing; in the cloud the delivery and live fan-out functions do it from the bus.
    publisher: createPublisher(
      cfg,
      cfg.eventBusName || !inProcessFanOut ? undefined : new FanOutPublisher(inProcessFanOut(() => ctx)),
      bus?.publisher,
    ),
    pageTokens: pageTokenCodec(
      cfg.pageTokenSecretArn ? pageTokenKey(cfg.pageTokenSecretArn).current : cfg.pageTokenSecret,
    ),
    subscriptions: new SubscriptionStore(db, cfg.tableName, secretBox(cfg.webhookSecretKey)),
    deliveries: new DeliveryStore(db, cfg.tableName),
    due: new DueStore(db, cfg.tableName),
    feeds: new FeedStore(db, cfg.tableName),
    lookup: lookup ?? noLookup,
    webhookTimeoutMs: WEBHOOK_TIMEOUT_MS,
    wakeDeliveries: () => undefined,
    liveEvents: () => undefined,
    ...overrides,
  };
  return ctx;
}

/** The cloud's page-token key (PAGE_TOKEN_SECRET_ARN), one per process: threads-read awaits it before its first request. */
export const pageTokenKey = (arn: string) => sharedManagedSecret(arn, 'page-token key');

let current: AppContext | undefined;

export const appContext = (): AppContext => (current ??= createContext());

/** For tests and the local server: use this context instead of one built from the environment. */
export const setAppContext = (ctx: AppContext | undefined): void => {
  current = ctx;
};
