import { existsSync } from 'node:fs';
import { createContext } from '../shared/app/context';
import { runDeliveries } from '../shared/app/deliveries';
import { runStaleCheck } from '../shared/app/stale-check';
import { LIMITS } from '../shared/domain/limits';
import { parsePreciseTime, periodEnd } from '../shared/domain/time';
import { CliUsageError, checkDatabase, cliConfig, parseCliArgs, runCli } from './cli-env';
import { OutboxStream, filePositions, relayPositionsFile } from './outbox-stream';
import { readDataDir } from '../shared/config';

const USAGE =
  'usage: npm run stale-check -- [--at <RFC 3339 time, or a UTC date YYYY-MM-DD, YYYY-MM or YYYY: its last millisecond>] [--allow-future] [--dry-run]';

/**
 * `npm run stale-check -- --at <time>`: run the scheduled stale check once, through the very handler
 * EventBridge invokes, with that `now`. The last line of output is the JSON summary.
 *
 * A flag is permanent (the thread leaves the due index with that `staleSince`), so an `--at` more
 * than 5 minutes ahead, which would record a staleness that has not happened, needs
 * `--allow-future`. `--dry-run` reads the same due-index Query and writes nothing; it may look
 * ahead freely.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  clock: () => number = Date.now,
): Promise<number> {
  const io = { out, err: (line: string) => process.stderr.write(`${line}\n`) };
  return runCli(USAGE, io, async () => {
    const args = parseCliArgs(argv, {
      at: { type: 'string', multiple: true },
      'allow-future': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    });
    if (args.help) {
      out(USAGE);
      return 0;
    }
    // Twice would leave one of them silently unused: which did the caller mean?
    if ((args.at?.length ?? 0) > 1) throw new CliUsageError('--at is given more than once; give one time.');
    const allowFuture = args['allow-future'] === true;
    const dryRun = args['dry-run'] === true;
    let at: string | undefined;
    if (args.at) {
      const value = args.at[0]!;
      // The forms the API's asOf takes, with the same meaning: a period is its last millisecond.
      const parsed = parsePreciseTime(value);
      if (!parsed)
        throw new CliUsageError(
          `--at needs an RFC 3339 time with a zone (2025-06-01T00:00:00Z) or a UTC date YYYY-MM-DD, YYYY-MM or YYYY (got ${JSON.stringify(value)})`,
        );
      at = periodEnd(parsed);
    }
    const now = clock();
    if (at !== undefined && Date.parse(at) > now + LIMITS.futureSkewMs && !allowFuture && !dryRun) {
      throw new CliUsageError(
        `--at ${at} is more than 5 minutes ahead: threads flagged now would keep a staleSince that has not happened. Add --dry-run to only look, or --allow-future to flag anyway.`,
      );
    }
    at ??= new Date(now).toISOString();
    const { target, config } = cliConfig(env);
    await checkDatabase(target, config);
    // No bus here: published events reach subscriptions and live sockets in this process.
    const ctx = createContext(config);
    if (dryRun) {
      const result = await runStaleCheck(ctx, at, { dryRun: true });
      for (const id of result.flagged) out(`would flag ${id}`);
      for (const id of result.overdue) out(`would flag ${id} overdue`);
      out(
        JSON.stringify({
          now: result.now,
          dryRun: true,
          wouldFlag: result.flagged,
          wouldFlagOverdue: result.overdue,
        }),
      );
      return 0;
    }
    // Notifications fan out to subscriptions in this process (with the data folder's sealing key,
    // cliConfig); what that made due is attempted once here, and retried by the server's loop.
    let fannedOut = false;
    ctx.wakeDeliveries = () => {
      fannedOut = true;
    };
    // The very handler EventBridge invokes, over this context; loaded once the settings it reads as
    // it loads have been checked (cliConfig), so a bad one is refused in one line.
    const { handlerFor } = await import('../functions/stale-check');
    const result = await handlerFor(() => ctx)({ time: at });
    // The check commits its notifications to the outbox; against DynamoDB Local they are relayed here
    // from the table's stream (as the server's relay does, from the same position in the data
    // folder), so the tool delivers what it flagged even with no server running. A server relaying at
    // the same time makes no double: a delivery is created once per event and subscription.
    if (target.kind !== 'aws' && config.dynamodbEndpoint)
      await new OutboxStream({
        endpoint: config.dynamodbEndpoint,
        tableName: config.tableName,
        publisher: ctx.publisher,
        // No data folder (a DynamoDB Local of one's own): from the stream's start, which the
        // consumers absorb as they absorb any record offered twice.
        ...(existsSync(readDataDir(env))
          ? { positions: filePositions(relayPositionsFile(readDataDir(env))) }
          : {}),
      }).catchUp();
    if (fannedOut) await runDeliveries(ctx, Date.now());
    out(JSON.stringify({ now: result.now, flagged: result.flagged, overdue: result.overdue }));
    return 0;
  });
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
