import * as path from 'node:path';
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { PATHS, ROUTES, type FunctionGroup } from '../shared/routes';
import { EVENT_SOURCE } from '../shared/events/publisher';
import { RECOUNT_DETAIL_TYPE, RECOUNT_SOURCE } from '../shared/events/recount-trigger';
import { BUNDLING, FUNCTION_ENTRIES, type FunctionName } from './bundling';
import { ACCESS } from './permissions';
import { createTable } from './table';
import { LiveApi } from './live-api';

/** The repository root: entries in FUNCTION_ENTRIES are relative to it. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** How long API Gateway caches the authorizer's answer per Authorization header. */
export const AUTHORIZER_CACHE_TTL = Duration.seconds(60);

/**
 * Scenario recounts: the queue holds a request back RECOUNT_DELAY (global indexes are eventually
 * consistent: the thread write should have reached GSI1 when its scenario is recounted), then
 * gathers requests for up to RECOUNT_BATCH_WINDOW, so a scenario is recounted about once per
 * window however many of its threads were written. Lag: delay + window + one recount, under 10 s.
 */
export const RECOUNT_DELAY = Duration.seconds(1);
export const RECOUNT_BATCH_WINDOW = Duration.seconds(3);

/** Every 15 minutes, as the contract says. */
export const STALE_CHECK_SCHEDULE = Duration.minutes(15);

/** How often the delivery function sweeps the due index for webhook retries. */
export const DELIVERY_SWEEP_SCHEDULE = Duration.minutes(1);

/** How many times a queued event's fan-out is tried before its message goes to the dead-letter queue. */
export const WEBHOOK_QUEUE_MAX_RECEIVES = 5;

export interface ScenarioTrackerStackProps extends StackProps {
  /** Deployment stage (dev, prod, ...): part of resource names and descriptions. */
  stage: string;
  /** Origins allowed by CORS; empty → no CORS configuration at all. */
  corsOrigins: readonly string[];
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
}

interface FunctionSpec {
  memorySize: number;
  timeout: Duration;
  description: string;
}

/**
 * Timeouts stay above what a stalled database costs a request (shared/config.ts `dynamoCallBoundMs`,
 * twice for an idempotent write), so a function answers 503 before it is killed (test/infra asserts it).
 */
const FUNCTION_SPECS: Record<FunctionName, FunctionSpec> = {
  health: { memorySize: 256, timeout: Duration.seconds(5), description: 'GET /health and GET /openapi.json' },
  'threads-read': { memorySize: 512, timeout: Duration.seconds(10), description: 'Thread and update reads' },
  // Bounded retry of contended writes (WRITE_MAX_ATTEMPTS × jittered back-off) must fit well inside.
  'threads-write': {
    memorySize: 512,
    timeout: Duration.seconds(20),
    description: 'Thread writes, updates and retractions',
  },
  tokens: { memorySize: 512, timeout: Duration.seconds(10), description: 'Token management (admin)' },
  kinds: { memorySize: 512, timeout: Duration.seconds(10), description: 'Custom kinds (admin)' },
  // On every uncached request's path; API Gateway gives a Lambda authorizer at most 10 s.
  authorizer: {
    memorySize: 512,
    timeout: Duration.seconds(5),
    description: 'Resolves the bearer token to a name and role',
  },
  'stale-check': {
    memorySize: 512,
    timeout: Duration.minutes(5),
    description: 'Flags stale threads every 15 minutes, sweeps scenario counts',
  },
  'scenario-recount': {
    memorySize: 512,
    timeout: Duration.seconds(60),
    description: 'Recounts scenarios whose threads changed',
  },
  subscriptions: {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Webhook subscriptions (admin)',
  },
  // A batch of events whose attempts each wait up to 10 s for their subscriber, plus the table calls.
  deliveries: {
    memorySize: 512,
    timeout: Duration.seconds(60),
    description: 'Webhook fan-out, signed deliveries and retries',
  },
};

const API_GROUPS: readonly FunctionGroup[] = [
  'health',
  'threads-read',
  'threads-write',
  'tokens',
  'kinds',
  'subscriptions',
];

/** Acknowledge a cdk-nag finding on a construct (and its children), always with the reason why. */
const acknowledge = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

/**
 * Scenario Tracker: one DynamoDB table, a function per route group behind an HTTP API with a Lambda
 * authorizer, the notification bus, a stale check every 15 minutes, and alarms.
 */
export class ScenarioTrackerStack extends Stack {
  readonly table: Table;
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly bus: EventBus;
  readonly staleCheckRule: Rule;
  readonly staleCheckDlq: Queue;
  readonly recountQueue: Queue;
  readonly recountDlq: Queue;
  readonly recountRule: Rule;
  readonly webhookQueue: Queue;
  readonly webhookDlq: Queue;
  readonly deliverySweepRule: Rule;
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly live: LiveApi;

  constructor(scope: Construct, id: string, props: ScenarioTrackerStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const removal = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logGroup = (logId: string) =>
      new LogGroup(this, logId, { retention: props.logRetentionDays, removalPolicy: removal });

    // ---- Data and notifications -------------------------------------------------------------
    this.table = createTable(this, 'Table', props.tableIndexes);

    this.bus = new EventBus(this, 'EventBus', {
      eventBusName: `scenario-tracker-${stage}`,
      description: `Scenario Tracker notifications (${stage}); events have source ${EVENT_SOURCE}`,
    });

    // Signs the opaque pagination tokens of GET /threads and GET /threads/{id}/updates.
    const pageTokenSecret = new Secret(this, 'PageTokenSecret', {
      description: `Scenario Tracker (${stage}): key that signs pagination tokens`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: removal,
    });
    acknowledge(
      pageTokenSecret,
      'AwsSolutions-SMG4',
      'The secret only signs short-lived pagination cursors and reaches the function as a CloudFormation dynamic reference resolved at deploy time, so a rotation would not reach the function before the next deploy anyway; rotate it by replacing the secret and redeploying (outstanding page tokens then fail with 400, which the contract allows).',
    );

    // ---- Functions ----------------------------------------------------------------------------
    const common: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'scenario-tracker',
      POWERTOOLS_METRICS_NAMESPACE: 'ScenarioTracker',
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    const tableEnv = { TABLE_NAME: this.table.tableName };
    const publisherEnv = {
      EVENT_BUS_NAME: this.bus.eventBusName,
      ...(props.webhookUrl ? { TRACKER_WEBHOOK_URL: props.webhookUrl } : {}),
    };
    const httpEnv = { TRACKER_CORS_ORIGINS: props.corsOrigins.join(',') };

    // Seals subscription secrets at rest (shared/store/secret-box.ts). Only the two functions that
    // create subscriptions or sign deliveries get it; the read function, which can read every item,
    // cannot open a sealed secret.
    const webhookSecretKey = new Secret(this, 'WebhookSecretKey', {
      description: `Scenario Tracker (${stage}): key that seals webhook subscription secrets`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      webhookSecretKey,
      'AwsSolutions-SMG4',
      'Rotating this key would make every stored subscription secret unreadable; it reaches the functions as a deploy-time dynamic reference. Rotation means re-subscribing, which docs/security.md describes.',
    );
    // The cloud never lets a subscription reach a private address, whatever anyone sets locally.
    const webhookEnv = {
      TRACKER_WEBHOOK_SECRET_KEY: webhookSecretKey.secretValue.unsafeUnwrap(),
      TRACKER_ALLOW_PRIVATE_WEBHOOKS: 'false',
    };
    const environment: Record<FunctionName, Record<string, string>> = {
      health: { ...common, ...httpEnv },
      // A dynamic reference ({{resolve:secretsmanager:...}}): the value never appears in the template
      // or the cloud assembly, and the function needs neither a Secrets Manager call on cold start
      // nor secretsmanager:GetSecretValue. The price: it is readable in the function's configuration
      // by whoever may call lambda:GetFunctionConfiguration — acceptable for a cursor-signing key
      // whose leak lets a caller forge cursors only over data their role can already list.
      'threads-read': {
        ...common,
        ...tableEnv,
        ...httpEnv,
        PAGE_TOKEN_SECRET: pageTokenSecret.secretValue.unsafeUnwrap(),
      },
      'threads-write': { ...common, ...tableEnv, ...httpEnv, ...publisherEnv },
      tokens: { ...common, ...tableEnv, ...httpEnv },
      kinds: { ...common, ...tableEnv, ...httpEnv },
      authorizer: { ...common, ...tableEnv },
      'stale-check': { ...common, ...tableEnv, ...publisherEnv },
      // No bus: it recounts in process and asks nobody for anything.
      'scenario-recount': { ...common, ...tableEnv },
      subscriptions: { ...common, ...tableEnv, ...httpEnv, ...publisherEnv, ...webhookEnv },
      deliveries: { ...common, ...tableEnv, ...webhookEnv },
    };

    this.staleCheckDlq = new Queue(this, 'StaleCheckDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.staleCheckDlq,
      'AwsSolutions-SQS3',
      "This queue is itself the dead-letter queue of the stale-check schedule target and of the function's failed asynchronous invocations.",
    );

    const makeFunction = (name: FunctionName): NodejsFunction => {
      const spec = FUNCTION_SPECS[name];
      const id = pascal(name);
      const logs = logGroup(`${id}Logs`);
      // Own role instead of AWSLambdaBasicExecutionRole: logs may go to this function's group only.
      const role = new Role(this, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Scenario Tracker (${stage}) ${name} function`,
      });
      logs.grantWrite(role);
      const fn = new NodejsFunction(this, `${id}Function`, {
        entry: path.join(PROJECT_ROOT, FUNCTION_ENTRIES[name]),
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        description: `Scenario Tracker (${stage}): ${spec.description}`,
        role,
        logGroup: logs,
        tracing: Tracing.ACTIVE,
        environment: environment[name],
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        bundling: {
          minify: BUNDLING.minify,
          sourceMap: BUNDLING.sourceMap,
          sourcesContent: BUNDLING.sourcesContent,
          target: BUNDLING.target,
          format: BUNDLING.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
          externalModules: [...BUNDLING.externalModules],
          // The local esbuild from node_modules, never a Docker image.
          forceDockerBundling: false,
          logLevel: LogLevel.WARNING,
        },
        ...(name === 'stale-check'
          ? {
              retryAttempts: 2,
              maxEventAge: Duration.hours(1),
              onFailure: new SqsDestination(this.staleCheckDlq),
            }
          : {}),
      });
      grantAccess(this.table, this.bus, fn, name);
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they can only be granted on *. It is the only wildcard in the stack.',
      );
      acknowledge(
        fn,
        'AwsSolutions-L1',
        'Pinned to Node.js 22 on purpose: the bundle targets node22 (infra/bundling.ts) and the cold-start benchmark measures that runtime; runtime and target are raised together.',
      );
      return fn;
    };
    this.functions = Object.fromEntries(
      (Object.keys(FUNCTION_ENTRIES) as FunctionName[]).map((n) => [n, makeFunction(n)]),
    ) as Record<FunctionName, NodejsFunction>;

    // ---- HTTP API -----------------------------------------------------------------------------
    const cors = props.corsOrigins.length > 0;
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `scenario-tracker-${stage}`,
      description: `Scenario Tracker API (${stage})`,
      createDefaultStage: false,
      ...(cors
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.PATCH,
                CorsHttpMethod.DELETE,
                CorsHttpMethod.OPTIONS,
              ],
              allowHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key'],
              exposeHeaders: ['etag', 'location', 'idempotent-replayed', 'retry-after', 'www-authenticate'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = logGroup('ApiAccessLogs');
    this.apiStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No header is logged, so never a token; the caller is the authorizer's token name.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            caller: '$context.authorizer.name',
          }),
        ),
      },
    });

    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.functions.authorizer, {
      authorizerName: 'bearer-token',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // Required by API Gateway for caching: a request without this header gets API Gateway's own 401.
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    const integrations = Object.fromEntries(
      API_GROUPS.map((g) => [g, new HttpLambdaIntegration(`${pascal(g)}Integration`, this.functions[g])]),
    ) as Record<FunctionGroup, HttpLambdaIntegration>;

    // The one route table: every route, its group's function, the authorizer whenever a role is needed.
    for (const route of ROUTES) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.group],
        ...(route.role ? { authorizer } : {}),
      });
      if (!route.role && created) {
        acknowledge(
          created,
          'AwsSolutions-APIG4',
          `${route.method} ${route.path} is open by contract (no role in shared/routes.ts).`,
        );
      }
    }
    // Catch-alls so the cloud answers like the local server: API Gateway prefers the routes above,
    // so `ANY <path>` only sees methods the path does not allow (405) and `$default` only unknown
    // paths (404); the health function answers both as problem details and touches no data.
    for (const path of PATHS) {
      for (const created of this.api.addRoutes({
        path,
        methods: [HttpMethod.ANY],
        integration: integrations.health,
      })) {
        acknowledge(
          created,
          'AwsSolutions-APIG4',
          `ANY ${path} only answers 405 method_not_allowed; it reads and writes nothing.`,
        );
      }
    }
    const fallback = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrations.health,
    });
    acknowledge(
      fallback,
      'AwsSolutions-APIG4',
      '$default only answers 404 not_found; it reads and writes nothing.',
    );

    // ---- Stale check schedule -----------------------------------------------------------------
    this.staleCheckRule = new Rule(this, 'StaleCheckSchedule', {
      description: `Scenario Tracker (${stage}): stale check every 15 minutes`,
      schedule: Schedule.rate(STALE_CHECK_SCHEDULE),
      targets: [
        new LambdaFunction(this.functions['stale-check'], {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.staleCheckDlq,
        }),
      ],
    });

    // ---- Scenario recounts --------------------------------------------------------------------
    this.recountDlq = new Queue(this, 'RecountDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.recountDlq,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the recount queue.',
    );
    this.recountQueue = new Queue(this, 'RecountQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: RECOUNT_DELAY,
      // At least six times the function's timeout, as Lambda advises for queue event sources.
      visibilityTimeout: Duration.seconds(FUNCTION_SPECS['scenario-recount'].timeout.toSeconds() * 6),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: this.recountDlq, maxReceiveCount: 5 },
    });
    this.recountRule = new Rule(this, 'RecountRequests', {
      description: `Scenario Tracker (${stage}): scenario recount requests to the recount queue`,
      eventBus: this.bus,
      eventPattern: { source: [RECOUNT_SOURCE], detailType: [RECOUNT_DETAIL_TYPE] },
      targets: [
        new SqsQueue(this.recountQueue, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.recountDlq,
        }),
      ],
    });
    this.functions['scenario-recount'].addEventSource(
      new SqsEventSource(this.recountQueue, {
        batchSize: 100,
        maxBatchingWindow: RECOUNT_BATCH_WINDOW,
        reportBatchItemFailures: true,
      }),
    );
    // ---- Webhook deliveries -------------------------------------------------------------------
    // Every event on the bus → a queue → the delivery function (fan-out, then a first attempt).
    // The queue holds an event until its fan-out is written; a poison message lands in the DLQ.
    this.webhookDlq = new Queue(this, 'WebhookDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.webhookDlq,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the webhook queue and of the rule that feeds it.',
    );
    this.webhookQueue = new Queue(this, 'WebhookQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as AWS advises for queues that trigger Lambda.
      visibilityTimeout: Duration.seconds(FUNCTION_SPECS.deliveries.timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.webhookDlq, maxReceiveCount: WEBHOOK_QUEUE_MAX_RECEIVES },
    });
    new Rule(this, 'WebhookEvents', {
      description: `Scenario Tracker (${stage}): every notification to the webhook queue`,
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new SqsQueue(this.webhookQueue, {
          deadLetterQueue: this.webhookDlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    this.functions.deliveries.addEventSource(
      new SqsEventSource(this.webhookQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(0),
      }),
    );
    this.deliverySweepRule = new Rule(this, 'DeliverySweepSchedule', {
      description: `Scenario Tracker (${stage}): webhook retries every minute`,
      schedule: Schedule.rate(DELIVERY_SWEEP_SCHEDULE),
      // A missed sweep is made good by the next one a minute later.
      targets: [
        new LambdaFunction(this.functions.deliveries, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });

    // ---- Alarms -------------------------------------------------------------------------------
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Scenario Tracker ${stage} alarms`,
      enforceSSL: true,
    });
    acknowledge(
      this.alarmTopic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry only alarm names and states, nothing sensitive; CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key, and a customer managed key would add cost and a key policy for no protected data.',
    );
    // enforceSSL gives the topic its own policy, which replaces SNS's default one (that let this
    // account's services publish); without this statement CloudWatch could not publish and every
    // alarm would change state without notifying anyone. Only this account's alarms may publish.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    else if (stage === 'prod') {
      Annotations.of(this.alarmTopic).addWarningV2(
        'scenario-tracker:no-alarm-subscriber',
        'The prod stage has no alarm subscriber: alarms will notify nobody. Set -c alarmEmail=... (or TRACKER_ALARM_EMAIL), or subscribe to the AlarmTopicArn output.',
      );
    }
    const action = new SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, metric: IMetric, description: string, threshold = 1) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `Scenario Tracker (${stage}): ${description}`,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    for (const [name, fn] of Object.entries(this.functions) as [FunctionName, NodejsFunction][]) {
      const period = name === 'stale-check' ? STALE_CHECK_SCHEDULE : Duration.minutes(5);
      alarm(
        `${pascal(name)}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `${name} function errors`,
      );
      alarm(
        `${pascal(name)}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `${name} function throttles`,
      );
    }
    alarm(
      'RecountDlqDepth',
      this.recountDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'scenario recount requests in the dead-letter queue (the sweep still recounts them)',
    );
    alarm(
      'WebhookDlqDepth',
      this.webhookDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'events whose webhook fan-out failed, in the dead-letter queue',
    );
    alarm(
      'StaleCheckDlqDepth',
      this.staleCheckDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'stale-check events in the dead-letter queue',
    );
    alarm(
      'StaleCheckFailing',
      new MathExpression({
        expression: 'FILL(errors, 0) + FILL(failed, 0)',
        usingMetrics: {
          errors: this.functions['stale-check'].metricErrors({
            period: STALE_CHECK_SCHEDULE,
            statistic: 'Sum',
          }),
          failed: new Metric({
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensionsMap: { RuleName: this.staleCheckRule.ruleName },
            period: STALE_CHECK_SCHEDULE,
            statistic: 'Sum',
          }),
        },
        label: 'stale check failures',
        period: STALE_CHECK_SCHEDULE,
      }),
      'the stale check failed (function error or the schedule could not invoke it)',
    );
    alarm(
      'Api5xx',
      this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'HTTP API 5xx responses',
      5,
    );

    // ---- Live updates: the WebSocket API, its functions and fan-out (infra/live-api.ts) --------
    this.live = new LiveApi(this, 'Live', {
      stage,
      table: this.table,
      bus: this.bus,
      logRetention: props.logRetentionDays,
      logRemovalPolicy: removal,
      environment: common,
      ...(props.throttle ? { throttle: props.throttle } : {}),
      alarmAction: action,
    });
    new CfnOutput(this, 'LiveUrl', {
      value: this.live.url,
      description: 'WebSocket URL of live updates (connect with ?token=<token>)',
    });

    // ---- Outputs ------------------------------------------------------------------------------
    // The $default stage is served at the API's root: no stage segment, no trailing slash.
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'Base URL of the HTTP API (append /threads, /health, ...)',
    });
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'TABLE_NAME for the token CLI (with DYNAMODB_ENDPOINT=aws)',
    });
    new CfnOutput(this, 'EventBusName', {
      value: this.bus.eventBusName,
      description: `Notification bus (source ${EVENT_SOURCE})`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: 'SNS topic every alarm notifies',
    });
  }
}

/** `threads-read` → `ThreadsRead`: construct ids. */
const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** Turn a function's ACCESS entry into IAM statements on named ARNs. */
function grantAccess(table: Table, bus: EventBus, fn: NodejsFunction, name: FunctionName): void {
  const access = ACCESS[name];
  if (access.table.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'Table',
        actions: [...access.table],
        resources: [table.tableArn],
        // Confined to the partitions it owns: every key it reads or writes must lead with one of these.
        ...(access.leadingKeys
          ? {
              conditions: {
                'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...access.leadingKeys] },
              },
            }
          : {}),
      }),
    );
  }
  if (access.queryIndexes.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'QueryIndexes',
        actions: ['dynamodb:Query'],
        resources: access.queryIndexes.map((i) => `${table.tableArn}/index/${i}`),
      }),
    );
  }
  if (access.putEvents) {
    fn.addToRolePolicy(
      new PolicyStatement({ sid: 'PutEvents', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
  }
}
