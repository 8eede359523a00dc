import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { createThread, patchThread, postUpdate, retractUpdate, type WriteResult } from '../../shared/app/threads';
import { EventBridgePublisher } from '../../shared/events/publisher';
import { statusChanged } from '../../shared/events/event';
import { freshContext } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });

describe('ThreadStatusChanged', () => {
  it('is emitted once for each write that changes the current status, and only then', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    await createThread(ctx, { id: 'summit', scenario: 'n', kind: 'summit', title: 'Summit', status: 'announced', summary: 's', occurredAt: '2025-05-16T00:00:00Z' }, editor, render);
    // Act
    const held = JSON.parse((await postUpdate(ctx, 'summit', { status: 'scheduled', summary: 'Date set.', occurredAt: '2025-06-01T00:00:00Z' }, editor, render)).body);
    await postUpdate(ctx, 'summit', { status: null, summary: 'A note.' }, editor, render);
    await postUpdate(ctx, 'summit', { status: 'postponed', summary: 'Late report.', occurredAt: '2025-05-20T00:00:00Z' }, editor, render);
    await patchThread(ctx, 'summit', { title: 'Trump–Putin summit' }, editor, render);
    await retractUpdate(ctx, 'summit', held.update.id, 'Wrong date.', editor, render);
    // Assess: announced→scheduled, then the retraction brings back the late report's postponed
    expect(bus.of('ThreadStatusChanged').map((e) => [e.previousStatus, e.status])).toEqual([
      ['announced', 'scheduled'],
      ['scheduled', 'postponed'],
    ]);
    expect(await ctx.outbox.pending()).toEqual([]);
  });
});

describe('EventBridge publisher', () => {
  it('sends each event with the contract’s source and detail-type, and fails loudly on rejected entries', async () => {
    // Prepare: the only fault-injection double — EventBridge rejecting one entry
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publisher = new EventBridgePublisher('tracker-bus', 'eu-west-1');
    const event = statusChanged({ id: 't', scenario: 's', status: 'agreed' }, 'proposed', '2025-05-16T00:00:00.000Z');
    try {
      // Act and assess
      await expect(publisher.publish([event])).rejects.toThrow(/rejected 1 of 1/);
      const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
      expect(entry).toEqual({ EventBusName: 'tracker-bus', Source: 'scenario-tracker', DetailType: 'ThreadStatusChanged', Detail: JSON.stringify(event) });
    } finally {
      eb.restore();
    }
  });
});
