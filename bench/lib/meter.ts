import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { transactionTableUnits } from '../../shared/store/item-size';

/**
 * A meter on the document client: every data-plane command is sent with
 * ReturnConsumedCapacity: 'INDEXES' (TransactWriteItems included) and recorded — one entry per round
 * trip, with the capacity DynamoDB (Local) reports for it. Installed on the AppContext's `db`
 * instance, so every store (and the authorizer) goes through it unchanged.
 */
export interface Call {
  op: string;
  /** The partition key the call targets (first item's, for transactions), for attribution. */
  pk: string;
  consistent: boolean;
  index?: string;
  rcu: number;
  wcu: number;
  /** Items a Query/Scan read (ScannedCount), or items written in a transaction/batch. */
  items: number;
  error?: string;
}

const DATA_OPS = new Set([
  'Get',
  'Put',
  'Update',
  'Delete',
  'Query',
  'Scan',
  'BatchGet',
  'BatchWrite',
  'TransactWrite',
  'TransactGet',
]);
const READ_OPS = new Set(['Get', 'Query', 'Scan', 'BatchGet', 'TransactGet']);

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

function pkOf(input: any): string {
  const first = input?.TransactItems?.[0];
  const inner = first ? (first.Put ?? first.Update ?? first.Delete ?? first.ConditionCheck) : input;
  const pk =
    inner?.Key?.PK ??
    inner?.Item?.PK ??
    input?.ExpressionAttributeValues?.[':pk'] ??
    input?.ExpressionAttributeValues?.[':due'];
  return typeof pk === 'string' ? pk : '';
}

export class DbMeter {
  calls: Call[] = [];
  private readonly original: DynamoDBDocumentClient['send'];

  constructor(private readonly db: DynamoDBDocumentClient) {
    this.original = db.send.bind(db) as DynamoDBDocumentClient['send'];
    const record = this.record.bind(this);
    const original = this.original;
    (db as any).send = async (command: any, ...rest: any[]) => {
      const op = String(command?.constructor?.name ?? '').replace(/Command$/, '');
      const metered = DATA_OPS.has(op) && command.input;
      // INDEXES: the table's part apart, so a transaction's can be corrected (see record).
      if (metered) command.input.ReturnConsumedCapacity = 'INDEXES';
      try {
        const out = await (original as any)(command, ...rest);
        if (metered) record(op, command.input, out);
        return out;
      } catch (error) {
        if (metered) record(op, command.input, undefined, (error as Error).name);
        throw error;
      }
    };
  }

  private record(op: string, input: any, out: any, error?: string): void {
    const list: Capacity[] =
      out?.ConsumedCapacity === undefined
        ? []
        : Array.isArray(out.ConsumedCapacity)
          ? out.ConsumedCapacity
          : [out.ConsumedCapacity];
    let rcu = 0;
    let wcu = 0;
    for (const c of list as (Capacity & { Table?: Capacity })[]) {
      // DynamoDB Local miscounts a transaction's table units (shared/store/item-size.ts): computed instead.
      const total =
        op === 'TransactWrite'
          ? (c.CapacityUnits ?? 0) -
            (c.Table?.CapacityUnits ?? 0) +
            transactionTableUnits(input, c.Table?.CapacityUnits ?? 0)
          : (c.CapacityUnits ?? 0);
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        rcu += c.ReadCapacityUnits ?? 0;
        wcu += c.WriteCapacityUnits ?? 0;
      } else if (READ_OPS.has(op)) rcu += total;
      else wcu += total;
    }
    const items =
      op === 'Query' || op === 'Scan'
        ? Number(out?.ScannedCount ?? 0)
        : op === 'TransactWrite'
          ? (input.TransactItems?.length ?? 0)
          : 1;
    this.calls.push({
      op,
      pk: pkOf(input),
      consistent: input.ConsistentRead === true,
      ...(input.IndexName ? { index: String(input.IndexName) } : {}),
      rcu,
      wcu,
      items,
      ...(error ? { error } : {}),
    });
  }

  /** The calls since the last take, and start afresh. */
  take(): Call[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }

  /** Put the client back as it was. */
  detach(): void {
    (this.db as any).send = this.original;
  }
}

export interface Cost {
  roundTrips: number;
  rcu: number;
  wcu: number;
  ops: string;
}

const describe = (c: Call): string => {
  const units = c.error ? undefined : c.rcu > 0 || READ_OPS.has(c.op) ? `${c.rcu} RCU` : `${c.wcu} WCU`;
  const flags = [
    c.index,
    c.op === 'Get' || c.op === 'Query' ? (c.consistent ? 'consistent' : 'eventual') : undefined,
    c.op === 'TransactWrite' ? `${c.items} items` : undefined,
    units,
    c.error,
  ].filter(Boolean);
  return flags.length ? `${c.op} (${flags.join(', ')})` : c.op;
};

export function costOf(calls: readonly Call[]): Cost {
  return {
    roundTrips: calls.length,
    rcu: calls.reduce((s, c) => s + c.rcu, 0),
    wcu: calls.reduce((s, c) => s + c.wcu, 0),
    ops: calls.map(describe).join(' + ') || '—',
  };
}
