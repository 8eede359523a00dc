import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule, type Archive } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/publisher';
import { RECOUNT_DETAIL_TYPE, RECOUNT_SOURCE } from '../../shared/events/recount-trigger';
import { DELIVERY_SWEEP_CONCURRENCY } from './schedule';
import { Section, acknowledge } from './section';

/**
 * Scenario recounts: the queue holds a request back RECOUNT_DELAY (global indexes are eventually
 * consistent: the thread write should have reached GSI1 when its scenario is recounted), then
 * gathers requests for up to RECOUNT_BATCH_WINDOW, so a scenario is recounted about once per
 * window however many of its threads were written. Lag: delay + window + one recount, under 10 s.
 */
export const RECOUNT_DELAY = Duration.seconds(1);
export const RECOUNT_BATCH_WINDOW = Duration.seconds(3);

/** How many times a queued event's fan-out is tried before its message goes to the dead-letter queue. */
export const WEBHOOK_QUEUE_MAX_RECEIVES = 5;

/**
 * How long the bus's archive keeps every notification for replay. Thirty days covers what replay is
 * for: a consumer rule that was broken or missing (a subscriber gives up after about 33 hours: 9 of
 * retries, then 24 of failures before it is disabled), or a new consumer backfilled with the last
 * weeks; the API itself holds the full history (`GET /threads?updatedSince=`). docs/deploy.md.
 */
export const EVENT_ARCHIVE_RETENTION = Duration.days(30);

export interface EventsProps {
  /** Deployment stage: part of the bus name. */
  stage: string;
}

/** The project's notification bus, and its archive for replay. */
export class Events extends Section {
  readonly bus: EventBus;
  /** Every notification (source EVENT_SOURCE; not the internal recount requests), kept for replay. */
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'EventBus', {
      eventBusName: `scenario-tracker-${props.stage}`,
      description: `Scenario Tracker notifications (${props.stage}); events have source ${EVENT_SOURCE}`,
    });
    this.archive = this.bus.archive('Archive', {
      description: `Scenario Tracker (${props.stage}): every notification, for replay`,
      eventPattern: { source: [EVENT_SOURCE] },
      retention: EVENT_ARCHIVE_RETENTION,
    });
  }
}

/** An encrypted, TLS-only queue that keeps what failed for 14 days. */
const deadLetterQueue = (scope: Construct, id: string, why: string): Queue => {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, 'AwsSolutions-SQS3', why);
  return queue;
};

export interface EventQueuesProps {
  /** Deployment stage: part of the rules' descriptions. */
  stage: string;
  /** Where the events come from. */
  bus: EventBus;
  /** Consumes recount requests, batched. */
  recountFunction: IFunction;
  /** Its timeout sets the recount queue's visibility timeout. */
  recountTimeout: Duration;
  /** Fans every notification out to the webhook subscriptions. */
  deliveryFunction: IFunction;
  /** Its timeout sets the webhook queue's visibility timeout. */
  deliveryTimeout: Duration;
  /** The recount function's reserved concurrency: its queue is its only invoker, so its pollers may use all of it. */
  recountReservedConcurrency?: number | undefined;
  /**
   * The delivery function's reserved concurrency: its pollers get what the sweep leaves
   * (DELIVERY_SWEEP_CONCURRENCY, infra/constructs/schedule.ts).
   */
  deliveryReservedConcurrency?: number | undefined;
}

/**
 * What reads the bus: recount requests → recount queue → recount function; every notification →
 * webhook queue → delivery function. Each queue, and each rule's target, has a dead-letter queue.
 */
export class EventQueues extends Section {
  readonly recountQueue: Queue;
  readonly recountDlq: Queue;
  readonly recountRule: Rule;
  readonly webhookQueue: Queue;
  readonly webhookDlq: Queue;
  readonly webhookRule: Rule;

  constructor(scope: Construct, id: string, props: EventQueuesProps) {
    super(scope, id);
    // ---- Scenario recounts
    this.recountDlq = deadLetterQueue(
      this,
      'RecountDlq',
      'This queue is itself the dead-letter queue of the recount queue.',
    );
    this.recountQueue = new Queue(this, 'RecountQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: RECOUNT_DELAY,
      // At least six times the function's timeout, as Lambda advises for queue event sources.
      visibilityTimeout: Duration.seconds(props.recountTimeout.toSeconds() * 6),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: this.recountDlq, maxReceiveCount: 5 },
    });
    this.recountRule = new Rule(this, 'RecountRequests', {
      description: `Scenario Tracker (${props.stage}): scenario recount requests to the recount queue`,
      eventBus: props.bus,
      eventPattern: { source: [RECOUNT_SOURCE], detailType: [RECOUNT_DETAIL_TYPE] },
      targets: [
        new SqsQueue(this.recountQueue, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.recountDlq,
        }),
      ],
    });
    props.recountFunction.addEventSource(
      new SqsEventSource(this.recountQueue, {
        batchSize: 100,
        maxBatchingWindow: RECOUNT_BATCH_WINDOW,
        reportBatchItemFailures: true,
        ...pollerBound(props.recountReservedConcurrency, 0),
      }),
    );

    // ---- Webhook deliveries
    // Every event on the bus → a queue → the delivery function (fan-out, then a first attempt).
    // The queue holds an event until its fan-out is written; a poison message lands in the DLQ.
    this.webhookDlq = deadLetterQueue(
      this,
      'WebhookDlq',
      'This queue is itself the dead-letter queue of the webhook queue and of the rule that feeds it.',
    );
    this.webhookQueue = new Queue(this, 'WebhookQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as AWS advises for queues that trigger Lambda.
      visibilityTimeout: Duration.seconds(props.deliveryTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.webhookDlq, maxReceiveCount: WEBHOOK_QUEUE_MAX_RECEIVES },
    });
    this.webhookRule = new Rule(this, 'WebhookEvents', {
      description: `Scenario Tracker (${props.stage}): every notification to the webhook queue`,
      eventBus: props.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new SqsQueue(this.webhookQueue, {
          deadLetterQueue: this.webhookDlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    props.deliveryFunction.addEventSource(
      new SqsEventSource(this.webhookQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(0),
        ...pollerBound(props.deliveryReservedConcurrency, DELIVERY_SWEEP_CONCURRENCY),
      }),
    );
  }

  /** Every dead-letter queue of this section, by the name its alarm and runbook entry use. */
  get deadLetterQueues(): Record<string, Queue> {
    return { RecountDlq: this.recountDlq, WebhookDlq: this.webhookDlq };
  }
}

/**
 * A queue's pollers are held to what the function's reserved concurrency leaves once its other
 * invokers (`heldElsewhere`) have theirs: without the bound they start more invocations than it
 * allows, the extra ones are throttled, and a throttled receive counts toward maxReceiveCount, so
 * messages would reach the dead-letter queue without having failed. SQS's maximum concurrency is
 * 2–1000; settings (infra/settings.ts MIN_RESERVATION) never reserve less than 2 + heldElsewhere.
 * Without a reservation the function shares the account's unreserved pool, where no bound can
 * rule a throttle out (docs/deploy.md says what then protects a message).
 */
export const pollerBound = (
  reserved: number | undefined,
  heldElsewhere: number,
): { maxConcurrency?: number } => {
  if (reserved === undefined) return {};
  const bound = reserved - heldElsewhere;
  if (bound < 2)
    throw new Error(
      `a reservation of ${reserved} leaves its queue's pollers ${bound} executions once ${heldElsewhere} are held elsewhere; SQS needs at least 2`,
    );
  return { maxConcurrency: Math.min(1000, bound) };
};
