import { rawRequest, type RawResponse } from '../support/raw-http';
import { startTestServer, type TestServer } from '../support/server';

/**
 * How the local server matches a request to a route: the path exactly as sent, as API Gateway
 * matches it, and HEAD answered like GET without a body. Requests go out byte for byte
 * (test/support/raw-http.ts): fetch would normalise the very paths under test.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false });
});
afterAll(async () => s.close());

/** The headers a HEAD answer shares with GET's: all but the framing ones (a HEAD answer omits its length). */
const sameHeaders = (r: RawResponse) => {
  const {
    date: _date,
    connection: _connection,
    'keep-alive': _keepAlive,
    'content-length': _length,
    'transfer-encoding': _encoding,
    // Each request has its own id (API Gateway's, echoed as it does).
    'apigw-requestid': _requestId,
    ...rest
  } = r.headers;
  return rest;
};

const auth = (role: keyof TestServer['tokens']) => ({ Authorization: `Bearer ${s.tokens[role]}` });

describe('a path is matched exactly as sent', () => {
  it.each([
    ['//x/tokens', 'admin'],
    ['/threads/%2e%2e/tokens', 'admin'],
    ['/threads/../tokens', 'admin'],
    ['/x/%2E%2E/tokens', 'admin'],
    ['//threads', 'reader'],
    ['/threads/./', 'reader'],
    ['/./threads', 'reader'],
    ['//health', null],
    ['//', null],
  ] as const)(
    'answers GET %s with a problem+json 404, not as the route it normalises to',
    async (path, role) => {
      // Prepare
      const headers = role ? auth(role) : {};

      // Act
      const r = await rawRequest(s.url, { method: 'GET', path, headers });

      // Assess
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toEqual(
        expect.objectContaining({ status: 404, code: 'not_found', detail: `No route GET ${path}.` }),
      );
    },
  );

  it('still serves the routes themselves, and a query string does not count as part of the path', async () => {
    // Act
    const tokens = await rawRequest(s.url, { method: 'GET', path: '/tokens', headers: auth('admin') });
    const threads = await rawRequest(s.url, {
      method: 'GET',
      path: '/threads?scenario=russia-ukraine-talks&limit=2',
      headers: auth('reader'),
    });
    const page = await rawRequest(s.url, { method: 'GET', path: '/' });

    // Assess
    expect(tokens.status).toBe(200);
    expect(threads.status).toBe(200);
    expect(threads.body.items).toHaveLength(2);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('HEAD on a GET route', () => {
  it('answers HEAD /health like GET, without a body', async () => {
    // Prepare
    const get = await rawRequest(s.url, { method: 'GET', path: '/health' });

    // Act
    const head = await rawRequest(s.url, { method: 'HEAD', path: '/health' });

    // Assess
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(sameHeaders(head)).toEqual(sameHeaders(get));
    expect(head.headers['cache-control']).toBe('no-cache');
  });

  it('gives a thread the same status and headers as GET (ETag included), and 304 for the ETag the client holds', async () => {
    // Prepare
    const get = await rawRequest(s.url, {
      method: 'GET',
      path: '/threads/ceasefire',
      headers: auth('reader'),
    });

    // Act
    const head = await rawRequest(s.url, {
      method: 'HEAD',
      path: '/threads/ceasefire',
      headers: auth('reader'),
    });
    const revalidated = await rawRequest(s.url, {
      method: 'HEAD',
      path: '/threads/ceasefire',
      headers: { ...auth('reader'), 'If-None-Match': String(get.headers.etag) },
    });

    // Assess
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(sameHeaders(head)).toEqual(sameHeaders(get));
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(get.headers.etag);
    expect(revalidated.text).toBe('');
  });

  it('asks for the same role as GET and answers its errors without a body', async () => {
    // Act
    const anonymous = await rawRequest(s.url, { method: 'HEAD', path: '/threads' });
    const missing = await rawRequest(s.url, {
      method: 'HEAD',
      path: '/threads/no-such-thread',
      headers: auth('reader'),
    });
    const reader = await rawRequest(s.url, { method: 'HEAD', path: '/tokens', headers: auth('reader') });

    // Assess
    expect([anonymous.status, missing.status, reader.status]).toEqual([401, 404, 403]);
    for (const r of [anonymous, missing, reader]) {
      expect(r.text).toBe('');
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
  });

  it('is allowed only where GET is: HEAD on a write-only path is 405, and Allow lists HEAD beside GET', async () => {
    // Act
    const retraction = await rawRequest(s.url, {
      method: 'HEAD',
      path: '/threads/ceasefire/updates/x/retraction',
      headers: auth('editor'),
    });
    const put = await rawRequest(s.url, { method: 'PUT', path: '/threads', headers: auth('editor') });

    // Assess
    expect(retraction.status).toBe(405);
    expect(retraction.text).toBe('');
    expect(retraction.headers.allow).toBe('POST');
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
  });
});
