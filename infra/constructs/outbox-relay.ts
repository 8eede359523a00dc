import { Duration } from 'aws-cdk-lib';
import { FilterRule } from 'aws-cdk-lib/aws-lambda';
import { OUTBOX_PREFIX } from '../../shared/store/outbox-store';
import type { StreamConsumerSpec } from './stream-consumer';

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

/**
 * The outbox relay's consumer of the table's stream (infra/constructs/stream-consumer.ts), filtered to
 * new outbox items, into the relay function (functions/outbox-relay.ts). One batch per stream shard at
 * a time keeps records in stream order, and an outbox shard holds whole threads: a thread's events
 * are published in commit order. No batching window: a notification leaves as soon as it is committed.
 *
 * Not an EventBridge Pipe: a Pipe's target is the bus with one event per record and no way to set the
 * event's detail-type from the item (the contract's DetailType is the event's type) without an
 * enrichment Lambda, which is this function again plus a Pipe; and the relay must run locally too,
 * where it is the same code over DynamoDB Local's stream (local/outbox-stream.ts).
 */
export const OUTBOX_RELAY: StreamConsumerSpec = {
  what: 'the outbox relay',
  filters: [OUTBOX_RELAY_FILTER],
  retries: OUTBOX_RELAY_RETRIES,
  maxBatchingWindow: Duration.seconds(0),
};
