import type { TrackerEvent } from '../domain/event';
import { logger } from '../observability';
import type { RecountTrigger } from './recount-trigger';

/** The port every notification leaves through. Implementations throw when delivery failed. */
export interface Publisher {
  publish(events: readonly TrackerEvent[]): Promise<void>;
}

export const EVENT_SOURCE = 'scenario-tracker';

/**
 * The bus's adapters (shared/events/bus.ts, EventBridge). Only the functions that publish bring
 * them (their entry calls `useBus`), so the others leave the EventBridge client out of their bundle:
 * its code alone is about 50 KiB that Node would compile at every cold start.
 */
export interface Bus {
  publisher(busName: string, region?: string): Publisher;
  recounts(busName: string, region?: string): RecountTrigger;
}

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
  busPublisher?: Bus['publisher'],
): Publisher {
  if (!cfg.eventBusName) {
    const local = new LogWebhookPublisher(cfg.webhookUrl);
    return subscriptions ? new FanOutPublisher([local, subscriptions]) : local;
  }
  if (!busPublisher) throw new Error('EVENT_BUS_NAME is set, but this function was built without the bus');
  const bus = busPublisher(cfg.eventBusName, cfg.region);
  return cfg.webhookUrl ? new FanOutPublisher([bus, new LogWebhookPublisher(cfg.webhookUrl)]) : bus;
}
