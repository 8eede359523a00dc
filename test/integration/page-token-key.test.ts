import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as threadsRead } from '../../functions/threads-read';
import { appContext, createContext, setAppContext } from '../../shared/app/context';
import { createThread } from '../../shared/app/threads';
import { newKeyring, parseKeyring, rotateKeyring } from '../../shared/domain/keyring';
import { freshContext } from '../support/context';

// The function over the context each test installs (setAppContext) instead of the environment's.
const handler = threadsRead.with(appContext);
import { startSecretsEndpoint, type SecretsEndpoint } from '../support/secrets-manager';

/**
 * The read function as the stack deploys it: no page-token key in its environment, only the
 * secret's ARN. Over DynamoDB Local, reading the secret through Powertools and the SDK from a local
 * endpoint that answers GetSecretValue (test/support/secrets-manager.ts).
 */
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-token-XyZ123';
let sm: SecretsEndpoint;
let uninstall: () => void;
/** What the secret holds once it can be read. */
const cloudRing = newKeyring();
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

beforeAll(async () => {
  sm = await startSecretsEndpoint();
  uninstall = sm.install();
  process.env.PAGE_TOKEN_SECRET_ARN = ARN;
  const ctx = await freshContext(
    { pageTokenSecret: undefined, pageTokenSecretArn: ARN },
    {},
    { stream: false },
  );
  for (const id of ['key-1', 'key-2', 'key-3'])
    await createThread(
      ctx,
      { id, scenario: 'keys', kind: 'summit', title: id, status: 'proposed', summary: 's' },
      { principal: { name: 'test', role: 'editor' } },
    );
});
afterAll(async () => {
  delete process.env.PAGE_TOKEN_SECRET_ARN;
  uninstall();
  await sm.close();
});
const reads = () => sm.reads.length;

describe('the read function with its page-token key in Secrets Manager', () => {
  afterEach(() => sm.refuse('none', 0));

  // First: nothing has read the key yet in this process.
  it('asks for the key on each route that pages, and only there: a single thread or scenario never waits for it', async () => {
    // Prepare: Secrets Manager refuses every read (a failed read is not kept: each paging request retries)
    sm.refuse('AccessDeniedException');
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
    sm.put(ARN, cloudRing);
    sm.refuse('AccessDeniedException', 1);
    const before = reads();
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
    // One failed read, one good one: then the keyring is served from the cache.
    expect(reads() - before).toBe(2);
  });

  it('pages on with a token issued before a rotation, and reads the keyring again at once for a token of a key it does not hold yet', async () => {
    // Prepare: a token signed with key 1 (the keyring read above), then the secret rotated
    // (`npm run keyring -- rotate`); another instance, which took the rotation up first, signs with key 2.
    const oldToken: string = JSON.parse(
      (await handler(listPage({ scenario: 'keys', limit: '1' }))).body,
    ).nextToken;
    const rotated = rotateKeyring(cloudRing);
    sm.put(ARN, rotated);
    const cloud = appContext();
    setAppContext(
      createContext(
        { ...cloud.config, pageTokenSecretArn: undefined, pageTokenSecret: rotated },
        { db: cloud.db },
      ),
    );
    const newToken: string = JSON.parse(
      (await handler(listPage({ scenario: 'keys', limit: '1' }))).body,
    ).nextToken;
    setAppContext(cloud);
    const before = reads();
    // Act
    const fromOld = await handler(listPage({ scenario: 'keys', limit: '1', nextToken: oldToken }));
    const fromNew = await handler(listPage({ scenario: 'keys', limit: '1', nextToken: newToken }));
    const issued = await handler(listPage({ scenario: 'keys', limit: '1' }));
    // Assess
    expect(oldToken.split('.')[2]).toBe(parseKeyring(cloudRing).current.id);
    expect(newToken.split('.')[2]).toBe(parseKeyring(rotated).current.id);
    expect([fromOld.statusCode, fromNew.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(fromOld.body).items.map((t: { id: string }) => t.id)).toEqual(['key-2']);
    expect(JSON.parse(fromNew.body).items.map((t: { id: string }) => t.id)).toEqual(['key-2']);
    // One read, for the key this instance did not hold; from then on it signs with key 2 too.
    expect(reads() - before).toBe(1);
    expect(JSON.parse(issued.body).nextToken.split('.')[2]).toBe(parseKeyring(rotated).current.id);
  });
});
