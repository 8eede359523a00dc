import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/**
 * A headless Chromium for the status-page test and `npm run screenshots`, on a machine with only
 * Node.js: the system's Chromium when there is one, otherwise the headless shell that ships inside
 * the `@sparticuz/chromium` npm package (extracted once to the temp folder). Nothing is downloaded
 * and nothing comes from apt.
 */

/** Where distributions put Chromium; the first that exists wins. */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

const run = promisify(execFile);

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumBinary {
  path: string;
  source: 'system' | 'npm';
  /** Extra environment for the browser process. */
  env: Record<string, string>;
}

/**
 * The packaged binary, extracted into a folder named for its version. The package always extracts
 * into os.tmpdir(), so it runs in a child process whose TMPDIR is a private folder (Jest's
 * process.env is a copy that os.tmpdir() never sees). Several test runs on one machine may extract
 * at once: each renames its folder into place, so none sees a half-written binary, and the loser of
 * a race uses the winner's copy.
 */
async function packagedChromium(): Promise<ChromiumBinary> {
  const entry = require.resolve('@sparticuz/chromium');
  // Its exports map hides package.json; the entry point sits two folders below it.
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const home = join(tmpdir(), `scenario-tracker-chromium-${version}`);
  if (!existsSync(join(home, 'chromium'))) {
    const staging = mkdtempSync(join(tmpdir(), 'scenario-tracker-chromium-extract-'));
    try {
      const script = `require(${JSON.stringify(entry)}).executablePath().then((p) => process.stdout.write(p))`;
      const { stdout } = await run(process.execPath, ['-e', script], {
        env: { ...process.env, TMPDIR: staging },
      });
      if (stdout !== join(staging, 'chromium'))
        throw new Error(`@sparticuz/chromium extracted to ${stdout}, not to ${staging}`);
      renameSync(staging, home);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(home, 'chromium'))) throw error;
    }
  }
  // Its own fonts, for machines without any fontconfig setup (a slim container); else the system's.
  const env: Record<string, string> = existsSync('/etc/fonts/fonts.conf')
    ? {}
    : { FONTCONFIG_PATH: join(home, 'fonts') };
  return { path: join(home, 'chromium'), source: 'npm', env };
}

/** The Chromium this machine will use: the system's when present, else the packaged one. */
export async function findChromium(): Promise<ChromiumBinary> {
  const system = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  return system ? { path: system, source: 'system', env: {} } : packagedChromium();
}

/** Launch headless Chromium (see findChromium). */
export async function launchChromium(): Promise<Browser> {
  const binary = await findChromium();
  return chromium.launch({
    executablePath: binary.path,
    args: LAUNCH_ARGS,
    ...(Object.keys(binary.env).length ? { env: { ...process.env, ...binary.env } } : {}),
  });
}
