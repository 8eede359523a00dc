import { connect } from 'node:net';
import { hashToken } from '../../shared/app/tokens';
import { captureLogs } from '../support/logs';
import { startTestServer, type TestServer } from '../support/server';

/**
 * What the logs hold while tokens are in use. The logger (Powertools) writes JSON lines to the
 * process's stdout and stderr; both are captured at INFO level for this file only.
 */

let s: TestServer;
const logs = captureLogs();

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

beforeEach(() => logs.start());
afterEach(() => logs.stop());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const thread = {
  id: 'log-check',
  scenario: 'logging',
  kind: 'other',
  title: 'Logging',
  status: 'active',
  summary: 'Start.',
};

/** Every captured line that is a JSON log record. */
const records = logs.records;

describe('logs', () => {
  it('never hold a token, its hash or the Authorization header, through use, failed auth, creation and revocation', async () => {
    // Prepare
    const bogus = 'st_bogusbogusbogusbogusbogusbogusbogusbogus000';

    // Act
    await s.call('GET', '/threads', { role: 'reader' });
    await s.call('POST', '/threads', { role: 'editor', body: thread });
    await s.call('POST', '/threads/log-check/updates', { role: 'editor', body: { summary: 'A note.' } });
    await s.call('GET', '/threads', { role: null, headers: bearer(bogus) });
    await s.call('GET', '/threads', {
      role: null,
      headers: { Authorization: `Basic ${Buffer.from(`user:${bogus}`).toString('base64')}` },
    });
    await s.call('POST', '/threads', { role: 'reader', body: thread });
    const created = await s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'log-token', role: 'editor' },
    });
    const token = created.body.token as string;
    await s.call('GET', '/threads/log-check', { role: null, headers: bearer(token) });
    await s.call('GET', '/tokens', { role: 'admin' });
    await s.call('DELETE', '/tokens/log-token', { role: 'admin' });
    await s.call('GET', '/threads/log-check', { role: null, headers: bearer(token) });

    // Assess
    const text = logs.text();
    const requestLines = records().filter((r) => r.message === 'request');
    expect(created.status).toBe(201);
    expect(requestLines.length).toBeGreaterThanOrEqual(11);
    expect(requestLines.map((r) => r.status)).toEqual(expect.arrayContaining([200, 201, 401, 403, 204]));
    const secrets = [token, bogus, ...Object.values(s.tokens)];
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashToken(secret));
    }
    expect(text).not.toMatch(/bearer/i);
    expect(text).not.toMatch(/authorization/i);
    expect(text).not.toMatch(/st_[A-Za-z0-9_-]{20,}/);
  });

  it('name the caller of each request, so use can be traced without the token', async () => {
    // Prepare: the test server's reader token.

    // Act
    await s.call('GET', '/threads', { role: 'reader' });

    // Assess
    expect(records()).toContainEqual(
      expect.objectContaining({
        message: 'request',
        method: 'GET',
        route: 'GET /threads',
        status: 200,
        caller: 'local-reader',
      }),
    );
  });
});

describe('log lines of a request', () => {
  /** The JSON lines that carry a given correlation id. */
  const linesOf = (requestId: string) => records().filter((r) => r.correlation_id === requestId);

  it("carry API Gateway's request id, as the response's apigw-requestid header, and the Lambda request id", async () => {
    // Prepare: a request that runs the authorizer and a handler.

    // Act
    const response = await s.call('GET', '/threads', { role: 'reader' });

    // Assess
    const requestId = response.headers.get('apigw-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = linesOf(requestId!);
    const access = lines.find((r) => r.message === 'request');
    expect(access).toEqual(
      expect.objectContaining({ route: 'GET /threads', status: 200, function_name: 'threads-read' }),
    );
    expect(access!.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
    // Nothing else of the run logged under another request's id.
    expect(records().filter((r) => r.message === 'request')).toEqual([access]);
  });

  it('of a failing authorizer carry the request id the response does', async () => {
    // Prepare: the token table cannot be read (its DynamoDB client is stopped).
    const { createContext, setAppContext } = await import('../../shared/app/context');
    const broken = createContext({
      ...s.ctx.config,
      dynamodbEndpoint: 'http://127.0.0.1:9',
      dynamodbMaxAttempts: 1,
    });
    setAppContext(broken);

    // Act
    let response: Awaited<ReturnType<TestServer['call']>>;
    try {
      response = await s.call('GET', '/threads', { role: 'reader' });
    } finally {
      setAppContext(s.ctx);
    }

    // Assess
    const requestId = response.headers.get('apigw-requestid')!;
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(linesOf(requestId)).toContainEqual(
      expect.objectContaining({
        message: 'authorizer failed',
        level: 'ERROR',
        function_name: 'authorizer',
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
    );
  });
});

describe('a client that hangs up mid-body', () => {
  it('is logged at INFO as a closed connection, never as an ERROR', async () => {
    // Prepare: headers that promise 1,000 bytes of body
    const { port } = new URL(s.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((done) => socket.once('connect', () => done()));
    // Act: 10 of them, then gone
    socket.write(
      'POST /threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
        s.tokens.editor +
        '\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":"ab"',
    );
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const deadline = Date.now() + 10_000;
    const closed = () =>
      records().some((r) => r.message === 'client closed the connection before its body arrived');
    while (!closed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Assess
    expect(closed()).toBe(true);
    expect(records().filter((r) => r.level === 'ERROR')).toEqual([]);
  });
});
