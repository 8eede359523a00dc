import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import { createThread, patchThread, postUpdate, retractUpdate } from '../../shared/app/threads';
import { runStaleCheck as runCheck } from '../../shared/app/stale-check';
import type { Expected } from '../../shared/domain/types';
import { threadKey } from '../../shared/store/keys';
import { freshContext, relayed } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

/** The check commits its notifications with its flags; the relay over the table's stream publishes them. */
const runStaleCheck = async (...args: Parameters<typeof runCheck>) => {
  const result = await runCheck(...args);
  await relayed(args[0] as AppContext);
  return result;
};

/** Contract 1.1 "Overdue": the scheduled check flags threads whose expected thing did not happen. */

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const SUMMIT: Expected = { what: 'Summit held', at: '2025-08-15T00:00:00.000Z', precision: 'day' };
/** The first millisecond after 15 August 2025: when a day-precision expectation of that day is overdue. */
const AFTER_DAY = '2025-08-16T00:00:00.000Z';

async function thread(
  ctx: AppContext,
  id: string,
  opts: { expected?: Expected | null; status?: string; kind?: string } = {},
) {
  await createThread(
    ctx,
    {
      id,
      scenario: 'overdue-test',
      kind: opts.kind ?? 'summit',
      title: id,
      status: opts.status ?? 'announced',
      summary: 's',
      occurredAt: '2025-06-01T10:00:00.000Z',
      staleAfterHours: 8760,
      ...(opts.expected !== undefined ? { expected: opts.expected } : { expected: SUMMIT }),
    },
    editor,
  );
}
const update = (ctx: AppContext, id: string, occurredAt: string, status: string | null = null) =>
  postUpdate(ctx, id, { summary: 'news', status, occurredAt }, editor);
const read = async (ctx: AppContext, id: string) => (await ctx.threads.getThread(id))!;
const rawItem = async (ctx: AppContext, id: string) =>
  (await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: threadKey(id) }))).Item!;

describe('overdue check', () => {
  let ctx: AppContext;
  let bus: RecordingPublisher;
  beforeEach(async () => {
    bus = new RecordingPublisher();
    ctx = await freshContext({}, { publisher: bus });
  });

  it('flags a thread at the end of its expected period, once, with one ThreadOverdue, bumping the version', async () => {
    // Prepare
    await thread(ctx, 'summit');
    // Act
    const early = await runStaleCheck(ctx, '2025-08-15T23:59:59.999Z');
    const due = await runStaleCheck(ctx, AFTER_DAY);
    const again = await runStaleCheck(ctx, '2025-09-01T00:00:00.000Z');
    // Assess
    expect(early.overdue).toEqual([]);
    expect(due.overdue).toEqual(['summit']);
    // Its index entry and its thread item (read consistently: the flag is conditioned on that version).
    expect(due.itemsRead).toBe(2);
    expect(again.overdue).toEqual([]);
    expect(again.itemsRead).toBe(0);
    expect(await read(ctx, 'summit')).toMatchObject({
      overdue: true,
      overdueSince: AFTER_DAY,
      version: 2,
      stale: false,
    });
    expect(bus.of('ThreadOverdue')).toEqual([
      expect.objectContaining({
        type: 'ThreadOverdue',
        threadId: 'summit',
        scenario: 'overdue-test',
        status: 'announced',
        overdueSince: AFTER_DAY,
        expected: SUMMIT,
      }),
    ]);
    expect(bus.of('ThreadStale')).toEqual([]);
  });

  it('an instant expectation is overdue at that instant', async () => {
    // Prepare
    const at = '2025-10-23T10:00:00.000Z';
    await thread(ctx, 'vote', { expected: { what: 'Vote', at, precision: 'instant' } });
    // Act
    const before = await runStaleCheck(ctx, '2025-10-23T09:59:59.999Z');
    const result = await runStaleCheck(ctx, at);
    // Assess
    expect(before.overdue).toEqual([]);
    expect(result.overdue).toEqual(['vote']);
    expect((await read(ctx, 'vote')).overdueSince).toBe(at);
  });

  it('does not flag a thread when an update occurred at or after expected.at; an earlier one does not count', async () => {
    // Prepare
    await thread(ctx, 'held');
    await thread(ctx, 'only-earlier');
    await update(ctx, 'held', '2025-08-15', 'held');
    await update(ctx, 'only-earlier', '2025-08-14T23:59:59.999Z');
    // Act
    const result = await runStaleCheck(ctx, AFTER_DAY);
    // Assess
    expect(result.overdue).toEqual(['only-earlier']);
    expect(result.itemsRead).toBe(2);
    expect(await read(ctx, 'held')).toMatchObject({ overdue: false, overdueSince: null });
  });

  it('is cleared by an update occurred at or after expected.at, not by an earlier one', async () => {
    // Prepare
    await thread(ctx, 'late-news');
    await runStaleCheck(ctx, AFTER_DAY);
    // Act
    const earlier = await update(ctx, 'late-news', '2025-08-10');
    const later = await update(ctx, 'late-news', '2025-08-15T18:00:00Z', 'postponed');
    // Assess
    expect(earlier.thread).toMatchObject({ overdue: true, overdueSince: AFTER_DAY });
    expect(later.thread).toMatchObject({ overdue: false, overdueSince: null, status: 'postponed' });
    expect((await runStaleCheck(ctx, '2026-01-01T00:00:00.000Z')).overdue).toEqual([]);
  });

  it('is cleared by any change to expected, and the new expectation is awaited afresh', async () => {
    // Prepare
    await thread(ctx, 'moved-date');
    await runStaleCheck(ctx, AFTER_DAY);
    // Act
    const same = await patchThread(ctx, 'moved-date', { expected: SUMMIT }, editor);
    const changed = await patchThread(
      ctx,
      'moved-date',
      { expected: { what: 'Summit held', at: '2025-09-01T00:00:00.000Z', precision: 'month' } },
      editor,
    );
    const result = await runStaleCheck(ctx, '2025-10-01T00:00:00.000Z');
    // Assess
    expect(same.thread).toMatchObject({ overdue: true, version: 2 });
    expect(changed.thread).toMatchObject({ overdue: false, overdueSince: null, version: 3 });
    expect(result.overdue).toEqual(['moved-date']);
    expect((await read(ctx, 'moved-date')).overdueSince).toBe('2025-10-01T00:00:00.000Z');
    expect(bus.of('ThreadOverdue')).toHaveLength(2);
  });

  it('never flags archived or terminal threads, and archiving clears overdue', async () => {
    // Prepare
    await thread(ctx, 'archived');
    await thread(ctx, 'terminal', { status: 'cancelled' });
    await thread(ctx, 'archived-later');
    await patchThread(ctx, 'archived', { archived: true }, editor);
    await runStaleCheck(ctx, AFTER_DAY);
    // Act
    const archived = await patchThread(ctx, 'archived-later', { archived: true }, editor);
    const result = await runStaleCheck(ctx, '2026-01-01T00:00:00.000Z');
    // Assess
    expect(archived.thread).toMatchObject({ archived: true, overdue: false, overdueSince: null });
    expect(result.overdue).toEqual([]);
    expect(await read(ctx, 'archived')).toMatchObject({ overdue: false });
    expect(await read(ctx, 'terminal')).toMatchObject({ overdue: false, version: 1 });
    expect(bus.of('ThreadOverdue').map((e) => e.threadId)).toEqual(['archived-later']);
    expect((await rawItem(ctx, 'terminal')).GSI11PK).toBeUndefined();
  });

  it('a retraction of the update that fulfilled the expectation makes the thread await it again', async () => {
    // Prepare
    await thread(ctx, 'retracted');
    const held = await update(ctx, 'retracted', '2025-08-15', 'held');
    // Act
    await retractUpdate(ctx, 'retracted', held.update!.id, 'Wrong summit.', editor);
    const result = await runStaleCheck(ctx, AFTER_DAY);
    // Assess
    expect(result.overdue).toEqual(['retracted']);
  });

  it('reads only the due threads: threads without expected, not yet due or fulfilled cost nothing', async () => {
    // Prepare
    for (let i = 0; i < 6; i++) await thread(ctx, `plain-${i}`, { expected: null });
    for (let i = 0; i < 4; i++)
      await thread(ctx, `later-${i}`, {
        expected: { what: 'x', at: '2026-01-01T00:00:00.000Z', precision: 'year' },
      });
    await thread(ctx, 'due-a');
    await thread(ctx, 'due-b');
    // Act
    const result = await runStaleCheck(ctx, AFTER_DAY);
    // Assess
    expect(result.overdue.sort()).toEqual(['due-a', 'due-b']);
    // Two index entries and their two thread items.
    expect(result.itemsRead).toBe(4);
  });

  it('a dry run reports what would be flagged and writes nothing', async () => {
    // Prepare
    await thread(ctx, 'dry');
    // Act
    const result = await runStaleCheck(ctx, AFTER_DAY, { dryRun: true });
    // Assess
    expect(result.overdue).toEqual(['dry']);
    expect(await read(ctx, 'dry')).toMatchObject({ overdue: false, version: 1 });
    expect(bus.of('ThreadOverdue')).toEqual([]);
  });

  it('overdue threads are listed by overdue=true, the others by overdue=false', async () => {
    // Prepare
    await thread(ctx, 'late');
    await thread(ctx, 'fine', { expected: null });
    await runStaleCheck(ctx, AFTER_DAY);
    // Act
    const overdue = await ctx.threads.listThreads({ overdue: true }, 10);
    const notOverdue = await ctx.threads.listThreads({ overdue: false, scenario: 'overdue-test' }, 10);
    // Assess
    expect(overdue.items.map((t) => t.id)).toEqual(['late']);
    expect(notOverdue.items.map((t) => t.id)).toEqual(['fine']);
  });

  it('never flags an archived thread stale: archiving takes it out of the due index and clears stale', async () => {
    // Prepare
    await thread(ctx, 'quiet', { expected: null });
    await thread(ctx, 'quiet-archived', { expected: null });
    await patchThread(ctx, 'quiet-archived', { archived: true }, editor);
    // Act
    const result = await runStaleCheck(ctx, '2099-01-01T00:00:00.000Z');
    const archived = await patchThread(ctx, 'quiet', { archived: true }, editor);
    // Assess
    expect(result.flagged).toEqual(['quiet']);
    expect(archived.thread).toMatchObject({ stale: false, staleSince: null, archived: true });
    expect((await rawItem(ctx, 'quiet-archived')).GSI3PK).toBeUndefined();
    expect((await rawItem(ctx, 'quiet')).GSI6PK).toBeUndefined();
  });
});
