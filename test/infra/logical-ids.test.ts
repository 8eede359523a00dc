import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionName } from '../../infra/bundling';
import { referencedIds, synthesized, type Resources } from './synth';

/**
 * A deployed stack updates in place only if its resources keep their logical ids: a new id is a new
 * resource (a new, empty table — the old one retained beside it). The fixture lists every resource
 * of the prod template from before the stack was split into sections (infra/constructs/), with
 * its type; the split must keep them all.
 */
const BEFORE: Record<string, string> = JSON.parse(
  readFileSync(path.join(__dirname, '../fixtures/logical-ids-prod.json'), 'utf8'),
);

/**
 * The only ids the split changed, each a stateless link whose id CDK derives from the *path* of
 * another construct (a queue's or a function's unique id): CloudFormation creates the new one and
 * then deletes the old, so nothing is interrupted.
 */
const RENAMED_LINKS = new Set([
  // Queue → function event source mappings (id names the queue's path).
  'ScenarioRecountFunctionSqsEventSourceScenarioTrackerprodRecountQueue1B0664F7FAD6C077',
  'DeliveriesFunctionSqsEventSourceScenarioTrackerprodWebhookQueueF4A67596A799D49E',
  // Permissions for API Gateway and EventBridge to invoke a function (id names the API's or the function's path).
  'HttpApiScenarioTrackerprodHttpApiTokenAuthorizer910C7688PermissionC61E6C81',
  'StaleCheckScheduleAllowEventRuleScenarioTrackerprodStaleCheckFunction6034155E7C2E715E',
  'DeliverySweepScheduleAllowEventRuleScenarioTrackerprodDeliveriesFunction53EA52E049836240',
]);

/**
 * API Gateway's permissions to invoke the function of a route that moved to another group since
 * (the Atom feeds: threads-read → feeds). Each id names the route and its group, so it is a new
 * stateless link to the new function; the route itself keeps its id (it names only the path).
 */
const MOVED_ROUTES: Record<string, { from: string; to: string; group: FunctionName }> = Object.fromEntries(
  [
    'HttpApiGETthreadsidfeedatomThreadsReadIntegrationPermission6A0E6841',
    'HttpApiHEADthreadsidfeedatomThreadsReadIntegrationPermission57022B47',
    'HttpApiGETscenariosidfeedatomThreadsReadIntegrationPermission5A41183B',
    'HttpApiHEADscenariosidfeedatomThreadsReadIntegrationPermission7A91B40D',
  ].map((id) => {
    const from = id.slice(0, id.indexOf('ThreadsReadIntegrationPermission'));
    return [id, { from, to: `${from}FeedsIntegrationPermission`, group: 'feeds' }];
  }),
);

// The fixture was synthesized with this alarm e-mail (the subscription's id names it), and with the
// reservations prod then had (the per-function concurrency alarms are in it).
const { template, functionId } = synthesized('prod as the logical-id fixture');
const resources = template.toJSON().Resources as Resources;
/** The new permissions of the moved routes: not candidates for replacing anything else. */
/** API Gateway's permission to invoke a route's function, one per route before (`HttpApi<route><Group>IntegrationPermission…`). */
const isRoutePermission = (id: string) =>
  /^(HttpApi.+|DefaultRoute.+)IntegrationPermission[0-9A-F]{8}$/.test(id) &&
  BEFORE[id] === 'AWS::Lambda::Permission';
const movedTo = (id: string) => Object.values(MOVED_ROUTES).some((m) => id.startsWith(m.to));
/** Routes added since the fixture (GET /ready, its HEAD twin, its catch-all), by logical id without the hash. */
const newRoutes = Object.entries(resources)
  .filter(([id, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && !(id in BEFORE))
  .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
/** A new route's own invoke permission: new, not a replacement of anything deployed. */
const ofNewRoute = (id: string) => newRoutes.some((route) => id.startsWith(route));

describe('logical ids across the split into sections', () => {
  it('keeps every resource a deployed prod stack already has under its logical id and type', () => {
    // Act
    const lost = Object.entries(BEFORE)
      .filter(([id]) => !RENAMED_LINKS.has(id) && !(id in MOVED_ROUTES) && !isRoutePermission(id))
      .filter(([id, type]) => resources[id]?.Type !== type)
      .map(([id, type]) => `${id} (${type})`);
    // Assess
    expect(lost).toEqual([]);
  });

  it('renamed only stateless links, each replaced by one of the same type', () => {
    for (const id of RENAMED_LINKS) {
      // Prepare
      const type = BEFORE[id]!;
      const prefix = id.slice(0, id.indexOf('ScenarioTrackerprod'));
      // Act
      const replacements = Object.entries(resources).filter(
        ([other, r]) =>
          other.startsWith(prefix) &&
          r.Type === type &&
          !(other in BEFORE) &&
          !movedTo(other) &&
          !ofNewRoute(other) &&
          !/ApiPermissionApiScoped/.test(other),
      );
      // Assess
      expect(['AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Permission']).toContain(type);
      expect({ id, replacements: replacements.length }).toEqual({ id, replacements: 1 });
    }
  });

  it("replaced API Gateway's per-route invoke permissions (the moved routes' too) by one per function, scoped to the API", () => {
    // Prepare: the fixture's per-route permissions, each a stateless link CloudFormation deletes
    // once the function's API-scoped permission exists
    const before = Object.entries(BEFORE).filter(([id]) => isRoutePermission(id));
    const apiScoped = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties?.Principal === 'apigateway.amazonaws.com' &&
        JSON.stringify(r.Properties?.SourceArn).includes('/*/*/*'),
    );
    const invoked = new Set(apiScoped.flatMap((r) => referencedIds(r.Properties!.FunctionName)));
    // Assess
    expect(before.length).toBeGreaterThan(60);
    for (const [id, type] of before) {
      expect(type).toBe('AWS::Lambda::Permission');
      expect(resources[id]).toBeUndefined();
    }
    for (const { group } of Object.values(MOVED_ROUTES)) expect(invoked).toContain(functionId(group));
    expect(apiScoped).toHaveLength(invoked.size);
  });
});
