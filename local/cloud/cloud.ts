import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { CfnElement } from 'aws-cdk-lib';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { buildApp, cdkJsonContext } from '../../infra/build';
import {
  FUNCTION_ENTRIES,
  type AnyFunctionName,
  type FunctionName,
  type LiveFunctionName,
} from '../../infra/bundling';
import { newKeyring } from '../../shared/domain/keyring';
import { AwsEndpoint } from './aws-endpoint';
import { describeDenial, type Denial } from './authorize';
import { EventRouter } from './events';
import { StreamMappings } from './streams';
import { HttpApi } from './http-api';
import type { Template } from './intrinsics';
import { Lambdas } from './lambdas';
import { readModel, type CloudFunction, type CloudModel } from './model';
import { WebSocketApi } from './websocket-api';

/**
 * Cloud mode: the stack as the cloud would run it, on this machine. The CDK app is synthesized with
 * bundling (the same esbuild bundles `cdk deploy` uploads); each function runs from its bundle in
 * its own processes with the environment the template gives it; every AWS call it makes is decided
 * by IAM against its role in the same template; API Gateway (HTTP and WebSocket), EventBridge rules,
 * SQS event sources and schedules are emulated from the template's resources. The table lives in
 * DynamoDB Local, created from the template's own definition.
 */

export interface Synthesized {
  template: Template;
  assemblyDir: string;
  stackName: string;
  /** Function name (infra/bundling.ts) → the template's logical id. */
  logicalIds: Record<AnyFunctionName, string>;
  cleanup: () => void;
}

/** `cdk synth` with bundling, as the CLI runs it for a stage (cdk-nag included: it fails on any error). */
export function synthesizeForCloud(stage = 'dev', env: NodeJS.ProcessEnv = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'scenario-tracker-cloud-'));
  const { app, stack } = buildApp({ outdir, context: { ...cdkJsonContext(), stage } }, env);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const logicalIds = {} as Record<AnyFunctionName, string>;
  for (const name of Object.keys(FUNCTION_ENTRIES) as FunctionName[])
    logicalIds[name] = stack.getLogicalId(stack.functions[name].node.defaultChild as CfnElement);
  for (const name of Object.keys(stack.live.functions) as LiveFunctionName[])
    logicalIds[name] = stack.getLogicalId(stack.live.functions[name].node.defaultChild as CfnElement);
  writeFileSync(
    join(outdir, CLOUD_MODE_FILE),
    JSON.stringify({ stackName: stack.stackName, template: artifact.templateFile, logicalIds }),
  );
  return readSynthesized(outdir);
}

const CLOUD_MODE_FILE = 'cloud-mode.json';

/** An assembly `synthesizeForCloud` wrote earlier (a tool or test that synthesizes once and reuses it). */
export function readSynthesized(dir: string): Synthesized {
  const meta = JSON.parse(readFileSync(join(dir, CLOUD_MODE_FILE), 'utf8')) as {
    stackName: string;
    template: string;
    logicalIds: Record<AnyFunctionName, string>;
  };
  return {
    template: JSON.parse(readFileSync(join(dir, meta.template), 'utf8')) as Template,
    assemblyDir: dir,
    stackName: meta.stackName,
    logicalIds: meta.logicalIds,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CloudOptions {
  synthesized: Synthesized;
  /** DynamoDB Local's endpoint (the table is created there). */
  dynamodbEndpoint: string;
  /** The table's name in DynamoDB Local (default: a fresh one). */
  tableName?: string;
  port?: number;
  /** Each function's log lines (default: dropped; `npm start -- --cloud` prints them). */
  log?: (fn: string, line: string) => void;
  /** Change what the template grants before anything runs (a test that removes one permission). */
  alterFunction?: (name: AnyFunctionName | undefined, fn: CloudFunction) => void;
  /** Secret values by the secret's logical id (default: a fresh keyring, what `npm run keyring -- new` stores). */
  secretValue?: (logicalId: string) => string;
}

export interface CloudStack {
  url: string;
  liveUrl: string;
  tableName: string;
  model: CloudModel;
  /** Every call IAM refused, in order. */
  denials: Denial[];
  /** What the functions published to the public channels (AppSync Events), in order. */
  published: { channel: string; event: string }[];
  aws: AwsEndpoint;
  events: EventRouter;
  http: HttpApi;
  /** A function's name (infra/bundling.ts) → its logical id in the template. */
  functionId: (name: AnyFunctionName) => string;
  invoke: (name: AnyFunctionName, event: unknown) => Promise<any>;
  /** Ends a function's warm environments: its next invocation is a cold start. */
  recycle: (name: AnyFunctionName) => void;
  /** Runs the schedule whose target is this function, now. */
  runSchedule: (name: AnyFunctionName) => Promise<void>;
  startSchedules: () => void;
  /** Waits until no event, queued message or asynchronous invocation is left to process. */
  settle: () => Promise<void>;
  close: () => Promise<void>;
}

async function createTable(endpoint: string, model: CloudModel): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new CreateTableCommand(model.table.definition as any));
    if (model.table.timeToLiveAttribute)
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: model.table.name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: model.table.timeToLiveAttribute },
        }),
      );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}

export async function startCloud(options: CloudOptions): Promise<CloudStack> {
  const { synthesized } = options;
  const tableName = options.tableName ?? `cloud-${randomBytes(4).toString('hex')}`;
  const model = readModel(synthesized.template, synthesized.assemblyDir, {
    tableName,
    stackName: synthesized.stackName,
  });
  const nameOf = Object.fromEntries(
    Object.entries(synthesized.logicalIds).map(([n, id]) => [id, n]),
  ) as Record<string, AnyFunctionName>;
  for (const fn of Object.values(model.functions)) options.alterFunction?.(nameOf[fn.logicalId], fn);
  await createTable(options.dynamodbEndpoint, model);

  const log = options.log ?? (() => undefined);
  const secrets = new Map<string, string>();
  const secretValue = (arn: string) => {
    const s = model.secrets.find((x) => x.arn === arn)!;
    if (!secrets.has(arn)) secrets.set(arn, options.secretValue?.(s.logicalId) ?? newKeyring());
    return secrets.get(arn)!;
  };

  let websocket: WebSocketApi | undefined;
  const published: { channel: string; event: string }[] = [];
  const aws = new AwsEndpoint(
    model,
    options.dynamodbEndpoint,
    {
      putEvents: (entries) => events.putEvents(entries),
      secretValue,
      manageConnection: (method, id, body) => websocket?.manage(method, id, body) ?? { status: 410 },
      publishEvents: (channel, events) => published.push(...events.map((event) => ({ channel, event }))),
    },
    (d) => log(d.function, `IAM DENIED: ${describeDenial(d)}`),
  );
  const awsUrl = await aws.start();

  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(options.port ?? 0, done));
  const port = (server.address() as AddressInfo).port;
  const liveStagePath = `/${model.live?.stage ?? 'live'}`;

  const lambdas = new Lambdas(model.functions, {
    awsEndpoint: awsUrl,
    log,
    rewriteEnvironment: (_fn, env) => ({
      // Trust the endpoint's TLS certificate (as a function trusts AWS's).
      NODE_EXTRA_CA_CERTS: aws.caFile,
      ...Object.fromEntries(
        Object.entries(env).map(([k, v]) => {
          // The emulated account's DNS: the WebSocket API's callback URL is this machine's AWS endpoint.
          if (model.live && v.startsWith(`https://${model.live.apiId}.execute-api.`))
            return [k, `${aws.tlsUrl}${new URL(v).pathname}`];
          // ...and the public channels' publish endpoint too (what is published: `published`).
          if (model.publicEventsApi && /^https:\/\/[^/]+\.appsync-api\./.test(v))
            return [k, `${aws.tlsUrl}${new URL(v).pathname}`];
          // CloudFormation's dynamic references are resolved at deploy, into the environment.
          const dynamic = /^\{\{resolve:secretsmanager:(.+?):SecretString:::\}\}$/.exec(v);
          if (dynamic) return [k, secretValue(dynamic[1]!)];
          return [k, v];
        }),
      ),
    }),
  });
  const events = new EventRouter(model, lambdas, (line) => log('events', line));
  // The table's stream into every function an event-source mapping of the template feeds from it
  // (the outbox relay), as Lambda does: polled on a beat, read to its end by `settle`.
  const streams = new StreamMappings(model, lambdas, events, options.dynamodbEndpoint, (line) =>
    log('streams', line),
  );
  await streams.check();
  streams.start();
  const http = new HttpApi(model.httpRoutes, lambdas);
  if (model.live) websocket = new WebSocketApi(model.live, lambdas, (line) => log('live', line));

  server.on('request', (req, res) => {
    http.handle(req, res).catch((error) => {
      log('http', String(error));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!websocket || !(req.url ?? '').startsWith(liveStagePath)) return socket.destroy();
    websocket.upgrade(req, socket, head).catch(() => socket.destroy());
  });

  const functionId = (name: AnyFunctionName) => synthesized.logicalIds[name];
  const scheduleOf = (name: AnyFunctionName) => {
    const arn = Object.entries(model.functionByArn).find(([, id]) => id === functionId(name))?.[0];
    const rule = model.rules.find((r) => r.scheduleSeconds && r.targets.some((t) => t.arn === arn));
    if (!rule) throw new Error(`no schedule targets ${name}`);
    return rule;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    liveUrl: `ws://127.0.0.1:${port}${liveStagePath}`,
    tableName,
    model,
    denials: aws.denials,
    published,
    aws,
    events,
    http,
    functionId,
    invoke: (name, event) => lambdas.invoke(functionId(name), event),
    recycle: (name) => lambdas.recycle(functionId(name)),
    runSchedule: (name) => events.runSchedule(scheduleOf(name)),
    startSchedules: () => events.startSchedules(),
    settle: async () => {
      // What the stream offers may make more work (a published event), and that work more records:
      // settled when a round (the events settled, then the stream read to its end) offered the
      // stream's functions nothing, on the beat or by the read.
      for (let round = 0; round < 100; round++) {
        const offered = streams.offered;
        await events.settle();
        await streams.catchUp();
        if (streams.offered === offered) return;
      }
      throw new Error('cloud mode did not settle');
    },
    close: async () => {
      streams.stop();
      events.close();
      websocket?.close();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      await lambdas.close();
      await aws.close();
    },
  };
}
