import { readConfig } from '../../shared/config';
import { fresh } from '../support/fresh-modules';

/**
 * Only the functions that publish bring the EventBridge bus (shared/events/bus.ts), so the others
 * leave it out of their bundle (cold start). A context asked for a bus it was not given must fail
 * loudly rather than drop events.
 */
const cloud = readConfig({
  TABLE_NAME: 'scenario-tracker-test',
  EVENT_BUS_NAME: 'tracker-bus',
  AWS_REGION: 'eu-west-1',
});

const contextModule = () => import('../../shared/app/context');
const busModule = () => import('../../shared/events/bus');

describe('the event bus in the context', () => {
  it('refuses EVENT_BUS_NAME when the function was built without the bus', async () => {
    // Prepare
    const { createContext } = await fresh(contextModule);

    // Act + Assess
    expect(() => createContext(cloud)).toThrow(
      'EVENT_BUS_NAME is set, but this function was built without the bus',
    );
  });

  it('publishes and asks for recounts on the bus once a function hands it over', async () => {
    // Prepare
    const { context, bus } = await fresh(async () => ({
      context: await contextModule(),
      bus: await busModule(),
    }));

    // Act
    context.useBus(bus.eventBridgeBus);
    const ctx = context.createContext(cloud);

    // Assess
    expect(ctx.publisher).toBeInstanceOf(bus.EventBridgePublisher);
    expect(ctx.recounts).toBeInstanceOf(bus.BusRecountTrigger);
  });

  it.each(['threads-write', 'stale-check', 'subscriptions'])(
    'is handed over by the %s function',
    async (name) => {
      // Prepare
      const { context, bus } = await fresh(async () => {
        await import(`../../functions/${name}`);
        return { context: await contextModule(), bus: await busModule() };
      });

      // Act
      const ctx = context.createContext(cloud);

      // Assess
      expect(ctx.publisher).toBeInstanceOf(bus.EventBridgePublisher);
    },
  );

  it('is not needed without EVENT_BUS_NAME (the local server and the functions that do not publish)', async () => {
    // Prepare
    const { createContext } = await fresh(contextModule);

    // Act
    const ctx = createContext({ ...cloud, eventBusName: undefined });

    // Assess
    expect(ctx.publisher.constructor.name).not.toBe('EventBridgePublisher');
  });
});
