import { config as loadConfig, type Config } from '../config';
import type { TrackerEvent } from '../domain/event';
import { WEBHOOK_TIMEOUT_MS } from '../domain/limits';
import { createPublisher } from '../events/bus';
import { createPublicEvents, type PublicEventsTransport } from '../events/public-events';
import { FanOutPublisher, type Publisher } from '../events/publisher';
import type { RecountTrigger } from '../events/recount-trigger';
import { systemLookup, type LookupAll } from '../events/outbound-url';
import { createDocumentClient, type DocumentClient } from '../store/client';
import { ArchiveStore } from '../store/archive-store';
import { ChangeStore } from '../store/change-store';
import { DeliveryStore } from '../store/delivery-store';
import { DraftStore } from '../store/draft-store';
import { DueStore, type DueThreads } from '../store/due-store';
import { FeedStore } from '../store/feed-store';
import { InboxStore } from '../store/inbox-store';
import { IdempotencyStore } from '../store/idempotency-store';
import { KindStore } from '../store/kind-store';
import { pageTokenKeys, webhookKeys } from '../store/keyring-source';
import { pageTokenCodec, type PageTokenCodec } from '../store/page-token';
import { PublicStore } from '../store/public-store';
import { ScenarioStore } from '../store/scenario-store';
import { SearchSource } from '../store/search-source';
import { SourceStore } from '../store/source-store';
import { secretBox } from '../store/secret-box';
import { SubscriptionStore } from '../store/subscription-store';
import { ThreadStore } from '../store/thread-store';
import { TokenStore } from '../store/token-store';
import { settleMs } from './changes';
import { SubscriptionFanOut, type AttemptsAtOnce } from './deliveries';
import { SearchViews } from './search-views';
import { NearCopyWindows, ThreadIndexCache } from './inbox';
import { kindCache, type KindCache } from './kinds';
import { LiveTap } from './live';
import { createRecounter } from './recounts';

/**
 * Everything a use case may depend on. Each use case takes only the part it uses (a `Pick` of this),
 * and each function builds only what its use cases take, at module scope (functions/*.ts): a store a
 * function lacks is a compile error there. The local server, the tools and the tests build it all
 * (`createContext`).
 */
export interface AppContext {
  config: Config;
  db: DocumentClient;
  threads: ThreadStore;
  /** Drafts awaiting a second editor (contract 1.2). */
  drafts: DraftStore;
  scenarios: ScenarioStore;
  /** Where thread writes ask for their scenario's counts to be recomputed (after commit). */
  recounts: RecountTrigger;
  tokens: TokenStore;
  /** Custom kinds as stored, and the registry (built-in + custom) cached for this process (app/kinds.ts). */
  kindStore: KindStore;
  kinds: KindCache;
  idempotency: IdempotencyStore;
  publisher: Publisher;
  pageTokens: PageTokenCodec;
  subscriptions: SubscriptionStore;
  deliveries: DeliveryStore;
  /** The due indexes the stale and overdue checks sweep. */
  due: DueThreads;
  /** The reads the Atom feeds make. */
  feeds: FeedStore;
  /** The changes feed's reads (contract 1.2, "What changed since"). */
  changes: ChangeStore;
  /** GET /search's documents in memory, kept current from the changes feed (app/search-views.ts). */
  search: SearchViews;
  /** The reads the public scenario routes make beyond the scenario item (contract 1.2). */
  publicViews: PublicStore;
  /**
   * Where changes to public views are published for live embeds (shared/app/public-live.ts): the
   * Event API of TRACKER_PUBLIC_EVENTS_URL, or the local server's own endpoint (set when it starts
   * listening). Undefined: nothing is published, and embeds poll.
   */
  publicEvents: PublicEventsTransport | undefined;
  /** How webhook hosts are resolved, at subscription and at delivery (tests stub it). */
  lookup: LookupAll;
  /** How long a subscriber has to answer (10 s by the contract; tests shorten it). */
  webhookTimeoutMs: number;
  /** Called when new deliveries are due now: the local server's loop sets it; elsewhere it does nothing. */
  wakeDeliveries: () => void;
  /**
   * The local server's delivery loop while it runs: fan-out creates the deliveries it has room for
   * already claimed and hands them to it, with their subscriptions (no claim, no read of its own).
   * Undefined elsewhere: what fan-out makes waits in the due index for a run.
   */
  deliveryLoop: AttemptsAtOnce | undefined;
  /** Published events for the local server's live WebSocket hub (local/live.ts sets it); elsewhere it does nothing. */
  liveEvents: (events: readonly TrackerEvent[]) => void;
  /** The news inbox's items (contract 1.2). */
  inbox: InboxStore;
  /** A scenario's partitions as stored, and an import's writes (contract 1.2, shared/app/archive.ts). */
  archives: ArchiveStore;
  /** Each scenario's thread index for matching inbox items, cached briefly (app/inbox.ts). */
  matchers: ThreadIndexCache;
  nearCopies: NearCopyWindows;
  /** The news sources polled into the inbox (contract 1.2). */
  sources: SourceStore;
}

/**
 * Every store and adapter, from the settings (the local server, the tools, the tests); `overrides`
 * replace any of them. Without a bus (no EVENT_BUS_NAME) published events are fanned out in this
 * process, to webhook subscriptions and live sockets, and scenario counts are recounted here; in the
 * cloud the deliveries, live fan-out and recount functions do that from the bus.
 */
export function createContext(cfg: Config = loadConfig(), overrides: Partial<AppContext> = {}): AppContext {
  const db = overrides.db ?? createDocumentClient(cfg);
  const table = cfg.tableName;
  const kindStore = overrides.kindStore ?? new KindStore(db, table);
  const threads = overrides.threads ?? new ThreadStore(db, table);
  const scenarios = overrides.scenarios ?? new ScenarioStore(db, table);
  const inbox = overrides.inbox ?? new InboxStore(db, table);
  const self = () => ctx;
  const ctx: AppContext = {
    config: cfg,
    db,
    threads,
    drafts: new DraftStore(db, table),
    scenarios,
    recounts: createRecounter(cfg, self),
    tokens: new TokenStore(db, table),
    kindStore,
    kinds: kindCache(kindStore, cfg.kindsCacheSeconds * 1000),
    idempotency: new IdempotencyStore(db, table),
    publisher: createPublisher(cfg, new FanOutPublisher([new SubscriptionFanOut(self), new LiveTap(self)])),
    pageTokens: pageTokenCodec(pageTokenKeys(cfg)),
    subscriptions: new SubscriptionStore(db, table, secretBox(webhookKeys(cfg))),
    deliveries: new DeliveryStore(db, table),
    due: new DueStore(db, table),
    feeds: new FeedStore(db, table),
    changes: new ChangeStore(db, table),
    search: new SearchViews(new SearchSource(db, table), settleMs(cfg)),
    publicViews: new PublicStore(db, table),
    publicEvents: createPublicEvents(cfg),
    lookup: systemLookup,
    webhookTimeoutMs: WEBHOOK_TIMEOUT_MS,
    wakeDeliveries: () => undefined,
    deliveryLoop: undefined,
    liveEvents: () => undefined,
    inbox,
    matchers: new ThreadIndexCache(threads, scenarios),
    nearCopies: new NearCopyWindows(inbox),
    sources: new SourceStore(db, table),
    archives: new ArchiveStore(db, table),
    ...overrides,
  };
  return ctx;
}

let current: AppContext | undefined;

/** The local server's context (every part), built on first use unless one was set. */
export const appContext = (): AppContext => (current ??= createContext());

/** For tests and the local server: use this context instead of one built from the environment. */
export const setAppContext = (ctx: AppContext | undefined): void => {
  current = ctx;
};
