import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/dynamodb-local';
import { startReceiver } from '../support/receiver';

/**
 * `npm start` killed with SIGKILL while webhook deliveries are pending, then started again on the
 * same data folder: every event still arrives (perhaps more than once, never missing).
 */
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
} {
  // detached: SIGKILL goes to the whole group (tsx, the server, DynamoDB Local), like a machine crash.
  const child = spawn(process.execPath, [TSX, 'local/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, DYNAMODB_ENDPOINT: '', POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((done) => child.once('exit', done));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start and webhook deliveries', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('delivers every pending event after a SIGKILL and a restart', async () => {
    // Prepare: a subscriber that fails every attempt until the crash
    const hook = await startReceiver(500);
    const [port, dbPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      DYNAMODB_LOCAL_PORT: String(dbPort),
      TRACKER_DATA_DIR: dataDir,
      TRACKER_SEED: 'false',
      TRACKER_ADMIN_TOKEN: 'crash-admin',
      TRACKER_EDITOR_TOKEN: 'crash-editor',
      STALE_CHECK_INTERVAL_SECONDS: '0',
      // Retries a second apart, so the restarted server sends them promptly.
      TRACKER_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1',
    };
    const base = `http://127.0.0.1:${port}`;
    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    let server = start(env);
    try {
      await until(() => server.output().includes('scenario tracker listening'), 'the server to listen');
      expect((await call('POST', '/subscriptions', 'crash-admin', { url: hook.url })).status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        expect(
          (
            await call('POST', '/threads', 'crash-editor', {
              id: `t${i}`,
              scenario: 'crash',
              kind: 'summit',
              title: `T${i}`,
              status: 'announced',
              summary: 's',
            })
          ).status,
        ).toBe(201);
      }
      // Every event has been tried (and failed) at least once: its delivery is pending in the table.
      await until(
        () => new Set(hook.received.map((r) => r.headers['webhook-id'])).size >= 5,
        'a first attempt of every event',
      );
      for (const r of hook.received) ids.push(String(r.headers['webhook-id']));
      const eventIds = [...new Set(ids)];
      // Act: crash, then the subscriber recovers, then restart
      process.kill(-server.child.pid!, 'SIGKILL');
      await server.exited;
      hook.answer = 204;
      const before = hook.received.length;
      server = start(env);
      await until(
        () => server.output().includes('scenario tracker listening'),
        'the restarted server to listen',
      );
      const delivered = () =>
        new Set(
          hook.received
            .slice(before)
            .filter((r) => r.answered === 204)
            .map((r) => String(r.headers['webhook-id'])),
        );
      await until(
        () => eventIds.every((id) => delivered().has(id)),
        'every event delivered after the restart',
      );
      // Assess
      expect([...delivered()].sort()).toEqual(expect.arrayContaining(eventIds.sort()));
      expect(hook.received.every((r) => JSON.parse(r.body).type === 'ThreadCreated')).toBe(true);
    } finally {
      if (server.child.exitCode === null) process.kill(-server.child.pid!, 'SIGKILL');
      await server.exited;
      await hook.close();
    }
  });
});
