import { backfillSearch } from '../shared/app/search-backfill';
import { SearchIndex } from '../shared/store/search-index';
import { ThreadStore } from '../shared/store/thread-store';
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

const USAGE = 'usage: npm run search:backfill -- [--max-threads <n>] [--restart]';

/**
 * `npm run search:backfill`: index the threads and updates the search indexer never saw
 * (shared/app/search-backfill.ts). Finds the database like every tool (local/cli-env.ts). Resumable:
 * `--max-threads` (or an interruption) stops it, and the next run goes on from its checkpoint;
 * `--restart` starts again from the first thread. The last line is the JSON summary.
 *
 * Exit codes: 0 done (or stopped by --max-threads), 1 the database failed, 2 usage.
 */
export const main = (argv: string[], env: NodeJS.ProcessEnv, io: CliIo = STDIO): Promise<number> =>
  runCli(USAGE, io, async () => {
    const args = parseCliArgs(argv, { 'max-threads': { type: 'string' }, restart: { type: 'boolean' } });
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const maxThreads = positiveWholeNumber('--max-threads', args['max-threads']);
    const { target, config } = cliConfig(env);
    await checkDatabase(target, config);
    const db = patientClient(config);
    try {
      const summary = await backfillSearch(
        { search: new SearchIndex(db, config.tableName), threads: new ThreadStore(db, config.tableName) },
        { maxThreads, restart: args.restart === true, log: io.err },
      );
      io.out(JSON.stringify({ table: config.tableName, ...summary }));
      return 0;
    } finally {
      db.destroy();
    }
  });

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
