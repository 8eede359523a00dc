import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../functions/threads-read';
import { createThread } from '../../shared/app/threads';
import { freshContext } from '../support/context';

/**
 * The read function as the stack deploys it: no page-token key in its environment, only the
 * secret's ARN. Over DynamoDB Local; Secrets Manager's answers are injected (there is none to run).
 */
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-token-XyZ123';
const sm = mockClient(SecretsManagerClient);
/** A reader's GET of one of the function's routes, as API Gateway hands it over. */
const get = (routeKey: string, path: string, query: Record<string, string> = {}, params = {}) =>
  ({
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    pathParameters: params,
    requestContext: {
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      authorizer: { lambda: { name: 'desk', role: 'reader', subject: 'desk-hash', scheme: 'bearer' } },
      requestId: 'r',
      routeKey,
      stage: '$default',
    },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;
const listPage = (query: Record<string, string>) => get('GET /threads', '/threads', query);

const region = process.env.AWS_REGION;
beforeAll(async () => {
  process.env.PAGE_TOKEN_SECRET_ARN = ARN;
  process.env.AWS_REGION ??= 'eu-west-1';
  const ctx = await freshContext({ pageTokenSecret: undefined, pageTokenSecretArn: ARN });
  for (const id of ['key-1', 'key-2', 'key-3'])
    await createThread(
      ctx,
      { id, scenario: 'keys', kind: 'summit', title: id, status: 'proposed', summary: 's' },
      { principal: { name: 'test', role: 'editor' } },
    );
});
afterAll(() => {
  delete process.env.PAGE_TOKEN_SECRET_ARN;
  if (region === undefined) delete process.env.AWS_REGION;
  sm.restore();
});

describe('the read function with its page-token key in Secrets Manager', () => {
  afterEach(() => sm.reset());

  // First: nothing has read the key yet in this process.
  it('asks for the key on each route that pages, and only there: a single thread or scenario never waits for it', async () => {
    // Prepare: Secrets Manager refuses every read (a failed read is not kept: each paging request retries)
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServiceError' }));
    const reads = () => sm.commandCalls(GetSecretValueCommand).length;
    const paged = [
      get('GET /threads', '/threads', { limit: '1' }),
      get('GET /threads/{id}/updates', '/threads/key-1/updates', { limit: '1' }, { id: 'key-1' }),
      get('GET /scenarios', '/scenarios', { limit: '1' }),
      get('GET /scenarios/{id}/timeline', '/scenarios/keys/timeline', { limit: '1' }, { id: 'keys' }),
      get('HEAD /threads', '/threads', { limit: '1' }),
    ];
    const single = [
      get('GET /threads/{id}', '/threads/key-1', {}, { id: 'key-1' }),
      get('GET /scenarios/{id}', '/scenarios/keys', {}, { id: 'keys' }),
    ];

    // Act
    const readsPerPagedRequest: number[] = [];
    for (const event of paged) {
      const before = reads();
      await handler(event);
      readsPerPagedRequest.push(reads() - before);
    }
    const before = reads();
    const singleAnswers = await Promise.all(single.map(async (event) => (await handler(event)).statusCode));

    // Assess
    expect(readsPerPagedRequest).toEqual(paged.map(() => 1));
    expect(singleAnswers).toEqual([200, 200]);
    expect(reads()).toBe(before);
  });

  it('answers 503 for a page that needs a token while the key cannot be read, then pages once it can', async () => {
    // Prepare: the first read fails, the next succeeds
    sm.on(GetSecretValueCommand, { SecretId: ARN })
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'cloud-key-'.repeat(7) });
    // Act
    const during = await handler(listPage({ scenario: 'keys', limit: '1' }));
    const after = await handler(listPage({ scenario: 'keys', limit: '1' }));
    const next = await handler(
      listPage({ scenario: 'keys', limit: '1', nextToken: JSON.parse(after.body).nextToken }),
    );
    // Assess
    expect(during.statusCode).toBe(503);
    expect(during.headers['Retry-After']).toBeDefined();
    expect(JSON.parse(during.body)).toMatchObject({ code: 'unavailable' });
    expect(after.statusCode).toBe(200);
    expect(typeof JSON.parse(after.body).nextToken).toBe('string');
    expect(next.statusCode).toBe(200);
    expect(JSON.parse(next.body).items.map((t: { id: string }) => t.id)).toEqual(['key-2']);
    // One failed read, one good one: then the key is kept for the instance's life.
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
