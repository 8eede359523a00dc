import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { resolveSettings } from '../../infra/settings';
import { createTable } from '../../infra/table';

/**
 * A deployed table gains the global indexes of the current data model one per deploy (CloudFormation
 * adds one global index per update): `-c tableIndexes=n` declares only the first n (docs/deploy.md).
 */

const indexesOf = (indexCount?: number): string[] => {
  const stack = new Stack(new App(), 'T');
  createTable(stack, 'Table', indexCount);
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table')) as {
    Properties: { GlobalSecondaryIndexes: { IndexName: string }[] };
  }[];
  return table!.Properties.GlobalSecondaryIndexes.map((i) => i.IndexName);
};

describe('tableIndexes', () => {
  it('declares only the first n global indexes, and all of them by default', () => {
    expect(indexesOf(4)).toEqual(['GSI1', 'GSI2', 'GSI3', 'GSI4']);
    expect(indexesOf()).toEqual([
      'GSI1',
      'GSI2',
      'GSI3',
      'GSI4',
      'GSI5',
      'GSI6',
      'GSI7',
      'GSI8',
      'GSI9',
      'GSI10',
      'GSI11',
      'GSI12',
    ]);
  });

  it('is read from context as a whole number from 3 (the first model) to all, and refused otherwise', () => {
    expect(resolveSettings((k) => (k === 'tableIndexes' ? '5' : undefined), {}).tableIndexes).toBe(5);
    expect(resolveSettings(() => undefined, {}).tableIndexes).toBeUndefined();
    for (const bad of ['2', '13', 'four', '4.5'])
      expect(() => resolveSettings((k) => (k === 'tableIndexes' ? bad : undefined), {})).toThrow(
        /tableIndexes/,
      );
  });
});
