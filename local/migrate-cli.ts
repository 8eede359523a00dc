import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../shared/store/client';
import { CliEnvironmentError, CliUsageError, checkDatabase, cliConfig, oneLine } from './cli-env';
import { addMissingIndexes, migrateItems, missingIndexes } from './migration';

const USAGE = 'usage: npm run migrate -- [--dry-run] [--max-items <n>] [--segments <n>]';

export interface MigrateIo {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: MigrateIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const positive = (flag: string, value: string | undefined): number => {
  if (value === undefined || !/^[1-9]\d{0,8}$/.test(value))
    throw new CliUsageError(`${flag} needs a positive whole number (got ${JSON.stringify(value ?? '')})`);
  return Number(value);
};

/**
 * `npm run migrate`: bring a table written by the first data model to the current one
 * (docs/data-model.md, "Migrating from the first data model"). Finds the database like every tool
 * (local/cli-env.ts). On a local table it first adds the global indexes the table lacks, one at a
 * time; a stack's table belongs to CloudFormation, so against AWS it only says which are missing
 * (docs/deploy.md). Then one pass over the items, checkpointed: `--max-items` (or an interruption)
 * stops it, and the next run goes on from there. The last line is the JSON summary.
 *
 * Exit codes: 0 done (or stopped by --max-items), 1 the database failed, 2 usage.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: MigrateIo = STDIO): Promise<number> {
  try {
    let dryRun = false;
    let maxItems: number | undefined;
    let segments: number | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--dry-run') dryRun = true;
      else if (arg === '--max-items') maxItems = positive(arg, argv[++i]);
      else if (arg === '--segments') segments = positive(arg, argv[++i]);
      else if (arg === '--help' || arg === '-h') {
        io.out(USAGE);
        return 0;
      } else throw new CliUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    const { target, config } = cliConfig(env);
    await checkDatabase(target, config);
    // A pass over a large table meets throttling and slow pages: more patience than a request's.
    const db = createDocumentClient({
      ...config,
      dynamodbTimeoutMs: Math.max(config.dynamodbTimeoutMs, 10_000),
      dynamodbMaxAttempts: Math.max(config.dynamodbMaxAttempts, 8),
    });
    try {
      const { Table } = await db.send(new DescribeTableCommand({ TableName: config.tableName }));
      const missing = missingIndexes(Table!, config.tableName).map((i) => i.IndexName!);
      let indexesAdded: string[] = [];
      if (missing.length > 0 && (dryRun || target.kind === 'aws')) {
        io.err(
          target.kind === 'aws'
            ? `The table lacks ${missing.join(', ')}: deploy the stack to add them (docs/deploy.md); the items are migrated meanwhile.`
            : `Would add ${missing.join(', ')}.`,
        );
      } else if (missing.length > 0) {
        indexesAdded = await addMissingIndexes(db, config.tableName, { log: io.err });
      }
      const summary = await migrateItems(db, config.tableName, { dryRun, maxItems, segments });
      io.out(
        JSON.stringify({
          table: config.tableName,
          ...summary,
          indexesAdded,
          indexesMissing: target.kind === 'aws' || dryRun ? missing : [],
        }),
      );
      return 0;
    } finally {
      db.destroy();
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    io.err(error instanceof CliEnvironmentError ? error.message : oneLine(error));
    return 1;
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
