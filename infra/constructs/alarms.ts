import { Duration, Stack } from 'aws-cdk-lib';
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
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FunctionName } from '../bundling';
import { STALE_CHECK_SCHEDULE } from './schedule';
import { Section, pascal } from './section';

export interface AlarmsProps {
  /** Deployment stage: part of every description. */
  stage: string;
  /** Every alarm notifies this topic on alarm and on recovery. */
  topic: ITopic;
  functions: Record<FunctionName, IFunction>;
  httpApi: HttpApi;
  /** Every dead-letter queue of the stack, by name. */
  deadLetterQueues: Record<string, IQueue>;
  staleCheckRule: Rule;
}

/** Alarms an operator can act on, each notifying the alarm topic. */
export class Alarms extends Section {
  readonly all: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    void Stack.of(this);
    const action = new SnsAction(props.topic);
    const alarm = (alarmId: string, metric: IMetric, description: string, threshold = 1) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `Scenario Tracker (${props.stage}): ${description}`,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.all.push(a);
      return a;
    };
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, IFunction][]) {
      const period = name === 'stale-check' ? STALE_CHECK_SCHEDULE : Duration.minutes(5);
      alarm(
        `${pascal(name)}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `${name} function errors`,
      );
      alarm(
        `${pascal(name)}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `${name} function throttles`,
      );
    }
    const dlqText: Record<string, string> = {
      RecountDlq: 'scenario recount requests in the dead-letter queue (the sweep still recounts them)',
      WebhookDlq: 'events whose webhook fan-out failed, in the dead-letter queue',
      StaleCheckDlq: 'stale-check events in the dead-letter queue',
    };
    for (const [name, queue] of Object.entries(props.deadLetterQueues))
      alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        dlqText[name] ?? `${name}`,
      );
    alarm(
      'StaleCheckFailing',
      new MathExpression({
        expression: 'FILL(errors, 0) + FILL(failed, 0)',
        usingMetrics: {
          errors: props.functions['stale-check'].metricErrors({
            period: STALE_CHECK_SCHEDULE,
            statistic: 'Sum',
          }),
          failed: new Metric({
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensionsMap: { RuleName: props.staleCheckRule.ruleName },
            period: STALE_CHECK_SCHEDULE,
            statistic: 'Sum',
          }),
        },
        label: 'stale check failures',
        period: STALE_CHECK_SCHEDULE,
      }),
      'the stale check failed (function error or the schedule could not invoke it)',
    );
    alarm(
      'Api5xx',
      props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'HTTP API 5xx responses',
      5,
    );
  }
}
