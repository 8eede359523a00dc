import type { Config } from '../config';
import type { DocumentClient } from '../store/client';
import { DeliveryStore } from '../store/delivery-store';
import { DueStore } from '../store/due-store';
import { FeedStore } from '../store/feed-store';
import { IdempotencyStore } from '../store/idempotency-store';
import { KindStore } from '../store/kind-store';
import { fixedKeyring, sharedSecretsManagerKeyring, type KeyringSource } from '../store/keyring-source';
import { OutboxStore } from '../store/outbox-store';
import { pageTokenCodec } from '../store/page-token';
import { ScenarioStore } from '../store/scenario-store';
import { secretBox } from '../store/secret-box';
import { SubscriptionStore } from '../store/subscription-store';
import { ThreadStore } from '../store/thread-store';
import { TokenStore } from '../store/token-store';
import type { AppContext, PartMakers, PartName } from './context';
import { kindCache } from './kinds';
import { LocalRecounter, recountScenario } from './scenarios';

/**
 * How each part of a context is made. A function names the parts it is built with
 * (`functionContext({ threads, kinds, ... })` with these makers), so its bundle carries only those
 * stores; the local server, the tools and the tests build them all (ALL_PARTS).
 */
type Maker<K extends PartName> = (db: DocumentClient, cfg: Config, ctx: () => AppContext) => AppContext[K];

export const threads: Maker<'threads'> = (db, cfg) => new ThreadStore(db, cfg.tableName);
export const scenarios: Maker<'scenarios'> = (db, cfg) => new ScenarioStore(db, cfg.tableName);
/** Without a bus this process recounts; with one (the cloud) the context sends requests to the recount function instead. */
export const recounts: Maker<'recounts'> = (_db, _cfg, ctx) =>
  new LocalRecounter((id) => recountScenario({ scenarios: ctx().scenarios }, id));
export const tokens: Maker<'tokens'> = (db, cfg) => new TokenStore(db, cfg.tableName);
export const kindStore: Maker<'kindStore'> = (db, cfg) => new KindStore(db, cfg.tableName);
/** The registry cache over `kindStore` (built before it). */
export const kinds: Maker<'kinds'> = (_db, cfg, ctx) =>
  kindCache(ctx().kindStore, cfg.kindsCacheSeconds * 1000);
export const idempotency: Maker<'idempotency'> = (db, cfg) => new IdempotencyStore(db, cfg.tableName);
export const outbox: Maker<'outbox'> = (db, cfg) => new OutboxStore(db, cfg.tableName);
export const pageTokens: Maker<'pageTokens'> = (_db, cfg) => pageTokenCodec(pageTokenKeys(cfg));
export const subscriptions: Maker<'subscriptions'> = (db, cfg) =>
  new SubscriptionStore(db, cfg.tableName, secretBox(webhookKeys(cfg)));
export const deliveries: Maker<'deliveries'> = (db, cfg) => new DeliveryStore(db, cfg.tableName);
export const due: Maker<'due'> = (db, cfg) => new DueStore(db, cfg.tableName);
export const feeds: Maker<'feeds'> = (db, cfg) => new FeedStore(db, cfg.tableName);

/** Every part. */
export const ALL_PARTS: Required<PartMakers> = {
  threads,
  scenarios,
  recounts,
  tokens,
  kindStore,
  kinds,
  idempotency,
  outbox,
  pageTokens,
  subscriptions,
  deliveries,
  due,
  feeds,
};

/**
 * The page-token keyring: in the cloud the Secrets Manager secret PAGE_TOKEN_SECRET_ARN names (one
 * source per process, which threads-read loads before a request that pages), elsewhere the value of
 * PAGE_TOKEN_SECRET.
 */
export const pageTokenKeys = (cfg: Config): KeyringSource =>
  cfg.pageTokenSecretArn
    ? sharedSecretsManagerKeyring(cfg.pageTokenSecretArn, 'page-token key')
    : fixedKeyring(cfg.pageTokenSecret, 'PAGE_TOKEN_SECRET is not set: this process cannot page');

/**
 * The webhook sealing keyring: in the cloud the secret TRACKER_WEBHOOK_SECRET_KEY_ARN names (read by
 * the subscription store as it seals and opens), elsewhere the value of TRACKER_WEBHOOK_SECRET_KEY.
 */
export const webhookKeys = (cfg: Config): KeyringSource =>
  cfg.webhookSecretKeyArn
    ? sharedSecretsManagerKeyring(cfg.webhookSecretKeyArn, 'webhook sealing key')
    : fixedKeyring(
        cfg.webhookSecretKey,
        'TRACKER_WEBHOOK_SECRET_KEY is not set: this process cannot create or deliver subscriptions',
      );
