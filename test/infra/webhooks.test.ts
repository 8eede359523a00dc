import { referencedIds, synthesized, type Resources } from './synth';

/** The cloud's webhook delivery path: bus → rule → queue (with DLQ and alarm) → delivery function, plus a sweep. */
const { template, functionId } = synthesized('prod');
const resources = template.toJSON().Resources as Resources;
const named = (type: string, prefix: string) => {
  const found = Object.entries(resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type} named ${prefix}*, found ${found.length}`);
  return found[0]!;
};
const env = (name: Parameters<typeof functionId>[0]) =>
  (resources[functionId(name)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

describe('webhook delivery in the cloud', () => {
  const [queueId, queue] = named('AWS::SQS::Queue', 'WebhookQueue');
  const [dlqId] = named('AWS::SQS::Queue', 'WebhookDlq');
  const [busId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Events::EventBus')!;

  it('sends every event of the project bus to the webhook queue, with a dead-letter queue for failed sends', () => {
    const [, rule] = named('AWS::Events::Rule', 'WebhookEvents');
    expect(referencedIds(rule.Properties!.EventBusName)).toEqual([busId]);
    expect(rule.Properties!.EventPattern).toEqual({ source: ['scenario-tracker'] });
    const [target] = rule.Properties!.Targets as Record<string, unknown>[];
    expect(referencedIds(target!.Arn)).toEqual([queueId]);
    expect(referencedIds((target!.DeadLetterConfig as { Arn: unknown }).Arn)).toEqual([dlqId]);
  });

  it('keeps a queued event until its fan-out succeeded, then dead-letters it after 5 receives, encrypted, TLS only', () => {
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(
      referencedIds(
        (queue.Properties!.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn,
      ),
    ).toEqual([dlqId]);
    const policies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::SQS::QueuePolicy' && referencedIds(r.Properties!.Queues).includes(queueId),
    );
    expect(JSON.stringify(policies)).toContain('aws:SecureTransport');
  });

  it('triggers the delivery function from the queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    // The webhook queue's mapping (the recount queue has its own).
    const [, mapping] = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        referencedIds(r.Properties!.EventSourceArn).includes(queueId),
    )!;
    expect(referencedIds(mapping.Properties!.EventSourceArn)).toEqual([queueId]);
    expect(referencedIds(mapping.Properties!.FunctionName)).toEqual([functionId('deliveries')]);
  });

  it('sweeps the due index for retries every minute', () => {
    const [, rule] = named('AWS::Events::Rule', 'DeliverySweepSchedule');
    expect(rule.Properties!.ScheduleExpression).toBe('rate(1 minute)');
    expect(referencedIds((rule.Properties!.Targets as { Arn: unknown }[])[0]!.Arn)).toEqual([
      functionId('deliveries'),
    ]);
  });

  it('alarms when an event lands in the webhook dead-letter queue', () => {
    const alarms = Object.values(resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && referencedIds(r.Properties!.Dimensions).includes(dlqId),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it("refuses private webhook addresses and gives the sealing key's ARN (never its value) to the subscriptions and delivery functions only", () => {
    const [keyId] = named('AWS::SecretsManager::Secret', 'WebhookSecretKey');
    for (const name of ['subscriptions', 'deliveries'] as const) {
      expect(env(name).TRACKER_ALLOW_PRIVATE_WEBHOOKS).toBe('false');
      expect(env(name).TRACKER_WEBHOOK_SECRET_KEY_ARN).toEqual({ Ref: keyId });
      expect(env(name).TRACKER_WEBHOOK_SECRET_KEY).toBeUndefined();
    }
    for (const name of [
      'health',
      'threads-read',
      'threads-write',
      'tokens',
      'authorizer',
      'stale-check',
      'feeds',
      'inbox',
      'scenario-import',
    ] as const) {
      expect({
        name,
        key: env(name).TRACKER_WEBHOOK_SECRET_KEY,
        arn: env(name).TRACKER_WEBHOOK_SECRET_KEY_ARN,
      }).toEqual({ name, key: undefined, arn: undefined });
    }
  });
});
