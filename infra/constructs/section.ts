import { Validations } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

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

/** `threads-read` → `ThreadsRead`: construct ids. */
export const pascal = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
