import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesized as synthesizedStack, type Resources, type Shared } from './synth';
import { PINNINGS, STAGES, stageStack } from './stacks';

/**
 * `cdk deploy` pins the stack to the account and region of the credentials (CDK_DEFAULT_ACCOUNT,
 * CDK_DEFAULT_REGION); `cdk synth` without credentials leaves it environment-agnostic. Pinned, ARNs
 * render literally instead of as `<AWS::Partition>`-style tokens, and every cdk-nag
 * acknowledgement that names a resource must still match. So every stage of cdk.json is
 * synthesized both ways, with cdk-nag, as `cdk synth -c stage=<stage>` does (bundling skipped).
 * Pinned, the app has a second stack, the edge's web ACL in us-east-1 (infra/edge-acl-stack.ts),
 * and cdk-nag checks it too (one report for the app).
 */

interface Outcome {
  stage: string;
  pinning: keyof typeof PINNINGS;
  /** The synthesis, or the error it failed with. */
  result: Shared | Error;
}

interface Report {
  pluginReports: { violations: { ruleName: string; severity: string }[] }[];
}

/** cdk-nag's errors, from the report it writes even when it fails the synthesis. */
const errorsIn = (outdir: string): string[] => {
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
  return report.pluginReports.flatMap((p) =>
    p.violations.filter((v) => v.severity === 'error' || v.severity === 'fatal').map((v) => v.ruleName),
  );
};

// Prepare: one synthesis per stage × pinning (test/infra/stacks.ts, synthesized once for the run).
const outcomes: Outcome[] = STAGES.flatMap((stage) =>
  (Object.keys(PINNINGS) as (keyof typeof PINNINGS)[]).map((pinning) => {
    try {
      return { stage, pinning, result: synthesizedStack(stageStack(stage, pinning)) };
    } catch (error) {
      return { stage, pinning, result: error as Error };
    }
  }),
);
const synthesized = (stage: string, pinning: keyof typeof PINNINGS): Shared => {
  const { result } = outcomes.find((o) => o.stage === stage && o.pinning === pinning)!;
  if (result instanceof Error) throw result;
  return result;
};

describe('synthesis of every stage, environment-agnostic and pinned to an account and region', () => {
  it('covers every stage of cdk.json, dev and prod among them', () => {
    expect(STAGES).toEqual(expect.arrayContaining(['dev', 'prod']));
  });

  it.each(STAGES.flatMap((stage) => [[stage, 'agnostic'] as const, [stage, 'pinned'] as const]))(
    'synthesizes %s %s with no cdk-nag error',
    (stage, pinning) => {
      // Act
      const { result } = outcomes.find((o) => o.stage === stage && o.pinning === pinning)!;
      // Assess: the synthesis did not throw, and its report holds no error
      expect(result instanceof Error ? result.message : 'synthesized').toBe('synthesized');
      expect(errorsIn((result as Shared).assembly.directory)).toEqual([]);
    },
  );

  it.each(STAGES)(
    'gives %s its edge when pinned (the web ACL in us-east-1, the distribution using it) and none when not',
    (stage) => {
      // Act
      const pinned = synthesized(stage, 'pinned');
      const agnostic = synthesized(stage, 'agnostic');
      // Assess: the ACL stack deploys first (the main stack depends on it), in the one region it can
      const acl = pinned.assembly.getStackByName(`${pinned.artifact.stackName}-edge-acl`);
      expect(acl.environment).toEqual(
        expect.objectContaining({ account: '123456789012', region: 'us-east-1' }),
      );
      expect(pinned.artifact.dependencies.map((d) => d.id)).toContain(acl.id);
      pinned.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
      expect(agnostic.assembly.stacks.map((s) => s.stackName)).toEqual([agnostic.artifact.stackName]);
      agnostic.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    },
  );

  it.each(STAGES)(
    'renders the live management grant literally when %s is pinned, and as tokens when not',
    (stage) => {
      // Prepare: the ManageConnections statements, as the template holds them
      const grants = (pinning: keyof typeof PINNINGS) =>
        Object.values(synthesized(stage, pinning).template.toJSON().Resources as Resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy')
          .flatMap(
            (r) =>
              (r.Properties!.PolicyDocument as { Statement: { Sid?: string; Resource: unknown }[] })
                .Statement,
          )
          .filter((s) => s.Sid === 'ManageConnections')
          .map((s) => JSON.stringify(s.Resource));
      // Act
      const pinned = grants('pinned');
      const agnostic = grants('agnostic');
      // Assess: the acknowledgements above were matched against both renderings
      expect(pinned.length).toBeGreaterThan(0);
      for (const resource of pinned) expect(resource).toContain(':execute-api:eu-west-1:123456789012:');
      for (const resource of agnostic) expect(resource).toContain('"Ref":"AWS::Region"');
    },
  );
});
