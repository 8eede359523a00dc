import { Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * A name unique to this creation of the stack: `<prefix>-<last group of the stack id><suffix>`.
 * The stack id's UUID is new each time the stack is created and never changes on update, so a
 * retained group of a first deploy that rolled back does not block the retried deploy with
 * "already exists", while updates keep writing to the same group.
 */
export const perStackInstanceName = (scope: Construct, prefix: string, suffix: string): string => {
  const uuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return `${prefix}-${Fn.select(4, Fn.split('-', uuid))}${suffix}`;
};

/**
 * Where an API's access log goes: under /aws/vendedlogs/, because API Gateway delivers access logs
 * as a vended log source and groups with this prefix need no entry in the account's CloudWatch Logs
 * resource policy (whose 5,120-character limit otherwise fails deploys once enough APIs log), and
 * unique per creation of the stack (perStackInstanceName), because the group is retained in prod.
 */
export const accessLogGroupName = (scope: Construct, name: string): string =>
  perStackInstanceName(scope, `/aws/vendedlogs/apigateway/${Stack.of(scope).stackName}`, `/${name}`);
