import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import {
  createThread,
  postUpdate,
  retractUpdate,
  threadAsOf,
  type WriteResult,
} from '../../shared/app/threads';
import { project } from '../../shared/domain/projection';
import { threadKey } from '../../shared/store/keys';
import { freshContext } from '../support/context';
import { itemsRead, recordCalls } from '../support/read-recorder';
import { RecordingPublisher } from '../support/recording-publisher';

/**
 * What a write reads, counted over DynamoDB Local: an in-order update reads the thread item and
 * nothing else whatever the history's length; a late report or a retraction reads the updates from
 * its point on; a view asOf reads the updates after it.
 */

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });
const at = (minute: number) => new Date(Date.UTC(2025, 5, 1) + minute * 60_000).toISOString();
const PRIOR = 60;

let ctx: AppContext;
let recorder: ReturnType<typeof recordCalls>;

/** A thread with PRIOR updates, one a minute: `proposed`, then notes and `active` from the 10th on. */
async function threadWithHistory(id: string): Promise<void> {
  await createThread(
    ctx,
    {
      id,
      scenario: 'write-cost',
      kind: 'other',
      title: id,
      status: 'proposed',
      summary: 'u0',
      occurredAt: at(0),
    },
    editor,
  ).then(render);
  for (let i = 1; i < PRIOR; i++) {
    await postUpdate(
      ctx,
      id,
      { status: i === 10 ? 'active' : i % 7 === 0 ? 'active' : null, summary: `u${i}`, occurredAt: at(i) },
      editor,
    ).then(render);
  }
}

/** The stored thread equals the full recomputation over its whole history. */
async function expectProjected(id: string): Promise<void> {
  const { thread, updates } = await ctx.threads.loadHistory(id);
  expect(thread).toMatchObject(project(updates)!);
}

beforeAll(async () => {
  // The bus is a recorder: what is counted is the write itself (the local fan-out to subscriptions,
  // a cached Query, is the publisher's business).
  ctx = await freshContext({}, { publisher: new RecordingPublisher() });
  recorder = recordCalls(ctx.db);
  await threadWithHistory('long');
});
afterAll(() => recorder.detach());
beforeEach(() => recorder.take());

describe('write cost over DynamoDB Local', () => {
  it(`reads only the thread item for an in-order update after ${PRIOR} prior updates`, async () => {
    // Act
    await postUpdate(
      ctx,
      'long',
      { status: null, summary: 'in order', occurredAt: at(PRIOR + 1) },
      editor,
    ).then(render);
    // Assess
    const calls = recorder.take();
    // Two round trips: the outbox item of its UpdatePosted commits in the transaction and is never
    // touched again on the request's path (the table's stream carries it to the relay).
    expect(calls.map((c) => c.command)).toEqual(['GetItem', 'TransactWriteItems']);
    expect(calls[0]).toMatchObject({ itemsRead: 1, consistent: true });
    await expectProjected('long');
  });

  it('reads the updates after a late report, in proportion to how late it is', async () => {
    for (const back of [3, 12, 30]) {
      // Prepare: a note occurred between two existing updates, about `back` updates from the end
      const { thread: latest, updates } = await ctx.threads.loadHistory('long');
      const occurredAt = new Date(Date.parse(latest!.lastOccurredAt) - back * 60_000 + 30_000).toISOString();
      const later = updates.filter((u) => u.occurredAt > occurredAt).length;
      recorder.take();
      // Act
      const { thread } = JSON.parse(
        (
          await postUpdate(
            ctx,
            'long',
            { status: null, summary: `late by ${back}`, occurredAt },
            editor,
          ).then(render)
        ).body,
      ) as WriteResult;
      // Assess: the thread item, then the window of the `back` updates after the report
      const calls = recorder.take();
      expect(calls.map((c) => c.command)).toEqual(['GetItem', 'Query', 'TransactWriteItems']);
      expect(calls[1]).toMatchObject({ index: 'LSI1', consistent: true });
      expect(calls[1]!.itemsRead).toBe(later);
      expect(thread.summary).not.toMatch(/^late/);
      await expectProjected('long');
    }
  });

  it('reads the updates after a retracted one, and walks back only to where the status run begins', async () => {
    // Prepare
    const { updates } = await ctx.threads.loadHistory('long');
    const sorted = updates.filter((u) => !u.retracted).sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
    const target = sorted[sorted.length - 5]!;
    recorder.take();
    // Act
    await retractUpdate(ctx, 'long', target.id, 'wrong', editor).then(render);
    // Assess: thread item, the update, the window from it (5 updates) and nothing before it
    const calls = recorder.take();
    expect(calls.map((c) => c.command)).toEqual(['GetItem', 'GetItem', 'Query', 'TransactWriteItems']);
    expect(calls[2]!.itemsRead).toBe(5);
    await expectProjected('long');
  });

  it('answers asOf by reading the updates after it (plus the thread item twice)', async () => {
    // Prepare
    const { updates } = await ctx.threads.loadHistory('long');
    const asOf = at(PRIOR - 8);
    const after = updates.filter((u) => u.occurredAt > asOf).length;
    recorder.take();
    // Act
    const view = await threadAsOf(ctx, 'long', { asOf });
    // Assess
    expect(view).toMatchObject(project(updates, { asOf })!);
    const calls = recorder.take();
    expect(calls.filter((c) => c.command === 'GetItem')).toHaveLength(2);
    // The window after asOf, then (since it holds the latest recordedAt) the walk back in recorded order, which passes only those updates.
    expect(itemsRead(calls) - 2).toBeLessThanOrEqual(2 * after + 8);
    expect(itemsRead(calls)).toBeLessThan(updates.length);
  });

  it('folds the whole history once for a thread item stored without a cursor, then resumes from the cursor it stores', async () => {
    // Prepare: the item as an older version of the code wrote it
    await threadWithHistory('legacy');
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: threadKey('legacy'),
        UpdateExpression: 'REMOVE fold',
      }),
    );
    recorder.take();
    // Act
    await postUpdate(
      ctx,
      'legacy',
      { status: null, summary: 'first after upgrade', occurredAt: at(PRIOR + 1) },
      editor,
    ).then(render);
    const first = recorder.take();
    await postUpdate(
      ctx,
      'legacy',
      { status: null, summary: 'second', occurredAt: at(PRIOR + 2) },
      editor,
    ).then(render);
    const second = recorder.take();
    // Assess
    expect(first.map((c) => c.command)).toEqual(['GetItem', 'Query', 'TransactWriteItems']);
    expect(first[1]!.itemsRead).toBe(PRIOR + 1);
    expect(second.map((c) => c.command)).toEqual(['GetItem', 'TransactWriteItems']);
    await expectProjected('legacy');
  });
});
