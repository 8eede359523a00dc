import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { transactionTableUnits } from '../../shared/store/item-size';

/** Write capacity one round trip consumed, split by where DynamoDB charged it. */
export interface WriteCapacity {
  command: string;
  /** The table's own items. */
  table: number;
  /** Each secondary index it touched (global and local), by name. */
  indexes: Record<string, number>;
  total: number;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

/**
 * Asks DynamoDB for `ReturnConsumedCapacity: INDEXES` on every write the client sends (a middleware,
 * so the stores run unchanged) and records where the write units went: what the index budget of
 * docs/data-model.md is measured with.
 */
export function recordWriteCapacity(db: DynamoDBDocumentClient) {
  let calls: WriteCapacity[] = [];
  const name = 'test-capacity-recorder';
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      const write = WRITES.has(command);
      if (write) (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      try {
        const out = await next(args);
        if (write) {
          const measured = capacityOf(command, (out.output as Record<string, unknown>).ConsumedCapacity);
          calls.push(
            command === 'TransactWriteItems' ? withTransactionTable(measured, args.input) : measured,
          );
        }
        return out;
      } catch (error) {
        // A cancelled transaction or a failed condition still costs: DynamoDB does not say how much here.
        if (write) calls.push({ command, table: 0, indexes: {}, total: 0 });
        throw error;
      }
    },
    { step: 'initialize', name },
  );
  return {
    take(): WriteCapacity[] {
      const taken = calls;
      calls = [];
      return taken;
    },
    detach(): void {
      db.middlewareStack.remove(name);
    },
  };
}

interface Consumed {
  CapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number; WriteCapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number; WriteCapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number; WriteCapacityUnits?: number }>;
}

const units = (c: { CapacityUnits?: number; WriteCapacityUnits?: number } | undefined) =>
  c?.WriteCapacityUnits ?? c?.CapacityUnits ?? 0;

function capacityOf(command: string, consumed: unknown): WriteCapacity {
  const list = (consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) as Consumed[];
  const out: WriteCapacity = { command, table: 0, indexes: {}, total: 0 };
  for (const c of list) {
    out.table += units(c.Table);
    out.total += units(c);
    for (const [index, cap] of [
      ...Object.entries(c.GlobalSecondaryIndexes ?? {}),
      ...Object.entries(c.LocalSecondaryIndexes ?? {}),
    ])
      out.indexes[index] = (out.indexes[index] ?? 0) + units(cap);
  }
  return out;
}

/** The sum of several round trips, by table and index. */
export function sumCapacity(calls: readonly WriteCapacity[]): Omit<WriteCapacity, 'command'> {
  const out = { table: 0, indexes: {} as Record<string, number>, total: 0 };
  for (const c of calls) {
    out.table += c.table;
    out.total += c.total;
    for (const [index, n] of Object.entries(c.indexes)) out.indexes[index] = (out.indexes[index] ?? 0) + n;
  }
  return out;
}

/**
 * DynamoDB Local reports a transaction's table units wrongly when two of its items cost the same
 * (three 100-byte Puts: 2 units, not 6): the table part of a transaction is computed here instead,
 * 2 units per KB of each Put's item (a transaction doubles), and Local's figure kept for anything else
 * (an Update, a Delete, a ConditionCheck: their items are not in the request), the larger of the two.
 * Index figures are Local's: a thread write's transaction touches each index with one item.
 */
function withTransactionTable(measured: WriteCapacity, input: unknown): WriteCapacity {
  const table = transactionTableUnits(input, measured.table);
  return { ...measured, table, total: measured.total - measured.table + table };
}
