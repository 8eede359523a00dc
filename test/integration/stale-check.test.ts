import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import { createThread, postUpdate, type WriteResult } from '../../shared/app/threads';
import { runStaleCheck as runCheck } from '../../shared/app/stale-check';
import { LogWebhookPublisher } from '../../shared/events/publisher';
import type { TrackerEvent } from '../../shared/domain/event';
import { threadKey } from '../../shared/store/keys';
import { addHours, nowUtc } from '../../shared/domain/time';
import type { Kind } from '../../shared/domain/kinds';
import { freshContext, relayed } from '../support/context';
import type { DueThread } from '../../shared/store/due-store';
import { RecordingPublisher } from '../support/recording-publisher';

/** The check commits its notifications with its flags; the relay over the table's stream publishes them. */
const runStaleCheck = async (...args: Parameters<typeof runCheck>) => {
  const result = await runCheck(...args);
  await relayed(args[0] as AppContext);
  return result;
};

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });
const hoursFromNow = (h: number) => addHours(nowUtc(), h);

async function thread(
  ctx: AppContext,
  id: string,
  opts: { kind?: Kind; status?: string; staleAfterHours?: number } = {},
) {
  await createThread(
    ctx,
    {
      id,
      scenario: 'stale-test',
      kind: opts.kind ?? 'other',
      title: id,
      status: opts.status ?? 'active',
      summary: 's',
      staleAfterHours: opts.staleAfterHours ?? 24,
    },
    editor,
  ).then(render);
}
const read = async (ctx: AppContext, id: string) => (await ctx.threads.getThread(id))!;
const rawItem = async (ctx: AppContext, id: string) =>
  (await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: threadKey(id) }))).Item!;

describe('stale check', () => {
  let ctx: AppContext;
  let bus: RecordingPublisher;
  beforeEach(async () => {
    bus = new RecordingPublisher();
    ctx = await freshContext({}, { publisher: bus });
  });

  it('flags due threads only, honouring each thread’s staleAfterHours, and skips terminal ones', async () => {
    // Prepare
    await thread(ctx, 'due-24', { staleAfterHours: 24 });
    await thread(ctx, 'not-due-48', { staleAfterHours: 48 });
    await thread(ctx, 'terminal', { status: 'resolved', staleAfterHours: 1 });
    const now = hoursFromNow(25);
    // Act
    const result = await runStaleCheck(ctx, now);
    // Assess
    expect(result.flagged).toEqual(['due-24']);
    // The due index's entry, then the thread's exact due time (the index holds the hour).
    expect(result.itemsRead).toBe(2);
    const flagged = await read(ctx, 'due-24');
    expect(flagged).toMatchObject({
      stale: true,
      staleSince: addHours(flagged.lastRecordedAt, 24),
      version: 2,
    });
    // updatedAt is the wall clock of the flag write, not the check's `now`.
    expect(Date.parse(flagged.updatedAt)).toBeLessThan(Date.parse(now));
    expect(await read(ctx, 'not-due-48')).toMatchObject({ stale: false, version: 1 });
    expect(await read(ctx, 'terminal')).toMatchObject({ stale: false, version: 1 });
    expect(bus.of('ThreadStale')).toEqual([
      expect.objectContaining({
        type: 'ThreadStale',
        threadId: 'due-24',
        scenario: 'stale-test',
        status: 'active',
        staleSince: flagged.staleSince,
      }),
    ]);
  });

  it('lists a thread from the start of its due hour but flags it only at its exact due time', async () => {
    // Prepare
    await thread(ctx, 'early', { staleAfterHours: 24 });
    const { lastRecordedAt } = await read(ctx, 'early');
    const exact = addHours(lastRecordedAt, 24);
    expect((await rawItem(ctx, 'early')).GSI3SK).toBe(`${exact.slice(0, 13)}:00:00.000Z#early`);
    // Act: a run in the due hour but before the due time, then one at it
    const before = await runStaleCheck(ctx, new Date(Date.parse(exact) - 1).toISOString());
    const at = await runStaleCheck(ctx, exact);
    // Assess
    expect(before.flagged).toEqual([]);
    expect(at.flagged).toEqual(['early']);
    expect(bus.of('ThreadStale')).toEqual([
      expect.objectContaining({ threadId: 'early', staleSince: exact }),
    ]);
  });

  it('keeps the due key of a thread written again within the same hour (no index write)', async () => {
    // Prepare
    await thread(ctx, 'busy', { staleAfterHours: 24 });
    const first = await rawItem(ctx, 'busy');
    // Act: a note right away (the same hour unless the clock just crossed one)
    await postUpdate(ctx, 'busy', { summary: 'news', status: null }, editor).then(render);
    const second = await rawItem(ctx, 'busy');
    // Assess
    const sameHour = String(first.lastRecordedAt).slice(0, 13) === String(second.lastRecordedAt).slice(0, 13);
    expect(second.lastRecordedAt).not.toBe(first.lastRecordedAt);
    if (sameHour) expect(second.GSI3SK).toBe(first.GSI3SK);
    else expect(second.GSI3SK).not.toBe(first.GSI3SK);
  });

  it('does not flag a thread written between the run reading it and flagging it', async () => {
    // Prepare: the run reads the thread as due; a note lands before its flag (same due hour or not)
    await thread(ctx, 'raced', { staleAfterHours: 1 });
    const seen = await runStaleCheck(ctx, hoursFromNow(2), { dryRun: true });
    expect(seen.flagged).toEqual(['raced']);
    const listed: DueThread[] = [];
    for await (const page of ctx.due.due('stale', hoursFromNow(2))) listed.push(...page.threads);
    await postUpdate(ctx, 'raced', { summary: 'news', status: null }, editor).then(render);
    // Act
    const flagged = await ctx.due.flag('stale', listed[0]!, { id: 'e1' } as TrackerEvent, nowUtc(), []);
    // Assess
    expect(flagged).toBe(false);
    expect(await read(ctx, 'raced')).toMatchObject({ stale: false, version: 2 });
  });

  it('flags and notifies nothing new when run again', async () => {
    await thread(ctx, 'a');
    const now = hoursFromNow(30);
    await runStaleCheck(ctx, now);
    const again = await runStaleCheck(ctx, now);
    expect(again.flagged).toEqual([]);
    expect(again.itemsRead).toBe(0);
    expect(bus.of('ThreadStale')).toHaveLength(1);
    expect((await read(ctx, 'a')).version).toBe(2);
  });

  it('is cleared by the next update, which also puts the thread back on the watch', async () => {
    await thread(ctx, 'b');
    await runStaleCheck(ctx, hoursFromNow(30));
    const { body } = await postUpdate(ctx, 'b', { summary: 'news', status: null }, editor).then(render);
    expect(JSON.parse(body).thread).toMatchObject({ stale: false, staleSince: null });
    expect((await rawItem(ctx, 'b')).GSI3PK).toMatch(/^DUE#[0-7]$/);
  });

  it('takes a thread out of the due index in a terminal status and puts it back when it leaves one', async () => {
    await thread(ctx, 'c');
    await postUpdate(ctx, 'c', { summary: 'done', status: 'resolved' }, editor).then(render);
    expect((await rawItem(ctx, 'c')).GSI3PK).toBeUndefined();
    expect((await runStaleCheck(ctx, hoursFromNow(1000))).flagged).toEqual([]);
    await postUpdate(ctx, 'c', { summary: 'reopened', status: 'active' }, editor).then(render);
    expect((await rawItem(ctx, 'c')).GSI3PK).toMatch(/^DUE#[0-7]$/);
    expect((await runStaleCheck(ctx, hoursFromNow(1000))).flagged).toEqual(['c']);
  });

  it('never leaves a thread stale when an update races the check', async () => {
    // Prepare
    const ids = Array.from({ length: 15 }, (_, i) => `race-${i}`);
    for (const id of ids) await thread(ctx, id, { staleAfterHours: 1 });
    // `now` is just past every thread's due time, and before the due time any update made after a
    // short pause moves it to: whichever lands first, the thread must not end up stale.
    const lastCreated = (await Promise.all(ids.map((id) => read(ctx, id))))
      .map((t) => t.lastRecordedAt)
      .sort()
      .pop()!;
    const now = addHours(new Date(Date.parse(lastCreated) + 100).toISOString(), 1);
    await new Promise((r) => setTimeout(r, 300));
    // Act: the check and an update to every thread, all at once
    const [result] = await Promise.all([
      runStaleCheck(ctx, now),
      ...ids.map((id) => postUpdate(ctx, id, { summary: 'fresh news', status: null }, editor).then(render)),
    ]);
    // Assess: whichever landed first, the update wins
    for (const id of ids) expect(await read(ctx, id)).toMatchObject({ stale: false, staleSince: null });
    expect(
      bus
        .of('ThreadStale')
        .map((e) => e.threadId)
        .sort(),
    ).toEqual([...result.flagged].sort());
  });

  it('notifies once per thread when two checks run at once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `twice-${i}`);
    for (const id of ids) await thread(ctx, id);
    const now = hoursFromNow(30);
    const [a, b] = await Promise.all([runStaleCheck(ctx, now), runStaleCheck(ctx, now)]);
    expect([...a.flagged, ...b.flagged].sort()).toEqual([...ids].sort());
    const stale = bus.of('ThreadStale');
    expect(stale).toHaveLength(10);
    expect(new Set(stale.map((e) => e.threadId)).size).toBe(10);
    for (const id of ids) expect((await read(ctx, id)).version).toBe(2);
  });

  it('publishes on the relay’s next pass a notification whose publish failed, once, and the next run flags nothing', async () => {
    await thread(ctx, 'd');
    bus.failNext = 1;
    const first = await runStaleCheck(ctx, hoursFromNow(30));
    expect(first.flagged).toEqual(['d']);
    expect(bus.of('ThreadStale')).toHaveLength(0);
    await relayed(ctx);
    const second = await runStaleCheck(ctx, hoursFromNow(30));
    expect(second.flagged).toEqual([]);
    expect(bus.of('ThreadStale')).toEqual([expect.objectContaining({ threadId: 'd' })]);
  });

  it('POSTs the event to the webhook as JSON', async () => {
    // Prepare: a webhook receiver
    const received: TrackerEvent[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const hooked = await freshContext({}, { publisher: new LogWebhookPublisher(url) });
    await thread(hooked, 'e');
    // Act
    await runStaleCheck(hooked, hoursFromNow(30));
    await postUpdate(hooked, 'e', { summary: 'done', status: 'resolved' }, editor).then(render);
    await relayed(hooked);
    hook.close();
    // Assess
    expect(received.map((e) => e.type)).toEqual([
      'ThreadCreated',
      'ThreadStale',
      'UpdatePosted',
      'ThreadStatusChanged',
    ]);
    expect(received[3]).toMatchObject({
      threadId: 'e',
      scenario: 'stale-test',
      status: 'resolved',
      previousStatus: 'active',
    });
    expect(received[0]!.id).toMatch(/^[0-9A-Z]{26}$/);
  });
});
