import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventSourceMapping, FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Section, acknowledge } from './section';

/** What a consumer of the table's stream is (infra/constructs/outbox-relay.ts). */
export interface StreamConsumerSpec {
  /** Who consumes, for messages: "the outbox relay". */
  what: string;
  /** Event patterns (FilterCriteria): only matching records reach the function (and are billed). */
  filters: Record<string, unknown>[];
  /** Attempts after the first before a batch goes to the dead-letter queue. */
  retries: number;
  /** How long a batch may wait to fill (0: invoke as soon as a record is there). */
  maxBatchingWindow: Duration;
}

export interface StreamConsumerProps extends StreamConsumerSpec {
  /** The table whose stream is read (NEW_IMAGE, infra/table.ts). */
  table: ITable;
  /** The function the mapping invokes. */
  target: IFunction;
}

/**
 * One consumer of the table's stream, the shape every one has: an event-source mapping of its own
 * (each keeps its own place in the stream, so one that fails never holds another back), filtered
 * before Lambda is invoked, read from the oldest record one batch per shard at a time (stream
 * order), with partial batch failures, bisect on error (a poison record is isolated in a few
 * attempts while its neighbours go on), bounded retries and a dead-letter queue for what was given
 * up on (as a pointer to the stream's records: they stay readable there for the stream's 24 hours;
 * its depth is alarmed, infra/constructs/alarms.ts). Cloud mode runs every such mapping from the
 * synthesized template (local/cloud/streams.ts), so what runs there is what is declared here.
 *
 * The children's ids are the consumer's id with `Dlq` and `Mapping` after it (`OutboxRelayDlq`):
 * the ids the two consumers had when each was written out by hand, so their logical ids stay
 * (a Section's id is not in them, infra/constructs/section.ts; test/infra/logical-ids.test.ts).
 */
export class StreamConsumer extends Section {
  readonly mapping: EventSourceMapping;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error(`the table has no stream for ${props.what}`);
    this.deadLetterQueue = new Queue(this, `${id}Dlq`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      `This queue is itself the on-failure destination of ${props.what}’s stream mapping.`,
    );
    this.mapping = new EventSourceMapping(this, `${id}Mapping`, {
      target: props.target,
      eventSourceArn: props.table.tableStreamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: props.maxBatchingWindow,
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: props.retries,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: props.filters.map((f) => FilterCriteria.filter(f)),
    });
  }
}
