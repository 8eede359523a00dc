import { Duration } from 'aws-cdk-lib';
import { FilterRule } from 'aws-cdk-lib/aws-lambda';
import { THREAD_SK, UPDATE_PREFIX, threadPk } from '../../shared/store/keys';
import type { StreamConsumerSpec } from './stream-consumer';

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

/**
 * The search indexer's consumer of the table's stream (docs/architecture.md, "Search";
 * infra/constructs/stream-consumer.ts), filtered to thread and update items, into the indexer function
 * (functions/search-indexer.ts). A mapping of its own, not the relay's: each keeps its own place in
 * the stream, so a failing index never holds notifications back, nor the other way round. A batching
 * window of 1 s keeps a write findable well within the contract's 5 s.
 */
export const SEARCH_INDEXER: StreamConsumerSpec = {
  what: 'the search indexer',
  filters: SEARCH_INDEXER_FILTERS,
  retries: SEARCH_INDEXER_RETRIES,
  maxBatchingWindow: Duration.seconds(1),
};
