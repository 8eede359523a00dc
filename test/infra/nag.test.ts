import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../infra/build';
import { synth } from './synth';

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}
const reportOf = (dir: string): Report =>
  JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));

// Prepare (once per file): the stack as `cdk synth` checks it with cdk-nag. Bundling is skipped: the
// findings do not depend on the code, and the bundles are checked where they run (test/cloud).
const synthesized = synth();
const negativeOutdir = `${synthesized.assembly.directory}-negative`;
afterAll(() => {
  synthesized.cleanup();
  rmSync(negativeOutdir, { recursive: true, force: true });
});

describe('cdk-nag AWS Solutions checks', () => {
  it('synthesizes with zero unacknowledged errors', () => {
    // Act
    const report = reportOf(synthesized.assembly.directory);
    const errors = report.pluginReports.flatMap((p) =>
      p.violations.filter((v) => v.severity === 'error' || v.severity === 'fatal'),
    );
    // Assess
    expect(errors).toEqual([]);
  });

  it('leaves no error annotations on the stack', () => {
    // Assess
    expect(Annotations.fromStack(synthesized.stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('gives a reason for every acknowledged finding', () => {
    // Prepare
    const acknowledged = synthesized.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map((m) => ({ path: c.node.path, rules: m.data as Record<string, string> })),
      );
    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path: at, rules } of acknowledged) {
      for (const [id, reason] of Object.entries(rules))
        expect({ at, id, reasonLongEnough: reason.trim().length >= 40 }).toEqual({
          at,
          id,
          reasonLongEnough: true,
        });
    }
  });

  it('acknowledges wildcard resources only for X-Ray on the function roles and the live management API', () => {
    // Prepare
    const wildcardAcks = synthesized.stack.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) =>
            m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
            Object.keys(m.data as object).some((id) => id.includes('IAM5')),
        ),
      );
    // Assess
    expect(wildcardAcks.map((c) => c.node.id).sort()).toEqual([
      'AuthorizerRole',
      'DeliveriesRole',
      'FeedsRole',
      'HealthRole',
      'InboxRole',
      'KindsRole',
      'LiveAuthorizerRole',
      'LiveConnectionsRole',
      'LiveFanoutRole',
      'OutboxRelayRole',
      'ScenarioImportRole',
      'ScenarioRecountRole',
      'SourcePollerRole',
      'SourceScheduleRole',
      'StaleCheckRole',
      'SubscriptionsRole',
      'ThreadsReadRole',
      'ThreadsWriteRole',
      'TokensRole',
    ]);
    const ids = wildcardAcks.flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as object).filter((id) => id.includes('IAM5'))),
    );
    for (const id of ids)
      expect(id).toMatch(
        /^(Annotation::)?AwsSolutions-IAM5\[Resource::(\*|.*:<Live\w+>\/live\/(POST|DELETE)\/@connections\/\*)\]$/,
      );
  });

  it('fails synthesis on a finding nobody acknowledged (the plugin is really registered)', () => {
    // Prepare: the same app, plus a queue that breaks AwsSolutions-SQS3/SQS4 (bundling skipped: fast).
    const { app, stack } = buildApp(
      { context: { 'aws:cdk:bundling-stacks': [] }, outdir: negativeOutdir },
      {},
    );
    new Queue(stack, 'UncheckedQueue');
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // Act / Assess
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
    } finally {
      quiet.mockRestore();
    }
    const rules = reportOf(negativeOutdir).pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName));
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
