import {
  INDEX,
  KINDS_PK,
  SUBSCRIPTIONS_PK,
  TOKENS_PK,
  attemptLogPk,
  deliveryKey,
  scenarioPk,
  threadPk,
  tokenHashKey,
} from '../shared/store/keys';
import type { FunctionName } from './bundling';
import { GLOBAL_INDEX_NAMES, LOCAL_INDEX_NAMES } from './table';

/**
 * What each function may do, in one reviewable table. The stack turns each entry into IAM
 * statements on the table's ARN and on named index ARNs (never `index/*`, never `*`).
 * Transactions need no action of their own: TransactWriteItems is authorised by the
 * Put/Update/Delete/ConditionCheck actions of its parts, TransactGetItems by GetItem.
 */
export interface Access {
  /** DynamoDB actions on the base table. */
  table: readonly string[];
  /** Indexes this function may Query. */
  queryIndexes: readonly string[];
  /** Whether it publishes to the project's event bus. */
  putEvents: boolean;
  /**
   * When set, the table actions apply only to items whose partition key matches one of these
   * (dynamodb:LeadingKeys; `*` matches any text, so `TOKEN#*` is every token-hash item). Each is
   * derived from the key builders of shared/store/keys.ts, and test/integration/item-families.test.ts
   * runs each function and checks every key it sends against them.
   */
  leadingKeys?: readonly string[];
}

/** A key builder's partition key with its variable part as `*`: `TOKEN#<hash>` → `TOKEN#*`. */
const family = (pk: string, variable: string): string => {
  if (!pk.endsWith(variable)) throw new Error(`${pk} does not end with its variable part ${variable}`);
  return `${pk.slice(0, -variable.length)}*`;
};
const V = '\u0000';
/** Token-hash items: what a request's token is checked against. */
const TOKEN_HASH_ITEMS = family(tokenHashKey(V).PK, V);
/** Webhook subscriptions, their delivery items and their attempt logs. */
const WEBHOOK_ITEMS = [
  SUBSCRIPTIONS_PK,
  family(deliveryKey(V, 'x').PK, V),
  family(attemptLogPk(V, 0), `${V}#0`),
] as const;

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

export const ACCESS: Record<FunctionName, Access> = {
  // Liveness and the OpenAPI document: no table at all.
  health: { table: [], queryIndexes: [], putEvents: false },
  // Reads only: the list indexes (GSI1, GSI2, GSI4–GSI10), updates by occurred time (LSI1); not the due indexes (GSI3, GSI11).
  'threads-read': {
    table: READ,
    queryIndexes: [...GLOBAL_INDEX_NAMES, ...LOCAL_INDEX_NAMES].filter(
      (i) => i !== INDEX.byDue && i !== INDEX.byExpected,
    ),
    putEvents: false,
  },
  // Writes run as transactions (thread, update, idempotency record, outbox) and publish what they commit.
  'threads-write': {
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    // Whether a thread has children (a parent cannot get a parent, nor move scenario).
    queryIndexes: [INDEX.byParent],
    putEvents: true,
  },
  // Token management: both items of a token, listing by name and lastUsedAt by hash.
  tokens: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    queryIndexes: [],
    putEvents: false,
    leadingKeys: [TOKEN_HASH_ITEMS, TOKENS_PK],
  },
  // Custom kinds: reads and writes the KINDS partition and nothing else (GET /kinds is a read route).
  kinds: {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
    queryIndexes: [],
    putEvents: false,
    leadingKeys: [KINDS_PK],
  },
  // Reads a token by hash and records lastUsedAt: token-hash items only.
  authorizer: {
    table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    queryIndexes: [],
    putEvents: false,
    leadingKeys: [TOKEN_HASH_ITEMS],
  },
  // Reads the due indexes (stale: GSI3, overdue: GSI11) and the outbox partition, flags threads with the notification in the outbox;
  // its sweep lists scenarios (GSI1), reads each one's latest thread change (GSI8) and recounts.
  'stale-check': {
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    queryIndexes: [INDEX.byDue, INDEX.byExpected, INDEX.byScenario, INDEX.byScenarioUpdated],
    putEvents: true,
  },
  // Recounts a scenario: its item (GetItem, UpdateItem; PutItem creates it when missing) and its
  // threads through the scenario index only.
  'scenario-recount': {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    queryIndexes: [INDEX.byScenario],
    putEvents: false,
    leadingKeys: [family(scenarioPk(V), V)],
  },
  // Subscription items (one partition), a ping's delivery item, the delivery log; a ping goes to the bus.
  subscriptions: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    queryIndexes: [],
    putEvents: true,
    leadingKeys: WEBHOOK_ITEMS,
  },
  // Fan-out (delivery items), claims and outcomes on the due index (GSI3), the log, the failure clock.
  deliveries: {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    queryIndexes: [INDEX.byDue],
    putEvents: false,
    leadingKeys: WEBHOOK_ITEMS,
  },
  // The Atom feeds (shared/store/feed-store.ts, shared/app/feeds.ts) only read: a thread item and its
  // newest updates (one thread partition), a scenario item, and a scenario's threads by update time
  // (GSI8). Never a token, subscription, idempotency or outbox item; never a write.
  feeds: {
    table: ['dynamodb:GetItem', 'dynamodb:Query'],
    queryIndexes: [INDEX.byScenarioUpdated],
    putEvents: false,
    leadingKeys: [family(threadPk(V), V), family(scenarioPk(V), V)],
  },
};
