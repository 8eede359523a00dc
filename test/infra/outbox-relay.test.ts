import { OUTBOX_RELAY_RETRIES } from '../../infra/constructs/outbox-relay';
import { OUTBOX_WRITERS } from '../../infra/permissions';
import { referencedIds, synthesized, type Resources } from './synth';

/** The cloud's outbox relay: the table's stream → a filtered event-source mapping → the relay function → the bus. */
const { template, functionId } = synthesized('prod');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const tableId = ofType('AWS::DynamoDB::Table')[0]![0];
const named = (type: string, prefix: string) => {
  const found = ofType(type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type} named ${prefix}*, found ${found.length}`);
  return found[0]!;
};

describe('the outbox relay in the cloud', () => {
  const [dlqId, dlq] = named('AWS::SQS::Queue', 'OutboxRelayDlq');
  // The stream's mapping into the relay.
  const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(
    ([, r]) =>
      JSON.stringify(r.Properties!.EventSourceArn).includes('StreamArn') &&
      referencedIds(r.Properties!.FunctionName).includes(functionId('outbox-relay')),
  )!;

  it('deploys the relay before every function that writes outbox items, so none writes a shape the relay cannot read', () => {
    // Assess: the four writers of the outbox, each depending on the relay function
    expect([...OUTBOX_WRITERS].sort()).toEqual(
      ['inbox', 'source-poller', 'stale-check', 'threads-write'].sort(),
    );
    for (const name of OUTBOX_WRITERS) {
      const dependsOn = (resources[functionId(name)] as { DependsOn?: string[] }).DependsOn ?? [];
      expect({ name, relayFirst: dependsOn.includes(functionId('outbox-relay')) }).toEqual({
        name,
        relayFirst: true,
      });
    }
  });

  it('gives the table a stream of new images', () => {
    expect(resources[tableId]!.Properties!.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('feeds only new outbox items of the table’s stream to the relay function, in order, from the oldest record', () => {
    expect(referencedIds(mapping.Properties!.EventSourceArn)).toEqual([tableId]);
    expect(referencedIds(mapping.Properties!.FunctionName)).toEqual([functionId('outbox-relay')]);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { PK: { S: [{ prefix: 'OUTBOX#' }] } } },
            }),
          },
        ],
      },
    });
  });

  it('reports partial batch failures, bisects a failing batch, and sends what it gave up on to its dead-letter queue', () => {
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: OUTBOX_RELAY_RETRIES,
    });
    const destination = (mapping.Properties!.DestinationConfig as { OnFailure: { Destination: unknown } })
      .OnFailure.Destination;
    expect(referencedIds(destination)).toEqual([dlqId]);
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('alarms on a message in the dead-letter queue', () => {
    const [, alarm] = named('AWS::CloudWatch::Alarm', 'OutboxRelayDlqDepth');
    expect(JSON.stringify(alarm.Properties!.Dimensions)).toContain(dlqId);
    expect(alarm.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 2 });
  });

  it('gives the relay the bus and nothing of the table’s items in its environment', () => {
    const variables = (
      resources[functionId('outbox-relay')]!.Properties!.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables).toHaveProperty('EVENT_BUS_NAME');
    expect(variables).not.toHaveProperty('TABLE_NAME');
  });
});
