import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule as EventSchedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SOURCE_DUE_DETAIL_TYPE, SOURCE_DUE_SOURCE } from '../../shared/events/source-due';
import { pollerBound } from './events';
import { Section, acknowledge } from './section';

/** How often the schedule looks for due news sources (the contract's once a minute per source at most). */
export const SOURCE_SCHEDULE = Duration.minutes(1);

/**
 * How many times a due source's message is tried before it goes to the dead-letter queue. A feed
 * that fails is not a failed message (its outcome is recorded, with back-off): only the table or
 * the function failing are, and the next minute's schedule sends the source again anyway.
 */
export const SOURCE_QUEUE_MAX_RECEIVES = 3;

export interface SourcePollingProps {
  /** Deployment stage: part of the rules' descriptions. */
  stage: string;
  /** The project's bus: the schedule puts one event per due source on it. */
  bus: IEventBus;
  /** Finds due sources (the sparse due key, every shard) and puts them on the bus. */
  scheduleFunction: IFunction;
  /** Polls one source per message. */
  pollerFunction: IFunction;
  /** Its timeout sets the queue's visibility timeout. */
  pollerTimeout: Duration;
  /** The poller's reserved concurrency: its queue is its only invoker, so its pollers may use all of it. */
  pollerReservedConcurrency?: number | undefined;
}

/**
 * News sources in the cloud (contract 1.2): every minute the schedule function finds the due
 * sources; each becomes one event on the bus (source `scenario-tracker.sources`, which no other rule
 * matches), a rule turns each into one message of the poll queue, and the poller takes the messages
 * one at a time (batch size 1), so one slow feed holds one invocation and never delays another.
 * The queue and the rule's target dead-letter into one queue, alarmed like the others.
 */
export class SourcePolling extends Section {
  readonly scheduleRule: Rule;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dueRule: Rule;

  constructor(scope: Construct, id: string, props: SourcePollingProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'SourcePollDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the source-poll queue and of the rule that feeds it.',
    );
    this.queue = new Queue(this, 'SourcePollQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as AWS advises for queues that trigger Lambda.
      visibilityTimeout: Duration.seconds(props.pollerTimeout.toSeconds() * 6),
      // A due source not polled within the hour is sent again by the schedule: older messages are noise.
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: SOURCE_QUEUE_MAX_RECEIVES },
    });
    this.dueRule = new Rule(this, 'SourcesDue', {
      description: `Scenario Tracker (${props.stage}): each due news source to the source-poll queue`,
      eventBus: props.bus,
      eventPattern: { source: [SOURCE_DUE_SOURCE], detailType: [SOURCE_DUE_DETAIL_TYPE] },
      targets: [
        new SqsQueue(this.queue, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    props.pollerFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(0),
        ...pollerBound(props.pollerReservedConcurrency, 0),
      }),
    );
    // Lambda would otherwise retry a failed run twice more, overlapping the next ones.
    props.scheduleFunction.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: SOURCE_SCHEDULE });
    this.scheduleRule = new Rule(this, 'SourceSchedule', {
      description: `Scenario Tracker (${props.stage}): due news sources every minute`,
      schedule: EventSchedule.rate(SOURCE_SCHEDULE),
      // A missed run is made good by the next one a minute later: every due source is still due.
      targets: [
        new LambdaFunction(props.scheduleFunction, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });
  }
}
