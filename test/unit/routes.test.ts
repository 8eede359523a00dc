import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as health } from '../../functions/health';
import { DECLARED_ROUTES, PATHS, ROUTES, matchRoute, routeKey } from '../../shared/routes';

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

  it('finds every route by its own method on a path of its shape, and only that route', () => {
    for (const route of ROUTES) {
      // Prepare: a request path as a client sends it, each parameter filled in
      const path = route.path.replace(/\{\w+\}/g, 'p-1');
      // Act
      const match = matchRoute(route.method, path);
      // Assess
      expect({ route: `${route.method} ${route.path}`, match }).toMatchObject({
        route: `${route.method} ${route.path}`,
        match: { kind: 'found', route: { method: route.method, path: route.path } },
      });
    }
  });

  it("answers a method a path does not allow with 405 and that path's methods, on every path (the cloud's catch-all routes)", async () => {
    for (const route of ROUTES) {
      // Prepare: the event API Gateway sends to a catch-all route (one per path in PATHS)
      expect(PATHS).toContain(route.path);
      const allowed = ROUTES.filter((r) => r.path === route.path).map((r) => r.method);
      const event = {
        routeKey: `ANY ${route.path}`,
        rawPath: route.path.replace(/\{\w+\}/g, 'p-1'),
        headers: {},
        requestContext: { http: { method: 'TRACE' } },
      } as unknown as APIGatewayProxyEventV2;
      // Act
      const r = await health(event);
      // Assess
      expect({ path: route.path, status: r.statusCode, allow: r.headers.Allow }).toEqual({
        path: route.path,
        status: 405,
        allow: allowed.join(', '),
      });
      expect(matchRoute('TRACE', String(event.rawPath))).toEqual({ kind: 'method_not_allowed', allowed });
    }
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

  it('declares the shape of every path parameter, and only of those in its path', () => {
    for (const route of ROUTES) {
      // Prepare
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      // Assess: the dispatcher checks exactly these before the handler runs
      expect({ route: routeKey(route), params: Object.keys(route.params ?? {}) }).toEqual({
        route: routeKey(route),
        params: inPath,
      });
    }
  });
});

describe("README's API in brief", () => {
  // Prepare: its table's rows, each `METHOD /path` of the first cell with the role of the second
  const section = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')
    .split('## The API in brief')[1]!
    .split(/\n## /)[0]!;
  const listed = section
    .split('\n')
    .filter((line) => line.startsWith('| `') && !line.includes('(WebSocket)'))
    .flatMap((line) => {
      const [routes, role] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
      return [...routes!.matchAll(/`([A-Z]+ \/[^`]*)`/g)].map(([, key]) => [key, role!.split(' ')[0]]);
    });

  it('lists every route of the route table once, with its role, and no other', () => {
    // Act
    const declared = DECLARED_ROUTES.map((r) => [r.route, r.role ?? '—']);
    // Assess
    expect([...listed].sort()).toEqual([...declared].sort());
  });
});
