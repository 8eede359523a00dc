import type { OutboxStreamRecord, RelayResult } from '../../shared/app/outbox-relay';
import { OutboxStream } from '../outbox-stream';
import { authorize, AccessDeniedError } from './authorize';
import { matches, type EventRouter } from './events';
import { CLOUD_REGION } from './intrinsics';
import type { Lambdas } from './lambdas';
import type { CloudModel, StreamMapping } from './model';

/** What Lambda asks of a function's role before it reads a stream for it (infra/permissions.ts STREAM_READ_ACTIONS). */
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

/**
 * The event-source mappings on the table's stream, as Lambda runs them: DynamoDB Local's stream is
 * read (local/outbox-stream.ts), records that match none of the mapping's filters are dropped, the
 * rest go to the function in batches of its batch size; the records a function reports failed
 * (ReportBatchItemFailures) or all of a batch whose invocation failed are offered again from the
 * first of them, and after the mapping's retries the batch goes to its on-failure destination as
 * Lambda's batch info. Not emulated: bisecting a failing batch (a retry offers the same records).
 */
export class StreamMappings {
  private readonly readers: { mapping: StreamMapping; reader: OutboxStream }[];
  private readonly attempts = new Map<string, number>();
  private offeredCount = 0;

  constructor(
    private readonly model: CloudModel,
    private readonly lambdas: Lambdas,
    private readonly events: EventRouter,
    endpoint: string,
    private readonly log: (line: string) => void,
  ) {
    this.readers = model.streams.map((mapping) => ({
      mapping,
      reader: new OutboxStream({
        endpoint,
        tableName: model.table.name,
        publisher: { publish: async () => undefined },
        consume: (records) => this.consume(mapping, records),
        // Lambda polls each shard of a stream about four times a second.
        intervalMs: 250,
      }),
    }));
  }

  /** Lambda refuses a mapping whose function's role may not read the stream: so does this. */
  async check(): Promise<void> {
    for (const { mapping } of this.readers)
      for (const action of STREAM_READ) {
        const denial = await authorize(this.model.functions[mapping.function]!, {
          action,
          resource: mapping.streamArn,
          context: {},
        });
        if (denial) throw new AccessDeniedError(denial);
      }
  }

  /**
   * How many records, all mappings together, have passed a mapping's filters and been offered to its
   * function (on the beat or by `catchUp`): unchanged over a stretch means no function ran from the stream.
   */
  get offered(): number {
    return this.offeredCount;
  }

  /** Read every mapping's stream to its end now. What `settle` awaits. */
  async catchUp(): Promise<void> {
    for (const { reader } of this.readers) await reader.catchUp();
  }

  start(): void {
    for (const { reader } of this.readers) reader.start();
  }

  stop(): void {
    for (const { reader } of this.readers) reader.stop();
  }

  private async consume(mapping: StreamMapping, records: OutboxStreamRecord[]): Promise<RelayResult> {
    const passed = records.filter(
      (r) => mapping.filters.length === 0 || mapping.filters.some((f) => matches(f, r)),
    );
    this.offeredCount += passed.length;
    for (let i = 0; i < passed.length; i += mapping.batchSize) {
      const batch = passed.slice(i, i + mapping.batchSize);
      const failed = await this.invoke(mapping, batch);
      if (failed.length === 0) continue;
      const first = failed[0]!;
      const attempt = (this.attempts.get(first) ?? 0) + 1;
      this.attempts.set(first, attempt);
      const from = passed.findIndex((r) => r.dynamodb?.SequenceNumber === first);
      if (attempt <= mapping.retries) {
        // Offered again from the first failed record, and nothing after it before then.
        const again = records.slice(records.indexOf(passed[from]!));
        return {
          batchItemFailures: again.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
        };
      }
      const lost = batch.slice(batch.indexOf(passed[from]!));
      this.log(`${mapping.function}: stream batch given up after ${mapping.retries} retries`);
      if (mapping.onFailure)
        this.events.deadLetter(mapping.onFailure, {
          requestContext: { condition: 'RetryAttemptsExhausted', functionArn: mapping.function },
          DDBStreamBatchInfo: {
            startSequenceNumber: lost[0]?.dynamodb?.SequenceNumber,
            endSequenceNumber: lost[lost.length - 1]?.dynamodb?.SequenceNumber,
            batchSize: lost.length,
            streamArn: mapping.streamArn,
          },
        });
    }
    return { batchItemFailures: [] };
  }

  /** One invocation; the sequence numbers of the records to offer again, in order. */
  private async invoke(mapping: StreamMapping, batch: OutboxStreamRecord[]): Promise<string[]> {
    const event = {
      Records: batch.map((r) => ({
        ...r,
        eventSource: 'aws:dynamodb',
        eventSourceARN: mapping.streamArn,
        awsRegion: CLOUD_REGION,
      })),
    };
    const all = batch.map((r) => r.dynamodb?.SequenceNumber ?? '');
    try {
      const result = (await this.lambdas.invoke(mapping.function, event)) as {
        batchItemFailures?: { itemIdentifier: string }[];
      } | null;
      if (!mapping.reportBatchItemFailures) return [];
      const reported = (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      if (reported.length === 0) return [];
      // Lambda retries from the lowest sequence number reported.
      const from = Math.min(...reported.map((id) => all.indexOf(id)).filter((x) => x >= 0));
      return all.slice(Number.isFinite(from) ? from : 0);
    } catch (error) {
      this.log(`${mapping.function}: stream batch failed: ${String(error)}`);
      this.events.failures.push({ function: mapping.function, error: String(error) });
      return all;
    }
  }
}
