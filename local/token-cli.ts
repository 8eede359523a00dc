import { parseArgs } from 'node:util';
import { createContext, type AppContext } from '../shared/app/context';
import { createToken, listTokens, revokeToken } from '../shared/app/tokens';
import { NotFoundError, TokenExistsError } from '../shared/domain/errors';
import { SLUG } from '../shared/domain/schemas';
import { ROLES, type Role } from '../shared/domain/types';
import {
  CliEnvironmentError,
  CliUsageError,
  checkDatabase,
  cliConfig,
  describeTarget,
  oneLine,
} from './cli-env';

/**
 * `npm run token -- <command>`: manage API tokens from a terminal.
 *
 *   create --name <name> --role <reader|editor|admin>   prints the new token, the only time it is shown
 *   list [--json]                                       names, roles, createdAt, lastUsedAt (never a token or hash)
 *   revoke --name <name>                                the token stops working on its next request
 *
 * The database is found as every tool finds it (local/cli-env.ts). Exit codes: 0 done, 1 it could
 * not be done (no database, name taken, unknown name), 2 usage error.
 */
export const USAGE = `Usage: npm run token -- <command>
  create --name <name> --role <reader|editor|admin>   create a token; it is printed this once only
  list [--json]                                       list tokens (names, roles, times; never the tokens)
  revoke --name <name>                                revoke a token
Names are slugs: lower-case letters, digits and inner hyphens, 1-64 characters.
Database: DYNAMODB_ENDPOINT unset = the embedded DynamoDB Local on DYNAMODB_LOCAL_PORT (default 8000),
a URL = that endpoint, aws = DynamoDB in AWS. Table: TABLE_NAME (default scenario-tracker).`;

export interface CliOutput {
  /** A line for standard output. */
  out(line: string): void;
  /** A line for standard error. */
  err(line: string): void;
}

const consoleOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type Command =
  | { cmd: 'create'; name: string; role: Role }
  | { cmd: 'list'; json: boolean }
  | { cmd: 'revoke'; name: string }
  | { cmd: 'help' };

function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { cmd: 'help' };
  if (positionals.length === 0) throw new CliUsageError('Give a command: create, list or revoke.');
  if (positionals.length > 1)
    throw new CliUsageError(`Unexpected argument ${JSON.stringify(positionals[1])}.`);
  const command = positionals[0]!;
  const allowed: Record<string, string[]> = { create: ['name', 'role'], list: ['json'], revoke: ['name'] };
  const options = allowed[command];
  if (!options)
    throw new CliUsageError(`Unknown command ${JSON.stringify(command)}; use create, list or revoke.`);
  for (const key of Object.keys(values))
    if (!options.includes(key)) throw new CliUsageError(`${command} takes no --${key}.`);

  const name = (): string => {
    if (values.name === undefined) throw new CliUsageError(`${command} needs --name <name>.`);
    if (!SLUG.test(values.name))
      throw new CliUsageError(
        `--name must be a slug (lower-case letters, digits and inner hyphens, 1-64 characters), not ${JSON.stringify(values.name)}.`,
      );
    return values.name;
  };
  if (command === 'create') {
    const tokenName = name();
    if (values.role === undefined) throw new CliUsageError('create needs --role <reader|editor|admin>.');
    if (!ROLES.includes(values.role as Role))
      throw new CliUsageError(
        `--role must be one of ${ROLES.join(', ')}, not ${JSON.stringify(values.role)}.`,
      );
    return { cmd: 'create', name: tokenName, role: values.role as Role };
  }
  if (command === 'revoke') return { cmd: 'revoke', name: name() };
  return { cmd: 'list', json: values.json === true };
}

async function run(
  command: Exclude<Command, { cmd: 'help' }>,
  ctx: AppContext,
  out: CliOutput,
): Promise<number> {
  switch (command.cmd) {
    case 'create': {
      const created = await createToken(ctx, command.name, command.role);
      out.out(
        `Created ${created.role} token ${created.name} at ${created.createdAt}. It is shown only this once; store it now:`,
      );
      out.out(created.token);
      return 0;
    }
    case 'list': {
      // Pick the fields explicitly, so nothing the store might add (a hash) can ever be printed.
      const items = (await listTokens(ctx)).map(({ name, role, createdAt, lastUsedAt }) => ({
        name,
        role,
        createdAt,
        lastUsedAt,
      }));
      if (command.json) {
        out.out(JSON.stringify({ items }));
      } else if (items.length === 0) {
        out.out('No tokens.');
      } else {
        const rows = [
          ['NAME', 'ROLE', 'CREATED', 'LAST USED'],
          ...items.map((t) => [t.name, t.role, t.createdAt, t.lastUsedAt ?? 'never']),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const row of rows)
          out.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
      }
      return 0;
    }
    case 'revoke':
      await revokeToken(ctx, command.name);
      out.out(`Revoked token ${command.name}.`);
      return 0;
  }
}

/** The whole tool, testable without a process: returns the exit code. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: CliOutput = consoleOutput,
): Promise<number> {
  let command: Command;
  let setup: ReturnType<typeof cliConfig>;
  try {
    command = parseCommand(argv);
    if (command.cmd === 'help') {
      out.out(USAGE);
      return 0;
    }
    setup = cliConfig(env);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    out.err(`Error: ${error.message}`);
    out.err(USAGE);
    return 2;
  }
  const { target, config } = setup;
  let ctx: AppContext | undefined;
  try {
    await checkDatabase(target, config);
    ctx = createContext(config);
    return await run(command, ctx, out);
  } catch (error) {
    if (
      error instanceof CliEnvironmentError ||
      error instanceof TokenExistsError ||
      error instanceof NotFoundError
    ) {
      out.err(error.message);
    } else {
      out.err(`Failed against ${describeTarget(target)} (table ${config.tableName}): ${oneLine(error)}`);
    }
    return 1;
  } finally {
    ctx?.db.destroy();
  }
}

if (require.main === module) {
  // The SDK's Node.js-version notice is not this tool's business and would break the one-line errors.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${oneLine(error)}\n`);
      process.exit(1);
    },
  );
}
