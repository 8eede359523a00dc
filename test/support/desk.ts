import type { Browser, BrowserContext, Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium } from '../../local/browser';
import { startTestServer, type TestServer } from './server';

/**
 * Helpers for the desk page's browser tests (test/browser/desk-*.test.ts): a fresh browser context
 * per page (own sessionStorage), the page's script errors collected, the token entered as a user would.
 */

export const WAIT = { timeout: 30_000 };

/** What a desk test file shares: the local server over a fresh table, one Chromium, the contexts opened. */
export interface DeskSuite {
  s: TestServer;
  browser: Browser;
  /** Every browser context a test opens: closed after the test. */
  contexts: BrowserContext[];
}

/** Close the contexts a test opened (their pages would otherwise go on polling the server). */
export async function closeContexts(contexts: BrowserContext[]): Promise<void> {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
}

/**
 * The setup every desk test file repeats: the local server (seeded) and one Chromium for the file,
 * `prepare` run once both are up; each test's contexts closed after it, everything else after the file.
 * `notifications: false` for a file whose pages never wait on the real /live (they poll, or play the
 * socket themselves): the server then runs no outbox relay over a table without a stream
 * (startTestServer), which keeps every write of the file, and of the rest of the run, cheaper.
 */
export function deskSuite(
  prepare?: (server: TestServer) => Promise<void>,
  { notifications }: { notifications?: false } = {},
): DeskSuite {
  const suite = { contexts: [] as BrowserContext[] } as DeskSuite;
  beforeAll(async () => {
    [suite.s, suite.browser] = await Promise.all([
      startTestServer(notifications === false ? { notifications } : {}),
      launchChromium(),
    ]);
    await prepare?.(suite.s);
  });
  afterEach(() => closeContexts(suite.contexts));
  afterAll(async () => {
    await closeContexts(suite.contexts);
    await suite.browser?.close();
    await suite.s?.close();
  });
  return suite;
}

export interface Opened {
  page: Page;
  context: BrowserContext;
  /** Script errors, CSP violations and console errors, less the browser's own network log lines. */
  problems: string[];
}

/**
 * The browser logs every non-2xx answer and every failed WebSocket handshake as a console error.
 * The desk meets both by design (its role probe gets 400 or 403, a refused form 4xx, and /live may
 * be absent, so it polls): those lines are not script errors. Everything else counts.
 */
const NETWORK_NOISE = [
  /^Failed to load resource: the server responded with a status of (400|403|404|409|412|422) /,
  /^WebSocket connection to '.*\/live\?token=.*' failed/,
];

export async function openDesk(
  browser: Browser,
  url: string,
  query = '',
  viewport = { width: 1280, height: 800 },
  prepare?: (page: Page) => Promise<void>,
): Promise<Opened> {
  const context = await browser.newContext({
    viewport,
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error' || /favicon/.test(m.location().url)) return;
    if (!NETWORK_NOISE.some((re) => re.test(m.text()))) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  if (prepare) await prepare(page);
  await page.goto(`${url}/${query}`);
  return { page, context, problems };
}

export async function enterToken(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token-form', { state: 'visible', ...WAIT });
  await page.fill('#token-input', token);
  await page.click('#token-form button[type=submit]');
}

/**
 * Serious and critical axe violations on the page as it stands (rule id and the nodes' targets).
 *
 * Every rule runs; two settings only spare work whose result nobody reads. `resultTypes:
 * ['violations']` keeps every violating node but one sample node of each pass, so the passes (most
 * of a big board) are not serialized. And a page without frames is scanned with `axe.run` in the
 * page itself (the builder's legacy mode), instead of a partial run whose results are then finished
 * in a second, blank page the builder opens and injects axe into again: the same rules over the same
 * single document, measured here at 0.5–1.3 s a scan instead of 5–5.7 s. A page with frames keeps
 * the partial run, which alone reaches cross-origin frames.
 */
export async function seriousViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const result = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .setLegacyMode(page.frames().length === 1)
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
