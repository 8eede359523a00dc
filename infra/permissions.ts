import { INDEX, KINDS_PK } from '../shared/store/keys';
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
  /** When set, the table actions apply only to items whose partition key is one of these (dynamodb:LeadingKeys). */
  leadingKeys?: readonly string[];
}

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
  },
  // Custom kinds: reads and writes the KINDS partition and nothing else (GET /kinds is a read route).
  kinds: {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
    queryIndexes: [],
    putEvents: false,
    leadingKeys: [KINDS_PK],
  },
  // Reads a token by hash and records lastUsedAt.
  authorizer: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], queryIndexes: [], putEvents: false },
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
  },
  // Fan-out (delivery items), claims and outcomes on the due index (GSI3), the log, the failure clock.
  deliveries: {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    queryIndexes: [INDEX.byDue],
    putEvents: false,
  },
};
