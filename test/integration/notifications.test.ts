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
import { freshContext, relayed } from '../support/context';
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
    await relayed(ctx);
    // Assess: announced→scheduled, then the retraction brings back the late report's postponed
    expect(bus.of('ThreadStatusChanged').map((e) => [e.previousStatus, e.status])).toEqual([
      ['announced', 'scheduled'],
      ['scheduled', 'postponed'],
    ]);
    // Everything committed has been relayed: another pass over the stream publishes nothing.
    expect(await relayed(ctx)).toBe(0);
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
    await relayed(ctx);
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
  it('carries the notifications of many threads through the stream while the bus fails and recovers: each once, each thread’s in order', async () => {
    // Prepare: status changes on 12 threads, over several outbox shards
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    const ids = Array.from({ length: 12 }, (_, i) => `outbox-${i}`);
    for (const id of ids)
      await createThread(
        ctx,
        { id, scenario: `s${id.length % 3}`, kind: 'summit', title: id, status: 'announced', summary: 's' },
        editor,
      ).then(render);
    for (const id of ids)
      await postUpdate(ctx, id, { status: 'scheduled', summary: 'Date set.' }, editor).then(render);
    // Act: the bus refuses the first three publishes; every pass that meets a refusal stops there
    bus.failNext = 3;
    const firstPass = await relayed(ctx);
    // Until the refusals run out, every pass that finds a record meets one: three more passes suffice.
    for (let pass = 0; pass < 3; pass++) await relayed(ctx);
    // Assess: fewer than all in the first pass; in the end ThreadCreated, UpdatePosted and ThreadStatusChanged for each, once
    expect(firstPass).toBeLessThan(3 * ids.length);
    expect(bus.failNext).toBe(0);
    const seen = bus.events.map((e) => e.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(3 * ids.length);
    for (const id of ids)
      expect(bus.events.filter((e) => e.threadId === id).map((e) => e.type)).toEqual([
        'ThreadCreated',
        'UpdatePosted',
        'ThreadStatusChanged',
      ]);
  });
});
