import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule as EventSchedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Section, acknowledge } from './section';

/** Every 15 minutes, as the contract says. */
export const STALE_CHECK_SCHEDULE = Duration.minutes(15);

/** How often the delivery function sweeps the due index for webhook retries. */
export const DELIVERY_SWEEP_SCHEDULE = Duration.minutes(1);

/**
 * How many executions of the delivery function the sweep may hold at once: one a minute, never
 * retried (a missed sweep is made good by the next), and one that runs to its 60-second timeout may
 * still hold its execution when the next starts. The webhook queue's pollers get the rest of the
 * function's reservation (infra/constructs/events.ts), so a sweep never makes them throttle.
 */
export const DELIVERY_SWEEP_CONCURRENCY = 2;

export interface ScheduleProps {
  /** Deployment stage: part of the rules' descriptions. */
  stage: string;
  /** Flags stale and overdue threads (their notifications through the outbox), sweeps scenario counts. */
  staleCheckFunction: IFunction;
  /** Retries due webhook deliveries. */
  deliveryFunction: IFunction;
}

/**
 * The clock: the stale check every 15 minutes (retried, then dead-lettered, whether the schedule
 * could not invoke it or the invocation failed) and the webhook retry sweep every minute.
 */
export class Schedule extends Section {
  readonly staleCheckRule: Rule;
  readonly staleCheckDlq: Queue;
  readonly deliverySweepRule: Rule;

  constructor(scope: Construct, id: string, props: ScheduleProps) {
    super(scope, id);
    this.staleCheckDlq = new Queue(this, 'StaleCheckDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.staleCheckDlq,
      'AwsSolutions-SQS3',
      "This queue is itself the dead-letter queue of the stale-check schedule target and of the function's failed asynchronous invocations.",
    );
    props.staleCheckFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.staleCheckDlq),
    });
    this.staleCheckRule = new Rule(this, 'StaleCheckSchedule', {
      description: `Scenario Tracker (${props.stage}): stale check every 15 minutes`,
      schedule: EventSchedule.rate(STALE_CHECK_SCHEDULE),
      targets: [
        new LambdaFunction(props.staleCheckFunction, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.staleCheckDlq,
        }),
      ],
    });
    // Lambda would otherwise retry a failed sweep twice more, overlapping the next ones.
    props.deliveryFunction.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: DELIVERY_SWEEP_SCHEDULE });
    this.deliverySweepRule = new Rule(this, 'DeliverySweepSchedule', {
      description: `Scenario Tracker (${props.stage}): webhook retries every minute`,
      schedule: EventSchedule.rate(DELIVERY_SWEEP_SCHEDULE),
      // A missed sweep is made good by the next one a minute later.
      targets: [
        new LambdaFunction(props.deliveryFunction, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });
  }
}
