import { readConfig } from '../../shared/config';
import { rawRequest, type RawResponse } from '../support/raw-http';
import { startTestServer, type TestServer } from '../support/server';

/** CORS on the local server: only the origins in TRACKER_CORS_ORIGINS, on preflights and on real responses. */

const DESK = 'https://desk.example.org';
const DASHBOARD = 'http://localhost:5173';

let s: TestServer;
let closed: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    notifications: false,
    seed: false,
    corsOrigins: readConfig({ TRACKER_CORS_ORIGINS: ` ${DESK}, ${DASHBOARD} ,` }).corsOrigins,
  });
  closed = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => {
  await s.close();
  await closed.close();
});

const preflight = (server: TestServer, origin: string, method = 'POST', path = '/threads') =>
  rawRequest(server.url, {
    method: 'OPTIONS',
    path,
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'authorization, content-type, if-match, idempotency-key',
    },
  });

const actual = (server: TestServer, origin: string) =>
  rawRequest(server.url, {
    method: 'GET',
    path: '/threads',
    headers: { Origin: origin, Authorization: `Bearer ${server.tokens.reader}` },
  });

const corsHeaders = (r: RawResponse) => Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));

describe('TRACKER_CORS_ORIGINS', () => {
  it('is read as a comma-separated list, blanks dropped', () => {
    // Prepare
    const env = { TRACKER_CORS_ORIGINS: ` ${DESK}, ${DASHBOARD} ,` };

    // Act
    const origins = readConfig(env).corsOrigins;

    // Assess
    expect(origins).toEqual([DESK, DASHBOARD]);
    expect(readConfig({}).corsOrigins).toEqual([]);
  });
});

describe('a preflight', () => {
  it.each([DESK, DASHBOARD])(
    'from the listed origin %s is allowed, echoing that origin and never *',
    async (origin) => {
      // Prepare: the server allows DESK and DASHBOARD.

      // Act
      const r = await preflight(s, origin);

      // Assess
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe(origin);
      expect(r.headers.vary).toMatch(/Origin/);
      expect(r.headers['access-control-allow-methods']).toBe('GET, POST, PUT, PATCH, DELETE');
      expect(String(r.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'if-match',
          'if-none-match',
          'idempotency-key',
        ]),
      );
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it.each([
    'https://evil.example.com',
    'http://desk.example.org',
    'https://desk.example.org:8443',
    'https://desk.example.org.evil.com',
    'https://sub.desk.example.org',
    'https://DESK.example.org',
    'https://desk.example.org/',
    'null',
    '*',
    `${DESK}, https://evil.example.com`,
  ])('from the unlisted origin %s gets no Access-Control-* header at all', async (origin) => {
    // Prepare: the server allows DESK and DASHBOARD only.

    // Act
    const r = await preflight(s, origin);

    // Assess
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(corsHeaders(r)).toEqual([]);
  });

  it('from any origin gets nothing when no origins are configured', async () => {
    // Prepare: `closed` was started without corsOrigins.

    // Act
    const r = await preflight(closed, DESK);

    // Assess
    expect(corsHeaders(r)).toEqual([]);
  });
});

describe('an actual response', () => {
  it('to a listed origin carries Access-Control-Allow-Origin and exposes ETag, Location and the replay headers', async () => {
    // Prepare: the server allows DESK.

    // Act
    const r = await actual(s, DESK);

    // Assess
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(DESK);
    expect(r.headers.vary).toMatch(/Origin/);
    expect(String(r.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After']),
    );
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('to a listed origin carries it on problem responses too, so a browser can read the 401', async () => {
    // Prepare: no token.

    // Act
    const r = await rawRequest(s.url, { method: 'GET', path: '/threads', headers: { Origin: DESK } });

    // Assess
    expect(r.status).toBe(401);
    expect(r.headers['access-control-allow-origin']).toBe(DESK);
  });

  it.each(['https://evil.example.com', 'null', 'https://desk.example.org.evil.com'])(
    'to the unlisted origin %s carries no Access-Control-* header, though the request itself is answered',
    async (origin) => {
      // Prepare: the server allows DESK and DASHBOARD only.

      // Act
      const r = await actual(s, origin);

      // Assess
      expect(r.status).toBe(200);
      expect(corsHeaders(r)).toEqual([]);
    },
  );

  it('without an Origin carries no Access-Control-* header', async () => {
    // Prepare: a same-origin or non-browser client sends no Origin.

    // Act
    const r = await rawRequest(s.url, { method: 'GET', path: '/health', headers: {} });

    // Assess
    expect(r.status).toBe(200);
    expect(corsHeaders(r)).toEqual([]);
  });

  it('to a listed origin from a server with no configured origins carries nothing', async () => {
    // Prepare: `closed` was started without corsOrigins.

    // Act
    const r = await actual(closed, DESK);

    // Assess
    expect(r.status).toBe(200);
    expect(corsHeaders(r)).toEqual([]);
  });
});

describe('a public route (contract 1.2, "Public scenarios and embeds": CORS *)', () => {
  it('answers every origin with *, listed or not, and so does its preflight, as the CDN does in the cloud', async () => {
    // Prepare: a public scenario on the server that lists DESK and DASHBOARD only.
    await s.call('POST', '/scenarios', { body: { id: 'open-desk', title: 'Open desk' } });
    await s.call('PATCH', '/scenarios/open-desk', { body: { public: true } });
    const read = (origin: string) =>
      rawRequest(s.url, { method: 'GET', path: '/public/scenarios/open-desk', headers: { Origin: origin } });
    // Act
    const listed = await read(DESK);
    const unlisted = await read('https://news.example.com');
    const unlistedPreflight = await preflight(s, 'https://news.example.com', 'GET', '/embed/open-desk');
    const closedPreflight = await preflight(closed, DESK, 'GET', '/public/scenarios/open-desk');
    // Assess
    for (const r of [listed, unlisted]) {
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-expose-headers']).toBe('ETag');
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    }
    for (const r of [unlistedPreflight, closedPreflight]) {
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(String(r.headers['access-control-allow-methods']).split(/,\s*/)).toContain('GET');
      expect(String(r.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(['If-None-Match']);
    }
  });
});
