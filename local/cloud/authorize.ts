import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { CLOUD_ACCOUNT } from './intrinsics';
import type { PolicyDocument } from './model';

/**
 * IAM, as AWS would decide each call a function makes: its role's identity policies, evaluated by
 * @cloud-copilot/iam-simulate (conditions included: dynamodb:LeadingKeys, dynamodb:Attributes,
 * index ARNs). AGPL-3.0: a devDependency only cloud mode loads; no bundle carries it (a test says so).
 */

export interface AuthorizationRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export interface Denial extends AuthorizationRequest {
  function: string;
  role: string;
  result: string;
}

export class AccessDeniedError extends Error {
  readonly code = 'ACCESS_DENIED';
  constructor(readonly denial: Denial) {
    super(describeDenial(denial));
  }
}

export const describeDenial = (d: Denial): string =>
  `${d.function} (role ${d.role}) is not authorized to perform ${d.action} on ${d.resource}` +
  (Object.keys(d.context).length ? ` with ${JSON.stringify(d.context)}` : '') +
  ` (${d.result}): its role's policies have no statement that allows it.`;

export async function authorize(
  fn: { logicalId: string; roleArn: string; policies: { name: string; policy: PolicyDocument }[] },
  request: AuthorizationRequest,
): Promise<Denial | null> {
  const simulation: Simulation = {
    identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.policy as any })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: request.action,
      principal: fn.roleArn,
      resource: { resource: request.resource, accountId: CLOUD_ACCOUNT },
      contextVariables: request.context,
    },
  } as Simulation;
  const outcome = await runSimulation(simulation, {});
  if (outcome.resultType === 'error')
    throw new Error(
      `IAM simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(outcome.errors)}`,
    );
  if (outcome.overallResult === 'Allowed') return null;
  return { function: fn.logicalId, role: fn.roleArn, result: outcome.overallResult, ...request };
}

// ---- DynamoDB: what each API call asks IAM ------------------------------------------------------

interface KeyShape {
  table: string;
  arn: string;
  /** Partition key attribute of the table and of each index. */
  partitionKey: string;
  indexPartitionKeys: Record<string, string>;
}

type AttributeValue = Record<string, unknown>;
const text = (v: AttributeValue | undefined): string | undefined =>
  v === undefined ? undefined : ((v.S ?? v.N ?? v.B) as string | undefined);

/** The attribute names an expression mentions (`#n` resolved), without its values. */
function expressionAttributes(expression: string | undefined, names: Record<string, string> = {}): string[] {
  if (!expression) return [];
  const out = new Set<string>();
  // Drop the clause keywords and functions; what remains that is not a value placeholder is a path.
  // A value placeholder (`:v`) is matched whole, so its name is never read as an attribute.
  const tokens = (expression.match(/:?[#A-Za-z_][A-Za-z0-9_#.[\]]*/g) ?? []).filter(
    (t) => !t.startsWith(':'),
  );
  const keywords = new Set([
    'SET',
    'REMOVE',
    'ADD',
    'DELETE',
    'AND',
    'OR',
    'NOT',
    'BETWEEN',
    'IN',
    'if_not_exists',
    'list_append',
    'attribute_exists',
    'attribute_not_exists',
    'attribute_type',
    'begins_with',
    'contains',
    'size',
  ]);
  for (const token of tokens) {
    if (keywords.has(token) || (keywords.has(token.toUpperCase()) && token === token.toUpperCase())) continue;
    const top = token.split(/[.[]/)[0]!;
    out.add(top.startsWith('#') ? (names[top] ?? top) : top);
  }
  return [...out];
}

/** The partition key value a KeyConditionExpression fixes (`#pk = :v`, either way round). */
function queriedPartitionKey(body: any, keyName: string): string | undefined {
  const names: Record<string, string> = body.ExpressionAttributeNames ?? {};
  const values: Record<string, AttributeValue> = body.ExpressionAttributeValues ?? {};
  const expr: string = body.KeyConditionExpression ?? '';
  for (const clause of expr.split(/\s+AND\s+/i)) {
    const m = /^\(?\s*([#:A-Za-z0-9_]+)\s*=\s*([#:A-Za-z0-9_]+)\s*\)?$/.exec(clause.trim());
    if (!m) continue;
    const [a, b] = [m[1]!, m[2]!];
    const nameOf = (x: string) => (x.startsWith('#') ? names[x] : x);
    if (nameOf(a) === keyName && b.startsWith(':')) return text(values[b]);
    if (nameOf(b) === keyName && a.startsWith(':')) return text(values[a]);
  }
  return undefined;
}

const itemRequest = (
  action: string,
  shape: KeyShape,
  key: Record<string, AttributeValue>,
  extra: Record<string, string | string[]> = {},
): AuthorizationRequest => ({
  action,
  resource: shape.arn,
  context: { 'dynamodb:LeadingKeys': [text(key[shape.partitionKey]) ?? ''], ...extra },
});

/** Update-like calls: the attributes written (dynamodb:Attributes) and what they ask back. */
function writeContext(part: any): Record<string, string | string[]> {
  const names = part.ExpressionAttributeNames ?? {};
  const attributes = [
    ...expressionAttributes(part.UpdateExpression, names),
    ...Object.keys(part.AttributeUpdates ?? {}),
  ];
  return {
    ...(attributes.length ? { 'dynamodb:Attributes': attributes } : {}),
    ...(part.ReturnValues ? { 'dynamodb:ReturnValues': part.ReturnValues } : {}),
  };
}

/** The IAM requests one DynamoDB API call makes (a transaction: one per part, with the part's own action). */
export function dynamoRequests(operation: string, body: any, shape: KeyShape): AuthorizationRequest[] {
  const on = (tableName: string) => {
    if (tableName !== shape.table && tableName !== shape.arn)
      return { ...shape, arn: shape.arn.replace(/table\/.*$/, `table/${tableName}`) };
    return shape;
  };
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
      return [
        itemRequest(
          `dynamodb:${operation}`,
          on(body.TableName),
          body.Key,
          operation === 'DeleteItem' && body.ReturnValues
            ? { 'dynamodb:ReturnValues': body.ReturnValues }
            : {},
        ),
      ];
    case 'PutItem':
      return [
        itemRequest('dynamodb:PutItem', on(body.TableName), body.Item, {
          'dynamodb:Attributes': Object.keys(body.Item),
          ...(body.ReturnValues ? { 'dynamodb:ReturnValues': body.ReturnValues } : {}),
        }),
      ];
    case 'UpdateItem':
      return [itemRequest('dynamodb:UpdateItem', on(body.TableName), body.Key, writeContext(body))];
    case 'Query': {
      const s = on(body.TableName);
      const index: string | undefined = body.IndexName;
      const pk = index ? (shape.indexPartitionKeys[index] ?? shape.partitionKey) : shape.partitionKey;
      return [
        {
          action: 'dynamodb:Query',
          resource: index ? `${s.arn}/index/${index}` : s.arn,
          context: {
            'dynamodb:LeadingKeys': [queriedPartitionKey(body, pk) ?? ''],
            ...(body.Select ? { 'dynamodb:Select': body.Select } : {}),
          },
        },
      ];
    }
    case 'Scan':
      return [
        {
          action: 'dynamodb:Scan',
          resource: body.IndexName
            ? `${on(body.TableName).arn}/index/${body.IndexName}`
            : on(body.TableName).arn,
          context: {},
        },
      ];
    case 'BatchGetItem':
      return Object.entries(
        body.RequestItems as Record<string, { Keys: Record<string, AttributeValue>[] }>,
      ).map(([table, { Keys }]) => {
        const s = on(table);
        return {
          action: 'dynamodb:BatchGetItem',
          resource: s.arn,
          context: { 'dynamodb:LeadingKeys': [...new Set(Keys.map((k) => text(k[s.partitionKey]) ?? ''))] },
        };
      });
    case 'BatchWriteItem':
      return Object.entries(body.RequestItems as Record<string, any[]>).map(([table, writes]) => {
        const s = on(table);
        const keys = writes.map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key);
        return {
          action: 'dynamodb:BatchWriteItem',
          resource: s.arn,
          context: {
            'dynamodb:LeadingKeys': [...new Set(keys.map((k: any) => text(k[s.partitionKey]) ?? ''))],
          },
        };
      });
    case 'TransactWriteItems':
      return (body.TransactItems as any[]).flatMap((item) => {
        if (item.ConditionCheck)
          return [
            itemRequest(
              'dynamodb:ConditionCheckItem',
              on(item.ConditionCheck.TableName),
              item.ConditionCheck.Key,
            ),
          ];
        if (item.Put) return dynamoRequests('PutItem', item.Put, shape);
        if (item.Update) return dynamoRequests('UpdateItem', item.Update, shape);
        if (item.Delete) return dynamoRequests('DeleteItem', item.Delete, shape);
        throw new Error(`unknown transaction part ${Object.keys(item).join(',')}`);
      });
    case 'TransactGetItems':
      return (body.TransactItems as any[]).map((item) =>
        itemRequest('dynamodb:GetItem', on(item.Get.TableName), item.Get.Key),
      );
    case 'DescribeTable':
    case 'DescribeTimeToLive':
    case 'ListTables':
      return [
        {
          action: `dynamodb:${operation}`,
          resource: body.TableName ? on(body.TableName).arn : '*',
          context: {},
        },
      ];
    default:
      // Anything else (CreateTable, DeleteTable, …) is asked as itself on the table.
      return [
        {
          action: `dynamodb:${operation}`,
          resource: body.TableName ? on(body.TableName).arn : '*',
          context: {},
        },
      ];
  }
}

export type { KeyShape };
