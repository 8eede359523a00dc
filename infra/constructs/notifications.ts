import { Annotations, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { Section, acknowledge } from './section';

export interface NotificationsProps {
  /** Deployment stage: part of the topic's display name; prod warns when nobody is subscribed. */
  stage: string;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string | undefined;
}

/** Where alarms go: one SNS topic that only this account's CloudWatch alarms may publish to. */
export class Notifications extends Section {
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Scenario Tracker ${props.stage} alarms`,
      enforceSSL: true,
    });
    acknowledge(
      this.alarmTopic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry only alarm names and states, nothing sensitive; CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key, and a customer managed key would add cost and a key policy for no protected data.',
    );
    // enforceSSL gives the topic its own policy, which replaces SNS's default one (that let this
    // account's services publish); without this statement CloudWatch could not publish and every
    // alarm would change state without notifying anyone. Only this account's alarms may publish.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    else if (props.stage === 'prod') {
      Annotations.of(this.alarmTopic).addWarningV2(
        'scenario-tracker:no-alarm-subscriber',
        'The prod stage has no alarm subscriber: alarms will notify nobody. Set alarmEmail in cdk.json (stages.prod), -c alarmEmail=... or TRACKER_ALARM_EMAIL, or subscribe to the AlarmTopicArn output.',
      );
    }
  }
}
