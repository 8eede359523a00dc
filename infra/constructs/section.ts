import { Stack, Validations } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
// cdk-nag's own renderer of a resource for its finding ids (the package exports no path for it): an
// acknowledgement built with it names the resource exactly as the check does.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

/**
 * A part of the architecture drawing (the API, the functions, the alarms, ...): it groups resources
 * for the reader, not for CloudFormation. ScenarioTrackerStack leaves a section's id out of the
 * logical ids of what it holds, so every resource kept the logical id it had before the stack was
 * split into sections and a deployed stack updates in place (the table above all: a new logical id
 * would mean a new table). test/infra/logical-ids.test.ts holds the stack to it. The price: ids
 * must be unique across sections — two sections with a child of one id would share a logical id,
 * and synthesis fails on it ("section 'Resources' already contains ..."), never silently.
 */
export abstract class Section extends Construct {}

/** Acknowledge a cdk-nag finding on a construct (and its children), always with the reason why. */
export const acknowledge = (scope: IConstruct, id: string, reason: string): void =>
  Validations.of(scope).acknowledge({ id, reason });

/**
 * A resource or policy ARN as cdk-nag names it in a finding id (`AwsSolutions-IAM5[Resource::<this>]`).
 * cdk-nag renders the value as the template holds it: tokens while the stack is
 * environment-agnostic (`arn:<AWS::Partition>:execute-api:<AWS::Region>:…`), literals once it is
 * pinned to an account and region (`arn:aws:execute-api:eu-west-1:123456789012:…`). Rendering the
 * very ARN the policy uses the same way matches it whichever way the stack is synthesized.
 */
export const nagName = (scope: IConstruct, arn: string): string =>
  flattenCfnReference(Stack.of(scope).resolve(arn));

/** Acknowledge AwsSolutions-IAM5 for one wildcard resource, named from the ARN the policy grants. */
export const acknowledgeWildcardResource = (scope: IConstruct, resourceArn: string, reason: string): void =>
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${nagName(scope, resourceArn)}]`, reason);

/** `threads-read` → `ThreadsRead`: construct ids. */
export const pascal = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
