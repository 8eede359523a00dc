import { backfillSearch } from '../shared/app/search-backfill';
import { createDocumentClient } from '../shared/store/client';
import { SearchIndex } from '../shared/store/search-index';
import { ThreadStore } from '../shared/store/thread-store';
import { CliEnvironmentError, CliUsageError, checkDatabase, cliConfig, oneLine } from './cli-env';

const USAGE = 'usage: npm run search:backfill -- [--max-threads <n>] [--restart]';

export interface BackfillIo {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: BackfillIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `npm run search:backfill`: index the threads and updates the search indexer never saw
 * (shared/app/search-backfill.ts). Finds the database like every tool (local/cli-env.ts). Resumable:
 * `--max-threads` (or an interruption) stops it, and the next run goes on from its checkpoint;
 * `--restart` starts again from the first thread. The last line is the JSON summary.
 *
 * Exit codes: 0 done (or stopped by --max-threads), 1 the database failed, 2 usage.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: BackfillIo = STDIO): Promise<number> {
  try {
    let maxThreads: number | undefined;
    let restart = false;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--restart') restart = true;
      else if (arg === '--max-threads') {
        const value = argv[++i];
        if (value === undefined || !/^[1-9]\d{0,8}$/.test(value))
          throw new CliUsageError(
            `--max-threads needs a positive whole number (got ${JSON.stringify(value ?? '')})`,
          );
        maxThreads = Number(value);
      } else if (arg === '--help' || arg === '-h') {
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
      const summary = await backfillSearch(
        { search: new SearchIndex(db, config.tableName), threads: new ThreadStore(db, config.tableName) },
        { maxThreads, restart, log: io.err },
      );
      io.out(JSON.stringify({ table: config.tableName, ...summary }));
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
