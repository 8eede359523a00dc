import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  authorize,
  describeDenial,
  dynamoRequests,
  type AuthorizationRequest,
  type Denial,
  type KeyShape,
} from './authorize';
import { CLOUD_ACCOUNT, CLOUD_REGION } from './intrinsics';
import type { CloudFunction, CloudModel } from './model';

/**
 * The emulated account's AWS endpoint: every AWS SDK call a function's bundle makes arrives here
 * (AWS_ENDPOINT_URL), signed with credentials that name the function. Each call is first decided
 * by IAM against that function's role from the template (authorize.ts); a denied call is answered
 * as AWS would (AccessDeniedException) and recorded, with the action, resource and keys it would
 * have needed. Allowed calls go to DynamoDB Local (DynamoDB), to cloud mode's event router
 * (EventBridge), its secret store (Secrets Manager), its WebSocket API (API Gateway's management API)
 * or its record of what was published to the public channels (AppSync Events' HTTP publish).
 */

export interface AwsServices {
  putEvents(entries: EventEntry[]): void;
  secretValue(arn: string): string;
  /** The management API of the WebSocket API: `POST|GET|DELETE /@connections/{id}`. */
  manageConnection(method: string, connectionId: string, body: Buffer): { status: number; body?: unknown };
  /** An Event API publish that IAM allowed: its channel and events (JSON texts). */
  publishEvents(channel: string, events: string[]): void;
}

export interface EventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
}

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** The access key a function's environment carries (lambdas.ts) → its logical id. */
const callerOf = (req: IncomingMessage): string | undefined => {
  const m = /Credential=CLOUDMODE([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  return m?.[1];
};

export class AwsEndpoint {
  readonly denials: Denial[] = [];
  /** Every allowed call, by function (what a test can read to prove a path was taken). */
  readonly calls: { function: string; action: string; resource: string }[] = [];
  private server?: Server;
  private tlsServer?: Server;
  private certDir?: string;
  url = '';
  /**
   * The same endpoint over TLS (`https://localhost:<port>`), for clients that insist on https (the
   * live functions' callback URL): its self-signed certificate is in `caFile`, which the functions
   * trust through NODE_EXTRA_CA_CERTS.
   */
  tlsUrl = '';
  caFile = '';

  constructor(
    private readonly model: CloudModel,
    private readonly dynamodbEndpoint: string,
    private readonly services: AwsServices,
    private readonly onDenial: (d: Denial) => void,
  ) {}

  private get keyShape(): KeyShape {
    const def = this.model.table.definition;
    const hash = (schema: { AttributeName: string; KeyType: string }[]) =>
      schema.find((k) => k.KeyType === 'HASH')!.AttributeName;
    return {
      table: this.model.table.name,
      arn: this.model.table.arn,
      partitionKey: hash(def.KeySchema),
      indexPartitionKeys: Object.fromEntries(
        [...(def.GlobalSecondaryIndexes ?? []), ...(def.LocalSecondaryIndexes ?? [])].map((i: any) => [
          i.IndexName,
          hash(i.KeySchema),
        ]),
      ),
    };
  }

  async start(): Promise<string> {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
      });
    };
    this.server = createServer(listener);
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      days: 2,
    } as never);
    this.certDir = mkdtempSync(join(tmpdir(), 'scenario-tracker-cloud-ca-'));
    this.caFile = join(this.certDir, 'ca.pem');
    writeFileSync(this.caFile, pems.cert);
    this.tlsServer = createTlsServer({ key: pems.private, cert: pems.cert }, listener);
    await new Promise<void>((done) => this.tlsServer!.listen(0, '127.0.0.1', done));
    this.tlsUrl = `https://localhost:${(this.tlsServer.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const server of [this.server, this.tlsServer]) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
    if (this.certDir) rmSync(this.certDir, { recursive: true, force: true });
  }

  /** Decides every request of one call; the first denial ends it. */
  private async decide(fn: CloudFunction, requests: AuthorizationRequest[]): Promise<Denial | null> {
    for (const r of requests) {
      const denial = await authorize(fn, r);
      if (denial) {
        this.denials.push(denial);
        this.onDenial(denial);
        return denial;
      }
      this.calls.push({ function: fn.logicalId, action: r.action, resource: r.resource });
    }
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = callerOf(req);
    const fn = caller ? this.model.functions[caller] : undefined;
    const body = await readAll(req);
    const json = (status: number, value: unknown, type = 'application/x-amz-json-1.1') => {
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(value));
    };
    if (!fn)
      return json(403, {
        __type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      });
    const target = String(req.headers['x-amz-target'] ?? '');
    const url = req.url ?? '/';

    // API Gateway's management API (the live WebSocket's callback URL points here).
    const connection = /\/@connections\/([^/?]+)/.exec(url);
    if (connection) {
      const id = decodeURIComponent(connection[1]!);
      const live = this.model.live!;
      const resource = `arn:aws:execute-api:${CLOUD_REGION}:${CLOUD_ACCOUNT}:${live.apiId}/${live.stage}/${req.method}/@connections/${id}`;
      const denial = await this.decide(fn, [
        { action: 'execute-api:ManageConnections', resource, context: {} },
      ]);
      if (denial) return json(403, { message: describeDenial(denial) }, 'application/json');
      const answer = this.services.manageConnection(req.method ?? 'POST', id, body);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      return void res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    }

    const input = body.length ? JSON.parse(body.toString('utf8')) : {};
    // AppSync Events' HTTP publish (the publishers' TRACKER_PUBLIC_EVENTS_URL points here):
    // appsync:EventPublish on the channel's namespace of the stack's Event API.
    if (!target && url.split('?')[0] === '/event' && this.model.publicEventsApi) {
      const channel = String(input.channel ?? '');
      const events = (Array.isArray(input.events) ? input.events : []) as string[];
      const namespace = channel.split('/')[1] ?? '';
      const resource = `arn:aws:appsync:${CLOUD_REGION}:${CLOUD_ACCOUNT}:apis/${this.model.publicEventsApi}/channelNamespace/${namespace}`;
      const denial = await this.decide(fn, [{ action: 'appsync:EventPublish', resource, context: {} }]);
      if (denial)
        return json(
          403,
          { errors: [{ errorType: 'UnauthorizedException', message: describeDenial(denial) }] },
          'application/json',
        );
      this.services.publishEvents(channel, events);
      return json(
        200,
        { successful: events.map((_, index) => ({ identifier: randomUUID(), index })), failed: [] },
        'application/json',
      );
    }
    if (target.startsWith('DynamoDB_20120810.')) {
      const operation = target.slice('DynamoDB_20120810.'.length);
      const denial = await this.decide(fn, dynamoRequests(operation, input, this.keyShape));
      if (denial)
        return json(
          400,
          { __type: 'com.amazon.coral.service#AccessDeniedException', message: describeDenial(denial) },
          'application/x-amz-json-1.0',
        );
      return this.forwardToDynamo(req, body, res);
    }
    if (target === 'AWSEvents.PutEvents') {
      const entries = (input.Entries ?? []) as EventEntry[];
      const buses = [...new Set(entries.map((e) => e.EventBusName ?? 'default'))];
      const denial = await this.decide(
        fn,
        buses.map((b) => ({
          action: 'events:PutEvents',
          resource: b.startsWith('arn:')
            ? b
            : `arn:aws:events:${CLOUD_REGION}:${CLOUD_ACCOUNT}:event-bus/${b}`,
          context: {},
        })),
      );
      if (denial) return json(400, { __type: 'AccessDeniedException', message: describeDenial(denial) });
      this.services.putEvents(entries);
      return json(200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) });
    }
    if (target === 'secretsmanager.GetSecretValue') {
      const arn = this.model.secrets.find(
        (s) => s.arn === input.SecretId || s.logicalId === input.SecretId,
      )?.arn;
      if (!arn)
        return json(400, {
          __type: 'ResourceNotFoundException',
          message: `Secrets Manager can't find the specified secret ${input.SecretId}.`,
        });
      const denial = await this.decide(fn, [
        { action: 'secretsmanager:GetSecretValue', resource: arn, context: {} },
      ]);
      if (denial) return json(400, { __type: 'AccessDeniedException', message: describeDenial(denial) });
      return json(200, {
        ARN: arn,
        Name: arn.split(':secret:')[1],
        SecretString: this.services.secretValue(arn),
        VersionId: 'cloud-mode-v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    }
    // Any other call is one no function of this stack should make.
    const denial: Denial = {
      function: fn.logicalId,
      role: fn.roleArn,
      result: 'NotEmulated',
      action: target || `${req.method} ${url}`,
      resource: '*',
      context: {},
    };
    this.denials.push(denial);
    this.onDenial(denial);
    return json(400, {
      __type: 'UnknownOperationException',
      message: `cloud mode does not emulate ${target || url}`,
    });
  }

  private forwardToDynamo(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const upstream = new URL(this.dynamodbEndpoint);
    return new Promise((done, fail) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/x-amz-json-1.0',
            'x-amz-target': req.headers['x-amz-target'] as string,
            // DynamoDB Local reads the access key to pick its database: one for the whole account.
            authorization: String(req.headers.authorization).replace(
              /Credential=CLOUDMODE[^/]+\//,
              'Credential=local/',
            ),
            'x-amz-date': req.headers['x-amz-date'] as string,
            'content-length': String(body.length),
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', () => done());
        },
      );
      out.on('error', fail);
      out.end(body);
    });
  }
}
