import { amendUpdate, createThread, postUpdate } from '../../shared/app/threads';
import { freshContext, relayed } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

const editor = { principal: { name: 'desk', role: 'editor' as const } };

describe('UpdateAmended', () => {
  it('is emitted once per amendment, through the outbox, with the update’s status (null for a note) and no status change', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    const created = await createThread(
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
    );
    const note = await postUpdate(ctx, 'summit', { status: null, summary: 'A note.' }, editor);
    // Act
    await amendUpdate(ctx, 'summit', created.update!.id, { summary: 'Announced.' }, editor);
    await amendUpdate(ctx, 'summit', note.update!.id, { summary: 'A better note.' }, editor);
    await relayed(ctx);
    // Assess
    expect(bus.of('UpdateAmended').map((e) => [e.threadId, e.updateId, e.status, e.scenario])).toEqual([
      ['summit', created.update!.id, 'announced', 'n'],
      ['summit', note.update!.id, null, 'n'],
    ]);
    expect(bus.of('ThreadStatusChanged')).toEqual([]);
  });
});
