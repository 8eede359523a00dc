import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portFree, startDynamoLocal } from '../../local/dynamodb-local';
import { relayPositionsFile } from '../../local/outbox-stream';
import { createContext } from '../../shared/app/context';
import { createThread } from '../../shared/app/threads';
import { readConfig } from '../../shared/config';
import { startReceiver } from '../support/receiver';
import { QUICK_JVM } from '../support/jvm';

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
    env: { ...process.env, DYNAMODB_ENDPOINT: '', POWERTOOLS_LOG_LEVEL: 'INFO', ...QUICK_JVM, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((done) => child.once('exit', done));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * SIGKILL the whole group (tsx, the server, DynamoDB Local), like a machine crash, and wait until
 * the crashed DynamoDB Local's port is free again: the group's leader can exit before the JVM has
 * let go of its socket, and a restart on the same port would then refuse to start.
 */
async function crash(s: ReturnType<typeof start>, dbPort: number): Promise<void> {
  process.kill(-s.child.pid!, 'SIGKILL');
  await s.exited;
  await until(() => portFree(dbPort), `port ${dbPort} to be free after the crash`);
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
      // The first retry 5 s after the first attempt (a quiet window to crash in, below), then a
      // second apart, so the restarted server sends them promptly.
      TRACKER_WEBHOOK_RETRY_SCHEDULE: '5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1',
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
      // Every event has been tried (and failed) at least once: its delivery is pending in the table,
      // due again within 5 s. Crashing while none is under an attempt's lease keeps the test from
      // waiting out a 30 s lease after the restart (what a lease does is tested with explicit
      // times in test/integration/deliveries.test.ts); one claimed anyway is delivered all the same.
      await until(
        () => new Set(hook.received.map((r) => r.headers['webhook-id'])).size >= 5,
        'a first attempt of every event',
      );
      const table = createContext(
        readConfig({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${dbPort}`, TRACKER_DATA_DIR: dataDir }),
      );
      await until(
        async () => (await table.deliveries.due(Date.now() + 10_000)).length === 5,
        'every delivery settled and due again, none under a lease',
      );
      for (const r of hook.received) ids.push(String(r.headers['webhook-id']));
      const eventIds = [...new Set(ids)];
      // Act: crash, then the subscriber recovers, then restart
      await crash(server, dbPort);
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

describe('npm start and the outbox relay', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-relay-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses nothing and doubles nothing when killed between a commit and its publish, or between a publish and its position', async () => {
    // Prepare: a subscriber that accepts everything, and a server that has relayed once
    const hook = await startReceiver(204);
    const [port, dbPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      DYNAMODB_LOCAL_PORT: String(dbPort),
      TRACKER_DATA_DIR: dataDir,
      TRACKER_SEED: 'false',
      TRACKER_ADMIN_TOKEN: 'relay-admin',
      TRACKER_EDITOR_TOKEN: 'relay-editor',
      STALE_CHECK_INTERVAL_SECONDS: '0',
    };
    const base = `http://127.0.0.1:${port}`;
    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const thread = (id: string) => ({
      id,
      scenario: 'relay-crash',
      kind: 'summit',
      title: id,
      status: 'announced',
      summary: 's',
    });
    const idsDelivered = () =>
      hook.received.filter((r) => r.answered === 204).map((r) => JSON.parse(r.body).threadId);
    const positions = relayPositionsFile(dataDir);
    const kill = (s: ReturnType<typeof start>) => crash(s, dbPort);
    let server = start(env);
    try {
      await until(() => server.output().includes('scenario tracker listening'), 'the server to listen');
      const made = await call('POST', '/subscriptions', 'relay-admin', { url: hook.url });
      expect(made.status).toBe(201);
      const subscriptionId = ((await made.json()) as { id: string }).id;
      /** The subscription's attempt log, as GET /subscriptions/{id} shows it (each settled attempt). */
      const attemptLog = async () =>
        (
          (await (await call('GET', `/subscriptions/${subscriptionId}`, 'relay-admin')).json()) as {
            deliveries: { eventId: string }[];
          }
        ).deliveries;
      // The delivery loop logs an attempt, then settles its delivery: a kill between the two makes it
      // due again when the lease runs out (at least once, by design: the webhook id lets a receiver
      // drop the repeat). Settled here means both, so a kill cannot land between them.
      const store = createContext(
        readConfig({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${dbPort}`, TRACKER_DATA_DIR: dataDir }),
      );
      const settled = async (n: number) => {
        for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
          if (
            (await attemptLog()).length >= n &&
            (await store.deliveries.due(Date.now() + 60_000)).length === 0
          )
            return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`timed out waiting for ${n} settled attempts`);
      };
      expect((await call('POST', '/threads', 'relay-editor', thread('before'))).status).toBe(201);
      await until(
        () => idsDelivered().includes('before') && existsSync(positions),
        'the first event delivered',
      );
      await settled(1);
      await kill(server);
      // Act 1: five writes commit while no relay runs — the state a SIGKILL right after each commit
      // leaves (their events in the outbox, on the stream, published to nobody)
      const dynamo = await startDynamoLocal({ port: dbPort, dataDir, env: { ...process.env, ...QUICK_JVM } });
      try {
        const ctx = createContext(
          readConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, TRACKER_DATA_DIR: dataDir }),
        );
        for (let i = 0; i < 5; i++)
          await createThread(ctx, thread(`t${i}`), { principal: { name: 'desk', role: 'editor' } });
      } finally {
        await dynamo.stop();
      }
      const relayedBefore = readFileSync(positions, 'utf8');
      server = start(env);
      const committed = ['t0', 't1', 't2', 't3', 't4'];
      await until(
        () => committed.every((id) => idsDelivered().includes(id)),
        'the committed events delivered',
      );
      // Settled (delivered and logged) before the next kill: a kill mid-attempt is the delivery loop's
      // concern (the test above), not the relay's.
      await settled(6);
      const afterFirstRestart = idsDelivered().length;
      // Act 2: killed again, its relay position put back to before those events — the state a
      // SIGKILL between their publish and the position that records it leaves
      await kill(server);
      writeFileSync(positions, relayedBefore);
      server = start(env);
      // The relay has read them again once it has recorded a position past them.
      await until(() => readFileSync(positions, 'utf8') !== relayedBefore, 'the relay to read them again');
      const log = await attemptLog();
      // Nothing made due again: a repeated event made no second delivery (conditional on event and subscription).
      const db = createContext(
        readConfig({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${dbPort}`, TRACKER_DATA_DIR: dataDir }),
      );
      const due = await db.deliveries.due(Date.now() + 60_000);
      // Assess: each event delivered once — none lost, none doubled by the events offered twice
      expect(idsDelivered().sort()).toEqual(['before', ...committed].sort());
      expect(idsDelivered()).toHaveLength(afterFirstRestart);
      expect(new Set(log.map((d) => d.eventId)).size).toBe(log.length);
      expect(log).toHaveLength(6);
      expect(due).toEqual([]);
    } finally {
      if (server.child.exitCode === null) process.kill(-server.child.pid!, 'SIGKILL');
      await server.exited;
      await hook.close();
    }
  });
});
