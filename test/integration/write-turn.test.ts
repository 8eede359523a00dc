import { createThread, postUpdate } from '../../shared/app/threads';
import type { AppContext } from '../../shared/app/context';
import { ifMatchOf, threadEtag } from '../../shared/http/etag';
import { VersionConflict } from '../../shared/store/thread-store';
import { freshContext } from '../support/context';

/**
 * The turn on a contended thread (shared/store/thread-store.ts Turn): a writer that lost a race
 * claims it, the claim goes to the writer waiting longest, and while it is held only its holder
 * commits. The turn is an item of its own (in no index); the thread item holds only the queue mark. Times here are far from now on purpose (a turn held for an hour, or run out an hour ago),
 * so nothing depends on how fast the machine is.
 */
const editor = { principal: { name: 'desk', role: 'editor' as const } };
const HOUR = 3_600_000;

describe('the turn on a contended thread', () => {
  let ctx: AppContext;
  let n = 0;
  const newThread = async () => {
    const id = `turn-${++n}`;
    await createThread(
      ctx,
      { id, scenario: 'turns', kind: 'other', title: id, status: 'active', summary: 'first' },
      editor,
    );
    return id;
  };
  beforeAll(async () => {
    ctx = await freshContext({}, {}, { stream: false });
  });

  it('goes to the writer that has waited longest, and returns the thread item with it', async () => {
    // Prepare
    const id = await newThread();
    const now = Date.now();
    const younger = { id: 'younger', since: now - 1_000, until: now + HOUR };
    const older = { id: 'older', since: now - 5_000, until: now + HOUR };
    // Act
    const first = await ctx.threads.claimTurn(id, younger);
    const overtaken = await ctx.threads.claimTurn(id, older);
    const refused = await ctx.threads.claimTurn(id, { ...younger, id: 'youngest', since: now });
    // Assess
    expect(first).toMatchObject({ granted: true, record: { thread: { id, version: 1 }, turn: younger } });
    expect(overtaken).toMatchObject({ granted: true, record: { turn: older } });
    expect(refused).toMatchObject({ granted: false, record: { thread: { id, version: 1 }, turn: older } });
  });

  it('refuses the commit of anyone but its holder, handing the loser the item, and is released by the holder’s commit', async () => {
    // Prepare
    const id = await newThread();
    const held = { id: 'holder', since: Date.now() - 1_000, until: Date.now() + HOUR };
    const { record } = await ctx.threads.claimTurn(id, held);
    const { thread, cursor, queueUntil } = record!;
    const next = { ...thread, version: thread.version + 1, title: 'changed' };
    // Act
    const other = await ctx.threads
      .commit({ thread: next, cursor, expectedVersion: thread.version })
      .catch((e: unknown) => e);
    const during = await ctx.threads.getTurn(id);
    await ctx.threads.commit({
      thread: next,
      cursor,
      expectedVersion: thread.version,
      turn: held.id,
      queueUntil: queueUntil ?? null,
    });
    // Assess: the claim set the queue mark on the thread item; the loser gets the item, unchanged
    expect(queueUntil).toBeGreaterThan(Date.now() - HOUR);
    expect(other).toBeInstanceOf(VersionConflict);
    expect((other as VersionConflict).current).toMatchObject({
      thread: { version: thread.version },
      queueUntil,
    });
    expect(during).toEqual(held);
    expect(await ctx.threads.getThreadRecord(id)).toMatchObject({
      thread: { version: thread.version + 1, title: 'changed' },
    });
    expect(await ctx.threads.getTurn(id)).toBeNull();
  });

  it('refuses its holder’s commit once another writer has taken it over, as no change of the thread', async () => {
    // Prepare: our turn ran out an hour ago, and an older writer claimed the thread since
    const id = await newThread();
    const ours = { id: 'ours', since: Date.now() - 2 * HOUR, until: Date.now() - HOUR };
    const { record } = await ctx.threads.claimTurn(id, ours);
    await ctx.threads.claimTurn(id, { id: 'next', since: Date.now() - 3 * HOUR, until: Date.now() + HOUR });
    const { thread, cursor } = record!;
    // Act
    const lost = await ctx.threads
      .commit({
        thread: { ...thread, version: thread.version + 1 },
        cursor,
        expectedVersion: thread.version,
        turn: ours.id,
      })
      .catch((e: unknown) => e);
    // Assess
    expect(lost).toBeInstanceOf(VersionConflict);
    expect((lost as VersionConflict).turnLost).toBe(true);
    expect((await ctx.threads.getThreadRecord(id))!.thread.version).toBe(thread.version);
  });

  it('hands the winner’s thread item to the loser of a version race', async () => {
    // Prepare
    const id = await newThread();
    const { thread } = (await ctx.threads.getThreadRecord(id))!;
    await postUpdate(ctx, id, { status: null, summary: 'the winner' }, editor);
    // Act
    const lost = await ctx.threads
      .commit({ thread: { ...thread, version: thread.version + 1 }, expectedVersion: thread.version })
      .catch((e: unknown) => e);
    // Assess
    expect(lost).toBeInstanceOf(VersionConflict);
    expect((lost as VersionConflict).current).toMatchObject({
      thread: { version: thread.version + 1, summary: 'the winner' },
    });
  });

  it('does not hold up writers once it has run out', async () => {
    // Prepare: a holder that vanished an hour ago
    const id = await newThread();
    await ctx.threads.claimTurn(id, { id: 'gone', since: Date.now() - 2 * HOUR, until: Date.now() - HOUR });
    // Act
    const result = await postUpdate(ctx, id, { status: null, summary: 'after the lease' }, editor);
    // Assess
    expect(result.thread.version).toBe(2);
  });

  it('lets a write with If-Match through a younger writer’s turn: the thread did not change, so it is no 412', async () => {
    // Prepare: a younger writer (its request began after ours will) holds the turn for an hour
    const id = await newThread();
    const { thread } = (await ctx.threads.getThreadRecord(id))!;
    await ctx.threads.claimTurn(id, { id: 'younger', since: Date.now() + HOUR, until: Date.now() + HOUR });
    // Act
    const result = await postUpdate(
      ctx,
      id,
      { status: null, summary: 'conditional' },
      { ...editor, ifMatch: ifMatchOf(threadEtag(thread)) },
    );
    // Assess
    expect(result.thread).toMatchObject({ version: 2, summary: 'conditional' });
    expect(await ctx.threads.getTurn(id)).toBeNull();
  });

  it('is given back when its holder refuses the write after all', async () => {
    // Prepare: a younger writer's turn, which our write (with a status its kind does not have) takes over
    const id = await newThread();
    await ctx.threads.claimTurn(id, { id: 'younger', since: Date.now() + HOUR, until: Date.now() + HOUR });
    // Act
    const refused = await postUpdate(ctx, id, { status: 'no-such-status', summary: 'refused' }, editor).catch(
      (e: unknown) => e,
    );
    // Assess: refused while holding the turn, and the turn released rather than left to run out
    expect(refused).toMatchObject({ status: 422 });
    expect(await ctx.threads.getTurn(id)).toBeNull();
  });
});
