import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LaunchError } from './dynamodb-local';

/** The file in TRACKER_DATA_DIR that says which `npm start` holds it. */
export const LOCK_FILE = 'npm-start.lock';

/** Another live `npm start` holds the data folder: a second DynamoDB Local on its files would corrupt them. */
export class DataFolderInUseError extends LaunchError {
  readonly code = 'data_folder_in_use';
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** Whether a process is running: signal 0 checks without sending; a zombie (Linux) has ended. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): kill(0) said it runs
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? { pid: parsed.pid, host: parsed.host, since: String(parsed.since) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Take the data folder for this process, or refuse (DataFolderInUseError, one line) while another
 * running process holds it. A lock left by a process that has ended (SIGKILL, a crash) is taken
 * over; so is one naming this very pid (a container restarted with the same pid). A lock from
 * another host cannot be checked and is refused: delete the file if that host is gone.
 * Creation is exclusive (`wx`), so of two starts at once one wins. Returns the release.
 */
export function lockDataFolder(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(resolve(dataDir), LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(file, error);
    }
    const holder = readHolder(file);
    const sameHost = holder?.host === me.host;
    if (holder && (!sameHost || (holder.pid !== me.pid && running(holder.pid))))
      throw new DataFolderInUseError(
        `TRACKER_DATA_DIR ${resolve(dataDir)} is in use by another npm start (pid ${holder.pid}${
          sameHost ? '' : ` on ${holder.host}`
        }, since ${holder.since}): stop that one first${
          sameHost ? ` (kill ${holder.pid})` : `, or delete ${file} if it is gone`
        }, or set TRACKER_DATA_DIR to another folder. Two DynamoDB Locals must never share one folder.`,
      );
    // Ended (or unreadable, as a half-written lock of a crash is): take it over.
    rmSync(file, { force: true });
  }
  return () => {
    if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
  };
}

function lockError(file: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST')
    return new DataFolderInUseError(`${file} was taken by another npm start just now; try again.`);
  return error instanceof Error ? error : new Error(String(error));
}
