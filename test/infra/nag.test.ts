import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../infra/build';
import { ALL_FUNCTION_ENTRIES } from '../../infra/bundling';
import { synth } from './synth';

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}
const reportOf = (dir: string): Report =>
  JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));

// Prepare (once per file): the real thing — the local esbuild bundles every function, cdk-nag checks.
const synthesized = synth({ bundle: true });
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
      'KindsRole',
      'LiveAuthorizerRole',
      'LiveConnectionsRole',
      'LiveFanoutRole',
      'OutboxRelayRole',
      'ScenarioRecountRole',
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

  it('bundles every function (the live ones too) with the local esbuild and the same options: one minified index.js, a map without sources', () => {
    // Prepare
    const dir = synthesized.assembly.directory;
    const manifest = JSON.parse(
      readFileSync(path.join(dir, `${synthesized.stack.artifactId}.assets.json`), 'utf8'),
    ) as { files: Record<string, { source: { path: string; packaging?: string } }> };
    // Act
    const bundles = Object.values(manifest.files)
      .filter((f) => f.source.packaging === 'zip')
      .map((f) => path.join(dir, f.source.path));
    // Assess
    expect(bundles).toHaveLength(Object.keys(ALL_FUNCTION_ENTRIES).length);
    for (const dir of bundles) {
      const code = readFileSync(path.join(dir, 'index.js'), 'utf8');
      const map = readFileSync(path.join(dir, 'index.js.map'), 'utf8');
      // infra/bundling.ts BUNDLING: minify (long lines), sourceMap, sourcesContent: false.
      expect({ dir, minified: code.length / code.split('\n').length > 1000 }).toEqual({
        dir,
        minified: true,
      });
      expect({
        dir,
        sources: map.includes('"sources"'),
        sourcesContent: map.includes('"sourcesContent"'),
      }).toEqual({
        dir,
        sources: true,
        sourcesContent: false,
      });
    }
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
