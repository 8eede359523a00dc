import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readConfig } from '../../shared/config';
import { localLambdaContext } from '../../local/invocations';

/**
 * Metrics are published however an invocation ends: a function that throws (here because DynamoDB
 * fails, injected at the SDK boundary) still flushes what it counted, and its failure. The functions
 * are loaded afresh with metrics switched on (the test run switches them off), and the EMF lines
 * Powertools prints to stdout are captured.
 */

type Handlers = {
  authorizer: typeof import('../../functions/authorizer');
  staleCheck: typeof import('../../functions/stale-check');
  deliveries: typeof import('../../functions/deliveries');
  scenarioRecount: typeof import('../../functions/scenario-recount');
  threadsRead: typeof import('../../functions/threads-read');
  observability: typeof import('../../shared/observability');
  /** The context the functions run over here (on the mocked client), not the environment's. */
  appContext: typeof import('../../shared/app/context').appContext;
};

let fns: Handlers;
let dynamo: ReturnType<typeof mockClient>;
let captured: string[];
let spies: jest.SpyInstance[] = [];

beforeAll(() => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  try {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module graph, built while metrics are on */
      fns = {
        authorizer: require('../../functions/authorizer'),
        staleCheck: require('../../functions/stale-check'),
        deliveries: require('../../functions/deliveries'),
        scenarioRecount: require('../../functions/scenario-recount'),
        threadsRead: require('../../functions/threads-read'),
        observability: require('../../shared/observability'),
        appContext: require('../../shared/app/context').appContext,
      };
      const { createContext, setAppContext } = require('../../shared/app/context');
      const { createDocumentClient } = require('../../shared/store/client');
      const cfg = { ...readConfig(process.env), tableName: `metrics-${randomUUID().slice(0, 8)}` };
      const db = createDocumentClient(cfg);
      dynamo = mockClient(db);
      setAppContext(createContext(cfg, { db }));
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
  } finally {
    if (saved === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = saved;
  }
});
afterAll(() => dynamo.restore());

beforeEach(() => {
  dynamo.reset();
  dynamo.rejects(Object.assign(new Error('DynamoDB is unavailable'), { name: 'InternalServerError' }));
  fns.observability.logger.setLogLevel('INFO');
  captured = [];
  const capture = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
  fns.observability.logger.setLogLevel('SILENT');
});

const lines = (): Record<string, any>[] =>
  captured
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

/** The metrics of every EMF line printed, by name: values summed over lines. */
function published(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines().filter((l) => l._aws?.CloudWatchMetrics)) {
    for (const def of line._aws.CloudWatchMetrics[0].Metrics as { Name: string }[])
      out[def.Name] = (out[def.Name] ?? 0) + Number(line[def.Name]);
  }
  return out;
}

const errorLine = (message: string) => lines().find((l) => l.message === message && l.level === 'ERROR');

describe('metrics of a function that throws', () => {
  it('are published by the authorizer, with its failure, and the failure is logged under both request ids', async () => {
    // Prepare
    const context: Context = localLambdaContext('authorizer');

    // Act
    const run = fns.authorizer.handlerFor(fns.appContext)(
      { headers: { authorization: 'Bearer some-token-value' }, requestContext: { requestId: 'apigw-1' } },
      context,
    );

    // Assess
    await expect(run).rejects.toThrow('DynamoDB is unavailable');
    expect(published()).toEqual(expect.objectContaining({ UnhandledErrors: 1 }));
    expect(errorLine('authorizer failed')).toEqual(
      expect.objectContaining({ correlation_id: 'apigw-1', function_request_id: context.awsRequestId }),
    );
  });

  it('are published by the stale check', async () => {
    // Prepare
    const context = localLambdaContext('stale-check');

    // Act
    const run = fns.staleCheck.handlerFor(fns.appContext)({ time: '2025-06-01T00:00:00Z' }, context);

    // Assess
    await expect(run).rejects.toThrow('DynamoDB is unavailable');
    expect(published()).toEqual(expect.objectContaining({ UnhandledErrors: 1 }));
    expect(errorLine('stale check failed')).toEqual(
      expect.objectContaining({ function_request_id: context.awsRequestId }),
    );
  });

  it('are published by the scheduled delivery run', async () => {
    // Prepare
    const context = localLambdaContext('deliveries');

    // Act
    const run = fns.deliveries.handlerFor(fns.appContext)({ time: '2025-06-01T00:00:00Z' }, context);

    // Assess
    await expect(run).rejects.toThrow('DynamoDB is unavailable');
    expect(published()).toEqual(expect.objectContaining({ UnhandledErrors: 1 }));
  });
});

describe('metrics of a function that fails part of its work', () => {
  it('are published by the recount, with what failed logged under its request id', async () => {
    // Prepare
    const context = localLambdaContext('scenario-recount');
    const body = JSON.stringify({ detail: { scenario: 'russia-ukraine-talks' } });

    // Act
    const result = await fns.scenarioRecount.handlerFor(fns.appContext)(
      { Records: [{ messageId: 'm-1', body } as never] },
      context,
    );

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(published()).toEqual(expect.objectContaining({ ScenariosRecounted: 0 }));
    expect(errorLine('scenario recount failed')).toEqual(
      expect.objectContaining({ function_request_id: context.awsRequestId }),
    );
  });

  it('are published by an HTTP function whose request fails, with the request logged under both ids', async () => {
    // Prepare
    const context = localLambdaContext('threads-read');
    const event = {
      version: '2.0',
      routeKey: 'GET /threads/{id}',
      rawPath: '/threads/ceasefire',
      rawQueryString: '',
      headers: {},
      pathParameters: { id: 'ceasefire' },
      isBase64Encoded: false,
      requestContext: {
        requestId: 'apigw-2',
        http: { method: 'GET', path: '/threads/ceasefire' },
        authorizer: { lambda: { name: 'reader', role: 'reader', subject: 'x' } },
      },
    } as unknown as APIGatewayProxyEventV2;

    // Act
    const response = await fns.threadsRead.handler.with(fns.appContext)(event, context);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(published()).toEqual(expect.objectContaining({ ServerErrors: 1 }));
    expect(lines().find((l) => l.message === 'request')).toEqual(
      expect.objectContaining({
        status: 503,
        correlation_id: 'apigw-2',
        function_request_id: context.awsRequestId,
      }),
    );
  });
});
