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
import { THREAD_SK, UPDATE_PREFIX, threadPk } from '../../shared/store/keys';
import { Section, acknowledge } from './section';

/** As the outbox relay: bisecting isolates a poison record in a few attempts, then the DLQ. */
export const SEARCH_INDEXER_RETRIES = 10;

/**
 * What the indexer reads: thread and update items (new, changed or removed), filtered before Lambda
 * is invoked (and billed). Revisions, outbox, idempotency and the index's own items never reach it.
 */
export const SEARCH_INDEXER_FILTERS = [
  {
    dynamodb: {
      Keys: { PK: { S: FilterRule.beginsWith(threadPk('')) }, SK: { S: FilterRule.isEqual(THREAD_SK) } },
    },
  },
  {
    dynamodb: {
      Keys: {
        PK: { S: FilterRule.beginsWith(threadPk('')) },
        SK: { S: FilterRule.beginsWith(UPDATE_PREFIX) },
      },
    },
  },
];

export interface SearchIndexerProps {
  /** The table whose stream carries thread and update items (NEW_IMAGE, infra/table.ts). */
  table: ITable;
  /** Writes their searchable words to the search index (functions/search-indexer.ts). */
  indexerFunction: IFunction;
}

/**
 * The search indexer's wiring (docs/architecture.md, "Search"): an event-source mapping on the
 * table's stream, filtered to thread and update items, into the indexer function; partial batch
 * failures, bisect on error, bounded retries and a dead-letter queue (alarmed,
 * infra/constructs/alarms.ts), like the outbox relay's. A mapping of its own, not the relay's: each
 * keeps its own place in the stream, so a failing index never holds notifications back, nor the
 * other way round. A batching window of 1 s keeps a write findable well within the contract's 5 s.
 */
export class SearchIndexer extends Section {
  readonly mapping: EventSourceMapping;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SearchIndexerProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error('the table has no stream for the search indexer');
    this.deadLetterQueue = new Queue(this, 'SearchIndexerDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the on-failure destination of the search indexer’s stream mapping.',
    );
    this.mapping = new EventSourceMapping(this, 'SearchIndexerMapping', {
      target: props.indexerFunction,
      eventSourceArn: props.table.tableStreamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: SEARCH_INDEXER_RETRIES,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: SEARCH_INDEXER_FILTERS.map((f) => FilterCriteria.filter(f)),
    });
  }
}
