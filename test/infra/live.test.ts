import type { CfnElement } from 'aws-cdk-lib';
import { LIVE_STAGE_NAME, type LiveFunctionName } from '../../infra/live-api';
import { EVENT_SOURCE } from '../../shared/events/publisher';
import { LIVE_PREFIX } from '../../shared/store/keys';
import { TTL_ATTRIBUTE } from '../../shared/store/table';
import { constructed, referencedIds, synthesized, type Resources } from './synth';

/** The live WebSocket API of the stack (infra/live-api.ts), from the synthesized template. */

// Prepare: the run's stack, and its constructs built again (not synthesized) to name resources by
const { template } = synthesized('default');
const { stack } = constructed('default');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
const liveFn = (name: LiveFunctionName) => idOf(stack.live.functions[name].node.defaultChild);
const apiId = idOf(stack.live.api.node.defaultChild);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const statementsOfRole = (roleId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => referencedIds(p.Properties!.Roles).includes(roleId))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
const statementsOf = (fnId: string) => statementsOfRole(referencedIds(resources[fnId]!.Properties!.Role)[0]!);

describe('the WebSocket API', () => {
  it('routes by the action field and sends $connect, $disconnect and $default to the route function', () => {
    // Assess
    expect(resources[apiId]!.Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) =>
      referencedIds(r.Properties!.ApiId).includes(apiId),
    );
    expect(routes.map(([, r]) => r.Properties!.RouteKey).sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
    ]);
    for (const [, route] of routes) {
      const integration = resources[referencedIds(route.Properties!.Target)[0]!]!;
      expect(referencedIds(integration.Properties!.IntegrationUri)).toContain(liveFn('live-connections'));
    }
    // $default answers through its route response (Subscribed, Error, Pong).
    const defaultRoute = routes.find(([, r]) => r.Properties!.RouteKey === '$default')![1];
    expect(defaultRoute.Properties!.RouteResponseSelectionExpression).toBe('$default');
  });

  it('guards $connect, and only $connect, with the live authorizer reading the token query parameter', () => {
    // Assess
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer').filter(([, a]) =>
      referencedIds(a.Properties!.ApiId).includes(apiId),
    );
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(referencedIds(authorizer.Properties!.AuthorizerUri)).toContain(liveFn('live-authorizer'));
    const guarded = ofType('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => referencedIds(r.Properties!.AuthorizerId).includes(authorizerId))
      .map(([, r]) => r.Properties!.RouteKey);
    expect(guarded).toEqual(['$connect']);
  });

  it('deploys one throttled stage whose access log never holds the query string (the token)', () => {
    // Assess
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage').find(([, s]) =>
      referencedIds(s.Properties!.ApiId).includes(apiId),
    )!;
    expect(stage.Properties).toMatchObject({
      StageName: LIVE_STAGE_NAME,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
    const format = (stage.Properties!.AccessLogSettings as { Format: string }).Format;
    expect(format).toContain('$context.connectionId');
    expect(format.toLowerCase()).not.toMatch(/querystring|token|\$input|\$request/);
  });

  it('outputs the wss:// URL of the stage', () => {
    // Assess
    const output = template.toJSON().Outputs.LiveUrl;
    expect(JSON.stringify(output.Value)).toMatch(/"wss:\/\/"/);
    expect(referencedIds(output.Value)).toContain(apiId);
    expect(JSON.stringify(output.Value)).toContain(`/${LIVE_STAGE_NAME}`);
  });
});

describe('the fan-out', () => {
  it('is invoked by a rule for every tracker event on the notification bus, with a dead-letter queue', () => {
    // Assess
    const busId = ofType('AWS::Events::EventBus')[0]![0];
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      (r.Properties!.Targets as { Arn: unknown }[] | undefined)?.some((t) =>
        referencedIds(t.Arn).includes(liveFn('live-fanout')),
      ),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(referencedIds(rule.Properties!.EventBusName)).toEqual([busId]);
    expect(rule.Properties!.EventPattern).toEqual({ source: [EVENT_SOURCE] });
    const [target] = rule.Properties!.Targets as {
      DeadLetterConfig: { Arn: unknown };
      RetryPolicy: unknown;
    }[];
    expect(referencedIds(target!.DeadLetterConfig.Arn)).toEqual([
      idOf(stack.live.deadLetterQueue.node.defaultChild),
    ]);
    expect(target!.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 });
  });

  it('sends an invocation that failed after its retry, or aged out while throttled, to the same dead-letter queue, which it may write to', () => {
    // Prepare
    const dlqId = idOf(stack.live.deadLetterQueue.node.defaultChild);
    // Act
    const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) =>
      referencedIds(c.Properties!.FunctionName).includes(liveFn('live-fanout')),
    );
    const sends = statementsOfRole(
      referencedIds(resources[liveFn('live-fanout')]!.Properties!.Role)[0]!,
    ).filter(
      (st) => list(st.Action).includes('sqs:SendMessage') && referencedIds(st.Resource).includes(dlqId),
    );
    // Assess: nothing the fan-out gives up on is dropped without a trace (the LiveFanOutDlqDepth alarm watches the queue)
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toMatchObject({
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 60,
    });
    expect(
      referencedIds(
        (configs[0]![1].Properties!.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
          .Destination,
      ),
    ).toEqual([dlqId]);
    expect(sends).toHaveLength(1);
  });

  it('gives the route and fan-out functions the stage callback URL', () => {
    for (const name of ['live-connections', 'live-fanout'] as const) {
      const env = (resources[liveFn(name)]!.Properties!.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(referencedIds(env.TRACKER_LIVE_CALLBACK_URL)).toContain(apiId);
    }
  });
});

describe('least privilege', () => {
  const tableId = ofType('AWS::DynamoDB::Table')[0]![0];
  const dynamo = (fnId: string) =>
    statementsOf(fnId).filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));

  it('confines every live function to its item families by partition key prefix', () => {
    // Assess
    const expected: Record<LiveFunctionName, Record<string, string[]>> = {
      'live-authorizer': { 'TOKEN#*': ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      'live-connections': {
        [`${LIVE_PREFIX}*`]: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        'TOKEN#*': ['dynamodb:GetItem'],
      },
      'live-fanout': {
        [`${LIVE_PREFIX}*`]: ['dynamodb:DeleteItem', 'dynamodb:Query'],
        'TOKEN#*': ['dynamodb:GetItem'],
        // The public channels' publisher: the scenario(s) and the thread of a change, in one request.
        'SCENARIO#*': ['dynamodb:BatchGetItem'],
        'THREAD#*': ['dynamodb:BatchGetItem'],
      },
    };
    for (const name of Object.keys(expected) as LiveFunctionName[]) {
      const granted: Record<string, string[]> = {};
      for (const s of dynamo(liveFn(name))) {
        expect(referencedIds(s.Resource)).toEqual([tableId]);
        // Only the base table: no index of it.
        expect(JSON.stringify(s.Resource)).not.toContain('index');
        const prefixes = s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        expect(prefixes?.length).toBeGreaterThanOrEqual(1);
        // The authorizer's lastUsedAt update is a statement of its own (dynamodb:Attributes).
        for (const prefix of prefixes!)
          granted[prefix] = [...new Set([...(granted[prefix] ?? []), ...list(s.Action)])].sort();
      }
      expect({ name, granted }).toEqual({ name, granted: expected[name] });
    }
  });

  it('lets only the route and fan-out functions manage connections, of this API and stage only', () => {
    // Assess
    const manage = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
        list(s.Action).some((a) => a.startsWith('execute-api:')),
      ).map((s) => ({ roles: referencedIds(p.Properties!.Roles), s })),
    );
    const roleOf = (name: LiveFunctionName) => referencedIds(resources[liveFn(name)]!.Properties!.Role)[0]!;
    expect(manage.map((m) => m.roles[0]).sort()).toEqual(
      [roleOf('live-connections'), roleOf('live-fanout')].sort(),
    );
    for (const { s } of manage) {
      expect(list(s.Action)).toEqual(['execute-api:ManageConnections']);
      const arns = list(s.Resource).map((r) => JSON.stringify(r));
      expect(arns).toHaveLength(2);
      for (const arn of arns) {
        expect(arn).toContain(apiId);
        expect(arn).toMatch(new RegExp(`/${LIVE_STAGE_NAME}/(POST|DELETE)/@connections/\\*`));
      }
    }
  });
});

describe('the table', () => {
  it('expires items by the TTL attribute the connection items carry', () => {
    // Assess
    const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
    expect(table.Properties!.TimeToLiveSpecification).toEqual({
      AttributeName: TTL_ATTRIBUTE,
      Enabled: true,
    });
  });
});
