import { randomUUID } from 'node:crypto';
import { newKeyring } from '../../shared/domain/keyring';
import { createContext, setAppContext, type AppContext } from '../../shared/app/context';
import { readConfig, type Config } from '../../shared/config';
import { ensureTable, tableDefinition } from '../../shared/store/table';
import { OutboxStream } from '../../local/outbox-stream';

/**
 * Patient DynamoDB settings for every test context: on a busy machine a call can take longer than
 * the shipped 1.5 s, and only the tests of a stalled database (which pass the shipped settings) are
 * about timeouts. A write starts only when it could end within the budget even if DynamoDB stopped
 * answering (shared/app/write-budget.ts): with a patient timeout that needs a patient budget too.
 */
export const PATIENT: Pick<Config, 'dynamodbTimeoutMs' | 'writeRetryBudgetMs'> = {
  dynamodbTimeoutMs: 10_000,
  writeRetryBudgetMs: 30_000,
};

/**
 * A context over a brand-new table in the run's DynamoDB Local, installed as the local server's
 * context (`appContext`, what the functions run over there). No bus: published events reach
 * subscriptions and live sockets in this process.
 * Each test file (or each test that wants a clean slate) gets its own table.
 *
 * `stream: false` creates the table without its stream, for tests that never read what a write
 * publishes. Why it matters: DynamoDB Local keeps every stream record for the life of the process,
 * deleted tables' too, and every write it takes gets slower as they pile up — measured here, 3.6 ms
 * a write on a fresh instance, 15.6 ms after 20,000 writes to tables with a stream, 1.7 ms after
 * 20,000 to tables without. (A relay started over such a table turns the stream on, as it does for
 * an older data folder: nothing silently goes unpublished.)
 */
export async function freshContext(
  overrides: Partial<Config> = {},
  adapters: Partial<AppContext> = {},
  { stream = true }: { stream?: boolean } = {},
): Promise<AppContext> {
  if (!process.env.DYNAMODB_ENDPOINT)
    throw new Error('DynamoDB Local is not running: the jest global setup starts it');
  // Each context has its own random keyrings, as `npm start` keeps in its data folder.
  const cfg: Config = {
    ...readConfig(process.env),
    tableName: `test-${randomUUID().slice(0, 8)}`,
    pageTokenSecret: newKeyring(),
    webhookSecretKey: newKeyring(),
    ...PATIENT,
    ...overrides,
  };
  const ctx = createContext(cfg, adapters);
  const { StreamSpecification: _stream, ...withoutStream } = tableDefinition(cfg.tableName);
  await ensureTable(ctx.db, cfg.tableName, stream ? undefined : withoutStream);
  setAppContext(ctx);
  return ctx;
}

const relays = new WeakMap<AppContext, OutboxStream>();

/**
 * The context's outbox relay (local/outbox-stream.ts, as `npm start` runs it) over its table's
 * stream, into whatever `ctx.publisher` is when it publishes (tests swap it).
 */
export function outboxRelay(ctx: AppContext): OutboxStream {
  let relay = relays.get(ctx);
  if (!relay) {
    relay = new OutboxStream({
      endpoint: ctx.config.dynamodbEndpoint ?? process.env.DYNAMODB_ENDPOINT!,
      tableName: ctx.config.tableName,
      publisher: { publish: (events) => ctx.publisher.publish(events) },
    });
    relays.set(ctx, relay);
  }
  return relay;
}

/** Publish everything committed so far (what a test awaits after a write, instead of sleeping). */
export const relayed = (ctx: AppContext): Promise<number> => outboxRelay(ctx).catchUp();

/**
 * Have the next search see everything committed so far (what a test may call after a write instead
 * of waiting out the search views' refresh interval, shared/app/search-views.ts).
 */
export const indexed = (ctx: AppContext): void => ctx.search.refreshOnNextSearch();
