import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  STDIO,
  checkDatabase,
  cliConfig,
  parseCliArgs,
  patientClient,
  positiveWholeNumber,
  runCli,
  type CliIo,
} from './cli-env';
import { addMissingIndexes, migrateItems, missingIndexes } from './migration';

const USAGE = 'usage: npm run migrate -- [--dry-run] [--max-items <n>] [--segments <n>]';

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
export const main = (argv: string[], env: NodeJS.ProcessEnv, io: CliIo = STDIO): Promise<number> =>
  runCli(USAGE, io, async () => {
    const args = parseCliArgs(argv, {
      'dry-run': { type: 'boolean' },
      'max-items': { type: 'string' },
      segments: { type: 'string' },
    });
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const dryRun = args['dry-run'] === true;
    const maxItems = positiveWholeNumber('--max-items', args['max-items']);
    const segments = positiveWholeNumber('--segments', args.segments);
    const { target, config } = cliConfig(env);
    await checkDatabase(target, config);
    const db = patientClient(config);
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
  });

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
