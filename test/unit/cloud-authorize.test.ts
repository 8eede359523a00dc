import { authorize, dynamoRequests } from '../../local/cloud/authorize';

/**
 * Cloud mode asks IAM what AWS would ask for each DynamoDB call: these pin the translation (one
 * request per transaction part, the partition key of the table or the queried index, the attributes
 * an update writes) and that the evaluator decides the conditions the stack relies on.
 */
const shape = {
  table: 'tracker',
  arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tracker',
  partitionKey: 'PK',
  indexPartitionKeys: { GSI1: 'GSI1PK', LSI1: 'PK' },
};
const S = (s: string) => ({ S: s });

describe('cloud mode: the IAM requests of a DynamoDB call', () => {
  it('asks each part of a transaction with its own action and key', () => {
    // Act
    const requests = dynamoRequests(
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'tracker', Item: { PK: S('THREAD#a'), SK: S('#THREAD'), title: S('x') } } },
          {
            Update: {
              TableName: 'tracker',
              Key: { PK: S('SCENARIO#s'), SK: S('#SCENARIO') },
              UpdateExpression: 'SET #n = :n',
              ExpressionAttributeNames: { '#n': 'threadCount' },
            },
          },
          {
            ConditionCheck: {
              TableName: 'tracker',
              Key: { PK: S('THREAD#b'), SK: S('#THREAD') },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          { Delete: { TableName: 'tracker', Key: { PK: S('OUTBOX#1'), SK: S('e') } } },
        ],
      },
      shape,
    );
    // Assess
    expect(requests.map((r) => [r.action, r.context['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:PutItem', ['THREAD#a']],
      ['dynamodb:UpdateItem', ['SCENARIO#s']],
      ['dynamodb:ConditionCheckItem', ['THREAD#b']],
      ['dynamodb:DeleteItem', ['OUTBOX#1']],
    ]);
    expect(requests[1]!.context['dynamodb:Attributes']).toEqual(['threadCount']);
  });

  it('asks an index query on the index ARN with the index partition key value', () => {
    // Act
    const [request] = dynamoRequests(
      'Query',
      {
        TableName: 'tracker',
        IndexName: 'GSI1',
        KeyConditionExpression: '#pk = :pk AND begins_with(GSI1SK, :p)',
        ExpressionAttributeNames: { '#pk': 'GSI1PK' },
        ExpressionAttributeValues: { ':pk': S('SCENARIO#s'), ':p': S('a') },
      },
      shape,
    );
    // Assess
    expect(request).toEqual({
      action: 'dynamodb:Query',
      resource: `${shape.arn}/index/GSI1`,
      context: { 'dynamodb:LeadingKeys': ['SCENARIO#s'] },
    });
  });

  it('reads update attributes from the expression, not from value placeholders', () => {
    // Act
    const [request] = dynamoRequests(
      'UpdateItem',
      {
        TableName: 'tracker',
        Key: { PK: S('TOKEN#h'), SK: S('#TOKEN') },
        UpdateExpression: 'SET lastUsedAt = :now',
        ReturnValues: 'NONE',
      },
      shape,
    );
    // Assess
    expect(request!.context).toEqual({
      'dynamodb:LeadingKeys': ['TOKEN#h'],
      'dynamodb:Attributes': ['lastUsedAt'],
      'dynamodb:ReturnValues': 'NONE',
    });
  });
});

describe('cloud mode: IAM decisions', () => {
  const fn = {
    logicalId: 'Fn',
    roleArn: 'arn:aws:iam::123456789012:role/Fn',
    policies: [
      {
        name: 'p',
        policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow' as const,
              Action: ['dynamodb:UpdateItem'],
              Resource: shape.arn,
              Condition: {
                'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
                'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['PK', 'SK', 'lastUsedAt'] },
              },
            },
          ],
        },
      },
    ],
  };

  it('allows an update of the permitted attribute on the permitted family and denies anything more', async () => {
    // Act
    const allowed = await authorize(fn, {
      action: 'dynamodb:UpdateItem',
      resource: shape.arn,
      context: { 'dynamodb:LeadingKeys': ['TOKEN#h'], 'dynamodb:Attributes': ['lastUsedAt'] },
    });
    const otherAttribute = await authorize(fn, {
      action: 'dynamodb:UpdateItem',
      resource: shape.arn,
      context: { 'dynamodb:LeadingKeys': ['TOKEN#h'], 'dynamodb:Attributes': ['lastUsedAt', 'role'] },
    });
    const otherFamily = await authorize(fn, {
      action: 'dynamodb:UpdateItem',
      resource: shape.arn,
      context: { 'dynamodb:LeadingKeys': ['THREAD#a'], 'dynamodb:Attributes': ['lastUsedAt'] },
    });
    // Assess
    expect(allowed).toBeNull();
    expect(otherAttribute).toMatchObject({ result: 'ImplicitlyDenied', action: 'dynamodb:UpdateItem' });
    expect(otherFamily).toMatchObject({ result: 'ImplicitlyDenied' });
  });
});
