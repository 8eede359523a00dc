import { count, logger } from '../observability';
import { EVENT_SOURCE, type Bus, type Publisher } from './publisher';
import { RECOUNT_DETAIL_TYPE, RECOUNT_SOURCE, type RecountTrigger } from './recount-trigger';
import type { TrackerEvent } from '../domain/event';

/**
 * The cloud's event bus (EventBridge): the notifications and the recount requests. Kept apart from
 * the ports so that only the functions that publish (threads-write, stale-check, subscriptions) carry
 * it: their entry hands `eventBridgeBus` to `useBus` (shared/app/context.ts).
 */

/** Cloud delivery: PutEvents on the project's bus; the SDK is loaded only by functions that publish. */
export class EventBridgePublisher implements Publisher {
  private client?: import('./eventbridge').EventBridgeClient;

  constructor(
    private readonly busName: string,
    private readonly region?: string,
  ) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    const { EventBridgeClient, PutEventsCommand } = await import('./eventbridge');
    this.client ??= new EventBridgeClient(this.region ? { region: this.region } : {});
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.type,
            Detail: JSON.stringify(e),
          })),
        }),
      );
      if (result.FailedEntryCount)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} of ${batch.length} events`);
    }
  }
}

export class BusRecountTrigger implements RecountTrigger {
  private client?: import('./eventbridge').EventBridgeClient;

  constructor(
    private readonly busName: string,
    private readonly region?: string,
  ) {}

  async request(scenarios: readonly string[]): Promise<void> {
    const unique = [...new Set(scenarios)];
    if (unique.length === 0) return;
    try {
      const { EventBridgeClient, PutEventsCommand } = await import('./eventbridge');
      this.client ??= new EventBridgeClient(this.region ? { region: this.region } : {});
      const time = new Date().toISOString();
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: unique.map((scenario) => ({
            EventBusName: this.busName,
            Source: RECOUNT_SOURCE,
            DetailType: RECOUNT_DETAIL_TYPE,
            Detail: JSON.stringify({ scenario, time }),
          })),
        }),
      );
      if (result.FailedEntryCount)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} recount requests`);
    } catch (error) {
      // The write has committed; the scheduled sweep recounts what this request would have.
      count('RecountRequestFailures');
      logger.warn('recount request failed; the scheduled sweep will recount', {
        scenarios: unique,
        error: String(error),
      });
    }
  }

  async flush(): Promise<void> {}
}

export const eventBridgeBus: Bus = {
  publisher: (busName, region) => new EventBridgePublisher(busName, region),
  recounts: (busName, region) => new BusRecountTrigger(busName, region),
};
