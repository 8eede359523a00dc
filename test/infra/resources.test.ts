import { Match } from 'aws-cdk-lib/assertions';
import type { FunctionName } from '../../infra/bundling';
import { TTL_ATTRIBUTE, tableDefinition } from '../../shared/store/table';
import { dynamoCallBoundMs, readConfig } from '../../shared/config';
import { referencedIds, synthesized, type Resources } from './synth';

// Prepare (once per file)
const { template, functionId, artifact } = synthesized('prod');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string) => {
  const found = ofType(type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0]!;
};
const ALL_FUNCTIONS: FunctionName[] = [
  'health',
  'threads-read',
  'threads-write',
  'tokens',
  'kinds',
  'authorizer',
  'stale-check',
  'scenario-recount',
  'subscriptions',
  'deliveries',
  'feeds',
  'inbox',
  'scenario-import',
];
/** The one resource of a type whose logical id starts with `prefix` (the stack has several queues, rules, secrets). */
const named = (type: string, prefix: string) => {
  const found = ofType(type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type} named ${prefix}*, found ${found.length}`);
  return found[0]!;
};
const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: readonly T[] = []) =>
  [...items].sort((a, b) =>
    String(a.IndexName ?? a.AttributeName).localeCompare(String(b.IndexName ?? b.AttributeName)),
  );

describe('DynamoDB table', () => {
  const [tableId, table] = only('AWS::DynamoDB::Table');
  const p = table.Properties!;
  const expected = tableDefinition('ignored');

  it('has the keys, attributes and indexes of the shared tableDefinition, projections included', () => {
    // Assess
    expect(p.KeySchema).toEqual(expected.KeySchema);
    expect(byName(p.AttributeDefinitions as never[])).toEqual(byName(expected.AttributeDefinitions));
    expect(byName(p.GlobalSecondaryIndexes as never[])).toEqual(byName(expected.GlobalSecondaryIndexes));
    expect(byName(p.LocalSecondaryIndexes as never[])).toEqual(byName(expected.LocalSecondaryIndexes));
  });

  it('is on-demand with point-in-time recovery, deletion protection, encryption and TTL on expiresAt', () => {
    // Assess
    expect(p).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    // Assess
    expect({ deletion: table.DeletionPolicy, replace: table.UpdateReplacePolicy }).toEqual({
      deletion: 'Retain',
      replace: 'Retain',
    });
  });

  it('is the table every table-using function is told about, and health is not', () => {
    for (const name of ALL_FUNCTIONS) {
      const env = (
        resources[functionId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      if (name === 'health') expect(env.TABLE_NAME).toBeUndefined();
      else expect({ name, table: referencedIds(env.TABLE_NAME) }).toEqual({ name, table: [tableId] });
    }
  });
});

describe('functions', () => {
  it('run Node.js 24 on arm64 with X-Ray active, no source-map parsing at start and an explicit log group with retention', () => {
    for (const name of ALL_FUNCTIONS) {
      // Prepare
      const p = resources[functionId(name)]!.Properties!;
      const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      const logGroup = resources[referencedIds((p.LoggingConfig as { LogGroup: unknown }).LogGroup)[0]!]!;
      // Assess
      expect({
        name,
        runtime: p.Runtime,
        arch: p.Architectures,
        handler: p.Handler,
        tracing: p.TracingConfig,
      }).toEqual({
        name,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
        handler: 'index.handler',
        tracing: { Mode: 'Active' },
      });
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'scenario-tracker',
        POWERTOOLS_METRICS_NAMESPACE: 'ScenarioTracker',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties!.RetentionInDays).toBe(30);
      expect(p.MemorySize).toBeGreaterThanOrEqual(256);
      // API functions stay within API Gateway's 29 s; the scheduled and queued ones are on no request's path.
      expect(p.Timeout).toBeLessThanOrEqual(
        name === 'stale-check' || name === 'deliveries' ? 900 : name === 'scenario-recount' ? 60 : 29,
      );
    }
  });

  it('time out only after a stalled database has failed their calls, so they answer 503 before they are killed', () => {
    for (const name of ALL_FUNCTIONS.filter((n) => n !== 'health')) {
      // Prepare: the settings each function runs with (its environment, else the defaults)
      const p = resources[functionId(name)]!.Properties!;
      const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      const strings = Object.fromEntries(
        Object.entries(env).filter(([, v]) => typeof v === 'string'),
      ) as Record<string, string>;
      const bound = dynamoCallBoundMs(readConfig(strings));
      // Assess: the authorizer makes one call that can hang; the others may make two (a failed
      // idempotent write gives its claim back), and API Gateway answers within 10 s only if they do
      const calls = name === 'authorizer' ? 1 : 2;
      const worst = calls * bound;
      expect({ name, beforeTimeout: worst < Number(p.Timeout) * 1000 }).toEqual({
        name,
        beforeTimeout: true,
      });
      if (name !== 'stale-check')
        expect({ name, within10s: worst < 10_000 }).toEqual({ name, within10s: true });
    }
  });

  it('tells exactly the publishing functions the event bus name', () => {
    const [busId] = only('AWS::Events::EventBus');
    for (const name of ALL_FUNCTIONS) {
      const env = (
        resources[functionId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      // The inbox function accepts through the thread write path, which asks for recounts on the bus.
      const publishes = ['threads-write', 'stale-check', 'subscriptions', 'inbox'].includes(name);
      expect({
        name,
        bus: env.EVENT_BUS_NAME === undefined ? undefined : referencedIds(env.EVENT_BUS_NAME),
      }).toEqual({ name, bus: publishes ? [busId] : undefined });
    }
  });

  /** The statements of a function's role policies that name this secret. */
  const grantsOn = (name: FunctionName, secretId: string) =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) =>
        referencedIds(p.Properties!.Roles).includes(
          referencedIds(resources[functionId(name)]!.Properties!.Role)[0]!,
        ),
      )
      .flatMap(
        ([, p]) => (p.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((st) => referencedIds(st.Resource).includes(secretId));
  const envOf = (name: FunctionName) =>
    (resources[functionId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;

  it.each([
    // The routes that page: threads-read's, and GET /inbox.
    ['PageTokenSecret', 'PAGE_TOKEN_SECRET_ARN', ['threads-read', 'inbox']],
    ['WebhookSecretKey', 'TRACKER_WEBHOOK_SECRET_KEY_ARN', ['subscriptions', 'deliveries']],
  ] as const)(
    "gives %s's ARN and read access to that secret alone to the functions that read it, and to no other",
    (secretName, setting, readers) => {
      // Prepare
      const [secretId] = named('AWS::SecretsManager::Secret', secretName);
      // Act
      const seen = ALL_FUNCTIONS.map((name) => ({
        name,
        arn: envOf(name)[setting],
        actions: grantsOn(name, secretId)
          .flatMap((st) => st.Action as string[])
          .sort(),
        resources: grantsOn(name, secretId).map((st) => st.Resource),
      }));
      // Assess: the ARN (a Ref), read at run time; GetSecretValue (and DescribeSecret) on it, nothing else
      expect(seen).toEqual(
        ALL_FUNCTIONS.map((name) =>
          (readers as readonly string[]).includes(name)
            ? {
                name,
                arn: { Ref: secretId },
                actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
                resources: [{ Ref: secretId }],
              }
            : { name, arn: undefined, actions: [], resources: [] },
        ),
      );
    },
  );

  it("holds no secret's value in any function's environment, nor anywhere in the template", () => {
    // Prepare: every function of the stack (the live API's too), and the values the stack could leak
    const functions = ofType('AWS::Lambda::Function');
    const settings = ['PAGE_TOKEN_SECRET', 'TRACKER_WEBHOOK_SECRET_KEY'];
    // Act
    const leaks = functions.flatMap(([id, fn]) => {
      const vars =
        (fn.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return Object.entries(vars)
        .filter(
          ([k, v]) => settings.includes(k) || /resolve:secretsmanager|SecretString/.test(JSON.stringify(v)),
        )
        .map(([k]) => `${id}.${k}`);
    });
    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(ALL_FUNCTIONS.length);
    expect(leaks).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('{{resolve:secretsmanager');
  });
});

describe('logs and replay', () => {
  it('names the APIs’ access log groups under /aws/vendedlogs/ (no entry in the Logs resource policy)', () => {
    // Prepare: the HTTP API's stage and the live WebSocket API's
    const stages = ofType('AWS::ApiGatewayV2::Stage');
    // Act
    const groups = stages.map(([, stage]) => {
      const destination = (stage.Properties!.AccessLogSettings as { DestinationArn: unknown }).DestinationArn;
      return resources[referencedIds(destination)[0]!]!.Properties!;
    });
    // Assess: the name's stack-id suffix is test/infra/fresh-account.test.ts's
    expect(stages).toHaveLength(2);
    for (const group of groups) {
      expect(JSON.stringify(group.LogGroupName)).toContain(
        '/aws/vendedlogs/apigateway/ScenarioTracker-prod-',
      );
      expect(group.RetentionInDays).toBe(30);
    }
  });

  it('archives every notification of the bus for 30 days, for replay (not the internal recount requests)', () => {
    // Prepare
    const [busId] = only('AWS::Events::EventBus');
    // Act
    const [, archive] = only('AWS::Events::Archive');
    // Assess
    expect(referencedIds(archive.Properties!.SourceArn)).toEqual([busId]);
    expect(archive.Properties).toMatchObject({
      RetentionDays: 30,
      EventPattern: { source: ['scenario-tracker'] },
    });
  });
});

describe('notifications and the stale-check schedule', () => {
  it('creates the project event bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'scenario-tracker-prod' });
  });

  it('runs the stale check every 15 minutes with retries and a dead-letter queue', () => {
    // Prepare
    const [, rule] = named('AWS::Events::Rule', 'StaleCheckSchedule');
    const [queueId] = named('AWS::SQS::Queue', 'StaleCheckDlq');
    const target = (rule.Properties!.Targets as Record<string, unknown>[])[0]!;
    // Assess
    expect(rule.Properties!.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties!.Targets).toHaveLength(1);
    expect(referencedIds(target.Arn)).toEqual([functionId('stale-check')]);
    expect((target.RetryPolicy as { MaximumRetryAttempts: number }).MaximumRetryAttempts).toBeGreaterThan(0);
    expect(referencedIds((target.DeadLetterConfig as { Arn: unknown }).Arn)).toEqual([queueId]);
  });

  it("also sends the stale check's failed asynchronous invocations to that queue after retries", () => {
    const [queueId] = named('AWS::SQS::Queue', 'StaleCheckDlq');
    const [, config] = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) =>
      referencedIds(c.Properties!.FunctionName).includes(functionId('stale-check')),
    )!;
    expect(referencedIds(config.Properties!.FunctionName)).toEqual([functionId('stale-check')]);
    expect(config.Properties!.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(
      referencedIds(
        (config.Properties!.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
          .Destination,
      ),
    ).toEqual([queueId]);
  });

  it('keeps the dead-letter queue encrypted and reachable over TLS only', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('scenario recounts', () => {
  it('routes only recount requests from the bus to the recount queue, which batches them to the recount function', () => {
    // Prepare
    const [, rule] = named('AWS::Events::Rule', 'RecountRequests');
    const [queueId, queue] = named('AWS::SQS::Queue', 'RecountQueue');
    const [dlqId] = named('AWS::SQS::Queue', 'RecountDlq');
    // The recount queue's mapping (the webhook queue has its own).
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, m]) =>
      referencedIds(m.Properties!.EventSourceArn).includes(queueId),
    )!;
    const target = (rule.Properties!.Targets as Record<string, unknown>[])[0]!;
    // Assess
    expect(rule.Properties!.EventPattern).toEqual({
      source: ['scenario-tracker.internal'],
      'detail-type': ['ScenarioRecountRequested'],
    });
    expect(referencedIds(rule.Properties!.EventBusName)).toEqual([ofType('AWS::Events::EventBus')[0]![0]]);
    expect(referencedIds(target.Arn)).toEqual([queueId]);
    expect(referencedIds((target.DeadLetterConfig as { Arn: unknown }).Arn)).toEqual([dlqId]);
    expect(queue.Properties).toMatchObject({ DelaySeconds: 1, SqsManagedSseEnabled: true });
    expect(
      referencedIds(
        (queue.Properties!.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn,
      ),
    ).toEqual([dlqId]);
    expect(referencedIds(mapping.Properties!.FunctionName)).toEqual([functionId('scenario-recount')]);
    expect(referencedIds(mapping.Properties!.EventSourceArn)).toEqual([queueId]);
    // Lag: delay + batching window + one recount stays under the contract's 10 s.
    expect(mapping.Properties).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('alarms', () => {
  const [topicId] = only('AWS::SNS::Topic');
  const alarms = ofType('AWS::CloudWatch::Alarm').map(
    ([id, a]) => ({ id, ...a.Properties! }) as Record<string, unknown> & { id: string },
  );
  const onFunction = (name: FunctionName, metric: string) =>
    alarms.filter(
      (a) =>
        a.MetricName === metric &&
        a.Namespace === 'AWS/Lambda' &&
        referencedIds(a.Dimensions).includes(functionId(name)),
    );

  it("alarm on every function's errors and throttles", () => {
    for (const name of ALL_FUNCTIONS) {
      expect({ name, errors: onFunction(name, 'Errors').length }).toEqual({ name, errors: 1 });
      expect({ name, throttles: onFunction(name, 'Throttles').length }).toEqual({ name, throttles: 1 });
    }
  });

  it.each(['StaleCheckDlq', 'RecountDlq', 'WebhookDlq'])(
    'alarm as soon as the dead-letter queue %s holds a message',
    (name) => {
      // Prepare
      const [queueId] = named('AWS::SQS::Queue', name);
      // Act
      const dlq = alarms.filter(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          referencedIds(a.Dimensions).includes(queueId),
      );
      // Assess
      expect(dlq).toHaveLength(1);
      expect(dlq[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    },
  );

  it('alarm when the stale check fails: function errors or the schedule failing to invoke it', () => {
    // Act
    const failing = alarms.filter(
      (a) => Array.isArray(a.Metrics) && JSON.stringify(a.Metrics).includes('FailedInvocations'),
    );
    // Assess
    expect(failing).toHaveLength(1);
    const text = JSON.stringify(failing[0]!.Metrics);
    expect(referencedIds(failing[0]!.Metrics)).toEqual(expect.arrayContaining([functionId('stale-check')]));
    expect(text).toContain('"MetricName":"Errors"');
  });

  it('notify the SNS topic on alarm and on recovery, and the topic accepts TLS only', () => {
    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(ALL_FUNCTIONS.length * 2 + 2);
    for (const a of alarms) {
      expect({ alarm: a.id, actions: referencedIds(a.AlarmActions) }).toEqual({
        alarm: a.id,
        actions: [topicId],
      });
      expect({ alarm: a.id, ok: referencedIds(a.OKActions) }).toEqual({ alarm: a.id, ok: [topicId] });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
    });
  });

  it("let CloudWatch publish to the topic, for this account's alarms only (the TLS-only policy replaces the default one)", () => {
    // Prepare
    const policies = ofType('AWS::SNS::TopicPolicy').filter(([, p]) =>
      referencedIds(p.Properties!.Topics).includes(topicId),
    );
    const statements = policies.flatMap(
      ([, p]) => (p.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );

    // Act
    const allows = statements.filter((st) => st.Effect === 'Allow');

    // Assess: one Allow, to the CloudWatch service, to publish, scoped by source account and alarm ARN
    expect(policies).toHaveLength(1);
    expect(allows).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudwatch:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':alarm:*',
                ],
              ],
            },
          },
        },
      },
    ]);
  });
});

describe('outputs', () => {
  it('exports ApiUrl, TableName, EventBusName, AlarmTopicArn and the two secrets by ARN (a Ref, never a value)', () => {
    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    // Assess
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'TableName', 'EventBusName', 'AlarmTopicArn']),
    );
    expect(referencedIds(outputs.TableName!.Value)).toEqual([only('AWS::DynamoDB::Table')[0]]);
    expect(referencedIds(outputs.EventBusName!.Value)).toEqual([only('AWS::Events::EventBus')[0]]);
    expect(referencedIds(outputs.AlarmTopicArn!.Value)).toEqual([only('AWS::SNS::Topic')[0]]);
    expect(outputs.PageTokenSecretArn!.Value).toEqual({
      Ref: named('AWS::SecretsManager::Secret', 'PageTokenSecret')[0],
    });
    expect(outputs.WebhookSecretKeyArn!.Value).toEqual({
      Ref: named('AWS::SecretsManager::Secret', 'WebhookSecretKey')[0],
    });
  });
});

describe('stage', () => {
  it('protects the production stack from deletion', () => {
    expect(artifact.terminationProtection).toBe(true);
    expect(artifact.stackName).toBe('ScenarioTracker-prod');
  });
});
