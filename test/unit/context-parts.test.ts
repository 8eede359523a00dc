import { readConfig } from '../../shared/config';
import { fresh } from '../support/fresh-modules';

/**
 * The parts of the context only some processes carry (shared/app/context.ts): the webhook host
 * lookup and the in-process fan-out. They are handed over by the code that needs them, so the other
 * functions' bundles leave them out; one that is missing where it is used fails loudly.
 */
const cfg = readConfig({ TABLE_NAME: 'scenario-tracker-test', AWS_REGION: 'eu-west-1' });
const contextModule = () => import('../../shared/app/context');

describe('webhook host lookup in the context', () => {
  it('fails loudly in a function built without it', async () => {
    // Prepare
    const { createContext } = await fresh(contextModule);
    const ctx = createContext(cfg);

    // Act + Assess
    await expect(ctx.lookup('hooks.example.org')).rejects.toThrow(
      'this function was built without webhook lookup (useWebhooks)',
    );
  });

  it.each(['subscriptions', 'deliveries'])('is handed over by the %s function', async (name) => {
    // Prepare
    const { context, url } = await fresh(async () => {
      await import(`../../functions/${name}`);
      return { context: await contextModule(), url: await import('../../shared/events/webhook-url') };
    });

    // Act
    const ctx = context.createContext(cfg);

    // Assess
    expect(ctx.lookup).toBe(url.systemLookup);
  });
});

describe('in-process fan-out in the context', () => {
  const event = {
    id: '01JV0000000000000000000000',
    type: 'ThreadStatusChanged',
    time: '2025-05-16T12:00:00.000Z',
    scenario: 'istanbul-talks-2025',
    threadId: '01JV0000000000000000000001',
    status: 'agreed',
  } as const;

  /** A context whose subscriptions, deliveries and live hook record what reaches them. */
  const recording = (context: typeof import('../../shared/app/context')) => {
    const seen: string[] = [];
    const ctx = context.createContext(cfg, {
      subscriptions: {
        listCached: async () => [
          { id: 'sub_1', status: 'active', events: ['ThreadStatusChanged'], scenario: null, threadId: null },
        ],
      } as never,
      deliveries: {
        create: async (_e: unknown, id: string) => {
          seen.push(`delivery for ${id}`);
          return true;
        },
      } as never,
      wakeDeliveries: () => seen.push('delivery loop woken'),
      liveEvents: (events) => seen.push(`live: ${events.map((e) => e.type).join()}`),
    });
    return { ctx, seen };
  };

  it('is absent in a function without a bus: events are only logged (and sent to TRACKER_WEBHOOK_URL)', async () => {
    // Prepare
    const { ctx, seen } = recording(await fresh(contextModule));

    // Act
    await ctx.publisher.publish([event]);

    // Assess
    expect(seen).toEqual([]);
  });

  it('hands events to subscriptions and live sockets in a process that uses the in-process parts', async () => {
    // Prepare
    const { context, inProcess } = await fresh(async () => ({
      context: await contextModule(),
      inProcess: await import('../../shared/app/in-process'),
    }));
    inProcess.useInProcessParts();
    const { ctx, seen } = recording(context);

    // Act
    await ctx.publisher.publish([event]);

    // Assess
    expect(seen.sort()).toEqual(['delivery for sub_1', 'delivery loop woken', 'live: ThreadStatusChanged']);
  });
});

describe("a function's context", () => {
  it('gives the function the parts it is built with, from the context the local server or a test set', async () => {
    // Prepare
    const { context, parts } = await fresh(async () => ({
      context: await contextModule(),
      parts: await import('../../shared/app/parts'),
    }));
    const full = context.createContext(cfg);
    context.setAppContext(full);
    const authorizerContext = context.functionContext({ tokens: parts.tokens });

    // Act
    const ctx = authorizerContext();

    // Assess
    expect(ctx.tokens).toBe(full.tokens);
    expect(ctx.config).toBe(full.config);
    expect(authorizerContext()).toBe(ctx);
  });

  it('fails, naming the part, when the function uses one it was not built with', async () => {
    // Prepare
    const { context, parts } = await fresh(async () => ({
      context: await contextModule(),
      parts: await import('../../shared/app/parts'),
    }));
    context.setAppContext(context.createContext(cfg));
    const ctx = context.functionContext({ tokens: parts.tokens })();

    // Act + Assess
    expect(() => ctx.threads.getThread('01JV0000000000000000000001')).toThrow(
      "threads is not part of this function's context (add it to the function's parts)",
    );
  });

  it('builds only its own parts when nothing was set (the cloud)', async () => {
    // Prepare
    const { context, parts } = await fresh(async () => ({
      context: await contextModule(),
      parts: await import('../../shared/app/parts'),
    }));
    const recountContext = context.functionContext({ scenarios: parts.scenarios });

    // Act
    const ctx = recountContext();

    // Assess
    expect(ctx.scenarios.constructor.name).toBe('ScenarioStore');
    expect(() => ctx.tokens.findByHash).toThrow("tokens is not part of this function's context");
  });
});
