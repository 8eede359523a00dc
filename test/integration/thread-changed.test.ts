import { createThread, patchThread } from '../../shared/app/threads';
import { freshContext, relayed } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

/** Contract 1.2 "Thread changes are events": ThreadChanged on the bus, through the outbox. */

const editor = { principal: { name: 'desk', role: 'editor' as const } };

describe('ThreadChanged on the bus', () => {
  it('is one envelope per PATCH that changes something: changes in the thread’s field order, the new version; nothing for a PATCH that changes nothing', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    await createThread(
      ctx,
      { id: 'plan', scenario: 'peace', kind: 'other', title: 'Plan', status: 'proposed', summary: 's' },
      editor,
    );
    // Act
    const first = await patchThread(
      ctx,
      'plan',
      { criteria: 'agreed: both sides sign.', title: 'Peace plan' },
      editor,
    );
    // The title again moves the version (contract 1) but changes nothing: no event.
    const same = await patchThread(ctx, 'plan', { title: 'Peace plan' }, editor);
    const unchanged = await patchThread(ctx, 'plan', { keywords: [], archived: false }, editor);
    const archived = await patchThread(ctx, 'plan', { archived: true }, editor);
    await relayed(ctx);
    // Assess
    expect(same.thread.version).toBe(first.thread.version + 1);
    expect(unchanged.thread.version).toBe(same.thread.version);
    expect(bus.of('ThreadChanged')).toEqual([
      {
        id: expect.stringMatching(/^[0-9A-Z]{26}$/),
        type: 'ThreadChanged',
        time: first.thread.updatedAt,
        scenario: 'peace',
        threadId: 'plan',
        changes: ['title', 'criteria'],
        version: first.thread.version,
      },
      {
        id: expect.stringMatching(/^[0-9A-Z]{26}$/),
        type: 'ThreadChanged',
        time: archived.thread.updatedAt,
        scenario: 'peace',
        threadId: 'plan',
        changes: ['archived'],
        version: archived.thread.version,
      },
    ]);
  });
});
