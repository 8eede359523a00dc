import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getThreadItems } from '../../shared/store/thread-batch';

/**
 * The retry of keys BatchGetItem leaves unprocessed, against a stand-in client: DynamoDB Local never
 * leaves keys unprocessed, so this is the one place the loop can be driven (the reads themselves are
 * tested against DynamoDB Local in test/integration/thread-lists.test.ts).
 */
const client = (answers: ((keys: unknown[]) => object)[]) => {
  const asked: unknown[][] = [];
  const db = {
    send: async (command: { input: { RequestItems: Record<string, { Keys: unknown[] }> } }) => {
      const keys = command.input.RequestItems.t!.Keys;
      asked.push(keys);
      return answers[Math.min(asked.length - 1, answers.length - 1)]!(keys);
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, asked };
};

describe('getThreadItems', () => {
  it('asks again for the keys DynamoDB left unprocessed, and returns every item once', async () => {
    // Prepare: the first answer leaves one key unprocessed
    const { db, asked } = client([
      (keys) => ({ Responses: { t: [{ id: 'a' }] }, UnprocessedKeys: { t: { Keys: keys.slice(1) } } }),
      () => ({ Responses: { t: [{ id: 'b' }] } }),
    ]);
    // Act
    const items = await getThreadItems(db, 't', ['a', 'b']);
    // Assess
    expect(items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(asked).toEqual([
      [
        { PK: 'THREAD#a', SK: '#THREAD' },
        { PK: 'THREAD#b', SK: '#THREAD' },
      ],
      [{ PK: 'THREAD#b', SK: '#THREAD' }],
    ]);
  });

  it('gives up with an error when keys stay unprocessed, rather than asking forever', async () => {
    // Prepare: a clock of our own (the backoff waits about 5 s in all)
    jest.useFakeTimers();
    try {
      const { db, asked } = client([(keys) => ({ UnprocessedKeys: { t: { Keys: keys } } })]);
      // Act
      const read = getThreadItems(db, 't', ['a']);
      const failed = expect(read).rejects.toThrow('left thread keys unprocessed');
      await jest.advanceTimersByTimeAsync(10_000);
      // Assess
      await failed;
      expect(asked).toHaveLength(10);
    } finally {
      jest.useRealTimers();
    }
  });
});
