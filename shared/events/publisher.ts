import type { TrackerEvent } from '../domain/event';
import { logger } from '../observability';

/** The port every notification leaves through. Implementations throw when delivery failed. */
export interface Publisher {
  publish(events: readonly TrackerEvent[]): Promise<void>;
}

export const EVENT_SOURCE = 'scenario-tracker';

/** Local delivery: a log line per event, and a JSON POST of the event to the webhook when one is set. */
export class LogWebhookPublisher implements Publisher {
  constructor(
    private readonly webhookUrl?: string,
    private readonly timeoutMs = 5000,
  ) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    for (const event of events) {
      logger.info('notification', { notification: event });
      if (!this.webhookUrl) continue;
      const response = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    }
  }
}

/** Cloud delivery: PutEvents on the project's bus; the SDK is loaded only by functions that publish. */
export class EventBridgePublisher implements Publisher {
  private client?: import('@aws-sdk/client-eventbridge').EventBridgeClient;

  constructor(
    private readonly busName: string,
    private readonly region?: string,
  ) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
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

/** Both, when the cloud is also given a webhook. */
export class FanOutPublisher implements Publisher {
  constructor(private readonly publishers: readonly Publisher[]) {}
  async publish(events: readonly TrackerEvent[]): Promise<void> {
    await Promise.all(this.publishers.map((p) => p.publish(events)));
  }
}

/**
 * The cloud publishes to the bus (plus the webhook when one is set); locally events are logged,
 * POSTed to TRACKER_WEBHOOK_URL and handed to `subscriptions` (the fan-out to webhook subscriptions).
 */
export function createPublisher(
  cfg: { eventBusName?: string | undefined; webhookUrl?: string | undefined; region?: string | undefined },
  subscriptions?: Publisher,
): Publisher {
  if (!cfg.eventBusName) {
    const local = new LogWebhookPublisher(cfg.webhookUrl);
    return subscriptions ? new FanOutPublisher([local, subscriptions]) : local;
  }
  const bus = new EventBridgePublisher(cfg.eventBusName, cfg.region);
  return cfg.webhookUrl ? new FanOutPublisher([bus, new LogWebhookPublisher(cfg.webhookUrl)]) : bus;
}
