import { readConfig } from '../../shared/config';
import { createContext } from '../../shared/app/context';
import { BusRecountTrigger, EventBridgePublisher, createPublisher } from '../../shared/events/bus';
import { FanOutPublisher, LogWebhookPublisher } from '../../shared/events/publisher';
import { LocalRecounter } from '../../shared/app/scenarios';

/**
 * Where a process publishes and asks for recounts: with EVENT_BUS_NAME (the cloud) on the bus, else
 * in the process (npm start, the tools, the tests), from the same settings.
 */
const cloud = readConfig({
  TABLE_NAME: 'scenario-tracker-test',
  EVENT_BUS_NAME: 'tracker-bus',
  AWS_REGION: 'eu-west-1',
});

describe('the event bus', () => {
  it('takes the events and the recount requests when EVENT_BUS_NAME is set', () => {
    // Act
    const ctx = createContext(cloud);

    // Assess
    expect(ctx.publisher).toBeInstanceOf(EventBridgePublisher);
    expect(ctx.recounts).toBeInstanceOf(BusRecountTrigger);
  });

  it('is joined by the webhook when TRACKER_WEBHOOK_URL is set too', () => {
    // Act
    const publisher = createPublisher({ ...cloud, webhookUrl: 'https://hooks.example.org/tracker' });

    // Assess
    expect(publisher).toBeInstanceOf(FanOutPublisher);
  });

  it('is not used without EVENT_BUS_NAME: events are logged and fanned out in the process, recounts run here', () => {
    // Act
    const ctx = createContext({ ...cloud, eventBusName: undefined });

    // Assess
    expect(ctx.publisher).toBeInstanceOf(FanOutPublisher);
    expect(ctx.recounts).toBeInstanceOf(LocalRecounter);
    expect(createPublisher({ ...cloud, eventBusName: undefined })).toBeInstanceOf(LogWebhookPublisher);
  });
});
