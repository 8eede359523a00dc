import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';
import { EVENT_SOURCE } from '../shared/events/publisher';
import { LIVE_FUNCTION_ENTRIES, type LiveFunctionName } from './bundling';
import { makeTrackerFunction, type FunctionSpec } from './constructs/functions';
import { grantTableAccess } from './permissions';
import { accessLogGroupName } from './constructs/log-names';
import { acknowledge, acknowledgeWildcardResource } from './constructs/section';

// The entries sit with every other function's in infra/bundling.ts (ALL_FUNCTION_ENTRIES).
export { LIVE_FUNCTION_ENTRIES, type LiveFunctionName } from './bundling';

/** The stage's name: part of the URL (`wss://<api>.execute-api.<region>.amazonaws.com/live`). */
export const LIVE_STAGE_NAME = 'live';

/** An event older than this is of no use to a live screen (it revalidates on reconnect): dropped to the DLQ. */
export const LIVE_FANOUT_MAX_EVENT_AGE = Duration.minutes(1);

/** What differs between the live functions; everything else is every function's (`makeTrackerFunction`). */
export const LIVE_FUNCTION_SPECS: Record<LiveFunctionName, FunctionSpec> = {
  // On the handshake's path: API Gateway gives a WebSocket authorizer at most 10 s... and a person waits.
  'live-authorizer': {
    memorySize: 512,
    timeout: Duration.seconds(5),
    description: 'Live WebSocket: checks the token at $connect',
  },
  'live-connections': {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Live WebSocket: $connect, $disconnect and client messages',
  },
  // A Query per target shard, then one post per subscriber, concurrently.
  'live-fanout': {
    memorySize: 512,
    timeout: Duration.seconds(30),
    description: 'Live WebSocket: sends each event to its subscribers',
    // A fan-out retried after a minute helps no live screen (clients revalidate on reconnect).
    asyncInvoke: { retryAttempts: 1, maxEventAge: LIVE_FANOUT_MAX_EVENT_AGE },
  },
};

export interface LiveApiProps {
  /** Deployment stage (dev, prod, ...): part of names and descriptions. */
  readonly stage: string;
  /** The one table: connections are its `LIVE#` item family; tokens are read from it. */
  readonly table: ITable;
  /** The bus the publishers write to: every tracker event on it goes to the fan-out function. */
  readonly bus: IEventBus;
  /** Days every log group (functions, stage access log) keeps its logs. */
  readonly logRetentionDays: RetentionDays;
  /** What happens to the log groups when the stack goes. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** POWERTOOLS_LOG_LEVEL of the functions. */
  readonly logLevel: string;
  /**
   * Reserved concurrency per live function (infra/settings.ts, with every other function's). A
   * function left out runs on the account's unreserved pool.
   */
  readonly reservedConcurrency?: Partial<Record<LiveFunctionName, number>> | undefined;
  /**
   * The stage's access log: off (false), or on — after `after`, the account's CloudWatch role
   * setting when this stack makes it (infra/constructs/api-gateway-account.ts).
   */
  readonly accessLogs: false | { after?: IDependable | undefined };
  /** Stage throttling (messages per second across all connections). Default 50/100. */
  readonly throttle?: { rateLimit: number; burstLimit: number };
}

/**
 * The live WebSocket of the contract in the cloud: an API Gateway WebSocket API whose `$connect`
 * is guarded by a Lambda REQUEST authorizer reading the `token` query parameter (refused → 401 at
 * the handshake), one function for `$connect`/`$disconnect`/`$default` (client messages answered
 * through the route response), and a fan-out function invoked by an EventBridge rule for every
 * tracker event on the bus (the stream webhooks are fed from). Connections are `LIVE#` items of the
 * one table with a TTL (docs/data-model.md); every function's table access is confined to its item
 * families, and management API access to this API's stage.
 */
export class LiveApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly functions: Record<LiveFunctionName, NodejsFunction>;
  readonly fanOutRule: Rule;
  /** Events the fan-out could not be invoked for, or whose invocation failed after its retry (throttled, too old, an error). */
  readonly deadLetterQueue: Queue;
  /** `wss://…/live`: what clients connect to (with `?token=`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: LiveApiProps) {
    super(scope, id);
    const { stage } = props;

    this.deadLetterQueue = new Queue(this, 'FanOutDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the live fan-out: of its rule target (events EventBridge could not hand to the function) and its failure destination (invocations that failed after their retry, or grew too old while throttled).',
    );

    this.functions = Object.fromEntries(
      (Object.keys(LIVE_FUNCTION_ENTRIES) as LiveFunctionName[]).map((n) => [
        n,
        // Under this construct, as before the builder was shared: the logical ids stay as they were.
        makeTrackerFunction(this, n, {
          stage,
          spec: LIVE_FUNCTION_SPECS[n],
          environment: { TABLE_NAME: props.table.tableName },
          logLevel: props.logLevel,
          logRetentionDays: props.logRetentionDays,
          logRemovalPolicy: props.logRemovalPolicy,
          reservedConcurrency: props.reservedConcurrency?.[n],
          // A fan-out that failed after its retry, or waited too long while throttled, is not
          // dropped silently: it lands in the DLQ and the LiveFanOutDlqDepth alarm says so.
          onFailure: n === 'live-fanout' ? new SqsDestination(this.deadLetterQueue) : undefined,
        }),
      ]),
    ) as Record<LiveFunctionName, NodejsFunction>;

    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', this.functions['live-authorizer'], {
      authorizerName: 'live-token',
      // Missing → API Gateway answers 401 without invoking the function.
      identitySource: ['route.request.querystring.token'],
    });
    const routes = new WebSocketLambdaIntegration('Routes', this.functions['live-connections']);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `scenario-tracker-live-${stage}`,
      description: `Scenario Tracker live updates (${stage})`,
      connectRouteOptions: { integration: routes, authorizer },
      disconnectRouteOptions: { integration: routes },
      // Every message goes to $default; its answer (Subscribed, Error, ...) is the route response.
      defaultRouteOptions: { integration: routes, returnResponse: true },
    });
    for (const child of this.api.node.children) {
      if (child.node.id.endsWith('disconnect-Route') || child.node.id.endsWith('default-Route'))
        acknowledge(
          child,
          'AwsSolutions-APIG4',
          'API Gateway runs a WebSocket authorizer on $connect only; every later frame of the connection belongs to the connection that $connect authorized, and the function rechecks its token on each message.',
        );
    }

    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: LIVE_STAGE_NAME,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      ...(props.accessLogs ? { accessLogSettings: this.accessLogSettings(props) } : {}),
    });
    // The account's CloudWatch role must be set before API Gateway accepts a stage that logs.
    if (props.accessLogs && props.accessLogs.after) this.stage.node.addDependency(props.accessLogs.after);
    if (!props.accessLogs)
      acknowledge(
        this.stage,
        'AwsSolutions-APIG1',
        "The stage's access log is off for this stage (apiGatewayCloudWatchRole: off, docs/deploy.md): a WebSocket stage can only log through API Gateway's account-wide CloudWatch role, which this stage neither sets nor finds. Handshakes and messages are still logged by the live functions.",
      );
    this.url = this.stage.url;

    this.grantTable(props.table);
    const manage = (method: 'POST' | 'DELETE') =>
      Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.api.apiId,
        resourceName: `${LIVE_STAGE_NAME}/${method}/@connections/*`,
      });
    // The route function only closes refused connections; the fan-out posts and closes.
    this.functions['live-connections'].addToRolePolicy(
      new PolicyStatement({
        sid: 'ManageConnections',
        actions: ['execute-api:ManageConnections'],
        resources: [manage('POST'), manage('DELETE')],
      }),
    );
    this.functions['live-fanout'].addToRolePolicy(
      new PolicyStatement({
        sid: 'ManageConnections',
        actions: ['execute-api:ManageConnections'],
        resources: [manage('POST'), manage('DELETE')],
      }),
    );
    for (const name of ['live-connections', 'live-fanout'] as const) {
      const fn = this.functions[name];
      fn.addEnvironment('TRACKER_LIVE_CALLBACK_URL', this.stage.callbackUrl);
      // From the ARN the statement grants, so it matches pinned and environment-agnostic synths alike.
      for (const method of ['POST', 'DELETE'] as const)
        acknowledgeWildcardResource(
          fn.role!,
          manage(method),
          'Connection ids are chosen by API Gateway at connect time, so the management API grant can only name this API, this stage and one method on @connections/*.',
        );
    }

    this.fanOutRule = new Rule(this, 'FanOutEvents', {
      description: `Scenario Tracker (${stage}): every notification to the live fan-out`,
      eventBus: props.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new LambdaFunction(this.functions['live-fanout'], {
          retryAttempts: 2,
          maxEventAge: LIVE_FANOUT_MAX_EVENT_AGE,
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }

  /** The stage's JSON access log: never the request's query string, which holds the token. */
  private accessLogSettings(props: LiveApiProps) {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: accessLogGroupName(this, 'live-access'),
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy,
    });
    return {
      destination: new LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          time: '$context.requestTime',
          ip: '$context.identity.sourceIp',
          routeKey: '$context.routeKey',
          eventType: '$context.eventType',
          connectionId: '$context.connectionId',
          status: '$context.status',
          integrationError: '$context.integrationErrorMessage',
          authorizerError: '$context.authorizer.error',
          caller: '$context.authorizer.principalId',
        }),
      ),
    };
  }

  /**
   * Each function to the item families it uses, down to the partition key prefix
   * (dynamodb:LeadingKeys; infra/permissions.ts FUNCTION_ACCESS): the authorizer the token by hash
   * and its lastUsedAt only, the others connection items and the token to recheck.
   */
  private grantTable(table: ITable): void {
    for (const name of Object.keys(LIVE_FUNCTION_ENTRIES) as LiveFunctionName[])
      grantTableAccess(this.functions[name], table, name);
  }
}
