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
const listPage = (query: Record<string, string>) =>
  ({
    version: '2.0',
    routeKey: 'GET /threads',
    rawPath: '/threads',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    requestContext: {
      http: { method: 'GET', path: '/threads', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      authorizer: { lambda: { name: 'desk', role: 'reader', subject: 'desk-hash', scheme: 'bearer' } },
      requestId: 'r',
      routeKey: 'GET /threads',
      stage: '$default',
    },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

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
