import { parseArgs } from 'node:util';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../shared/store/client';
import { readConfig, readDatabaseLocation, readDataDir, SettingError, type Config } from '../shared/config';
import { withLocalKeyrings } from './local-secrets';

/**
 * How every command-line tool (`npm run token`, `npm run stale-check`, …) finds its database, per
 * the contract's "Running it locally":
 *
 * - `DYNAMODB_ENDPOINT` unset (or empty) → the embedded DynamoDB Local that `npm start` runs, at
 *   `http://127.0.0.1:${DYNAMODB_LOCAL_PORT || 8000}`. A tool never starts one itself.
 * - a URL → that endpoint.
 * - the word `aws` → the real DynamoDB of the configured region and credentials. Nothing else ever
 *   reaches AWS.
 *
 * `TABLE_NAME` defaults to `scenario-tracker` (readConfig).
 */
export type DynamoTarget =
  { kind: 'embedded'; endpoint: string; port: number } | { kind: 'url'; endpoint: string } | { kind: 'aws' };

/** A mistake in how the tool was called or configured: the tool prints it with its usage and exits 2. */
export class CliUsageError extends Error {}

/** The database cannot be used (nothing answers, no table): the tool prints it in one line and exits 1. */
export class CliEnvironmentError extends Error {}

export function resolveDynamoTarget(env: NodeJS.ProcessEnv): DynamoTarget {
  let location: ReturnType<typeof readDatabaseLocation>;
  try {
    location = readDatabaseLocation(env);
  } catch (error) {
    if (error instanceof SettingError) throw new CliUsageError(error.message);
    throw error;
  }
  const { endpoint, dynamoLocalPort: port } = location;
  if (endpoint === undefined) return { kind: 'embedded', endpoint: `http://127.0.0.1:${port}`, port };
  return endpoint === 'aws' ? { kind: 'aws' } : { kind: 'url', endpoint };
}

/**
 * The configuration a tool runs with. The endpoint is made explicit before readConfig sees it, so
 * an unset DYNAMODB_ENDPOINT means the embedded DynamoDB Local here, never AWS.
 *
 * Against a local database a tool runs with what `npm start` runs with: the keyrings it keeps in
 * TRACKER_DATA_DIR (read, never made: local/local-secrets.ts), so a stale check opens the
 * subscription secrets the server sealed and delivers, and private webhook addresses allowed, as the
 * server allows them (receivers on the laptop). Against AWS nothing local is read.
 */
export function cliConfig(env: NodeJS.ProcessEnv): { target: DynamoTarget; config: Config } {
  const target = resolveDynamoTarget(env);
  try {
    const local =
      target.kind === 'aws'
        ? env
        : {
            ...withLocalKeyrings(env, readDataDir(env), false),
            TRACKER_ALLOW_PRIVATE_WEBHOOKS: env.TRACKER_ALLOW_PRIVATE_WEBHOOKS || 'true',
          };
    const config = readConfig({
      ...local,
      DYNAMODB_ENDPOINT: target.kind === 'aws' ? 'aws' : target.endpoint,
    });
    return { target, config };
  } catch (error) {
    // A bad setting is a mistake in how the tool was configured: one line naming it, exit 2.
    if (error instanceof SettingError) throw new CliUsageError(error.message);
    throw error;
  }
}

export const describeTarget = (target: DynamoTarget): string =>
  target.kind === 'aws'
    ? 'DynamoDB in AWS'
    : target.kind === 'embedded'
      ? `the embedded DynamoDB Local at ${target.endpoint}`
      : `DynamoDB at ${target.endpoint}`;

/**
 * Check, before any real work, that a local endpoint answers and holds the table. Fails fast (one
 * attempt, short timeouts) with a one-line CliEnvironmentError. AWS is not probed: its own errors
 * (credentials, permissions) are clear enough and a probe would need extra permissions.
 */
export async function checkDatabase(
  target: DynamoTarget,
  config: Pick<Config, 'tableName' | 'region' | 'dynamodbCredentials'>,
  timeoutMs = 3000,
): Promise<void> {
  if (target.kind === 'aws') return;
  const client = new DynamoDBClient({
    endpoint: target.endpoint,
    region: config.region,
    ...(config.dynamodbCredentials ? { credentials: config.dynamodbCredentials } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: config.tableName }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new CliEnvironmentError(
        `Table ${config.tableName} does not exist in ${describeTarget(target)}; start the server once (npm start) or set TABLE_NAME.`,
      );
    }
    // An HTTP status means something answered, but not as the DynamoDB we expected.
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined) {
      throw new CliEnvironmentError(`${describeTarget(target)} refused the request: ${oneLine(error)}`);
    }
    const hint = target.kind === 'embedded' ? ' Start it with npm start, or set DYNAMODB_ENDPOINT.' : '';
    throw new CliEnvironmentError(`Nothing answers as ${describeTarget(target)}.${hint}`);
  } finally {
    client.destroy();
  }
}

/** An error as one line of text, for a tool's last words. */
export const oneLine = (error: unknown): string =>
  (error instanceof Error
    ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
    : String(error)
  )
    .replace(/\s+/g, ' ')
    .trim();

/** Where a tool writes: its result lines (the last one its JSON summary) and everything else. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const STDIO: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type CliOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/**
 * A tool's flags, parsed strictly by Node's own `parseArgs` (`--flag value` and `--flag=value`; an
 * unknown flag, a missing value or a positional argument is a CliUsageError). `--help`/`-h` is
 * everyone's: `help` is true when it was given.
 */
export function parseCliArgs<O extends CliOptions>(argv: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & {
        help: { type: 'boolean'; short: 'h' };
      },
    }).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}

/** A flag's value as a positive whole number (below a billion), or undefined when it was not given. */
export const positiveWholeNumber = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw new CliUsageError(`${flag} needs a positive whole number (got ${JSON.stringify(value)})`);
  return Number(value);
};

/**
 * Run a tool's body with the exits every tool shares: 0 for what the body returns, 2 for a usage
 * error (printed with the usage), 1 for anything else (the database failed: one line).
 */
export async function runCli(usage: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    io.err(error instanceof CliEnvironmentError ? error.message : oneLine(error));
    return 1;
  }
}

/** A client for a pass over a whole table: throttling and slow pages meet more patience than a request's. */
export const patientClient = (config: Config): DynamoDBDocumentClient =>
  createDocumentClient({
    ...config,
    dynamodbTimeoutMs: Math.max(config.dynamodbTimeoutMs, 10_000),
    dynamodbMaxAttempts: Math.max(config.dynamodbMaxAttempts, 8),
  });
