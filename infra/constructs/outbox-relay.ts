import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  EventSourceMapping,
  FilterCriteria,
  FilterRule,
  StartingPosition,
  type IFunction,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { OUTBOX_PREFIX } from '../../shared/store/outbox-store';
import { Section, acknowledge } from './section';

/**
 * How often a batch is tried before its records go to the dead-letter queue (as a pointer to the
 * stream's records: they stay readable there for the stream's 24 hours, and the outbox items for two
 * days, docs/runbook.md). Bisecting halves a failing batch on each retry, so a poison record is
 * isolated in a few attempts while its neighbours go on.
 */
export const OUTBOX_RELAY_RETRIES = 10;

/** What the relay reads: only new outbox items, filtered before Lambda is invoked (and billed). */
export const OUTBOX_RELAY_FILTER = {
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { Keys: { PK: { S: FilterRule.beginsWith(OUTBOX_PREFIX) } } },
};

export interface OutboxRelayProps {
  /** The table whose stream carries the outbox (NEW_IMAGE, infra/table.ts). */
  table: ITable;
  /** Publishes the events of new outbox items to the bus (functions/outbox-relay.ts). */
  relayFunction: IFunction;
}

/**
 * The outbox relay's wiring: an event-source mapping on the table's stream, filtered to new outbox
 * items, into the relay function; partial batch failures, bisect on error, bounded retries, and a
 * dead-letter queue (alarmed, infra/constructs/alarms.ts). One batch per stream shard at a time keeps
 * records in stream order, and an outbox shard holds whole threads: a thread's events are published
 * in commit order.
 *
 * Not an EventBridge Pipe: a Pipe's target is the bus with one event per record and no way to set the
 * event's detail-type from the item (the contract's DetailType is the event's type) without an
 * enrichment Lambda, which is this function again plus a Pipe; and the relay must run locally too,
 * where it is the same code over DynamoDB Local's stream (local/outbox-stream.ts).
 */
export class OutboxRelay extends Section {
  readonly mapping: EventSourceMapping;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error('the table has no stream for the outbox relay');
    this.deadLetterQueue = new Queue(this, 'OutboxRelayDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the on-failure destination of the outbox relay’s stream mapping.',
    );
    this.mapping = new EventSourceMapping(this, 'OutboxRelayMapping', {
      target: props.relayFunction,
      eventSourceArn: props.table.tableStreamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(0),
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: OUTBOX_RELAY_RETRIES,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: [FilterCriteria.filter(OUTBOX_RELAY_FILTER)],
    });
  }
}
