import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createThread,
  patchThread,
  postUpdate,
  retractUpdate,
  type WriteResult,
} from '../../shared/app/threads';
import { EventBridgePublisher } from '../../shared/events/bus';
import { statusChanged } from '../../shared/domain/event';
import { drainOutbox } from '../../shared/events/delivery';
import { outboxKey } from '../../shared/store/keys';
import { OUTBOX_LEASE_MS } from '../../shared/store/outbox-store';
import { freshContext } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });

describe('ThreadStatusChanged', () => {
  it('is emitted once for each write that changes the current status, and only then', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    await createThread(
      ctx,
      {
        id: 'summit',
        scenario: 'n',
        kind: 'summit',
        title: 'Summit',
        status: 'announced',
        summary: 's',
        occurredAt: '2025-05-16T00:00:00Z',
      },
      editor,
    ).then(render);
    // Act
    const held = JSON.parse(
      (
        await postUpdate(
          ctx,
          'summit',
          { status: 'scheduled', summary: 'Date set.', occurredAt: '2025-06-01T00:00:00Z' },
          editor,
        ).then(render)
      ).body,
    );
    await postUpdate(ctx, 'summit', { status: null, summary: 'A note.' }, editor).then(render);
    await postUpdate(
      ctx,
      'summit',
      { status: 'postponed', summary: 'Late report.', occurredAt: '2025-05-20T00:00:00Z' },
      editor,
    ).then(render);
    await patchThread(ctx, 'summit', { title: 'Trump–Putin summit' }, editor).then(render);
    await retractUpdate(ctx, 'summit', held.update.id, 'Wrong date.', editor).then(render);
    // Assess: announced→scheduled, then the retraction brings back the late report's postponed
    expect(bus.of('ThreadStatusChanged').map((e) => [e.previousStatus, e.status])).toEqual([
      ['announced', 'scheduled'],
      ['scheduled', 'postponed'],
    ]);
    expect(await ctx.outbox.pending()).toEqual([]);
  });

  it('comes in one envelope with ThreadCreated alone on creation, and UpdatePosted/UpdateRetracted carrying the update’s own status (null for a note)', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    // Act
    const created = JSON.parse(
      (
        await createThread(
          ctx,
          {
            id: 'talks',
            scenario: 'n',
            kind: 'ceasefire',
            title: 'Talks',
            status: 'proposed',
            summary: 's',
            occurredAt: '2025-05-16T00:00:00Z',
          },
          editor,
        ).then(render)
      ).body,
    );
    const note = JSON.parse(
      (await postUpdate(ctx, 'talks', { status: null, summary: 'A note.' }, editor).then(render)).body,
    );
    const agreed = JSON.parse(
      (await postUpdate(ctx, 'talks', { status: 'agreed', summary: 'Agreed.' }, editor).then(render)).body,
    );
    await retractUpdate(ctx, 'talks', agreed.update.id, 'Wrong.', editor).then(render);
    // Assess
    const base = { scenario: 'n', threadId: 'talks' };
    expect(bus.events.map(({ id: _id, time: _time, ...rest }) => rest)).toEqual([
      { ...base, type: 'ThreadCreated', updateId: created.update.id, status: 'proposed' },
      { ...base, type: 'UpdatePosted', updateId: note.update.id, status: null },
      { ...base, type: 'UpdatePosted', updateId: agreed.update.id, status: 'agreed' },
      { ...base, type: 'ThreadStatusChanged', status: 'agreed', previousStatus: 'proposed' },
      { ...base, type: 'UpdateRetracted', updateId: agreed.update.id, status: 'agreed' },
      { ...base, type: 'ThreadStatusChanged', status: 'proposed', previousStatus: 'agreed' },
    ]);
    const ids = bus.events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('EventBridge publisher', () => {
  it('sends each event with the contract’s source and detail-type, and fails loudly on rejected entries', async () => {
    // Prepare: the only fault-injection double — EventBridge rejecting one entry
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publisher = new EventBridgePublisher('tracker-bus', 'eu-west-1');
    const event = statusChanged(
      { id: 't', scenario: 's', status: 'agreed' },
      'proposed',
      '2025-05-16T00:00:00.000Z',
    );
    try {
      // Act and assess
      await expect(publisher.publish([event])).rejects.toThrow(/rejected 1 of 1/);
      const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
      expect(entry).toEqual({
        EventBusName: 'tracker-bus',
        Source: 'scenario-tracker',
        DetailType: 'ThreadStatusChanged',
        Detail: JSON.stringify(event),
      });
    } finally {
      eb.restore();
    }
  });
});

describe('the sharded outbox', () => {
  it('keeps the notifications of many threads in several shards, and one drain delivers every one of them', async () => {
    // Prepare: status changes on 12 threads while the bus is down
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    const ids = Array.from({ length: 12 }, (_, i) => `outbox-${i}`);
    for (const id of ids)
      await createThread(
        ctx,
        { id, scenario: `s${id.length % 3}`, kind: 'summit', title: id, status: 'announced', summary: 's' },
        editor,
      ).then(render);
    bus.failNext = ids.length;
    for (const id of ids)
      await postUpdate(ctx, id, { status: 'scheduled', summary: 'Date set.' }, editor).then(render);
    const waiting = await ctx.outbox.pending();
    // UpdatePosted and ThreadStatusChanged for each
    expect(waiting).toHaveLength(2 * ids.length);
    expect(new Set(waiting.map(({ event }) => outboxKey(event).PK)).size).toBeGreaterThan(1);
    // Act: a drain after the leases ran out
    const delivered = await drainOutbox(ctx, Date.now() + OUTBOX_LEASE_MS + 1);
    // Assess
    expect(delivered.sort()).toEqual(waiting.map(({ event }) => event.id).sort());
    expect(
      bus
        .of('ThreadStatusChanged')
        .map((e) => e.threadId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(await ctx.outbox.pending()).toEqual([]);
  });
});
