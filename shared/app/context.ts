import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config as loadConfig, type Config } from '../config';
import { createPublisher, type Publisher } from '../events/publisher';
import { createDocumentClient } from '../store/client';
import { BusRecountTrigger } from '../events/recount-trigger';
import { IdempotencyStore } from '../store/idempotency-store';
import { KindStore } from '../store/kind-store';
import { OutboxStore } from '../store/outbox-store';
import { pageTokenCodec, type PageTokenCodec } from '../store/page-token';
import { ScenarioStore } from '../store/scenario-store';
import { ThreadStore } from '../store/thread-store';
import { LocalRecounter, recountScenario, type RecountTrigger } from './scenarios';
import { TokenStore } from '../store/token-store';
import { kindCache, type KindCache } from './kinds';

/** The adapters a handler works with. Built once per process, at first use rather than at import. */
export interface AppContext {
  config: Config;
  db: DynamoDBDocumentClient;
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
}

export function createContext(cfg: Config = loadConfig(), overrides: Partial<AppContext> = {}): AppContext {
  const db = overrides.db ?? createDocumentClient(cfg);
  const scenarios = overrides.scenarios ?? new ScenarioStore(db, cfg.tableName);
  // With a bus (the cloud) requests go to the recount function; otherwise this process recounts.
  const recounts = cfg.eventBusName ? new BusRecountTrigger(cfg.eventBusName, cfg.region) : new LocalRecounter((id) => recountScenario({ scenarios }, id));
  const kindStore = overrides.kindStore ?? new KindStore(db, cfg.tableName);
  return {
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
    publisher: createPublisher(cfg),
    pageTokens: pageTokenCodec(cfg.pageTokenSecret),
    ...overrides,
  };
}

let current: AppContext | undefined;

export const appContext = (): AppContext => (current ??= createContext());

/** For tests and the local server: use this context instead of one built from the environment. */
export const setAppContext = (ctx: AppContext | undefined): void => {
  current = ctx;
};
