import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  PutCommand,
  DeleteCommand,
  UpdateCommand,
  BatchGetCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createContext, setAppContext, type AppContext } from '../../shared/app/context';
import { createDocumentClient } from '../../shared/store/client';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Faults injected at the SDK boundary (the only place mocks are used): every command not told to
 * fail goes through to the real DynamoDB Local, so what is written is checked for real.
 */
let s: TestServer;
let real: AppContext;
let faulty: AppContext;
let mock: ReturnType<typeof mockClient>;

function passThrough() {
  mock.reset();
  for (const Command of [
    GetCommand,
    QueryCommand,
    TransactWriteCommand,
    PutCommand,
    DeleteCommand,
    UpdateCommand,
    BatchGetCommand,
  ] as const) {
    const C = Command as any;
    mock.on(C).callsFake((input: unknown) => real.db.send(new C(input)));
  }
}

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  real = s.ctx;
  const db: DynamoDBDocumentClient = createDocumentClient(real.config);
  faulty = createContext({ ...real.config, writeMaxAttempts: 3, writeBackoffCapMs: 5 }, { db });
  mock = mockClient(db);
});
beforeEach(() => {
  passThrough();
  setAppContext(faulty);
});
afterAll(async () => {
  mock.restore();
  setAppContext(real);
  await s.close();
});

const version = async (id: string) => (await real.threads.getThread(id))!.version;
/** The SDK's error when every attempt timed out (@smithy/node-http-handler names them all so). */
const timedOut = () =>
  Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const canceled = (code: string) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: code }],
  });

describe('faults from DynamoDB', () => {
  it('answers 503 with Retry-After when the table is throttled, and writes nothing', async () => {
    // Prepare
    const before = await version('ceasefire');
    mock
      .on(TransactWriteCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    // Act
    const r = await s.call('POST', '/threads/ceasefire/updates', { body: { summary: 'note' } });
    // Assess
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('unavailable');
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await version('ceasefire')).toBe(before);
  });

  it('retries transient transaction conflicts and applies the update exactly once', async () => {
    const before = await version('sanctions');
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('TransactionConflict'))
      .rejectsOnce(canceled('TransactionConflict'))
      .callsFake((input) => real.db.send(new TransactWriteCommand(input)));
    const r = await s.call('POST', '/threads/sanctions/updates', { body: { summary: 'note' } });
    expect(r.status).toBe(201);
    expect(await version('sanctions')).toBe(before + 1);
  });

  it('gives up with 503 after the bounded retries when it keeps losing the race', async () => {
    const before = await version('prisoner-exchange');
    mock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed'));
    const r = await s.call('POST', '/threads/prisoner-exchange/updates', { body: { summary: 'note' } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).not.toBeNull();
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(await version('prisoner-exchange')).toBe(before);
  });

  it('answers a bare 500 without internals for an unexpected failure', async () => {
    // Only the thread read fails; the token lookup before it works.
    mock.on(GetCommand).callsFake(async (input: { Key: { SK: string } }) => {
      if (input.Key.SK === '#THREAD') throw new Error('socket hang up at /var/task/index.js:1:2');
      return real.db.send(new GetCommand(input as never));
    });
    const r = await s.call('GET', '/threads/ceasefire', { role: 'reader' });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 'internal', status: 500 });
    expect(r.text).not.toMatch(/socket|index\.js|stack/);
  });

  it('releases the idempotency key when the write fails, so the retry goes through', async () => {
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .callsFake((input) => real.db.send(new TransactWriteCommand(input)));
    const body = { summary: 'idempotent note' };
    const failed = await s.call('POST', '/threads/trump-putin-meeting/updates', {
      body,
      headers: { 'Idempotency-Key': 'retry-me' },
    });
    const retried = await s.call('POST', '/threads/trump-putin-meeting/updates', {
      body,
      headers: { 'Idempotency-Key': 'retry-me' },
    });
    expect(failed.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 503 unavailable with Retry-After when the database does not answer in time', async () => {
    // Prepare: what the SDK throws once its attempts have all timed out
    mock.on(GetCommand).rejects(timedOut());
    // Act
    const r = await s.call('GET', '/threads/ceasefire', { role: 'reader' });
    // Assess
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ code: 'unavailable', status: 503 });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

/**
 * A write whose transaction timed out: it may have landed, or may land later. Either way a retry
 * under the same Idempotency-Key must apply it exactly once. The late landing is played back here
 * by sending the very transaction the client gave up on, at a chosen moment.
 */
describe('ambiguous writes (timed out, outcome unknown)', () => {
  let held: any;
  const holdTransaction = (land: boolean) =>
    mock
      .on(TransactWriteCommand)
      .callsFakeOnce(async (input: any) => {
        held = input;
        if (land) await real.db.send(new TransactWriteCommand(input));
        throw timedOut();
      })
      .callsFake((input: any) => real.db.send(new TransactWriteCommand(input)));
  const updatesSaying = async (thread: string, summary: string) =>
    (await real.threads.loadHistory(thread)).updates.filter((u) => u.summary === summary).length;

  it('knows its own claim when a claim that timed out had landed and the SDK’s retry finds it', async () => {
    // Prepare: the first attempt of the claim landed, though its answer was lost
    await real.idempotency.claim('own-claim', 'claim-1', 'body', 60, 86_400);
    // Act: the same claim again (what the SDK's retry sends), and someone else's
    const again = await real.idempotency.claim('own-claim', 'claim-1', 'body', 60, 86_400);
    const other = await real.idempotency.claim('own-claim', 'claim-2', 'body', 60, 86_400);
    // Assess
    expect(again).toEqual({ kind: 'claimed' });
    expect(other).toEqual({ kind: 'in_progress', bodyHash: 'body' });
  });

  it('replays a write that landed though the client timed out, instead of applying it again', async () => {
    // Prepare
    const before = await version('ceasefire');
    const body = { summary: 'Landed in the dark.' };
    holdTransaction(true);
    // Act
    const first = await s.call('POST', '/threads/ceasefire/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-landed' },
    });
    const retry = await s.call('POST', '/threads/ceasefire/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-landed' },
    });
    // Assess
    expect(first.status).toBe(503);
    expect(first.body.code).toBe('unavailable');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await version('ceasefire')).toBe(before + 1);
    expect(await updatesSaying('ceasefire', body.summary)).toBe(1);
  });

  it('lets a write that lands after its claim was given back land nowhere; the retry applies it once', async () => {
    // Prepare
    const before = await version('sanctions');
    const body = { summary: 'Late arrival.' };
    holdTransaction(false);
    const first = await s.call('POST', '/threads/sanctions/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-late' },
    });
    // Act: the lost transaction arrives after the claim was released, before the retry
    const late = real.db.send(new TransactWriteCommand(held));
    // Assess
    expect(first.status).toBe(503);
    await expect(late).rejects.toBeInstanceOf(TransactionCanceledException);
    const retry = await s.call('POST', '/threads/sanctions/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-late' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await version('sanctions')).toBe(before + 1);
    expect(await updatesSaying('sanctions', body.summary)).toBe(1);
  });

  it('lets a write that lands after the retry has applied it land nowhere', async () => {
    // Prepare
    const before = await version('prisoner-exchange');
    const body = { summary: 'Very late arrival.' };
    holdTransaction(false);
    const first = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-very-late' },
    });
    const retry = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-very-late' },
    });
    // Act
    const late = real.db.send(new TransactWriteCommand(held));
    // Assess
    expect([first.status, retry.status]).toEqual([503, 201]);
    await expect(late).rejects.toBeInstanceOf(TransactionCanceledException);
    const replay = await s.call('POST', '/threads/prisoner-exchange/updates', {
      body,
      headers: { 'Idempotency-Key': 'ambiguous-very-late' },
    });
    expect(replay.text).toBe(retry.text);
    expect(await version('prisoner-exchange')).toBe(before + 1);
    expect(await updatesSaying('prisoner-exchange', body.summary)).toBe(1);
  });
});
