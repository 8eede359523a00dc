import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as health } from '../../functions/health';
import { PATHS, ROUTES, matchRoute } from '../../shared/routes';

describe('the route table', () => {
  it('matches exact paths only and decodes parameters', () => {
    expect(matchRoute('GET', '/threads/ceasefire')).toMatchObject({
      kind: 'found',
      params: { id: 'ceasefire' },
    });
    expect(matchRoute('GET', '/threads/')).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/threads/a/updates/b/c')).toEqual({ kind: 'not_found' });
    expect(matchRoute('PUT', '/threads')).toEqual({
      kind: 'method_not_allowed',
      allowed: ['GET', 'HEAD', 'POST'],
    });
    expect(matchRoute('GET', '/threads/%E0%A4%A')).toEqual({ kind: 'not_found' });
  });

  it('gives every route a unique method and path, and every path a catch-all', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...PATHS].sort()).toEqual([...new Set(ROUTES.map((r) => r.path))].sort());
  });

  it('answers a catch-all route with 405 and the allowed methods, as API Gateway would route it', async () => {
    const event = {
      routeKey: 'ANY /threads/{id}',
      rawPath: '/threads/x',
      headers: {},
      requestContext: { http: { method: 'PUT' } },
    } as unknown as APIGatewayProxyEventV2;
    const r = await health(event);
    expect(r.statusCode).toBe(405);
    expect(r.headers.Allow).toBe('GET, HEAD, PATCH');
    expect(JSON.parse(r.body).code).toBe('method_not_allowed');
  });

  it("runs the GET handler for API Gateway's HEAD routeKey and drops the body, keeping status and headers", async () => {
    // Prepare
    const event = (method: string) =>
      ({
        routeKey: `${method} /health`,
        rawPath: '/health',
        headers: {},
        requestContext: { http: { method } },
      }) as unknown as APIGatewayProxyEventV2;
    const get = await health(event('GET'));

    // Act
    const head = await health(event('HEAD'));

    // Assess
    expect(get.body).toBe('{"status":"ok"}');
    expect(head).toEqual({ ...get, body: '', isBase64Encoded: false });
  });
});
