import { marshall } from '@aws-sdk/util-dynamodb';
import { handlerFor } from '../../functions/outbox-relay';
import { statusChanged, updatePosted, type TrackerEvent } from '../../shared/domain/event';
import { FOLLOWING_EVENTS_ATTRIBUTE, outboxItem, outboxItems } from '../../shared/store/outbox-store';
import { touchedChange } from '../../shared/domain/changes';
import { RecordingPublisher } from '../support/recording-publisher';

const event = (n: number): TrackerEvent =>
  statusChanged({ id: `t${n % 3}`, scenario: 's', status: 'agreed' }, 'proposed', '2025-05-16T00:00:00.000Z');

/** A stream record as Lambda hands it: DynamoDB JSON of the new image. */
const record = (seq: number, image: Record<string, unknown>, eventName = 'INSERT') => ({
  eventName,
  dynamodb: { SequenceNumber: String(seq).padStart(6, '0'), NewImage: marshall(image) as never },
});

describe('the outbox relay function', () => {
  it('publishes the events of new outbox items in stream order, and nothing else', async () => {
    // Prepare: two outbox items around a thread item, and an outbox item modified (not new)
    const bus = new RecordingPublisher();
    const [a, b, c] = [event(1), event(2), event(3)];
    const records = [
      record(1, outboxItem(a, 0)),
      record(2, { PK: 'THREAD#x', SK: 'THREAD', title: 'x' }),
      record(3, outboxItem(b, 0)),
      record(4, outboxItem(c, 0), 'MODIFY'),
    ];
    // Act
    const result = await handlerFor(() => ({ publisher: bus }))({ Records: records as never });
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(bus.events).toEqual([a, b]);
  });

  it('reports the first chunk that failed and every record after it, so none overtakes it', async () => {
    // Prepare: 25 outbox events (three chunks of at most ten); the bus refuses the second publish
    const bus = new RecordingPublisher();
    const events = Array.from({ length: 25 }, (_, i) => event(i));
    const records = events.map((e, i) => record(i + 1, outboxItem(e, 0)));
    let calls = 0;
    const publisher = {
      publish: async (batch: readonly TrackerEvent[]) => {
        if (++calls === 2) throw new Error('bus unavailable');
        await bus.publish(batch);
      },
    };
    // Act
    const result = await handlerFor(() => ({ publisher }))({ Records: records as never });
    // Assess: the first ten published; records 11 to 25 offered again
    expect(bus.events).toEqual(events.slice(0, 10));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      records.slice(10).map((r) => r.dynamodb.SequenceNumber),
    );
  });

  it("publishes a status change's two events from its one outbox item, in order, and retries the item whole", async () => {
    // Prepare: one write's UpdatePosted and ThreadStatusChanged, as the write path stores them
    const at = '2025-05-16T00:00:00.000Z';
    const thread = { id: 't1', scenario: 's', status: 'agreed' };
    const posted = updatePosted(thread, { id: 'u1', status: 'agreed' }, at);
    const changed = statusChanged(thread, 'proposed', at);
    const items = outboxItems([posted, changed], [touchedChange(thread, { by: 'x', at })], 0);
    const before = event(9);
    const records = [record(1, outboxItem(before, 0)), ...items.map((item, i) => record(i + 2, item))];
    let calls = 0;
    const bus = new RecordingPublisher();
    // Act
    const published = await handlerFor(() => ({ publisher: bus }))({ Records: records as never });
    const refusing = {
      publish: async (batch: readonly TrackerEvent[]) => {
        calls++;
        throw new Error(`bus unavailable (${batch.length})`);
      },
    };
    const refused = await handlerFor(() => ({ publisher: refusing }))({ Records: records.slice(1) as never });
    // Assess: one item holds both (the second in its followedBy); the bus got them in order
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ event: posted, [FOLLOWING_EVENTS_ATTRIBUTE]: [changed] });
    expect(published).toEqual({ batchItemFailures: [] });
    expect(bus.events).toEqual([before, posted, changed]);
    // Its record named once when the publish fails: the stream offers it again, both events with it.
    expect(calls).toBe(1);
    expect(refused.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb.SequenceNumber }]);
  });
});
