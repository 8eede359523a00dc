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

/** Both, when the cloud is also given a webhook. */
export class FanOutPublisher implements Publisher {
  constructor(private readonly publishers: readonly Publisher[]) {}
  async publish(events: readonly TrackerEvent[]): Promise<void> {
    await Promise.all(this.publishers.map((p) => p.publish(events)));
  }
}
