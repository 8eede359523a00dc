import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portFree } from '../../local/dynamodb-local';
import { LOCK_FILE } from '../../local/data-lock';
import { QUICK_JVM } from '../support/jvm';

/**
 * `npm start` as a newcomer runs it: a separate process with its own embedded DynamoDB Local,
 * driven from outside over HTTP.
 */
// Each case starts real processes (Node, tsx, Java): generous time on a busy machine.
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, path = process.env.PATH ?? ''): Started {
  const child = spawn(process.execPath, [TSX, 'local/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DYNAMODB_ENDPOINT: '',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      PATH: path,
      ...QUICK_JVM,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode === null) s.child.kill('SIGTERM');
  await s.exited;
}

/** Wait for an async condition (a port freed), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A server that runs on `dataDir` (its folder, locked) and has written to it: sanctions adopted. */
interface Holder {
  env: Record<string, string>;
  server: Started;
}

async function holdFolder(dataDir: string): Promise<Holder> {
  const env = {
    PORT: String(await freePort()),
    DYNAMODB_LOCAL_PORT: String(await freePort()),
    TRACKER_DATA_DIR: dataDir,
    TRACKER_READER_TOKEN: 'e2e-reader',
    TRACKER_EDITOR_TOKEN: 'e2e-editor',
    STALE_CHECK_INTERVAL_SECONDS: '0',
  };
  const server = start(env);
  await until(() => server.output().includes('scenario tracker listening'), 'the server to listen');
  const posted = await fetch(`http://127.0.0.1:${env.PORT}/threads/sanctions/updates`, {
    method: 'POST',
    headers: { Authorization: 'Bearer e2e-editor', 'Content-Type': 'application/json' },
    body: JSON.stringify({ status: 'adopted', summary: 'Adopted.', occurredAt: '2025-05-20T00:00:00Z' }),
  });
  expect(posted.status).toBe(201);
  return { env, server };
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-data-'));
  /**
   * The first case ends with a restarted server on `dataDir` that has written to it (sanctions
   * adopted): just what the SIGKILL case starts from, so it takes that server over instead of
   * starting and seeding one of its own (one `npm start` fewer in this file). Run alone (`-t`), the
   * SIGKILL case starts its own (holdFolder).
   */
  let handedOver: Holder | undefined;
  afterAll(async () => {
    if (handedOver) await stop(handedOver.server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the seeded threads, keeps data in TRACKER_DATA_DIR across restarts, answers history questions, and is flagged by the stale-check CLI', async () => {
    // Prepare
    const [port, dbPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      DYNAMODB_LOCAL_PORT: String(dbPort),
      TRACKER_DATA_DIR: dataDir,
      TRACKER_READER_TOKEN: 'e2e-reader',
      TRACKER_EDITOR_TOKEN: 'e2e-editor',
      STALE_CHECK_INTERVAL_SECONDS: '0',
    };
    const base = `http://127.0.0.1:${port}`;
    const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
    let server = start(env);
    try {
      await until(() => server.output().includes('scenario tracker listening'), 'the server to listen');
      // Act
      const list = await (
        await fetch(`${base}/threads?scenario=russia-ukraine-talks`, { headers: auth('e2e-reader') })
      ).json();
      const posted = await fetch(`${base}/threads/sanctions/updates`, {
        method: 'POST',
        headers: { ...auth('e2e-editor'), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          status: 'adopted',
          summary: 'EU adopted the 17th package.',
          occurredAt: '2025-05-20T00:00:00Z',
        }),
      });
      // Assess
      expect(list.items.map((t: { id: string; status: string }) => `${t.id}:${t.status}`)).toEqual([
        'ceasefire:rejected',
        'prisoner-exchange:agreed',
        'sanctions:proposed',
        'trump-putin-meeting:announced',
      ]);
      expect(posted.status).toBe(201);
      // The admin token was not given: it is minted and printed once, and no given token is ever printed.
      expect(server.output()).toMatch(/admin\s+token \(local-admin\): st_[A-Za-z0-9_-]{43}/);
      expect(server.output()).not.toContain('e2e-editor');
      const firstPage = await (
        await fetch(`${base}/threads?limit=1`, { headers: auth('e2e-reader') })
      ).json();
      await stop(server);

      server = start(env);
      await until(
        () => server.output().includes('scenario tracker listening'),
        'the restarted server to listen',
      );
      const after = await (await fetch(`${base}/threads/sanctions`, { headers: auth('e2e-reader') })).json();
      expect(after).toMatchObject({ status: 'adopted', version: 2 });
      expect(server.output()).not.toContain('seeded scenario');
      // Page tokens outlive a restart: the signing secret was made once and kept in the data folder.
      const secondPage = await fetch(
        `${base}/threads?limit=1&nextToken=${encodeURIComponent(firstPage.nextToken)}`,
        { headers: auth('e2e-reader') },
      );
      expect(secondPage.status).toBe(200);
      expect((await secondPage.json()).items.map((t: { id: string }) => t.id)).toEqual(['prisoner-exchange']);
      expect(statSync(join(dataDir, 'page-token-secret')).mode & 0o777).toBe(0o600);

      // History from outside: a report, its retraction, and the two time axes.
      const json = { ...auth('e2e-editor'), 'Content-Type': 'application/json' };
      const report = await (
        await fetch(`${base}/threads/ceasefire/updates`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({
            status: 'agreed',
            summary: 'Wrongly reported agreed.',
            occurredAt: '2025-05-18T00:00:00Z',
          }),
        })
      ).json();
      const retraction = await fetch(`${base}/threads/ceasefire/updates/${report.update.id}/retraction`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ reason: 'Source withdrew it.' }),
      });
      expect(retraction.status).toBe(200);
      const view = async (q: string) =>
        (await fetch(`${base}/threads/ceasefire?${q}`, { headers: auth('e2e-reader') })).json();
      expect((await view(`knownAt=${encodeURIComponent(report.update.recordedAt)}`)).status).toBe('agreed');
      expect((await view('asOf=2025-05-17T00:00:00Z')).status).toBe('rejected');
      expect((await view('')).status).toBe('rejected');
      expect(
        (
          await fetch(`${base}/threads/ceasefire/updates/${report.update.id}/retraction`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ reason: 'Again.' }),
          })
        ).status,
      ).toBe(409);
      expect((await view('asOf=yesterday')).errors[0].path).toBe('asOf');

      // The stale-check CLI against the running server's database: every seeded thread is due in 200 h.
      const at = new Date(Date.now() + 200 * 3_600_000).toISOString();
      const cli = spawn(process.execPath, [TSX, 'local/stale-check-cli.ts', '--at', at, '--allow-future'], {
        cwd: ROOT,
        env: { ...process.env, DYNAMODB_ENDPOINT: '', DYNAMODB_LOCAL_PORT: String(dbPort) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let cliOut = '';
      cli.stdout!.on('data', (d) => (cliOut += d));
      expect(await new Promise((done) => cli.once('exit', done))).toBe(0);
      const summary = JSON.parse(cliOut.trim().split('\n').pop()!);
      expect({ ...summary, flagged: [...summary.flagged].sort() }).toEqual({
        now: at,
        flagged: ['ceasefire', 'prisoner-exchange', 'sanctions', 'trump-putin-meeting'],
        overdue: [],
      });
      const stale = await (await fetch(`${base}/threads?stale=true`, { headers: auth('e2e-reader') })).json();
      expect(stale.items.map((t: { id: string; stale: boolean }) => `${t.id}:${t.stale}`)).toEqual([
        'ceasefire:true',
        'prisoner-exchange:true',
        'sanctions:true',
        'trump-putin-meeting:true',
      ]);
      // Still running, holding the folder it has written to: the SIGKILL case below takes it over.
      handedOver = { env, server };
    } finally {
      if (handedOver?.server !== server) await stop(server);
    }
  });

  describe('killed with SIGKILL', () => {
    it('refuses a second start on the same data folder, takes DynamoDB Local down with it, and starts again on the same ports and data', async () => {
      // Prepare: a server that holds the data folder and has written to it (sanctions adopted, version
      // 2): the one the case above left running, or, when this case runs alone, one of its own.
      const { env, server: first } = handedOver ?? (await holdFolder(dataDir));
      handedOver = undefined;
      const [port, dbPort] = [Number(env.PORT), Number(env.DYNAMODB_LOCAL_PORT)];
      const [otherPort, otherDbPort] = [await freePort(), await freePort()];
      const base = `http://127.0.0.1:${port}`;
      const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
      const started: Started[] = [first];
      let serverPid = 0;
      try {
        // The server itself (tsx runs it as its child): the process that started DynamoDB Local.
        serverPid = Number(
          execFileSync('pgrep', ['-P', String(first.child.pid)], { encoding: 'utf8' }).trim(),
        );

        // Act 1: another start on the same folder, other ports (what the port message used to advise)
        const second = start({ ...env, PORT: String(otherPort), DYNAMODB_LOCAL_PORT: String(otherDbPort) });
        started.push(second);
        await until(
          () => second.child.exitCode !== null || second.output().includes('scenario tracker listening'),
          'the second start to end or listen',
        );
        // Assess 1: refused in one line naming the holder, before any DynamoDB Local was started
        expect(second.child.exitCode).toBe(1);
        const lines = second.output().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`is in use by another npm start (pid ${serverPid}`);
        expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(serverPid);

        // What the server has acknowledged (version 2 from holdFolder; later from the first case, whose
        // stale check flagged it once more): what must outlive the SIGKILL.
        const before = await (
          await fetch(`${base}/threads/sanctions`, { headers: auth('e2e-reader') })
        ).json();
        expect(before).toMatchObject({ status: 'adopted' });
        expect(before.version).toBeGreaterThanOrEqual(2);

        // Act 2: the server is killed outright (the process that started DynamoDB Local)
        process.kill(serverPid, 'SIGKILL');
        await first.exited;
        // Assess 2: its DynamoDB Local goes too, freeing its port
        await eventually(() => portFree(dbPort), `DynamoDB Local on port ${dbPort} to end`);

        // Act 3: start again, same ports, same folder
        const third = start(env);
        started.push(third);
        await until(
          () => third.output().includes('scenario tracker listening'),
          'the restarted server to listen',
        );
        const after = await (
          await fetch(`${base}/threads/sanctions`, { headers: auth('e2e-reader') })
        ).json();
        await stop(third);
        // Assess 3: the stale lock was taken over, the data is there, and a clean stop gives the folder back
        expect(after).toMatchObject({ status: 'adopted', version: before.version });
        expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
        await eventually(() => portFree(dbPort), `DynamoDB Local on port ${dbPort} to stop`);
      } finally {
        for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
        try {
          if (serverPid) process.kill(serverPid, 'SIGKILL');
        } catch {
          // ended
        }
      }
    });
  });
});

describe('npm start', () => {
  // Its own folder: the server handed over above may still hold the other one.
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [
      { STALE_CHECK_INTERVAL_SECONDS: 'abc' },
      /^scenario tracker failed to start: STALE_CHECK_INTERVAL_SECONDS must be an integer from 0 to 2147483 seconds/,
    ],
    [
      { STALE_CHECK_INTERVAL_SECONDS: '2147484' },
      /^scenario tracker failed to start: STALE_CHECK_INTERVAL_SECONDS must be/,
    ],
    [
      { TRACKER_EDITOR_TOKEN: 'same-value', TRACKER_READER_TOKEN: 'same-value' },
      /^scenario tracker failed to start: TRACKER_EDITOR_TOKEN has the same value as TRACKER_READER_TOKEN/,
    ],
    [
      { TRACKER_ADMIN_TOKEN: 'has a space' },
      /^scenario tracker failed to start: TRACKER_ADMIN_TOKEN must be 1–512 visible ASCII characters/,
    ],
    [
      { WRITE_MAX_ATTEMPTS: '0' },
      /^scenario tracker failed to start: WRITE_MAX_ATTEMPTS must be an integer from 1 to 1000, not "0"\.$/,
    ],
    [{ PORT: 'eighty' }, /^scenario tracker failed to start: PORT must be a port number/],
  ])(
    'refuses to start with %j, in one line naming the variable, before starting anything',
    async (bad, line) => {
      // Prepare: ports nobody listens on; a bad setting must end it before any is opened.
      const server = start({
        PORT: String(await freePort()),
        DYNAMODB_LOCAL_PORT: String(await freePort()),
        TRACKER_DATA_DIR: dataDir,
        ...bad,
      });
      // Act
      const code = await server.exited;
      // Assess
      expect(code).not.toBe(0);
      const lines = server.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(lines[0]).not.toMatch(/same-value|has a space/);
    },
  );

  it('says in one line that the DynamoDB Local port is taken, and exits', async () => {
    const dbPort = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(dbPort, '127.0.0.1', done));
    try {
      const server = start({
        PORT: String(await freePort()),
        DYNAMODB_LOCAL_PORT: String(dbPort),
        TRACKER_DATA_DIR: dataDir,
      });
      expect(await server.exited).toBe(1);
      const lines = server.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${dbPort} is already in use`);
    } finally {
      squatter.close();
    }
  });

  it('says in one line that Java is missing, with how to install it', async () => {
    // A PATH that holds node and nothing else.
    const bin = mkdtempSync(join(tmpdir(), 'tracker-bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const server = start(
      {
        PORT: String(await freePort()),
        DYNAMODB_LOCAL_PORT: String(await freePort()),
        TRACKER_DATA_DIR: dataDir,
      },
      bin,
    );
    expect(await server.exited).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java was not found.*apt-get install/);
    rmSync(bin, { recursive: true, force: true });
  });
});
