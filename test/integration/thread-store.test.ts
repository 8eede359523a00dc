import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { createThread, postUpdate, type WriteResult } from '../../shared/app/threads';
import type { AppContext } from '../../shared/app/context';
import { freshContext } from '../support/context';

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });

describe('ThreadStore against DynamoDB Local', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await freshContext({}, {}, { stream: false });
    await createThread(
      ctx,
      {
        id: 'grain',
        scenario: 'store',
        kind: 'other',
        title: 'Grain',
        status: 'active',
        summary: 'first',
        occurredAt: '2025-05-16T00:00:00Z',
      },
      editor,
    ).then(render);
  });

  it('loads a thread and its whole history in one partition read', async () => {
    for (let i = 0; i < 5; i++)
      await postUpdate(
        ctx,
        'grain',
        { summary: `u${i}`, status: null, occurredAt: `2025-05-${17 + i}T00:00:00.000Z` },
        editor,
      ).then(render);
    const { thread, updates } = await ctx.threads.loadHistory('grain');
    expect(thread).toMatchObject({ id: 'grain', version: 6, updateCount: 6, summary: 'u4' });
    expect(updates).toHaveLength(6);
  });

  it('writes nothing at all when any part of a write fails', async () => {
    // Prepare: a write whose update item already exists, so its condition fails
    const { thread, updates } = await ctx.threads.loadHistory('grain');
    const existing = updates[0]!;
    // Act
    const attempt = ctx.threads.commit({
      thread: { ...thread!, version: thread!.version + 1, summary: 'half-written?' },
      expectedVersion: thread!.version,
      update: existing,
      updateIsNew: true,
    });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await ctx.threads.getThread('grain')).toEqual(thread);
  });

  it('pages a thread’s updates newest occurred first without gaps or repeats', async () => {
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ctx.threads.listUpdates('grain', 4, start);
      seen.push(...page.items.map((u) => u.occurredAt));
      start = page.lastKey;
    } while (start);
    expect(seen).toHaveLength(6);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('returns null for a thread or update that does not exist', async () => {
    expect(await ctx.threads.getThread('nope')).toBeNull();
    expect(await ctx.threads.getUpdate('grain', '01JW3Z8K2Q5V7XH3M4N6P8R0ST')).toBeNull();
    expect(await ctx.threads.loadHistory('nope')).toEqual({
      thread: null,
      updates: [],
      revisions: new Map(),
      criteria: [],
    });
  });
});
