import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  outboxEvents,
  relayOutbox,
  type OutboxStreamRecord,
  type RelayResult,
} from '../shared/app/outbox-relay';
import type { Publisher } from '../shared/events/publisher';
import { logger } from '../shared/observability';

/**
 * The outbox relay locally: what the cloud's event-source mapping does for functions/outbox-relay.ts,
 * done over DynamoDB Local's stream (DescribeStream, GetShardIterator, GetRecords) by this poller,
 * into the same relay code (shared/app/outbox-relay.ts) and the in-process fan-out.
 *
 * DynamoDB Local speaks the Streams API on its own endpoint; this project has no Streams client, so
 * the few calls go as JSON over fetch (DynamoDB Local checks that a request is signed, not the
 * signature). Positions (the last relayed sequence number of each shard) are kept where the caller
 * says: `npm start` keeps them in its data folder, so a restart resumes after what was relayed and a
 * crash re-relays at most the batch it was publishing (which the consumers absorb: they are
 * idempotent per event id).
 */

/** Where the relay has got to in each shard. */
export interface RelayPositions {
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

export const memoryPositions = (): RelayPositions => {
  const at = new Map<string, string>();
  return { get: (s) => at.get(s), set: (s, n) => void at.set(s, n) };
};

/** Where `npm start` and the local tools keep the relay's positions: in the data folder. */
export const relayPositionsFile = (dataDir: string) => join(dataDir, 'outbox-relay.json');

/** Positions in a JSON file (written whole, then renamed over the old one: a crash leaves one or the other). */
export function filePositions(path: string): RelayPositions {
  let at: Record<string, string> = {};
  try {
    at = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch {
    // None yet: every shard is read from its oldest record.
  }
  return {
    get: (s) => at[s],
    set: (s, n) => {
      at = { ...at, [s]: n };
      writeFileSync(`${path}.tmp`, JSON.stringify(at));
      renameSync(`${path}.tmp`, path);
    },
  };
}

export interface OutboxStreamOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  tableName: string;
  /** Where the relay publishes (shared/app/outbox-relay.ts reads the records). */
  publisher: Publisher;
  /**
   * Instead of the relay: what consumes each page of records, answering which failed (cloud mode's
   * event-source mapping, which invokes the relay function's bundle: local/cloud/streams.ts).
   */
  consume?: (records: OutboxStreamRecord[]) => Promise<RelayResult>;
  positions?: RelayPositions;
  /** How often the stream is read when started (ms). */
  intervalMs?: number;
}

interface Shard {
  ShardId: string;
}
interface GetRecordsOutput {
  Records?: (OutboxStreamRecord & { dynamodb?: { SequenceNumber?: string } })[];
  NextShardIterator?: string;
}

export class OutboxStream {
  private readonly positions: RelayPositions;
  private readonly iterators = new Map<string, string | null>();
  private streamArn: string | undefined;
  /**
   * The stream's shards as last described. A new shard only appears when one closes (its child), so
   * the stream is described again only after a pass saw a shard close, not on every pass.
   */
  private shards: Shard[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** A nudge came while a pass was under way: one more pass after it. */
  private again = false;

  constructor(private readonly options: OutboxStreamOptions) {
    this.positions = options.positions ?? memoryPositions();
  }

  /**
   * Read the stream every `intervalMs` (1 s by default) until stopped. The local server also nudges
   * the relay after every write request it answers (`nudge`), so a write's notification leaves at
   * once; the interval catches what other processes (a CLI) or in-process jobs (the stale check)
   * commit, without a DescribeStream and a GetRecords per shard five times a second on an idle server.
   */
  start(): void {
    this.timer = setInterval(() => void this.pass().catch(() => undefined), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Read the stream now: what was committed before this call is relayed by the pass it starts, or,
   * when a pass is already under way (it may have read the stream before the commit), by one more
   * pass right after it.
   */
  nudge(): void {
    if (this.running) this.again = true;
    else void this.pass().catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Relay everything committed before this call: waits for a pass under way, then reads every shard
   * to its end. Returns how many outbox events it took (published, or handed to `consume`). What
   * tests await instead of sleeping.
   */
  async catchUp(): Promise<number> {
    await this.running?.catch(() => undefined);
    return this.pass();
  }

  private pass(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.readAll().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.pass().catch(() => undefined);
      }
    });
    return this.running;
  }

  private async readAll(): Promise<number> {
    const arn = await this.stream();
    let shards = this.shards;
    if (!shards) {
      const { StreamDescription } = (await this.call('DynamoDBStreams_20120810', 'DescribeStream', {
        StreamArn: arn,
      })) as { StreamDescription: { Shards: Shard[] } };
      shards = StreamDescription.Shards;
      // A stream with no shard yet (just enabled) is described again on the next pass.
      this.shards = shards.length ? shards : undefined;
    }
    let relayed = 0;
    // Shards in the order DynamoDB Local lists them: a parent before its children.
    for (const { ShardId } of shards) {
      const open = this.iterators.get(ShardId) !== null;
      relayed += await this.readShard(arn, ShardId);
      // Closed by this read: its child shard (if any) is found by describing the stream again.
      if (open && this.iterators.get(ShardId) === null) this.shards = undefined;
    }
    return relayed;
  }

  /** Read one shard to its current end; a failed publish stops there, to be retried from it next pass. */
  private async readShard(arn: string, shardId: string): Promise<number> {
    let iterator = this.iterators.get(shardId);
    if (iterator === null) return 0; // closed, and read to its end
    if (iterator === undefined) {
      const after = this.positions.get(shardId);
      ({ ShardIterator: iterator } = (await this.call('DynamoDBStreams_20120810', 'GetShardIterator', {
        StreamArn: arn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      })) as { ShardIterator: string });
    }
    let relayed = 0;
    for (;;) {
      let page: GetRecordsOutput;
      try {
        page = (await this.call('DynamoDBStreams_20120810', 'GetRecords', {
          ShardIterator: iterator,
        })) as GetRecordsOutput;
      } catch (error) {
        // An expired or trimmed iterator: the next pass asks for a new one from the position.
        this.iterators.delete(shardId);
        throw error;
      }
      const records = page.Records ?? [];
      const { batchItemFailures } = await (this.options.consume ?? ((r) => relayOutbox(this.options, r)))(
        records,
      );
      // The first record reported failed (an identifier matching none: the whole page).
      const failedAt = batchItemFailures.length
        ? Math.max(
            0,
            records.findIndex((r) => r.dynamodb?.SequenceNumber === batchItemFailures[0]!.itemIdentifier),
          )
        : records.length;
      const done = records.slice(0, failedAt);
      const last = done[done.length - 1]?.dynamodb?.SequenceNumber;
      if (last) this.positions.set(shardId, last);
      relayed += outboxEvents(done).length;
      if (failedAt < records.length) {
        // Resume from the position (after the last record relayed) on the next pass.
        this.iterators.delete(shardId);
        return relayed;
      }
      this.iterators.set(shardId, page.NextShardIterator ?? null);
      if (!page.NextShardIterator || records.length === 0) return relayed;
      iterator = page.NextShardIterator;
    }
  }

  /** The table's stream, enabled first on a table created before it had one (an older data folder). */
  private async stream(): Promise<string> {
    if (this.streamArn) return this.streamArn;
    const { Table } = (await this.call('DynamoDB_20120810', 'DescribeTable', {
      TableName: this.options.tableName,
    })) as { Table: { LatestStreamArn?: string; StreamSpecification?: { StreamEnabled?: boolean } } };
    if (Table.LatestStreamArn && Table.StreamSpecification?.StreamEnabled)
      return (this.streamArn = Table.LatestStreamArn);
    logger.info('enabling the table stream the outbox relay reads', { table: this.options.tableName });
    const { TableDescription } = (await this.call('DynamoDB_20120810', 'UpdateTable', {
      TableName: this.options.tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    })) as { TableDescription: { LatestStreamArn: string } };
    return (this.streamArn = TableDescription.LatestStreamArn);
  }

  private async call(service: string, operation: string, body: unknown): Promise<unknown> {
    const response = await fetch(this.options.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${service}.${operation}`,
        // DynamoDB Local wants a signed request and never checks the signature.
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }
}
