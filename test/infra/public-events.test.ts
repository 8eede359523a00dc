import type { CfnElement } from 'aws-cdk-lib';
import { FUNCTION_ACCESS, PUBLIC_EVENT_PUBLISHERS } from '../../infra/permissions';
import { PUBLIC_NAMESPACE } from '../../shared/domain/public-channel';
import { constructed, referencedIds, synthesized, type Resources } from './synth';

/** The public channels of live embeds (infra/constructs/public-events.ts), from the synthesized template. */

// Prepare: the run's stack, and its constructs built again (not synthesized) to name resources by
const { template } = synthesized('default');
const { stack } = constructed('default');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
const apiId = idOf(stack.publicEvents.api.node.defaultChild);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const statementsOfRole = (roleId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => referencedIds(p.Properties!.Roles).includes(roleId))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
const functionsById = (): [string, Resources[string]][] => ofType('AWS::Lambda::Function');
const roleOf = (fn: Resources[string]) => referencedIds(fn.Properties!.Role)[0]!;
const envOf = (fn: Resources[string]) =>
  (fn.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
const publishing = (s: Statement) => list(s.Action).some((a) => a.startsWith('appsync:'));

describe('the public channels (AppSync Events)', () => {
  it('is one Event API: readers connect with the API key; publish by IAM, subscribe by the key, by default', () => {
    // Assess
    const apis = ofType('AWS::AppSync::Api');
    expect(apis.map(([id]) => id)).toEqual([apiId]);
    const config = resources[apiId]!.Properties!.EventConfig as Record<string, { AuthType: string }[]>;
    expect(config.AuthProviders!.map((p) => p.AuthType).sort()).toEqual(['API_KEY', 'AWS_IAM']);
    expect(config.ConnectionAuthModes).toEqual([{ AuthType: 'API_KEY' }]);
    expect(config.DefaultPublishAuthModes).toEqual([{ AuthType: 'AWS_IAM' }]);
    expect(config.DefaultSubscribeAuthModes).toEqual([{ AuthType: 'API_KEY' }]);
  });

  it('has the public namespace only, published to by IAM only and subscribed to by the key only', () => {
    // Assess
    const namespaces = ofType('AWS::AppSync::ChannelNamespace');
    expect(namespaces).toHaveLength(1);
    const ns = namespaces[0]![1].Properties!;
    expect(ns.Name).toBe(PUBLIC_NAMESPACE);
    expect(referencedIds(ns.ApiId)).toContain(apiId);
    expect(ns.PublishAuthModes).toEqual([{ AuthType: 'AWS_IAM' }]);
    expect(ns.SubscribeAuthModes).toEqual([{ AuthType: 'API_KEY' }]);
    // No handler code runs on a publish or a subscribe: AppSync only fans out.
    expect(ns.CodeHandlers).toBeUndefined();
  });

  it('has one readers’ key, expiring no sooner than 300 days after the deploy', () => {
    // Assess
    const keys = ofType('AWS::AppSync::ApiKey');
    expect(keys).toHaveLength(1);
    const key = keys[0]![1].Properties!;
    expect(referencedIds(key.ApiId)).toContain(apiId);
    expect(Number(key.Expires)).toBeGreaterThan(Date.now() / 1000 + 300 * 86_400);
  });

  it('lets exactly the declared publishers appsync:EventPublish, on the public namespace of this API and nothing more', () => {
    // Prepare
    const publisherRoles = new Set(
      PUBLIC_EVENT_PUBLISHERS.map((name) => {
        const fn =
          (stack.functions as Record<string, unknown>)[name] ??
          (stack.live.functions as Record<string, unknown>)[name];
        return roleOf(resources[idOf((fn as { node: { defaultChild: unknown } }).node.defaultChild)]!);
      }),
    );
    // Assess
    expect([...PUBLIC_EVENT_PUBLISHERS].sort()).toEqual(['live-fanout', 'threads-write']);
    expect(PUBLIC_EVENT_PUBLISHERS.every((n) => FUNCTION_ACCESS[n].publishesPublicEvents)).toBe(true);
    for (const [, fn] of functionsById()) {
      const statements = statementsOfRole(roleOf(fn)).filter(publishing);
      if (!publisherRoles.has(roleOf(fn))) {
        expect(statements).toEqual([]);
        continue;
      }
      expect(statements).toHaveLength(1);
      const [s] = statements;
      expect(s!.Effect).toBe('Allow');
      expect(list(s!.Action)).toEqual(['appsync:EventPublish']);
      const resource = JSON.stringify(s!.Resource);
      expect(referencedIds(s!.Resource)).toContain(apiId);
      expect(resource).toContain(`/channelNamespace/${PUBLIC_NAMESPACE}`);
      expect(resource).not.toContain('*');
      // And the endpoint it publishes to, in its environment.
      expect(referencedIds(envOf(fn).TRACKER_PUBLIC_EVENTS_URL)).toContain(apiId);
    }
  });

  it('gives threads-read the real-time URL and the readers’ key for its embeds, and no right to publish', () => {
    // Prepare
    const reader = resources[idOf(stack.functions['threads-read'].node.defaultChild)]!;
    const keyId = ofType('AWS::AppSync::ApiKey')[0]![0];
    // Assess
    const env = envOf(reader);
    expect(referencedIds(env.TRACKER_PUBLIC_EVENTS_REALTIME_URL)).toContain(apiId);
    expect(referencedIds(env.TRACKER_PUBLIC_EVENTS_KEY)).toContain(keyId);
    expect(referencedIds(env.TRACKER_PUBLIC_EVENTS_URL)).toContain(apiId);
    expect(statementsOfRole(roleOf(reader)).filter(publishing)).toEqual([]);
  });
});
