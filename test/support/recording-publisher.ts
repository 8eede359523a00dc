import type { TrackerEvent } from '../../shared/domain/event';
import type { Publisher } from '../../shared/events/publisher';

/** A real Publisher that keeps what it was given, and can be told to fail the next N publishes. */
export class RecordingPublisher implements Publisher {
  readonly events: TrackerEvent[] = [];
  failNext = 0;

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bus unavailable');
    }
    this.events.push(...events);
  }

  of(type: TrackerEvent['type']): TrackerEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
