import { createSubscription } from '../../shared/app/subscriptions';
import { runDeliveries } from '../../shared/app/deliveries';
import { createThread, postUpdate } from '../../shared/app/threads';
import type { TrackerEvent } from '../../shared/domain/event';
import { OutboxStream } from '../../local/outbox-stream';
import { freshContext } from '../support/context';
import { startReceiver } from '../support/receiver';

const editor = { principal: { name: 'desk', role: 'editor' as const } };

describe('the outbox relay over the table stream', () => {
  it('makes one webhook delivery and one live frame of an event whose stream record is relayed twice', async () => {
    // Prepare: a subscriber, a live hub that records what it is handed, and two writes to one thread
    const receiver = await startReceiver();
    try {
      const ctx = await freshContext({ allowPrivateWebhooks: true });
      const frames: TrackerEvent[] = [];
      ctx.liveEvents = (events) => frames.push(...events);
      await createSubscription(ctx, { url: receiver.url, events: ['ThreadStatusChanged'] });
      await createThread(
        ctx,
        { id: 'twice', scenario: 'n', kind: 'summit', title: 'Twice', status: 'announced', summary: 's' },
        editor,
      );
      await postUpdate(ctx, 'twice', { status: 'scheduled', summary: 'Date set.' }, editor);
      // Two relays that each start at the stream's oldest record: every record is offered twice, as
      // after a crash between a publish and the position that records it, or a retried batch.
      const relay = () =>
        new OutboxStream({
          endpoint: ctx.config.dynamodbEndpoint!,
          tableName: ctx.config.tableName,
          publisher: ctx.publisher,
        });
      // Act
      const first = await relay().catchUp();
      const second = await relay().catchUp();
      const reports = await runDeliveries(ctx, Date.now());
      // Assess: both relays published all three events; each reached its consumers once, in commit order
      expect([first, second]).toEqual([3, 3]);
      expect(frames.map((e) => e.type)).toEqual(['ThreadCreated', 'UpdatePosted', 'ThreadStatusChanged']);
      expect(reports.map((r) => [r.type, r.delivered])).toEqual([['ThreadStatusChanged', true]]);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
