import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  KeyringFormatError,
  UnknownKeyError,
  newKeyring,
  parseKeyring,
  retireKey,
  rotateKeyring,
} from '../shared/domain/keyring';
import { readDataDir, SettingError } from '../shared/config';
import { SECRET_FILE, WEBHOOK_KEY_FILE } from './local-secrets';

/**
 * `npm run keyring -- <command>`: make, rotate and retire the keys of a keyring (shared/domain/keyring.ts),
 * the text the page-token and webhook sealing secrets hold. It reads a keyring on standard input and
 * writes the new one on standard output, so in the cloud it sits between `aws secretsmanager
 * get-secret-value` and `put-secret-value` and no key touches a file or a command line
 * (docs/runbook.md); with `--local` it rewrites `npm start`'s data-folder file instead. `show` prints
 * key ids only, never a key.
 */
export const USAGE = `Usage: npm run --silent keyring -- <command> [--local page-token|webhook]
  new                 print a new keyring (one fresh current key)
  rotate              read a keyring, print it with a fresh current key (the old one kept as previous)
  retire <key id>     read a keyring, print it without that previous key (what it sealed no longer opens)
  show                read a keyring, print its key ids: {"current":…,"previous":[…]} (never a key)
A keyring is read on standard input and printed on standard output; with --local the keyring file of
npm start's data folder (TRACKER_DATA_DIR, default .data) is read and rewritten instead (restart npm start
to take it up).`;

const LOCAL_FILES: Record<string, string> = { 'page-token': SECRET_FILE, webhook: WEBHOOK_KEY_FILE };

class UsageError extends Error {}

export interface KeyringIo {
  /** The keyring text given on standard input. */
  input(): string;
  out(line: string): void;
  err(line: string): void;
}

const processIo: KeyringIo = {
  input: () => readFileSync(0, 'utf8'),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Replace a keyring file whole (a crash leaves the old or the new one, never half), owner-only. */
function rewrite(file: string, text: string): void {
  const next = `${file}.next`;
  writeFileSync(next, `${text}\n`, { mode: 0o600 });
  renameSync(next, file);
}

/** The whole tool, testable without a process: returns the exit code (0 done, 1 refused, 2 usage). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io = processIo): number {
  try {
    const { positionals, values } = (() => {
      try {
        return parseArgs({
          args: [...argv],
          allowPositionals: true,
          strict: true,
          options: { local: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    })();
    const [command, ...rest] = positionals;
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const local = values.local;
    if (local !== undefined && !Object.hasOwn(LOCAL_FILES, local))
      throw new UsageError(`--local must be page-token or webhook, not ${JSON.stringify(local)}`);
    const file = local === undefined ? undefined : join(readDataDir(env), LOCAL_FILES[local]!);
    const read = () => (file ? readFileSync(file, 'utf8') : io.input());
    const give = (text: string) => (file ? rewrite(file, text) : io.out(text));
    const arity = (n: number) => {
      if (rest.length !== n) throw new UsageError(`${command} takes ${n === 0 ? 'no argument' : 'a key id'}`);
    };
    switch (command) {
      case 'new':
        arity(0);
        if (file) throw new UsageError('new prints a keyring; npm start makes its own files');
        give(newKeyring());
        return 0;
      case 'rotate':
        arity(0);
        give(rotateKeyring(read()));
        return 0;
      case 'retire':
        arity(1);
        give(retireKey(read(), rest[0]!));
        return 0;
      case 'show': {
        arity(0);
        const ring = parseKeyring(read());
        io.out(JSON.stringify({ current: ring.current.id, previous: Object.keys(ring.previous) }));
        return 0;
      }
      default:
        throw new UsageError(
          command === undefined ? 'no command' : `unknown command ${JSON.stringify(command)}`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingError) {
      io.err(`Error: ${error.message}`);
      io.err(USAGE);
      return 2;
    }
    if (error instanceof KeyringFormatError) {
      io.err(`The keyring ${error.message}.`);
      return 1;
    }
    if (error instanceof UnknownKeyError) {
      io.err(`The keyring has no previous key ${error.keyId}.`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(
        `${(error as NodeJS.ErrnoException).path} does not exist: npm start makes it on its first start.`,
      );
      return 1;
    }
    throw error;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
