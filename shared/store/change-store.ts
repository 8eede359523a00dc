import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeTime, encodeTime } from 'ulid';
import { cursorOf, shown, type ChangeItem, type ChangeRecord } from '../domain/changes';
import { INDEX, OUTBOX_SHARDS, changesScenarioPk, outboxShardPk, shardNumbers } from './keys';
import { CHANGES_ATTRIBUTE, ECHO_ATTRIBUTE } from './outbox-store';

/**
 * Reads the changes feed (docs/data-model.md, *Changes feed*): a scenario's from its changes index
 * (GSI12, one Query per page), every scenario's from the outbox partitions themselves (8 shards,
 * merged in event-id order). Both read only changes recorded before `horizonMs`, from a position
 * on, so a page reads about as many items as it returns.
 */

/** Where a page starts (strictly after this cursor) and where it must stop (recorded before this ms). */
export interface ChangeRange {
  after: string;
  horizonMs: number;
}

export interface ChangePage {
  items: ChangeItem[];
  /** Whether changes after the last item exist before the horizon. */
  more: boolean;
}

interface CarrierItem {
  SK: string;
  changes: ChangeRecord[];
}

/** The position just after every change recorded up to and including `ms`. */
export const afterTime = (ms: number): string => `${encodeTime(ms, 10)}${'Z'.repeat(18)}`;

/** The key range of carriers that can hold changes after `after` and before the horizon; null when empty. */
function keyRange({ after, horizonMs }: ChangeRange): { lo: string; hi: string } | null {
  if (horizonMs <= 0) return null;
  const lo = after.slice(0, 26);
  // Every carrier of a millisecond before the horizon sorts below this (its SK, or SK + `#from`).
  const hi = `${encodeTime(horizonMs - 1, 10)}${'Z'.repeat(16)}~`;
  return lo <= hi ? { lo, hi } : null;
}

/** The changes of one carrier after `after`, each with its cursor. */
const expand = (item: CarrierItem, after: string): ChangeItem[] => {
  const id = item.SK.slice(0, 26);
  return (item.changes ?? [])
    .map((change, seq) => ({ change, cursor: cursorOf(id, seq) }))
    .filter(({ change, cursor }) => shown(change) && cursor > after)
    .map(({ change, cursor }) => ({ ...change, cursor }) as ChangeItem);
};

export class ChangeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** One scenario's changes: Query GSI12 `GSI12PK = CHANGES#<s> AND SK BETWEEN …`, ascending. */
  async scenarioPage(scenario: string, range: ChangeRange, limit: number): Promise<ChangePage> {
    const keys = keyRange(range);
    if (!keys) return { items: [], more: false };
    const items: ChangeItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.changesByScenario,
          KeyConditionExpression: 'GSI12PK = :pk AND SK BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': changesScenarioPk(scenario), ':lo': keys.lo, ':hi': keys.hi },
          // Each carrier holds one change or more: limit + 1 of them tell whether a next page exists.
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as CarrierItem[]) items.push(...expand(item, range.after));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= limit);
    return { items: items.slice(0, limit), more: items.length > limit || start !== undefined };
  }

  /**
   * The threads written after `sinceMs` (ms; strictly after), one scenario's (GSI12) or every
   * scenario's (the 8 outbox partitions), as the carriers of their writes name them: every thread
   * write records its changes, or its TOUCHED mark, on one (docs/data-model.md, *Index budget*).
   * A carrier is read per write, so this reads about as many items as writes happened since; it
   * stops once more than `max` carriers are read (`overflow`: the caller reads another way).
   * A thread moved out of the scenario is named too (its echo): the caller checks where it is now.
   */
  async threadsWrittenSince(
    scenario: string | undefined,
    sinceMs: number,
    max: number,
  ): Promise<{ threadIds: Set<string>; read: number; overflow: boolean }> {
    const { writes, read, overflow } = await this.writesSince(scenario, sinceMs, max);
    const threadIds = new Set(writes.flatMap((w) => w.changes.map((c) => c.threadId)));
    return { threadIds, read, overflow };
  }

  /**
   * The writes recorded after `sinceMs` (ms; strictly after), as threadsWrittenSince reads them,
   * each carrier with its key (`id`: distinct per carrier, an echo's included) and its changes.
   */
  async writesSince(
    scenario: string | undefined,
    sinceMs: number,
    max: number,
  ): Promise<{ writes: { id: string; changes: ChangeRecord[] }[]; read: number; overflow: boolean }> {
    const writes: { id: string; changes: ChangeRecord[] }[] = [];
    let read = 0;
    // Strictly after sinceMs: every carrier of that millisecond sorts at or below this.
    const lo = `${encodeTime(Math.max(0, sinceMs), 10)}${'Z'.repeat(16)}~`;
    const partitions: { input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'> }[] =
      scenario !== undefined
        ? [
            {
              input: {
                IndexName: INDEX.changesByScenario,
                KeyConditionExpression: 'GSI12PK = :pk AND SK > :lo',
                ExpressionAttributeValues: { ':pk': changesScenarioPk(scenario), ':lo': lo },
              },
            },
          ]
        : shardNumbers(OUTBOX_SHARDS).map((n) => ({
            input: {
              KeyConditionExpression: 'PK = :pk AND SK > :lo',
              FilterExpression: 'attribute_exists(#changes) AND attribute_not_exists(#echo)',
              ProjectionExpression: 'PK, SK, #changes',
              ExpressionAttributeNames: { '#changes': CHANGES_ATTRIBUTE, '#echo': ECHO_ATTRIBUTE },
              ExpressionAttributeValues: { ':pk': outboxShardPk(n), ':lo': lo },
            },
          }));
    const readPartition = async ({ input }: (typeof partitions)[number]) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            ...input,
            Limit: Math.max(1, max + 1 - read),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        read += page.ScannedCount ?? 0;
        for (const item of (page.Items ?? []) as CarrierItem[])
          writes.push({ id: item.SK, changes: item.changes ?? [] });
        start = page.LastEvaluatedKey;
        if (read > max) return true;
      } while (start);
      return false;
    };
    // The partitions at once: one round trip's wait, not eight.
    const overflow = (await Promise.all(partitions.map(readPartition))).some(Boolean) || read > max;
    return { writes, read, overflow };
  }

  /**
   * One page of the threads a scenario's carriers name, newest write first (GSI12 descending), each
   * thread at the place of its newest write; `before` resumes below a carrier's SK. At most `limit`
   * carriers are read, so a page names at most `limit` threads (fewer when a thread wrote twice).
   */
  async threadsByNewestWrite(
    scenario: string,
    limit: number,
    before?: string,
  ): Promise<{ threadIds: string[]; next?: string; oldestMs?: number }> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.changesByScenario,
        KeyConditionExpression: `GSI12PK = :pk${before !== undefined ? ' AND SK < :before' : ''}`,
        ExpressionAttributeValues: {
          ':pk': changesScenarioPk(scenario),
          ...(before !== undefined ? { ':before': before } : {}),
        },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const items = (page.Items ?? []) as CarrierItem[];
    const threadIds = [...new Set(items.flatMap((i) => (i.changes ?? []).map((c) => c.threadId)))];
    const last = items[items.length - 1];
    return {
      threadIds,
      ...(page.LastEvaluatedKey && last ? { next: last.SK } : {}),
      ...(last ? { oldestMs: decodeTime(last.SK.slice(0, 26)) } : {}),
    };
  }

  /** The SK of a scenario's newest carrier (its latest thread write), or undefined: one Limit-1 Query. */
  async newestCarrier(scenario: string): Promise<string | undefined> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.changesByScenario,
        KeyConditionExpression: 'GSI12PK = :pk',
        ExpressionAttributeValues: { ':pk': changesScenarioPk(scenario) },
        ProjectionExpression: 'SK',
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items[0]?.SK as string | undefined;
  }

  /** When a scenario's newest write was recorded (its newest carrier's time, ms), or undefined. */
  async latestWriteMs(scenario: string): Promise<number | undefined> {
    const sk = await this.newestCarrier(scenario);
    return sk === undefined ? undefined : decodeTime(sk.slice(0, 26));
  }

  /**
   * Every scenario's changes: the 8 outbox partitions, each read in SK (event id) order in pages that
   * start at about an eighth of the page and grow, merged by taking the smallest head while every
   * shard's head is known; so the order is exact and a page reads about `limit + 8` carriers.
   */
  async globalPage(range: ChangeRange, limit: number): Promise<ChangePage> {
    const keys = keyRange(range);
    if (!keys) return { items: [], more: false };
    const shards = shardNumbers(OUTBOX_SHARDS).map(
      (n) => new ShardReader(this.db, this.table, n, keys, Math.ceil((limit + 1) / OUTBOX_SHARDS) + 1),
    );
    await Promise.all(shards.map((s) => s.fill()));
    const items: ChangeItem[] = [];
    while (items.length <= limit) {
      let best: ShardReader | undefined;
      for (const s of shards) if (s.head && (!best || s.head.SK < best.head!.SK)) best = s;
      if (!best) break;
      items.push(...expand(best.take(), range.after));
      await best.fill();
    }
    return {
      items: items.slice(0, limit),
      more: items.length > limit || shards.some((s) => s.head !== undefined),
    };
  }
}

/** One outbox shard, read lazily in SK order: carriers only (the filter), echoes of moves left out. */
class ShardReader {
  private buffer: CarrierItem[] = [];
  private start: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly shard: number,
    private readonly keys: { lo: string; hi: string },
    private limit: number,
  ) {}

  get head(): CarrierItem | undefined {
    return this.buffer[0];
  }

  take(): CarrierItem {
    return this.buffer.shift()!;
  }

  /** Read on until an item is buffered or the shard is done. */
  async fill(): Promise<void> {
    while (this.buffer.length === 0 && !this.done) {
      const input: QueryCommandInput = {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
        // The notifications of the last 2 days that carry no changes are read and dropped here.
        FilterExpression: 'attribute_exists(#changes) AND attribute_not_exists(#echo)',
        ProjectionExpression: 'SK, #changes',
        ExpressionAttributeNames: { '#changes': CHANGES_ATTRIBUTE, '#echo': ECHO_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':pk': outboxShardPk(this.shard),
          ':lo': this.keys.lo,
          ':hi': this.keys.hi,
        },
        Limit: this.limit,
        ExclusiveStartKey: this.start,
      };
      const page = await this.db.send(new QueryCommand(input));
      this.buffer.push(...((page.Items ?? []) as CarrierItem[]));
      this.start = page.LastEvaluatedKey;
      this.done = this.start === undefined;
      this.limit = Math.min(this.limit * 4, 1000);
    }
  }
}
