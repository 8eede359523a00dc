import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * What the cold-start benchmark's functions call besides DynamoDB (which is DynamoDB Local itself):
 * EventBridge `PutEvents` (the entries are kept: a function's published events become the next
 * functions' input), Secrets Manager `GetSecretValue` (one fixed key for every secret) and the live
 * WebSocket API's management endpoint (`POST /{stage}/@connections/{id}` over TLS, as the live
 * functions insist on https; its certificate is in `caFile`, trusted through NODE_EXTRA_CA_CERTS).
 * No IAM here: cloud mode (local/cloud) checks the calls; this only answers them, at once.
 */
export interface AwsStandIn {
  /** For AWS_ENDPOINT_URL_EVENTBRIDGE and AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  url: string;
  /** For TRACKER_LIVE_CALLBACK_URL: `https://localhost:<port>/bench`. */
  callbackUrl: string;
  /** The self-signed certificate of `callbackUrl` (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** Every entry put on a bus, in order. */
  readonly events: { DetailType: string; Detail: string; Source: string }[];
  /** Every frame posted to a connection. */
  readonly frames: { connectionId: string; body: string }[];
  close(): Promise<void>;
}

/** Any text of at least 32 visible characters is a keyring of one key (shared/domain/keyring.ts). */
export const STAND_IN_SECRET = 'bench-secret-key-of-at-least-32-visible-characters';

const readAll = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startAwsStandIn(): Promise<AwsStandIn> {
  const events: AwsStandIn['events'] = [];
  const frames: AwsStandIn['frames'] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void readAll(req).then((body) => {
      const json = (value: unknown) => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench' });
        res.end(JSON.stringify(value));
      };
      const connection = /\/@connections\/([^/?]+)/.exec(req.url ?? '');
      if (connection) {
        frames.push({ connectionId: decodeURIComponent(connection[1]!), body });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end();
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target === 'AWSEvents.PutEvents') {
        const entries = (JSON.parse(body) as { Entries?: AwsStandIn['events'] }).Entries ?? [];
        events.push(...entries);
        return json({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `bench-${i}` })) });
      }
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        return json({
          ARN: SecretId,
          Name: SecretId.split(':secret:')[1] ?? SecretId,
          SecretString: STAND_IN_SECRET,
          VersionId: 'bench-v1',
          VersionStages: ['AWSCURRENT'],
        });
      }
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ __type: 'UnknownOperationException', message: `not stood in for: ${target}` }),
      );
    });
  };
  const listen = (server: Server) =>
    new Promise<number>((done) =>
      server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
    );
  const plain = createServer(listener);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    days: 2,
  } as never);
  const certDir = mkdtempSync(join(tmpdir(), 'tracker-bench-ca-'));
  const caFile = join(certDir, 'ca.pem');
  writeFileSync(caFile, pems.cert);
  const tls = createTlsServer({ key: pems.private, cert: pems.cert }, listener);
  const [port, tlsPort] = [await listen(plain), await listen(tls)];
  const close = (server: Server) =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    callbackUrl: `https://localhost:${tlsPort}/bench`,
    caFile,
    events,
    frames,
    close: async () => {
      await Promise.all([close(plain), close(tls)]);
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}
