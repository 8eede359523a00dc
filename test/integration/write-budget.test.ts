import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createContext, type AppContext } from '../../shared/app/context';
import { createThread, postUpdate } from '../../shared/app/threads';
import { UnavailableError } from '../../shared/domain/errors';
import { createDocumentClient } from '../../shared/store/client';
import { freshContext } from '../support/context';

/**
 * Every thread write retries by one rule (shared/app/write-budget.ts): bounded attempts and a time
 * budget. Creating a thread used to count attempts only. Here every transaction meets a transient
 * conflict (injected at the SDK boundary; everything else reaches DynamoDB Local) and each attempt
 * moves the clock a minute on, so the 10-second budget is spent after the first, whatever the
 * machine's speed.
 */
const editor = { principal: { name: 'desk', role: 'editor' as const } };
const MINUTE = 60_000;

let real: AppContext;
let faulty: AppContext;
let mock: ReturnType<typeof mockClient>;
let attempts: number;

beforeAll(async () => {
  real = await freshContext({}, {}, { stream: false });
  const db = createDocumentClient(real.config);
  faulty = createContext(
    { ...real.config, writeMaxAttempts: 5, writeRetryBudgetMs: 10_000, writeBackoffCapMs: 1 },
    { db },
  );
  mock = mockClient(db);
});
afterAll(() => mock.restore());

beforeEach(() => {
  // Prepare: time moves on a minute with every transaction, each refused as a transient conflict
  const realNow = Date.now.bind(Date);
  let offset = 0;
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
  attempts = 0;
  mock.reset();
  for (const Command of [
    GetCommand,
    QueryCommand,
    PutCommand,
    DeleteCommand,
    UpdateCommand,
    BatchGetCommand,
  ]) {
    const C = Command as any;
    mock.on(C).callsFake((input: unknown) => real.db.send(new C(input)));
  }
  mock.on(TransactWriteCommand).callsFake(async () => {
    attempts++;
    offset += MINUTE;
    throw new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }],
    });
  });
});
afterEach(() => jest.restoreAllMocks());

describe('the retry rule of thread writes', () => {
  it('gives up creating a thread once the time budget is spent, before the attempts are', async () => {
    // Act
    const created = createThread(
      faulty,
      { id: 'budget', scenario: 'budget', kind: 'summit', title: 'Budget', status: 'proposed', summary: 's' },
      editor,
    );
    // Assess
    await expect(created).rejects.toBeInstanceOf(UnavailableError);
    expect(attempts).toBe(1);
  });

  it('gives up changing a thread by the same rule', async () => {
    // Prepare
    await createThread(
      real,
      {
        id: 'budget-2',
        scenario: 'budget',
        kind: 'summit',
        title: 'Budget',
        status: 'proposed',
        summary: 's',
      },
      editor,
    );
    // Act
    const posted = postUpdate(faulty, 'budget-2', { status: null, summary: 'a note' }, editor);
    // Assess
    await expect(posted).rejects.toBeInstanceOf(UnavailableError);
    expect(attempts).toBe(1);
  });
});
