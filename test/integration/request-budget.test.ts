import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler as threadsWrite } from '../../functions/threads-write';
import { appContext, type AppContext } from '../../shared/app/context';
import { dynamoCallBoundMs } from '../../shared/config';
import { localLambdaContext } from '../../local/invocations';
import { freshContext } from '../support/context';

/**
 * The write budget bounds the whole request, from its arrival (API Gateway's
 * `requestContext.timeEpoch`), and never outlasts the function (its remaining time): a write is not
 * started when it could end after either. The clock is injected through the event and the Lambda
 * context, as API Gateway and Lambda hand them over, so nothing here depends on the machine's speed:
 * a minute's budget, and a DynamoDB call bound of about 21 s (the tests' patient timeout).
 */
const BUDGET_MS = 60_000;
// The function over this file's table (freshContext) instead of the environment's.
const handler = threadsWrite.with(appContext);

let ctx: AppContext;

beforeAll(async () => {
  ctx = await freshContext({ writeRetryBudgetMs: BUDGET_MS }, {}, { stream: false });
  expect(dynamoCallBoundMs(ctx.config)).toBeGreaterThan(10_000);
  expect(dynamoCallBoundMs(ctx.config)).toBeLessThan(BUDGET_MS / 2);
});

const postUpdate = (threadId: string, summary: string, arrivedAt: number): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /threads/{id}/updates',
    rawPath: `/threads/${threadId}/updates`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { id: threadId },
    body: JSON.stringify({ status: 'held', summary, occurredAt: '2025-06-10T12:00:00Z' }),
    isBase64Encoded: false,
    requestContext: {
      requestId: `budget-${summary}`,
      http: { method: 'POST', path: `/threads/${threadId}/updates` },
      authorizer: { lambda: { name: 'desk', role: 'editor', subject: 'desk' } },
      timeEpoch: arrivedAt,
    },
  }) as unknown as APIGatewayProxyEventV2;

const createThread = (id: string) =>
  handler(
    {
      version: '2.0',
      routeKey: 'POST /threads',
      rawPath: '/threads',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        scenario: 'budget-desk',
        kind: 'summit',
        title: id,
        status: 'announced',
        summary: 'Announced.',
        occurredAt: '2025-06-01',
      }),
      isBase64Encoded: false,
      requestContext: {
        requestId: `create-${id}`,
        http: { method: 'POST', path: '/threads' },
        authorizer: { lambda: { name: 'desk', role: 'editor', subject: 'desk' } },
        timeEpoch: Date.now(),
      },
    } as unknown as APIGatewayProxyEventV2,
    localLambdaContext('threads-write'),
  );

/** A Lambda context whose function is stopped `ms` from now. */
const endingIn = (ms: number): Context => {
  const end = Date.now() + ms;
  return { ...localLambdaContext('threads-write'), getRemainingTimeInMillis: () => end - Date.now() };
};

const versionOf = async (id: string) => (await ctx.threads.getThreadConsistent(id))!.version;

describe('the write budget of a request', () => {
  it('answers 503 with Retry-After, writing nothing, when the request arrived too long ago for a write to end within the budget', async () => {
    // Prepare
    expect((await createThread('late-arrival')).statusCode).toBe(201);
    const before = await versionOf('late-arrival');
    const arrivedAt = Date.now() - (BUDGET_MS - 10_000);

    // Act
    const r = await handler(
      postUpdate('late-arrival', 'queued-too-long', arrivedAt),
      localLambdaContext('x'),
    );

    // Assess
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'unavailable' });
    expect(r.headers['Retry-After']).toBe('1');
    expect(await versionOf('late-arrival')).toBe(before);
  });

  it('answers 503 without writing when the function would be stopped before a write could end', async () => {
    // Prepare
    expect((await createThread('short-function')).statusCode).toBe(201);
    const before = await versionOf('short-function');

    // Act
    const r = await handler(postUpdate('short-function', 'no-time-left', Date.now()), endingIn(5_000));

    // Assess
    expect(r.statusCode).toBe(503);
    expect(await versionOf('short-function')).toBe(before);
  });

  it('writes when the request arrived just now and the function has time', async () => {
    // Prepare
    expect((await createThread('on-time')).statusCode).toBe(201);
    const before = await versionOf('on-time');

    // Act
    const r = await handler(postUpdate('on-time', 'in-time', Date.now()), endingIn(BUDGET_MS));

    // Assess
    expect(r.statusCode).toBe(201);
    expect(await versionOf('on-time')).toBe(before + 1);
  });
});
