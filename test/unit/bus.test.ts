import { readConfig } from '../../shared/config';

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

const fresh = <T>(load: () => T): T => {
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = load();
  });
  return loaded!;
};

describe('the event bus in the context', () => {
  it('refuses EVENT_BUS_NAME when the function was built without the bus', () => {
    // Prepare
    const { createContext } = fresh(
      () => require('../../shared/app/context') as typeof import('../../shared/app/context'),
    );

    // Act + Assess
    expect(() => createContext(cloud)).toThrow(
      'EVENT_BUS_NAME is set, but this function was built without the bus',
    );
  });

  it('publishes and asks for recounts on the bus once a function hands it over', () => {
    // Prepare
    const { context, bus } = fresh(() => ({
      context: require('../../shared/app/context') as typeof import('../../shared/app/context'),
      bus: require('../../shared/events/bus') as typeof import('../../shared/events/bus'),
    }));

    // Act
    context.useBus(bus.eventBridgeBus);
    const ctx = context.createContext(cloud);

    // Assess
    expect(ctx.publisher).toBeInstanceOf(bus.EventBridgePublisher);
    expect(ctx.recounts).toBeInstanceOf(bus.BusRecountTrigger);
  });

  it.each(['threads-write', 'stale-check', 'subscriptions'])('is handed over by the %s function', (name) => {
    // Prepare
    const { context, bus } = fresh(() => {
      require(`../../functions/${name}`);
      return {
        context: require('../../shared/app/context') as typeof import('../../shared/app/context'),
        bus: require('../../shared/events/bus') as typeof import('../../shared/events/bus'),
      };
    });

    // Act
    const ctx = context.createContext(cloud);

    // Assess
    expect(ctx.publisher).toBeInstanceOf(bus.EventBridgePublisher);
  });

  it('is not needed without EVENT_BUS_NAME (the local server and the functions that do not publish)', () => {
    // Prepare
    const { createContext } = fresh(
      () => require('../../shared/app/context') as typeof import('../../shared/app/context'),
    );

    // Act
    const ctx = createContext({ ...cloud, eventBusName: undefined });

    // Assess
    expect(ctx.publisher.constructor.name).not.toBe('EventBridgePublisher');
  });
});
