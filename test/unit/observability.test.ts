import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * In Lambda every DynamoDB call is traced (an X-Ray subsegment each); outside it, and in a function
 * deployed with POWERTOOLS_TRACE_ENABLED=false, the tracer is not loaded at all and nothing is
 * instrumented. Each case loads the modules afresh under its own environment.
 */
const ENV = ['AWS_EXECUTION_ENV', 'POWERTOOLS_TRACE_ENABLED'] as const;

function underEnv(env: Partial<Record<(typeof ENV)[number], string>>) {
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const k of ENV) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    let loaded!: { tracer: () => unknown; db: DynamoDBDocumentClient };
    jest.isolateModules(() => {
      const { tracer } = jest.requireActual('../../shared/observability');
      const { createDocumentClient } = jest.requireActual('../../shared/store/client');
      const { readConfig } = jest.requireActual('../../shared/config');
      loaded = { tracer, db: createDocumentClient(readConfig({})) };
    });
    return loaded;
  } finally {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

const instrumented = (db: DynamoDBDocumentClient) =>
  db.middlewareStack.identify().some((m) => m.startsWith('XRaySDKInstrumentation'));

describe('tracing', () => {
  it('instruments every DynamoDB call in Lambda, with one tracer for the process', () => {
    // Act
    const { tracer, db } = underEnv({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' });

    // Assess
    expect(instrumented(db)).toBe(true);
    expect(tracer()).not.toBeNull();
    expect(tracer()).toBe(tracer());
  });

  it.each([
    ['outside Lambda', {}],
    [
      'in Lambda with POWERTOOLS_TRACE_ENABLED=false',
      { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' },
    ],
  ])('loads no tracer and instruments nothing %s', (_, env) => {
    // Act
    const { tracer, db } = underEnv(env);

    // Assess
    expect(tracer()).toBeNull();
    expect(instrumented(db)).toBe(false);
  });
});
