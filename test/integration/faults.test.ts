import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, PutCommand, DeleteCommand, UpdateCommand, BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
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
  for (const Command of [GetCommand, QueryCommand, TransactWriteCommand, PutCommand, DeleteCommand, UpdateCommand, BatchGetCommand] as const) {
    const C = Command as any;
    mock.on(C).callsFake((input: unknown) => real.db.send(new C(input)));
  }
}

beforeAll(async () => {
  s = await startTestServer();
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
const canceled = (code: string) => new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: code }] });

describe('faults from DynamoDB', () => {
  it('answers 503 with Retry-After when the table is throttled, and writes nothing', async () => {
    // Prepare
    const before = await version('ceasefire');
    mock.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
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
    mock.on(TransactWriteCommand).rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })).callsFake((input) => real.db.send(new TransactWriteCommand(input)));
    const body = { summary: 'idempotent note' };
    const failed = await s.call('POST', '/threads/trump-putin-meeting/updates', { body, headers: { 'Idempotency-Key': 'retry-me' } });
    const retried = await s.call('POST', '/threads/trump-putin-meeting/updates', { body, headers: { 'Idempotency-Key': 'retry-me' } });
    expect(failed.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});
