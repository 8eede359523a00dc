import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dynamoCallBoundMs, readConfig } from '../../shared/config';
import { freePort, startDynamoLocal, type RunningDynamo } from '../../local/dynamodb-local';
import { QUICK_JVM } from '../support/jvm';
import { startTestServer, type TestServer } from '../support/server';

/**
 * A database that stops answering: a DynamoDB Local of this file's own (never the run's shared
 * one), frozen with SIGSTOP and resumed with SIGCONT. While it is frozen the kernel still accepts
 * connections and buffers requests, exactly like a server that hangs: only the client's timeouts
 * can end the wait.
 */
/** The shipped defaults: what is under test is what runs. */
const { dynamodbTimeoutMs, dynamodbMaxAttempts } = readConfig({});
const SETTINGS = { dynamodbTimeoutMs, dynamodbMaxAttempts };
/** The contract's promise: every request answered within 10 s. */
const ANSWER_WITHIN_MS = 10_000;
/** How long a test waits for a request before calling it hung (then it resumes the database and fails). */
const HUNG_MS = 20_000;

let dynamo: RunningDynamo;
let s: TestServer;
let frozen = false;
let freezeBeforeNextTransaction = false;
let frozeUnderTransaction = false;

/** Every thread of the process stopped: Linux lists them under /proc; elsewhere ps shows the process's state. */
function stopped(pid: number): boolean {
  if (existsSync(`/proc/${pid}/task`)) {
    return readdirSync(`/proc/${pid}/task`).every((t) => {
      try {
        return /^\d+ \(.*\) [tT]/.test(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'));
      } catch {
        return true; // a thread that ended meanwhile
      }
    });
  }
  return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
    .trim()
    .startsWith('T');
}

/**
 * SIGSTOP, then wait until it has taken hold: kill() returns before every thread has stopped, and a
 * request sent in that moment may still be served (seen on a busy machine).
 */
async function freeze(): Promise<void> {
  const pid = dynamo.pid;
  process.kill(pid, 'SIGSTOP');
  frozen = true;
  while (!stopped(pid)) await new Promise((r) => setTimeout(r, 5));
}
const thaw = () => {
  if (frozen) process.kill(dynamo.pid, 'SIGCONT');
  frozen = false;
};

/**
 * Calls outside what a test measures (preparing, checking) get a few tries when the short client
 * timeout fires: on a busy machine a fresh JVM can be slow, which is not what this file tests.
 */
async function patiently<T>(call: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (error) {
      if (i >= tries || (error as Error).name !== 'TimeoutError') throw error;
    }
  }
}

beforeAll(async () => {
  dynamo = await startDynamoLocal({ port: await freePort(), env: { ...process.env, ...QUICK_JVM } });
  // Create and seed the table with patient timeouts (a fresh DynamoDB Local's first requests can take
  // seconds on a busy machine), then serve it with the shipped ones.
  const setup = await startTestServer({
    notifications: false,
    config: { dynamodbEndpoint: dynamo.endpoint, dynamodbTimeoutMs: 30_000 },
  });
  await setup.close();
  s = await startTestServer({
    notifications: false,
    config: {
      ...SETTINGS,
      dynamodbEndpoint: dynamo.endpoint,
      tableName: setup.ctx.config.tableName,
      idempotencyLockSeconds: 1,
    },
  });
  // Freeze the database at the moment a write's transaction goes out, so its outcome is unknown.
  s.ctx.db.middlewareStack.add(
    (next, context) => async (args) => {
      if (freezeBeforeNextTransaction && context.commandName === 'TransactWriteItemsCommand') {
        freezeBeforeNextTransaction = false;
        await freeze();
        frozeUnderTransaction = true;
      }
      return next(args);
    },
    { step: 'initialize', name: 'freezeBeforeTransaction' },
  );
});
afterAll(async () => {
  thaw();
  await s?.close();
  await dynamo?.stop();
});
afterEach(() => thaw());

type Answer = Awaited<ReturnType<TestServer['call']>>;

/** A request and how long it took to be answered; a request that hangs fails the test (not the run). */
async function timed(request: () => Promise<Answer>): Promise<Answer & { ms: number }> {
  const started = performance.now();
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, fail) => {
    guard = setTimeout(() => fail(new Error(`no answer within ${HUNG_MS} ms`)), HUNG_MS);
  });
  try {
    const answer = await Promise.race([request(), hung]);
    return { ...answer, ms: performance.now() - started };
  } finally {
    clearTimeout(guard);
  }
}

/** Repeat a request until it gets `status`: what a client does after a 503 or a 409 in progress. */
async function until(status: number, request: () => Promise<Answer>, tries = 40): Promise<Answer> {
  for (let i = 1; ; i++) {
    const answer = await request();
    if (answer.status === status || i >= tries) return answer;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a database that stops answering', () => {
  it('fails a call to a database that does not answer well inside the 10 s promise, twice over', () => {
    // A failed idempotent write makes two such calls: the write, then giving its claim back.
    expect(2 * dynamoCallBoundMs(SETTINGS)).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers every request 503 unavailable with Retry-After while frozen, and serves again once it resumes', async () => {
    // Prepare
    expect((await until(200, () => s.call('GET', '/threads/ceasefire', { role: 'reader' }))).status).toBe(
      200,
    );
    // Act
    await freeze();
    let answers: (Answer & { ms: number })[];
    try {
      answers = await Promise.all([
        timed(() => s.call('GET', '/threads/ceasefire', { role: 'reader' })),
        timed(() => s.call('GET', '/threads?scenario=russia-ukraine-talks', { role: 'reader' })),
        timed(() => s.call('POST', '/threads/ceasefire/updates', { body: { summary: 'Into the void.' } })),
      ]);
    } finally {
      thaw();
    }
    // Assess
    expect(answers!.map((a) => [a.status, a.body?.code])).toEqual(answers!.map(() => [503, 'unavailable']));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(a.body.code).toBe('unavailable');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(a.ms).toBeLessThan(ANSWER_WITHIN_MS);
    }
    const recovered = await until(200, () => s.call('GET', '/threads/ceasefire', { role: 'reader' }));
    expect(recovered.status).toBe(200);
  });

  it('answers readiness (GET /ready) 503 within one attempt while frozen, as liveness (GET /health) stays 200', async () => {
    // Prepare
    const readyBefore = await until(200, () => s.call('GET', '/ready', { role: null }));
    // Act
    await freeze();
    let ready: Answer & { ms: number };
    let live: Answer & { ms: number };
    try {
      [ready, live] = await Promise.all([
        timed(() => s.call('GET', '/ready', { role: null })),
        timed(() => s.call('GET', '/health', { role: null })),
      ]);
    } finally {
      thaw();
    }
    const readyAfter = await until(200, () => s.call('GET', '/ready', { role: null }));
    // Assess
    expect([readyBefore.status, readyBefore.body]).toEqual([200, { status: 'ready' }]);
    expect([ready!.status, ready!.body.code]).toEqual([503, 'unavailable']);
    expect(Number(ready!.headers.get('retry-after'))).toBeGreaterThan(0);
    // One attempt's timeout, not the attempts × timeout + back-off an ordinary request may take.
    expect(ready!.ms).toBeLessThan(dynamoCallBoundMs(SETTINGS));
    expect([live!.status, live!.body]).toEqual([200, { status: 'ok' }]);
    expect(readyAfter.status).toBe(200);
  });

  it('applies a write whose transaction met the frozen database exactly once when retried under its key', async () => {
    // Prepare
    const before = (await patiently(() => s.ctx.threads.getThreadConsistent('sanctions')))!.version;
    const body = { summary: 'Sent as the database froze.' };
    const send = () =>
      s.call('POST', '/threads/sanctions/updates', { body, headers: { 'Idempotency-Key': 'frozen-write' } });
    // Act: the claim goes through, then the database freezes under the transaction
    freezeBeforeNextTransaction = true;
    let first: Answer & { ms: number };
    try {
      first = await timed(send);
    } finally {
      freezeBeforeNextTransaction = false;
      thaw();
    }
    const retried = await until(201, send);
    // Assess: whether the lost transaction landed late or not at all, the update is there once
    expect(frozeUnderTransaction).toBe(true);
    expect(first.status).toBe(503);
    expect(first.body.code).toBe('unavailable');
    expect(first.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(retried.status).toBe(201);
    const { thread, updates } = await patiently(() => s.ctx.threads.loadHistory('sanctions'));
    expect(thread!.version).toBe(before + 1);
    expect(updates.filter((u) => u.summary === body.summary)).toHaveLength(1);
    const again = await send();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(retried.text);
  });
});
