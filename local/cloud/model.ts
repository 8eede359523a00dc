import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PhysicalIds, resolve, UnsupportedTemplateError, type Template } from './intrinsics';

/**
 * What cloud mode runs, read from a synthesized template and its assets: each function (its bundle,
 * environment, timeout and role), the HTTP and WebSocket routes, the event rules, queues and
 * schedules. Nothing here comes from the application's own tables: if the stack and the code
 * disagree, cloud mode runs what the stack says.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface CloudFunction {
  /** The template's logical id (also its function name here). */
  logicalId: string;
  /** The directory of its bundle (`index.js` or `index.mjs`), as `cdk synth` built it. */
  codeDir: string;
  handler: string;
  /** The Lambda runtime the template names (`nodejs24.x`): AWS_EXECUTION_ENV tells it to the code. */
  runtime: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  roleArn: string;
  /** Every identity policy attached to its role (inline policies and AWS::IAM::Policy resources). */
  policies: { name: string; policy: PolicyDocument }[];
  /** Async invocation settings (EventBridge targets): retries, then the failure destination. */
  asyncRetries: number;
  onFailure?: string;
}

export interface HttpRoute {
  routeKey: string;
  function: string;
  /** The authorizer function (REQUEST, simple responses), when the route has one. */
  authorizer?: { function: string; ttlSeconds: number; identitySource: string[] };
}

export interface LiveApi {
  apiId: string;
  stage: string;
  routes: Record<string, { function: string; returnResponse: boolean }>;
  authorizer?: { function: string; identitySource: string[] };
}

export interface EventRule {
  logicalId: string;
  /** The bus's name for a pattern rule; none for a schedule. */
  busName?: string;
  pattern?: Record<string, unknown>;
  scheduleSeconds?: number;
  targets: { arn: string; dlq?: string }[];
}

export interface QueueSpec {
  arn: string;
  logicalId: string;
  delaySeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount?: number;
  deadLetterArn?: string;
  /** The function its event source mapping invokes. */
  consumer?: { function: string; batchSize: number; windowSeconds: number; maxConcurrency?: number };
}

/** An event-source mapping on the table's stream (the outbox relay's). */
export interface StreamMapping {
  logicalId: string;
  /** The function it invokes. */
  function: string;
  /** The stream's ARN as the template names it (what IAM is asked about). */
  streamArn: string;
  batchSize: number;
  /** Event patterns (FilterCriteria); a record is passed when it matches one, or when there are none. */
  filters: Record<string, unknown>[];
  /** Attempts after the first before a batch goes to `onFailure`. */
  retries: number;
  reportBatchItemFailures: boolean;
  /** The on-failure destination (a queue's ARN). */
  onFailure?: string;
}

export interface TableSpec {
  name: string;
  arn: string;
  /** CreateTable input as the template declares the table (keys, attributes, indexes). */
  definition: Record<string, any>;
  timeToLiveAttribute?: string;
}

export interface CloudModel {
  ids: PhysicalIds;
  table: TableSpec;
  functions: Record<string, CloudFunction>;
  /** Function logical id by its ARN. */
  functionByArn: Record<string, string>;
  httpRoutes: HttpRoute[];
  live?: LiveApi;
  /** The public channels' Event API (AppSync Events), by logical id, when the stack has one. */
  publicEventsApi?: string;
  rules: EventRule[];
  queues: Record<string, QueueSpec>;
  /** Event-source mappings on the table's stream. */
  streams: StreamMapping[];
  secrets: { logicalId: string; arn: string }[];
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };

export function readModel(
  template: Template,
  assemblyDir: string,
  names: { tableName: string; stackName: string },
): CloudModel {
  const ids = new PhysicalIds(template, names);
  const R = template.Resources;
  const byType = (type: string) => Object.entries(R).filter(([, r]) => r.Type === type);
  const props = (id: string) => resolve(R[id]!.Properties ?? {}, ids) as Record<string, any>;

  const [tableEntry, ...more] = byType('AWS::DynamoDB::Table');
  if (!tableEntry || more.length) throw new UnsupportedTemplateError('cloud mode expects exactly one table');
  const tableId = tableEntry[0];
  const t = props(tableId);
  const table: TableSpec = {
    name: ids.ref(tableId),
    arn: ids.arn(tableId),
    definition: {
      TableName: ids.ref(tableId),
      AttributeDefinitions: t.AttributeDefinitions,
      KeySchema: t.KeySchema,
      BillingMode: 'PAY_PER_REQUEST',
      ...(t.GlobalSecondaryIndexes
        ? {
            GlobalSecondaryIndexes: t.GlobalSecondaryIndexes.map((g: any) => ({
              IndexName: g.IndexName,
              KeySchema: g.KeySchema,
              Projection: g.Projection,
            })),
          }
        : {}),
      ...(t.LocalSecondaryIndexes ? { LocalSecondaryIndexes: t.LocalSecondaryIndexes } : {}),
      ...(t.StreamSpecification
        ? { StreamSpecification: { StreamEnabled: true, ...t.StreamSpecification } }
        : {}),
    },
    ...(t.TimeToLiveSpecification?.Enabled
      ? { timeToLiveAttribute: t.TimeToLiveSpecification.AttributeName }
      : {}),
  };

  // Policies by role: AWS::IAM::Policy resources name their roles; roles may carry inline ones.
  const policiesByRole: Record<string, { name: string; policy: PolicyDocument }[]> = {};
  for (const [id, r] of byType('AWS::IAM::Role')) {
    policiesByRole[id] = ((r.Properties?.Policies ?? []) as any[]).map((p) => ({
      name: p.PolicyName,
      policy: resolve(p.PolicyDocument, ids),
    }));
  }
  for (const [id, r] of byType('AWS::IAM::Policy')) {
    for (const role of (r.Properties?.Roles ?? []) as { Ref: string }[]) {
      policiesByRole[role.Ref]?.push({ name: id, policy: resolve(r.Properties!.PolicyDocument, ids) });
    }
  }

  const invokeConfigs = Object.fromEntries(
    byType('AWS::Lambda::EventInvokeConfig').map(([id]) => {
      const p = props(id);
      return [p.FunctionName as string, p];
    }),
  );

  const functions: Record<string, CloudFunction> = {};
  const functionByArn: Record<string, string> = {};
  for (const [id, r] of byType('AWS::Lambda::Function')) {
    const p = r.Properties!;
    const key = String(p.Code?.S3Key ?? '').replace(/\.zip$/, '');
    const codeDir = join(assemblyDir, `asset.${key}`);
    // The bundle's format decides the file: index.js (CommonJS) or index.mjs (an ES module).
    if (!key || !['index.js', 'index.mjs'].some((f) => existsSync(join(codeDir, f))))
      throw new UnsupportedTemplateError(
        `function ${id}: no bundle at ${codeDir} (was the stack synthesized with bundling?)`,
      );
    const roleId = (p.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    // A function's role must say all it grants here (roles no function assumes may use AWS's own policies).
    if ((R[roleId]?.Properties?.ManagedPolicyArns ?? []).length)
      throw new UnsupportedTemplateError(
        `role ${roleId} of ${id} has managed policies, which cloud mode cannot read`,
      );
    const invoke = invokeConfigs[id];
    functions[id] = {
      logicalId: id,
      codeDir,
      handler: p.Handler,
      runtime: p.Runtime,
      environment: resolve(p.Environment?.Variables ?? {}, ids),
      timeoutSeconds: p.Timeout ?? 3,
      memoryMb: p.MemorySize ?? 128,
      roleArn: ids.arn(roleId),
      policies: policiesByRole[roleId] ?? [],
      asyncRetries: invoke?.MaximumRetryAttempts ?? 2,
      ...(invoke?.DestinationConfig?.OnFailure?.Destination
        ? { onFailure: invoke.DestinationConfig.OnFailure.Destination }
        : {}),
    };
    functionByArn[ids.arn(id)] = id;
  }
  /** `arn:…:function:X` or API Gateway's `arn:…:apigateway:…/functions/<arn>/invocations` → X. */
  const functionOf = (uri: string): string => {
    const arn = uri.includes('/functions/')
      ? uri.split('/functions/')[1]!.replace(/\/invocations$/, '')
      : uri;
    const fn = functionByArn[arn];
    if (!fn) throw new UnsupportedTemplateError(`no function for ${uri}`);
    return fn;
  };

  const integrations = Object.fromEntries(
    byType('AWS::ApiGatewayV2::Integration').map(([id]) => [id, functionOf(props(id).IntegrationUri)]),
  );
  const authorizers = Object.fromEntries(
    byType('AWS::ApiGatewayV2::Authorizer').map(([id]) => {
      const p = props(id);
      return [
        id,
        {
          function: functionOf(p.AuthorizerUri),
          ttlSeconds: p.AuthorizerResultTtlInSeconds ?? 0,
          identitySource: p.IdentitySource ?? [],
        },
      ];
    }),
  );
  const apis = Object.fromEntries(byType('AWS::ApiGatewayV2::Api').map(([id]) => [id, props(id)]));
  const httpRoutes: HttpRoute[] = [];
  let live: LiveApi | undefined;
  for (const [id, r] of byType('AWS::ApiGatewayV2::Route')) {
    const apiId = (r.Properties!.ApiId as { Ref: string }).Ref;
    const p = props(id);
    const integration = String(p.Target).replace(/^integrations\//, '');
    const fn = integrations[integration];
    if (!fn) throw new UnsupportedTemplateError(`route ${p.RouteKey}: no integration ${integration}`);
    const authorizer = p.AuthorizerId ? authorizers[p.AuthorizerId] : undefined;
    if (apis[apiId]!.ProtocolType === 'HTTP') {
      httpRoutes.push({ routeKey: p.RouteKey, function: fn, ...(authorizer ? { authorizer } : {}) });
    } else {
      const stage = byType('AWS::ApiGatewayV2::Stage').find(([sid]) => props(sid).ApiId === apiId);
      live ??= { apiId, stage: stage ? props(stage[0]).StageName : '$default', routes: {} };
      live.routes[p.RouteKey] = { function: fn, returnResponse: false };
      if (authorizer)
        live.authorizer = { function: authorizer.function, identitySource: authorizer.identitySource };
    }
  }
  if (live)
    for (const [id] of byType('AWS::ApiGatewayV2::RouteResponse')) {
      const routeId = (R[id]!.Properties!.RouteId as { Ref: string }).Ref;
      const key = props(routeId).RouteKey as string;
      if (live.routes[key]) live.routes[key]!.returnResponse = true;
    }

  const rules: EventRule[] = byType('AWS::Events::Rule').map(([id]) => {
    const p = props(id);
    let scheduleSeconds: number | undefined;
    if (p.ScheduleExpression) {
      const m = RATE.exec(p.ScheduleExpression);
      if (!m) throw new UnsupportedTemplateError(`schedule ${p.ScheduleExpression} is not emulated`);
      scheduleSeconds = Number(m[1]) * UNIT_SECONDS[m[2]!.replace(/s$/, '')]!;
    }
    return {
      logicalId: id,
      ...(p.EventBusName ? { busName: p.EventBusName } : {}),
      ...(p.EventPattern ? { pattern: p.EventPattern } : {}),
      ...(scheduleSeconds ? { scheduleSeconds } : {}),
      targets: (p.Targets ?? []).map((t: any) => ({
        arn: t.Arn,
        ...(t.DeadLetterConfig ? { dlq: t.DeadLetterConfig.Arn } : {}),
      })),
    };
  });

  const queues: Record<string, QueueSpec> = {};
  for (const [id] of byType('AWS::SQS::Queue')) {
    const p = props(id);
    const arn = ids.arn(id);
    queues[arn] = {
      arn,
      logicalId: id,
      delaySeconds: p.DelaySeconds ?? 0,
      visibilityTimeoutSeconds: p.VisibilityTimeout ?? 30,
      ...(p.RedrivePolicy
        ? {
            maxReceiveCount: p.RedrivePolicy.maxReceiveCount,
            deadLetterArn: p.RedrivePolicy.deadLetterTargetArn,
          }
        : {}),
    };
  }
  const streams: StreamMapping[] = [];
  for (const [id] of byType('AWS::Lambda::EventSourceMapping')) {
    const p = props(id);
    if (typeof p.EventSourceArn === 'string' && p.EventSourceArn.startsWith(`${table.arn}/stream/`)) {
      streams.push({
        logicalId: id,
        function: p.FunctionName,
        streamArn: p.EventSourceArn,
        batchSize: p.BatchSize ?? 100,
        filters: ((p.FilterCriteria?.Filters ?? []) as { Pattern: string }[]).map(
          (f) => JSON.parse(f.Pattern) as Record<string, unknown>,
        ),
        retries: p.MaximumRetryAttempts ?? 10_000,
        reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
        ...(p.DestinationConfig?.OnFailure?.Destination
          ? { onFailure: p.DestinationConfig.OnFailure.Destination }
          : {}),
      });
      continue;
    }
    const q = queues[p.EventSourceArn];
    if (!q)
      throw new UnsupportedTemplateError(`event source ${p.EventSourceArn} is not an SQS queue of the stack`);
    q.consumer = {
      function: p.FunctionName,
      batchSize: p.BatchSize ?? 10,
      windowSeconds: p.MaximumBatchingWindowInSeconds ?? 0,
      ...(p.ScalingConfig?.MaximumConcurrency ? { maxConcurrency: p.ScalingConfig.MaximumConcurrency } : {}),
    };
  }

  const secrets = byType('AWS::SecretsManager::Secret').map(([id]) => ({ logicalId: id, arn: ids.arn(id) }));
  return {
    ids,
    table,
    functions,
    functionByArn,
    httpRoutes,
    ...(live ? { live } : {}),
    ...(byType('AWS::AppSync::Api')[0] ? { publicEventsApi: byType('AWS::AppSync::Api')[0]![0] } : {}),
    rules,
    queues,
    streams,
    secrets,
  };
}
