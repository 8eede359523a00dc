import { CfnOutput, RemovalPolicy, Stack, type CfnElement, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../shared/events/publisher';
import type { AnyFunctionName, FunctionName } from './bundling';
import { Alarms } from './constructs/alarms';
import { ApiGatewayAccount, type ApiGatewayCloudWatchRole } from './constructs/api-gateway-account';
import { Api } from './constructs/api';
import { Edge, publicPaths } from './constructs/edge';
import { ORIGIN_HEADER } from '../shared/http/origin';
import { EventQueues, Events } from './constructs/events';
import { FUNCTION_SPECS, Functions } from './constructs/functions';
import { Notifications } from './constructs/notifications';
import { Schedule } from './constructs/schedule';
import { OUTBOX_RELAY } from './constructs/outbox-relay';
import { StreamConsumer } from './constructs/stream-consumer';
import { SourcePolling } from './constructs/source-polling';
import { Secrets } from './constructs/secrets';
import { Section } from './constructs/section';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ROUTES, type Route } from '../shared/routes';
import { createTable } from './table';
import { LiveApi } from './live-api';
import { PublicEvents } from './constructs/public-events';
import { OUTBOX_WRITERS, PUBLIC_EVENT_PUBLISHERS } from './permissions';

export { AUTHORIZER_CACHE_TTL } from './constructs/api';
export { RECOUNT_BATCH_WINDOW, RECOUNT_DELAY, WEBHOOK_QUEUE_MAX_RECEIVES } from './constructs/events';
export { DELIVERY_SWEEP_SCHEDULE, STALE_CHECK_SCHEDULE } from './constructs/schedule';

export interface ScenarioTrackerStackProps extends StackProps {
  /** Deployment stage (dev, prod, ...): part of resource names and descriptions. */
  stage: string;
  /** Origins allowed by CORS; empty → no CORS configuration at all. */
  corsOrigins: readonly string[];
  /** Pages that may frame the public embeds (TRACKER_EMBED_ORIGINS of threads-read); unset: `*`. */
  embedOrigins?: readonly string[] | undefined;
  /** Days every log group keeps its logs. */
  logRetentionDays: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel?: string;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string | undefined;
  /** Every notification is also POSTed here when given (TRACKER_WEBHOOK_URL of the publishers). */
  webhookUrl?: string | undefined;
  /** Default stage throttling. */
  throttle?: { rateLimit: number; burstLimit: number };
  /** Declare only the first n global indexes (a staged deploy adding them one by one); default all. */
  tableIndexes?: number | undefined;
  /** Reserved concurrency per function (the live ones too); none (the unreserved pool) when left out. */
  reservedConcurrency?: Partial<Record<AnyFunctionName, number>> | undefined;
  /** The account's concurrent-executions quota, for the concurrency alarm; Lambda's default (1,000) when not named. */
  accountConcurrency?: number | undefined;
  /**
   * Who provides API Gateway's account-level CloudWatch role the live stage's access log needs:
   * this stack (`create`), the account already (`existing`), or nobody, with the access log off
   * (`off`). Default `create`.
   */
  apiGatewayCloudWatchRole?: ApiGatewayCloudWatchRole;
  /**
   * The edge in front of the HTTP API (infra/constructs/edge.ts), when the stage has one: the web
   * ACL's ARN (infra/edge-acl-stack.ts, us-east-1), an optional custom domain, the origin secret's
   * revision. Left out, the API is reached at its execute-api URL and checks no origin header.
   */
  edge?:
    | {
        webAclArn: string;
        domain?: { name: string; certificateArn: string } | undefined;
        secretRevision: number;
      }
    | undefined;
  /** docs/runbook.md as a repository path or URL: every alarm description links its entry; default `docs/runbook.md`. */
  runbookUrl?: string;
  /** The HTTP API's routes: shared/routes.ts ROUTES unless a test deploys its own table. */
  routes?: readonly Route[];
}

/**
 * Scenario Tracker, composed as docs/architecture.md draws it: the table; the bus; the functions;
 * the HTTP API in front of them; the clock (stale check, delivery sweep); the queues that read the
 * bus; the alarm topic and the alarms. Each part is a construct with documented props
 * (infra/constructs/); a new part is one more block below, given what it needs from the others.
 */
export class ScenarioTrackerStack extends Stack {
  readonly table: Table;
  readonly events: Events;
  readonly secrets: Secrets;
  readonly functions: Record<FunctionName, Functions['byName'][FunctionName]>;
  readonly api: Api;
  readonly schedule: Schedule;
  readonly outboxRelay: StreamConsumer;
  /** News sources (contract 1.2): the schedule, the poll queue, the poller. */
  readonly sourcePolling: SourcePolling;
  readonly queues: EventQueues;
  readonly notifications: Notifications;
  readonly alarms: Alarms;
  readonly live: LiveApi;
  /** The public channels of live embeds: an AppSync Events API (infra/constructs/public-events.ts). */
  readonly publicEvents: PublicEvents;
  /** The CloudFront distribution and web ACL in front of the API, when the stage has them. */
  readonly edge: Edge | undefined;
  /** The account's API Gateway CloudWatch role setting, when this stack makes it. */
  readonly apiGatewayAccount: ApiGatewayAccount | undefined;

  constructor(scope: Construct, id: string, props: ScenarioTrackerStackProps) {
    super(scope, id, props);
    const { stage } = props;
    // Logs and the page-token key outlive a production stack; a dev stack cleans up after itself.
    const removal = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = createTable(this, 'Table', props.tableIndexes);
    this.events = new Events(this, 'Events', { stage });
    this.secrets = new Secrets(this, 'Secrets', { stage, removalPolicy: removal });

    const functions = new Functions(this, 'Functions', {
      stage,
      table: this.table,
      bus: this.events.bus,
      pageTokenSecret: this.secrets.pageToken,
      webhookSecretKey: this.secrets.webhookKey,
      corsOrigins: props.corsOrigins,
      embedOrigins: props.embedOrigins,
      webhookUrl: props.webhookUrl,
      logLevel: props.logLevel ?? 'INFO',
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: removal,
      reservedConcurrency: props.reservedConcurrency,
    });
    this.functions = functions.byName;

    this.api = new Api(this, 'Api', {
      stage,
      functions: this.functions,
      routes: props.routes,
      authorizerFunction: this.functions.authorizer,
      corsOrigins: props.corsOrigins,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      originHeader: props.edge ? ORIGIN_HEADER : undefined,
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: removal,
    });

    // ---- The edge: CloudFront and WAF in front of the API (infra/constructs/edge.ts) ------------
    // The authorizer reads the origin secret at run time (its ARN only, like the keyrings) and every
    // route refuses a request without the header; the feeds' absolute links name the edge.
    this.edge = props.edge
      ? new Edge(this, 'Edge', {
          stage,
          httpApi: this.api.httpApi,
          webAclArn: props.edge.webAclArn,
          domain: props.edge.domain,
          secretRevision: props.edge.secretRevision,
          removalPolicy: removal,
        })
      : undefined;
    if (this.edge) {
      this.edge.originSecret.grantRead(this.functions.authorizer);
      this.functions.authorizer.addEnvironment('TRACKER_ORIGIN_SECRET_ARN', this.edge.originSecret.secretArn);
      this.functions.feeds.addEnvironment('TRACKER_PUBLIC_URL', this.edge.url);
      this.functions['threads-read'].addEnvironment('TRACKER_PUBLIC_URL', this.edge.url);
      // Contract 1.2's public routes from CloudFront's cache, shielded in the API's own region.
      this.edge.cachePublicRoutes(publicPaths(props.routes ?? ROUTES), Stack.of(this).region);
    }

    this.schedule = new Schedule(this, 'Schedule', {
      stage,
      staleCheckFunction: this.functions['stale-check'],
      deliveryFunction: this.functions.deliveries,
    });

    this.queues = new EventQueues(this, 'EventQueues', {
      stage,
      bus: this.events.bus,
      recountFunction: this.functions['scenario-recount'],
      recountTimeout: FUNCTION_SPECS['scenario-recount'].timeout,
      recountReservedConcurrency: props.reservedConcurrency?.['scenario-recount'],
      deliveryFunction: this.functions.deliveries,
      deliveryTimeout: FUNCTION_SPECS.deliveries.timeout,
      deliveryReservedConcurrency: props.reservedConcurrency?.deliveries,
    });

    // The table stream's consumer (infra/constructs/stream-consumer.ts).
    this.outboxRelay = new StreamConsumer(this, 'OutboxRelay', {
      ...OUTBOX_RELAY,
      table: this.table,
      target: this.functions['outbox-relay'],
    });

    this.sourcePolling = new SourcePolling(this, 'SourcePolling', {
      stage,
      bus: this.events.bus,
      scheduleFunction: this.functions['source-schedule'],
      pollerFunction: this.functions['source-poller'],
      pollerTimeout: FUNCTION_SPECS['source-poller'].timeout,
      pollerReservedConcurrency: props.reservedConcurrency?.['source-poller'],
    });

    this.notifications = new Notifications(this, 'Notifications', { stage, alarmEmail: props.alarmEmail });

    // ---- Live updates: the WebSocket API, its functions and fan-out (infra/live-api.ts) --------
    // Its alarms are the Alarms section's (function errors, throttles, its dead-letter queue).
    // Its access log needs API Gateway's account-wide CloudWatch role (api-gateway-account.ts).
    const cloudWatchRole = props.apiGatewayCloudWatchRole ?? 'create';
    this.apiGatewayAccount =
      cloudWatchRole === 'create' ? new ApiGatewayAccount(this, 'ApiGatewayAccount', { stage }) : undefined;
    this.live = new LiveApi(this, 'Live', {
      accessLogs: cloudWatchRole === 'off' ? false : { after: this.apiGatewayAccount?.setting },
      stage,
      table: this.table,
      bus: this.events.bus,
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: removal,
      logLevel: props.logLevel ?? 'INFO',
      reservedConcurrency: props.reservedConcurrency,
      ...(props.throttle ? { throttle: props.throttle } : {}),
    });

    // ---- Live embeds: the public channels (infra/constructs/public-events.ts) ------------------
    // The publishers (FUNCTION_ACCESS publishesPublicEvents) get the endpoint and the right to publish
    // on the `public` namespace; threads-read puts the real-time URL and the readers' key in embeds.
    this.publicEvents = new PublicEvents(this, 'PublicEvents', { stage });
    const allFunctions: Partial<Record<AnyFunctionName, Functions['byName'][FunctionName]>> = {
      ...this.functions,
      ...this.live.functions,
    };
    // The relay is updated before the functions that write outbox items (CloudFormation follows
    // DependsOn): a new outbox shape is never written while the relay of the older code reads it.
    for (const name of OUTBOX_WRITERS) allFunctions[name]!.node.addDependency(this.functions['outbox-relay']);
    for (const name of PUBLIC_EVENT_PUBLISHERS) {
      const fn = allFunctions[name]!;
      this.publicEvents.grantPublish(fn);
      fn.addEnvironment('TRACKER_PUBLIC_EVENTS_URL', this.publicEvents.httpUrl);
    }
    const reader = this.functions['threads-read'];
    reader.addEnvironment('TRACKER_PUBLIC_EVENTS_URL', this.publicEvents.httpUrl);
    reader.addEnvironment('TRACKER_PUBLIC_EVENTS_REALTIME_URL', this.publicEvents.realtimeUrl);
    reader.addEnvironment('TRACKER_PUBLIC_EVENTS_KEY', this.publicEvents.apiKey.attrApiKey);

    this.alarms = new Alarms(this, 'Alarms', {
      stage,
      topic: this.notifications.alarmTopic,
      runbookUrl: props.runbookUrl ?? 'docs/runbook.md',
      table: this.table,
      accountConcurrency: props.accountConcurrency,
      reservedConcurrency: props.reservedConcurrency,
      functions: this.functions,
      httpApi: this.api.httpApi,
      moreFunctions: this.live.functions,
      deadLetterQueues: {
        ...this.queues.deadLetterQueues,
        StaleCheckDlq: this.schedule.staleCheckDlq,
        OutboxRelayDlq: this.outboxRelay.deadLetterQueue,
        LiveFanOutDlq: this.live.deadLetterQueue,
        SourcePollDlq: this.sourcePolling.deadLetterQueue,
      },
      staleCheckRule: this.schedule.staleCheckRule,
    });

    // ---- Outputs ------------------------------------------------------------------------------
    // The $default stage is served at the API's root: no stage segment, no trailing slash.
    new CfnOutput(this, 'ApiUrl', {
      value: this.edge?.url ?? this.api.httpApi.apiEndpoint,
      description: this.edge
        ? 'Base URL of the HTTP API, through its edge (append /threads, /health, ...)'
        : 'Base URL of the HTTP API (append /threads, /health, ...)',
    });
    if (this.edge)
      new CfnOutput(this, 'OriginUrl', {
        value: this.api.httpApi.apiEndpoint,
        description: 'The API behind the edge: it refuses every request that did not come through the edge',
      });
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'TABLE_NAME for the token CLI (with DYNAMODB_ENDPOINT=aws)',
    });
    new CfnOutput(this, 'EventBusName', {
      value: this.events.bus.eventBusName,
      description: `Notification bus (source ${EVENT_SOURCE})`,
    });
    new CfnOutput(this, 'LiveUrl', {
      value: this.live.url,
      description: 'WebSocket URL of live updates (connect with ?token=<token>)',
    });
    new CfnOutput(this, 'PublicEventsRealtimeUrl', {
      value: this.publicEvents.realtimeUrl,
      description: 'What live embeds connect to (AppSync Events; the public namespace, with the readers key)',
    });
    // ARNs, never values: what the key rotation of docs/runbook.md reads and puts.
    new CfnOutput(this, 'PageTokenSecretArn', {
      value: this.secrets.pageToken.secretArn,
      description: 'Secrets Manager secret holding the page-token keyring (rotation: docs/runbook.md)',
    });
    new CfnOutput(this, 'WebhookSecretKeyArn', {
      value: this.secrets.webhookKey.secretArn,
      description: 'Secrets Manager secret holding the webhook sealing keyring (rotation: docs/runbook.md)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.notifications.alarmTopic.topicArn,
      description: 'SNS topic every alarm notifies',
    });
  }

  /**
   * CDK's own logical ids, computed as if every Section's children sat directly in the stack: the
   * split into sections changed no logical id (infra/constructs/section.ts).
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const inStack = scopes.slice(scopes.indexOf(this) + 1).filter((s) => !(s instanceof Section));
    return super.allocateLogicalId({ node: { scopes: [this, ...inStack] }, stack: this } as never);
  }
}
