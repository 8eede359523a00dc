import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AnyFunctionName, FunctionName } from '../bundling';
import { FUNCTION_DEFAULTS } from './functions';
import { STALE_CHECK_SCHEDULE } from './schedule';
import { Section, pascal } from './section';

/**
 * p99 duration (ms) above which a route group is slow, per function: a route group is a function,
 * and Lambda's Duration metric is free, whereas API Gateway's per-route metrics need detailed
 * metrics, billed as custom metrics for every route key (67 keys × 6 metrics ≈ $120 a month).
 * Each threshold sits well under the function's timeout and reflects what it does: the authorizer
 * makes one read; a write may queue behind contended writers (its retry budget is 10 s);
 * subscriptions resolve the subscriber's host; a scenario feed walks its threads until it holds the
 * newest 50 updates (a few Queries, like a page of threads-read).
 */
export const P99_LATENCY_MS: Partial<Record<FunctionName, number>> = {
  authorizer: 1000,
  health: 1000,
  'threads-read': 2000,
  'threads-write': 5000,
  tokens: 2000,
  kinds: 2000,
  subscriptions: 5000,
  feeds: 2000,
  // An arrival matches against the scenario's threads; an acceptance is a write (as threads-write).
  inbox: 5000,
  // Thousands of batch writes for a large archive: the alarm is for one that nears its 29 s timeout.
  'scenario-import': 20000,
};

/** End to end at API Gateway, authorizer included. */
export const API_P99_LATENCY_MS = 5000;

/** Sustained transaction conflicts per 5 minutes worth a look (the write path absorbs fewer: docs/capacity.md). */
export const TRANSACTION_CONFLICTS_PER_5_MIN = 100;

/**
 * Lambda's documented default concurrent-executions quota: what the account alarm measures against
 * when the stage does not name its quota (infra/build.ts warns at synth that it is assumed).
 */
export const LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY = 1000;

/** Share of a concurrency limit at which an alarm warns, before throttling starts. */
export const CONCURRENCY_WARNING_SHARE = 0.8;

/** The DynamoDB operations the functions send: the throttle alarm sums ThrottledRequests over them. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

export interface AlarmsProps {
  /** Deployment stage: part of every description. */
  stage: string;
  /** Every alarm notifies this topic on alarm and on recovery. */
  topic: ITopic;
  /** Where the descriptions point: docs/runbook.md in the repository, as a path or a URL; each alarm adds its `#anchor`. */
  runbookUrl: string;
  functions: Record<FunctionName, IFunction>;
  /** Functions of other sections (the live WebSocket's): errors, throttles and concurrency alarmed like the rest. */
  moreFunctions?: Record<string, IFunction>;
  httpApi: HttpApi;
  table: ITable;
  /** Every dead-letter queue of the stack, by name (its alarm is `<name>Depth`). */
  deadLetterQueues: Record<string, IQueue>;
  staleCheckRule: Rule;
  /** The account's concurrent-executions quota (settings: accountConcurrency); Lambda's default when not named. */
  accountConcurrency?: number | undefined;
  /** Reserved concurrency per function (of `functions` or `moreFunctions`), when reservation is on. */
  reservedConcurrency?: Partial<Record<AnyFunctionName, number>> | undefined;
}

/** One alarm: what it watches and when it fires. Every field is chosen per alarm, none defaulted. */
interface AlarmSpec {
  id: string;
  metric: IMetric;
  /** What has happened, in words: the first line of the notification. */
  description: string;
  /** The heading in docs/runbook.md that says what to look at and what to do. */
  runbook: string;
  threshold: number;
  comparison: ComparisonOperator;
  evaluationPeriods: number;
  /** How many of the evaluation periods must breach: at least 2, so one odd datapoint wakes nobody. */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/** `StaleCheck` → `stale-check`: runbook anchors. */
const kebab = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

const AT_LEAST = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const FIVE_MINUTES = Duration.minutes(5);
/** The metrics the functions publish through Powertools (EMF): namespace and default dimension. */
const CUSTOM = { namespace: FUNCTION_DEFAULTS.environment.POWERTOOLS_METRICS_NAMESPACE };
const CUSTOM_DIMENSIONS = { service: FUNCTION_DEFAULTS.environment.POWERTOOLS_SERVICE_NAME };

/**
 * Alarms an operator can act on: each fires only after two or more breaching datapoints, says
 * what happened, links its runbook entry (docs/runbook.md), and notifies the alarm topic on alarm
 * and on recovery. Missing data is treated per alarm: a metric that is only published when
 * something happens (errors, throttles, conflicts) is missing when all is well — not breaching;
 * the stale check's invocations are missing when it stopped running — breaching.
 */
export class Alarms extends Section {
  readonly all: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlarmsProps,
  ) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    this.functionAlarms();
    this.latencyAlarms();
    this.concurrencyAlarms();
    this.tableAlarms();
    this.queueAlarms();
    this.scheduleAlarms();
  }

  private add(spec: AlarmSpec): Alarm {
    if (spec.datapointsToAlarm < 2 || spec.datapointsToAlarm > spec.evaluationPeriods)
      throw new Error(`alarm ${spec.id}: datapointsToAlarm must be 2 to evaluationPeriods`);
    const alarm = new Alarm(this, spec.id, {
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
      alarmDescription: `Scenario Tracker (${this.props.stage}): ${spec.description}. Runbook: ${this.props.runbookUrl}#${spec.runbook}`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.all.push(alarm);
    return alarm;
  }

  /** Errors and throttles of every function: 2 of 3 periods (the stale check: 2 of its 15-minute runs). */
  private functionAlarms(): void {
    const all = { ...this.props.functions, ...this.props.moreFunctions };
    for (const [name, fn] of Object.entries(all)) {
      const scheduled = name === 'stale-check';
      const period = scheduled ? STALE_CHECK_SCHEDULE : FIVE_MINUTES;
      const window = scheduled
        ? { evaluationPeriods: 2, datapointsToAlarm: 2 }
        : { evaluationPeriods: 3, datapointsToAlarm: 2 };
      const kinds = [
        { what: 'errors', metric: fn.metricErrors({ period, statistic: 'Sum' }) },
        { what: 'throttles', metric: fn.metricThrottles({ period, statistic: 'Sum' }) },
      ];
      for (const { what, metric } of kinds)
        this.add({
          id: `${pascal(name)}${pascal(what)}`,
          metric,
          description: `${name} function ${what}`,
          runbook: `function-${what}`,
          threshold: 1,
          comparison: AT_LEAST,
          ...window,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
    }
    this.add({
      id: 'Api5xx',
      metric: this.props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      description: 'HTTP API 5xx responses',
      runbook: 'api-5xx-responses',
      threshold: 5,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** p99 duration of each route group's function, and of the API as a whole: 3 periods in a row. */
  private latencyAlarms(): void {
    for (const [name, ms] of Object.entries(P99_LATENCY_MS) as [FunctionName, number][]) {
      this.add({
        id: `${pascal(name)}LatencyP99`,
        metric: this.props.functions[name].metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        description: `${name} p99 duration at or over ${ms} ms for 15 minutes`,
        runbook: 'slow-route-group',
        threshold: ms,
        comparison: AT_LEAST,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    this.add({
      id: 'ApiLatencyP99',
      metric: this.props.httpApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
      description: `HTTP API p99 latency at or over ${API_P99_LATENCY_MS} ms for 15 minutes`,
      runbook: 'slow-route-group',
      threshold: API_P99_LATENCY_MS,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The account's concurrency, and each function's against its reservation, before throttling starts. */
  private concurrencyAlarms(): void {
    const { reservedConcurrency } = this.props;
    const named = this.props.accountConcurrency !== undefined;
    const accountConcurrency = this.props.accountConcurrency ?? LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY;
    this.add({
      id: 'AccountConcurrencyHigh',
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'ConcurrentExecutions',
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      description: `Lambda concurrent executions in the account and region at or over ${CONCURRENCY_WARNING_SHARE * 100}% of the quota (${accountConcurrency}${named ? '' : ", Lambda's default, assumed: the stage names no accountConcurrency"})`,
      runbook: 'concurrency-near-the-limit',
      threshold: Math.ceil(accountConcurrency * CONCURRENCY_WARNING_SHARE),
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const all: Record<string, IFunction> = { ...this.props.functions, ...this.props.moreFunctions };
    for (const [name, reserved] of Object.entries(reservedConcurrency ?? {}) as [AnyFunctionName, number][]) {
      const fn = all[name];
      if (!fn)
        throw new Error(`alarm ${pascal(name)}ConcurrencyHigh: no function ${name} was given to Alarms`);
      this.add({
        id: `${pascal(name)}ConcurrencyHigh`,
        metric: fn.metric('ConcurrentExecutions', {
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        description: `${name} concurrent executions near its reserved concurrency (${reserved})`,
        runbook: 'concurrency-near-the-limit',
        threshold: Math.ceil(reserved * CONCURRENCY_WARNING_SHARE),
        comparison: AT_LEAST,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }

  /** DynamoDB throttles (any operation, the indexes' back-pressure included) and transaction conflicts. */
  private tableAlarms(): void {
    this.add({
      id: 'TableThrottles',
      metric: this.props.table.metricThrottledRequestsForOperations({
        operations: TABLE_OPERATIONS,
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      description: 'DynamoDB throttled requests on the table',
      runbook: 'dynamodb-throttled-requests',
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add({
      id: 'TableTransactionConflicts',
      metric: new Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'TransactionConflict',
        dimensionsMap: { TableName: this.props.table.tableName },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      description: `DynamoDB transaction conflicts at or over ${TRANSACTION_CONFLICTS_PER_5_MIN} per 5 minutes`,
      runbook: 'dynamodb-transaction-conflicts',
      threshold: TRANSACTION_CONFLICTS_PER_5_MIN,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Every dead-letter queue, and webhook deliveries that gave up. */
  private queueAlarms(): void {
    const what: Record<string, string> = {
      RecountDlq: 'scenario recount requests in the dead-letter queue (the sweep still recounts them)',
      WebhookDlq: 'events whose webhook fan-out failed, in the dead-letter queue',
      StaleCheckDlq: 'stale-check events in the dead-letter queue',
      OutboxRelayDlq:
        'stream batches the outbox relay could not publish, in the dead-letter queue (their outbox items stay two days)',
      LiveFanOutDlq: 'events the live fan-out could not be invoked for, in the dead-letter queue',
      SourcePollDlq:
        'due news sources the poller could not poll, in the dead-letter queue (the schedule sends them again)',
    };
    for (const [name, queue] of Object.entries(this.props.deadLetterQueues)) {
      // A dead letter stays until someone acts, so two 5-minute datapoints are a message that sat 5–10 minutes.
      this.add({
        id: `${name}Depth`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
        description: what[name] ?? `messages in the dead-letter queue ${name}`,
        runbook: `dead-letter-queue-${kebab(name.replace(/Dlq$/, ''))}`,
        threshold: 1,
        comparison: AT_LEAST,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    this.add({
      id: 'WebhookDeliveriesFailing',
      metric: new Metric({
        ...CUSTOM,
        metricName: 'WebhookDeliveriesFailed',
        dimensionsMap: CUSTOM_DIMENSIONS,
        period: Duration.minutes(15),
        statistic: 'Sum',
      }),
      description:
        'webhook deliveries failed for good (every retry of the schedule spent) in two 15-minute periods of the last hour',
      runbook: 'webhook-delivery-failures',
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 4,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The stale check failing, and the stale check not running at all. */
  private scheduleAlarms(): void {
    const staleCheck = this.props.functions['stale-check'];
    this.add({
      id: 'StaleCheckFailing',
      metric: new MathExpression({
        expression: 'FILL(errors, 0) + FILL(failed, 0)',
        usingMetrics: {
          errors: staleCheck.metricErrors({ period: STALE_CHECK_SCHEDULE, statistic: 'Sum' }),
          failed: new Metric({
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensionsMap: { RuleName: this.props.staleCheckRule.ruleName },
            period: STALE_CHECK_SCHEDULE,
            statistic: 'Sum',
          }),
        },
        label: 'stale check failures',
        period: STALE_CHECK_SCHEDULE,
      }),
      description: 'the stale check failed (function error or the schedule could not invoke it)',
      runbook: 'stale-check-failing',
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Missing invocations are the failure here: a disabled rule or a deleted target invokes nothing
    // and fails nothing, so every other alarm stays quiet while no thread is ever flagged stale.
    this.add({
      id: 'StaleCheckNotRunning',
      metric: staleCheck.metricInvocations({ period: STALE_CHECK_SCHEDULE, statistic: 'Sum' }),
      description: 'the stale check has not run for two of its 15-minute periods',
      runbook: 'stale-check-not-running',
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}
