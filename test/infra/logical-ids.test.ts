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
      .filter(([id]) => !RENAMED_LINKS.has(id) && !(id in MOVED_ROUTES))
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
          !ofNewRoute(other),
      );
      // Assess
      expect(['AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Permission']).toContain(type);
      expect({ id, replacements: replacements.length }).toEqual({ id, replacements: 1 });
    }
  });

  it('gave each route that moved to another function one new invoke permission, for that function', () => {
    for (const [id, { from, to, group }] of Object.entries(MOVED_ROUTES)) {
      // Act
      const replacements = Object.entries(resources).filter(
        ([other, r]) => other.startsWith(to) && r.Type === 'AWS::Lambda::Permission',
      );
      // Assess
      expect(BEFORE[id]).toBe('AWS::Lambda::Permission');
      expect(resources[id]).toBeUndefined();
      expect({ from, replacements: replacements.length }).toEqual({ from, replacements: 1 });
      expect(referencedIds(replacements[0]![1].Properties!.FunctionName)).toEqual([functionId(group)]);
    }
  });
});
