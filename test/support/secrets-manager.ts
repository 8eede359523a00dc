import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Secrets Manager endpoint on 127.0.0.1 that answers GetSecretValue (the AWS JSON 1.1 protocol the
 * SDK speaks) from its own secrets, so the code under test reads secrets exactly as in the cloud:
 * Powertools Parameters, the SDK client, signing, HTTP, its errors. The process is pointed at it with
 * AWS_ENDPOINT_URL_SECRETS_MANAGER (and dummy credentials), before its first read.
 */
export interface SecretsEndpoint {
  url: string;
  /** Set (or replace, as `put-secret-value` does) a secret's string value. */
  put(secretId: string, value: string): void;
  /** Answer the next `n` reads (all, by default) with this error, as Secrets Manager would. */
  refuse(errorType: string, n?: number): void;
  /** Every GetSecretValue asked, by SecretId, in order. */
  reads: string[];
  /** Point this process's SDK clients at the endpoint; returns a function that undoes it. */
  install(): () => void;
  close(): Promise<void>;
}

export async function startSecretsEndpoint(): Promise<SecretsEndpoint> {
  const secrets = new Map<string, string>();
  const reads: string[] = [];
  let refusal: { type: string; left: number } | undefined;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const answer = (status: number, json: unknown) => {
        // No Date header: tests move the clock, and the SDK would take that for skew and retry.
        res.sendDate = false;
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return answer(400, { __type: 'InvalidRequestException', message: 'only GetSecretValue here' });
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      reads.push(SecretId);
      if (refusal && refusal.left > 0) {
        refusal.left--;
        return answer(400, { __type: refusal.type, message: `refused: ${refusal.type}` });
      }
      const value = secrets.get(SecretId);
      if (value === undefined)
        return answer(400, {
          __type: 'ResourceNotFoundException',
          message: 'Secrets Manager can’t find the specified secret.',
        });
      return answer(200, {
        ARN: SecretId,
        Name: SecretId.split(':').pop(),
        SecretString: value,
        VersionId: 'v',
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    reads,
    put: (id, value) => void secrets.set(id, value),
    refuse: (type, n = Infinity) => void (refusal = { type, left: n }),
    install() {
      const names = [
        'AWS_ENDPOINT_URL_SECRETS_MANAGER',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
      ];
      const before = Object.fromEntries(names.map((n) => [n, process.env[n]]));
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = url;
      process.env.AWS_REGION ??= 'eu-west-1';
      process.env.AWS_ACCESS_KEY_ID ??= 'local';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
      return () => {
        for (const [n, v] of Object.entries(before)) {
          if (v === undefined) delete process.env[n];
          else process.env[n] = v;
        }
      };
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
