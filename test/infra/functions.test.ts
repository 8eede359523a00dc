import { ALL_FUNCTION_ENTRIES, type AnyFunctionName } from '../../infra/bundling';
import { referencedIds, synthesized as synthesizedStack, type Resources } from './synth';
import { LOG_LEVEL, RETENTION_DAYS } from './stacks';

/**
 * One definition of a function (infra/constructs/functions.ts `makeTrackerFunction`): every function
 * the template holds — the HTTP API's, the workers, the live WebSocket's — is found here from the
 * template itself, not from a list, so a function built some other way shows up as the odd one out.
 */

// Prepare: a prod block whose log settings differ from the defaults, so they are seen to come from
// the stage and not from a constant (test/infra/stacks.ts).
const synthesized = synthesizedStack('prod with its own log settings');
const resources = synthesized.template.toJSON().Resources as Resources;
const lambdas = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

describe('every function of the stack', () => {
  it('is one of ALL_FUNCTION_ENTRIES, and each entry is deployed once', () => {
    // Act
    const byId = Object.fromEntries(
      (Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[]).map((n) => [synthesized.functionId(n), n]),
    );
    // Assess
    expect(lambdas.map(([id]) => byId[id] ?? `${id} (not in ALL_FUNCTION_ENTRIES)`).sort()).toEqual(
      Object.keys(ALL_FUNCTION_ENTRIES).sort(),
    );
  });

  it('runs the same runtime, architecture, tracing and Powertools environment, without Node parsing source maps', () => {
    for (const [id, fn] of lambdas) {
      // Prepare
      const p = fn.Properties!;
      const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      // Assess
      expect({
        id,
        runtime: p.Runtime,
        arch: p.Architectures,
        handler: p.Handler,
        tracing: p.TracingConfig,
        NODE_OPTIONS: env.NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: env.POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: env.POWERTOOLS_METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL,
      }).toEqual({
        id,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
        handler: 'index.handler',
        tracing: { Mode: 'Active' },
        NODE_OPTIONS: undefined,
        POWERTOOLS_SERVICE_NAME: 'scenario-tracker',
        POWERTOOLS_METRICS_NAMESPACE: 'ScenarioTracker',
        POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
      });
    }
  });

  it('logs to a log group of its own with the stage’s retention, kept when a prod stack is deleted', () => {
    // Act
    const groups = lambdas.map(([id, fn]) => {
      const [groupId] = referencedIds((fn.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup);
      const group = resources[groupId!]!;
      return {
        id,
        groupId,
        type: group.Type,
        retention: group.Properties!.RetentionInDays,
        deletion: group.DeletionPolicy,
      };
    });
    // Assess
    for (const { id, type, retention, deletion } of groups)
      expect({ id, type, retention, deletion }).toEqual({
        id,
        type: 'AWS::Logs::LogGroup',
        retention: RETENTION_DAYS,
        deletion: 'Retain',
      });
    expect(new Set(groups.map((g) => g.groupId)).size).toBe(lambdas.length);
  });

  it('has a role of its own that may write to its own log group and to no other', () => {
    // Prepare
    const groupOf = (fnId: string) =>
      referencedIds((resources[fnId]!.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup)[0]!;
    const logGroupIds = new Set(lambdas.map(([id]) => groupOf(id)));
    // Act
    const roles = lambdas.map(([id, fn]) => {
      const roleId = referencedIds(fn.Properties!.Role)[0]!;
      const statements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && referencedIds(r.Properties!.Roles).includes(roleId))
        .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement);
      const groups = statements.flatMap((s) => referencedIds(s.Resource)).filter((r) => logGroupIds.has(r));
      return { id, roleId, groups: [...new Set(groups)] };
    });
    // Assess
    for (const { id, groups } of roles) expect({ id, groups }).toEqual({ id, groups: [groupOf(id)] });
    expect(new Set(roles.map((r) => r.roleId)).size).toBe(lambdas.length);
  });
});
