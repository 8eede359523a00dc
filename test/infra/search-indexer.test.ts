import { SEARCH_INDEXER_RETRIES } from '../../infra/constructs/search-indexer';
import { referencedIds, synthesized, type Resources } from './synth';

/** The cloud's search indexer: the table's stream → a filtered event-source mapping of its own → the indexer. */
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

describe('the search indexer in the cloud', () => {
  const [dlqId, dlq] = named('AWS::SQS::Queue', 'SearchIndexerDlq');
  const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
    referencedIds(r.Properties!.FunctionName).includes(functionId('search-indexer')),
  );

  it('feeds only thread and update items of the table’s stream to the indexer, in order, from the oldest record', () => {
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]![1];
    expect(referencedIds(mapping.Properties!.EventSourceArn)).toEqual([tableId]);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      // Findable within the contract's 5 s: a batch waits at most 1 s.
      MaximumBatchingWindowInSeconds: 1,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: { Keys: { PK: { S: [{ prefix: 'THREAD#' }] }, SK: { S: ['#THREAD'] } } },
            }),
          },
          {
            Pattern: JSON.stringify({
              dynamodb: { Keys: { PK: { S: [{ prefix: 'THREAD#' }] }, SK: { S: [{ prefix: 'UPDATE#' }] } } },
            }),
          },
        ],
      },
    });
  });

  it('reports partial batch failures, bisects a failing batch, and sends what it gave up on to its alarmed dead-letter queue', () => {
    const mapping = mappings[0]![1];
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: SEARCH_INDEXER_RETRIES,
    });
    const destination = (mapping.Properties!.DestinationConfig as { OnFailure: { Destination: unknown } })
      .OnFailure.Destination;
    expect(referencedIds(destination)).toEqual([dlqId]);
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    const [, alarm] = named('AWS::CloudWatch::Alarm', 'SearchIndexerDlqDepth');
    expect(JSON.stringify(alarm.Properties!.Dimensions)).toContain(dlqId);
  });

  it('gives the indexer the table and no bus in its environment', () => {
    const variables = (
      resources[functionId('search-indexer')]!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables).toHaveProperty('TABLE_NAME');
    expect(variables).not.toHaveProperty('EVENT_BUS_NAME');
  });
});
