import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { count, logger } from '../observability';
import { EVENT_SOURCE, FanOutPublisher, LogWebhookPublisher, type Publisher } from './publisher';
import { RECOUNT_DETAIL_TYPE, RECOUNT_SOURCE, type RecountTrigger } from './recount-trigger';
import { SOURCE_DUE_DETAIL_TYPE, SOURCE_DUE_SOURCE, type SourceDispatch } from './source-due';
import type { TrackerEvent } from '../domain/event';

/** The cloud's event bus (EventBridge): the notifications and the recount requests. */

/**
 * One client per process: the publisher and the recount trigger share its connection and resolved
 * endpoint (a second client pays its first-request setup again, in the write's first request).
 */
let client: EventBridgeClient | undefined;
const eventBridge = (region?: string) => (client ??= new EventBridgeClient(region ? { region } : {}));

/** Cloud delivery: PutEvents on the project's bus. */
export class EventBridgePublisher implements Publisher {
  constructor(
    private readonly busName: string,
    region?: string,
    private readonly client = eventBridge(region),
  ) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
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
  constructor(
    private readonly busName: string,
    region?: string,
    private readonly client = eventBridge(region),
  ) {}

  async request(scenarios: readonly string[]): Promise<void> {
    const unique = [...new Set(scenarios)];
    if (unique.length === 0) return;
    try {
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

/** Due sources onto the bus, one event each (ten per PutEvents, its most); a rejected entry fails the run. */
export class BusSourceDispatch implements SourceDispatch {
  constructor(
    private readonly busName: string,
    region?: string,
    private readonly client = eventBridge(region),
  ) {}

  async dispatch(sourceIds: readonly string[]): Promise<void> {
    const time = new Date().toISOString();
    for (let i = 0; i < sourceIds.length; i += 10) {
      const batch = sourceIds.slice(i, i + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((sourceId) => ({
            EventBusName: this.busName,
            Source: SOURCE_DUE_SOURCE,
            DetailType: SOURCE_DUE_DETAIL_TYPE,
            Detail: JSON.stringify({ sourceId, time }),
          })),
        }),
      );
      if (result.FailedEntryCount)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} of ${batch.length} due sources`);
    }
  }
}

/**
 * Where a process publishes: with EVENT_BUS_NAME (the cloud) to the bus, plus the webhook when one is
 * set; without (npm start, the tools, tests) a log line and a POST to TRACKER_WEBHOOK_URL, and
 * `inProcess` (the local composition's fan-out to subscriptions and live sockets, shared/app/context.ts).
 */
export function createPublisher(
  cfg: { eventBusName?: string | undefined; webhookUrl?: string | undefined; region?: string | undefined },
  inProcess?: Publisher,
): Publisher {
  if (!cfg.eventBusName) {
    const local = new LogWebhookPublisher(cfg.webhookUrl);
    return inProcess ? new FanOutPublisher([local, inProcess]) : local;
  }
  const bus = new EventBridgePublisher(cfg.eventBusName, cfg.region);
  return cfg.webhookUrl ? new FanOutPublisher([bus, new LogWebhookPublisher(cfg.webhookUrl)]) : bus;
}
