import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_KINDS } from '../../shared/domain/kinds';
import { STATUS_TONES } from '../../shared/domain/tones';
import { startTestServer, type TestServer } from '../support/server';

/** What the local server serves the desk page: its files, an allow-list of vendor code, the tones. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const get = (path: string) => fetch(`${s.url}${path}`);

describe('the desk page’s assets', () => {
  it('serves the page under a strict Content-Security-Policy', async () => {
    // Act
    const r = await get('/');

    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(await r.text()).toContain('<script type="module" src="/ui/app.js"></script>');
  });

  it('serves Preact + htm from node_modules as one ES module, and nothing else from there', async () => {
    // Act
    const vendor = await get('/ui/vendor/preact-htm.js');
    const others = await Promise.all(
      [
        '/ui/vendor/htm.js',
        '/ui/vendor/../../../package.json',
        '/ui/vendor/%2e%2e/%2e%2e/%2e%2e/package.json',
        '/ui/vendor/preact-htm.d.ts',
      ].map((p) => get(p).then((r) => r.status)),
    );

    // Assess
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = await vendor.text();
    expect(body).toBe(
      readFileSync(join(__dirname, '../../node_modules/htm/preact/standalone.module.js'), 'utf8'),
    );
    expect(body).not.toMatch(/from\s*["'][^./]/); // no bare imports: no import map needed
    for (const status of others) expect(status).toBe(404);
  });

  it('serves the status tones from the domain, one for every built-in status', async () => {
    // Act
    const r = await get('/ui/tones.json');

    // Assess
    expect(r.status).toBe(200);
    const tones = await r.json();
    expect(tones).toEqual(STATUS_TONES);
    for (const kind of BUILT_IN_KINDS)
      for (const status of kind.statuses) expect(tones[status.name]).toBeDefined();
  });
});
