import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../local/browser';
import { startTestServer, type TestServer } from '../support/server';
import { SEED_SCENARIO } from '../../local/seed';
import { dateAtPrecision } from '../../shared/http/public-pages';
import { PUBLIC_MAX_AGE_SECONDS } from '../../shared/domain/public-cache';
import { closeContexts, seriousViolations, WAIT } from '../support/desk';

/**
 * The embed (contract 1.2, "Public scenarios and embeds") in headless Chromium: the iframe page and
 * the `<scenario-tracker>` element of /embed.js, over the seeded scenario made public. The local
 * cache is off here: what is tested is the page, and its polls must see a write at once. The live
 * channel is the local server's (local/public-events.ts, AppSync Events' protocol).
 */
jest.setTimeout(120_000);

const suite = { contexts: [] as BrowserContext[] } as {
  s: TestServer;
  browser: Browser;
  contexts: BrowserContext[];
};
beforeAll(async () => {
  suite.s = await startTestServer({ publicCache: false });
  suite.browser = await launchChromium();
  const r = await suite.s.call('PATCH', `/scenarios/${SEED_SCENARIO}`, { body: { public: true } });
  expect(r.status).toBe(200);
});
afterEach(() => closeContexts(suite.contexts));
afterAll(async () => {
  await closeContexts(suite.contexts);
  await suite.browser?.close();
  await suite.s?.close();
});

interface Embedded {
  page: Page;
  context: BrowserContext;
  problems: string[];
  /** Every host the page asked anything of. */
  hosts: Set<string>;
}

async function open(
  url: string,
  colorScheme: 'light' | 'dark',
  viewport = { width: 360, height: 640 },
  { fakeClock = true, before }: { fakeClock?: boolean; before?: (page: Page) => Promise<unknown> } = {},
): Promise<Embedded> {
  const context = await suite.browser.newContext({
    viewport,
    colorScheme,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  suite.contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  const hosts = new Set<string>();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && !r.url().startsWith('about:')) hosts.add(new URL(r.url()).host);
  });
  // Fake timers: the element's poll runs when the test moves the clock, never on the wall clock.
  if (fakeClock) await page.clock.install();
  await before?.(page);
  await page.goto(url);
  return { page, context, problems, hosts };
}

/** The element's rendering, once it has rendered the public JSON (its shadow root holds `.st`). */
const rendered = (page: Page) =>
  page.waitForFunction(
    () => document.querySelector('scenario-tracker')?.shadowRoot?.querySelector('.st'),
    null,
    WAIT,
  );

const statuses = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelector('scenario-tracker')!.shadowRoot!.querySelectorAll('li')].map((li) => [
      li.querySelector('.name')!.textContent,
      li.querySelector('.status')!.textContent,
      li.querySelector('time')!.textContent,
    ]),
  );

describe('the embed page', () => {
  it('renders every thread with its status and date at the stored precision, on a phone, in dark mode, from this host only', async () => {
    // Prepare
    const view = (await suite.s.call('GET', `/public/scenarios/${SEED_SCENARIO}`, { role: null })).body;
    // Act
    const { page, problems, hosts } = await open(`${suite.s.url}/embed/${SEED_SCENARIO}`, 'dark');
    await rendered(page);
    // Assess
    expect(await statuses(page)).toEqual(
      view.threads.map(
        (t: { title: string; status: string; statusSince: string; statusSincePrecision: 'day' }) => [
          t.title,
          t.status.replace(/_/g, ' '),
          dateAtPrecision(t.statusSince, t.statusSincePrecision),
        ],
      ),
    );
    const background = await page.evaluate(() => {
      const st = document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.st')!;
      return getComputedStyle(st).backgroundColor;
    });
    expect(background).toBe('rgb(22, 22, 22)');
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual([new URL(suite.s.url).host]);
  });

  it.each(['light', 'dark'] as const)(
    'has no serious or critical accessibility violation (axe), %s',
    async (scheme) => {
      const { page } = await open(`${suite.s.url}/embed/${SEED_SCENARIO}`, scheme);
      await rendered(page);
      expect(await seriousViolations(page)).toEqual([]);
    },
  );

  it('falls back to polling when its live socket is refused: the next poll shows a new status', async () => {
    // Prepare: every socket to the public channels is closed at once
    let sockets = 0;
    const { page } = await open(`${suite.s.url}/embed/${SEED_SCENARIO}/ceasefire`, 'light', undefined, {
      before: (p) =>
        p.routeWebSocket(/\/event\/realtime$/, (ws) => {
          sockets += 1;
          ws.close({ code: 1011, reason: 'refused' });
        }),
    });
    await rendered(page);
    await page.waitForFunction(
      () => document.querySelector('scenario-tracker')!.getAttribute('data-live') === 'polling',
      null,
      WAIT,
    );
    const before = await page.evaluate(
      () => document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.status')!.textContent,
    );
    const posted = await suite.s.call('POST', '/threads/ceasefire/updates', {
      body: {
        status: 'in_effect',
        summary: 'The ceasefire takes effect at noon.',
        occurredAt: '2025-06-01T12:00:00Z',
      },
    });
    expect(posted.status).toBe(201);
    // Act: the poll's interval passes (fake time), and the element reads the public JSON again
    await page.clock.runFor(PUBLIC_MAX_AGE_SECONDS * 1000);
    await page.waitForFunction(
      () =>
        document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.status')!.textContent ===
        'in effect',
      null,
      WAIT,
    );
    // Assess
    expect(before).not.toBe('in effect');
    expect(sockets).toBeGreaterThanOrEqual(1);
    expect(
      await page.evaluate(
        () => document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('time')!.textContent,
      ),
    ).toBe('1 June 2025, 12:00 UTC');
  });

  it('updates live: a status change over HTTP shows within 2 s, from the socket, without reading the public JSON again', async () => {
    // Prepare: the real clock (the poll stays 30 s away), the element subscribed
    const { page, problems, hosts } = await open(
      `${suite.s.url}/embed/${SEED_SCENARIO}`,
      'light',
      undefined,
      {
        fakeClock: false,
      },
    );
    await rendered(page);
    await page.waitForFunction(
      () => document.querySelector('scenario-tracker')!.getAttribute('data-live') === 'live',
      null,
      WAIT,
    );
    const publicReads = countPublicReads(page);
    // Act
    const posted = await suite.s.call('POST', '/threads/sanctions/updates', {
      body: { status: 'adopted', summary: 'The package is adopted.' },
    });
    const wrote = Date.now();
    expect(posted.status).toBe(201);
    await page.waitForFunction(
      () =>
        [...document.querySelector('scenario-tracker')!.shadowRoot!.querySelectorAll('li')].some(
          (li) =>
            li.querySelector('.name')!.textContent!.length > 0 &&
            li.querySelector('.status')!.textContent === 'adopted',
        ),
      null,
      WAIT,
    );
    // Assess
    expect(Date.now() - wrote).toBeLessThan(LIVE_WITHIN_MS);
    expect(publicReads()).toEqual([]);
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual([new URL(suite.s.url).host]);
  });
});

/** Within 2 s of the write (issue 28). */
const LIVE_WITHIN_MS = 2_000;

/** The public JSON reads the page makes from now on. */
function countPublicReads(page: Page): () => string[] {
  const reads: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/public/')) reads.push(r.url());
  });
  return () => reads;
}

describe('the <scenario-tracker> element of /embed.js', () => {
  it("renders on another site's page without an iframe, reading the public JSON across origins", async () => {
    // Prepare: a page of another origin (about:blank) with the snippet of docs/embedding.md
    const context = await suite.browser.newContext({ colorScheme: 'light' });
    suite.contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    // Act
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>News</title></head><body><main>` +
        `<scenario-tracker scenario="${SEED_SCENARIO}" thread="prisoner-exchange"></scenario-tracker>` +
        `<script src="${suite.s.url}/embed.js"></script></main></body></html>`,
    );
    await rendered(page);
    // Assess
    const text = await page.evaluate(
      () => document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.st')!.textContent,
    );
    expect(text).toContain('1,000-for-1,000 prisoner exchange');
    expect(problems).toEqual([]);
  });

  it('updates live on another site: a status change shows within 2 s, with no poll between', async () => {
    // Prepare
    const context = await suite.browser.newContext({ colorScheme: 'light' });
    suite.contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>News</title></head><body><main>` +
        `<scenario-tracker scenario="${SEED_SCENARIO}" thread="prisoner-exchange"></scenario-tracker>` +
        `<script src="${suite.s.url}/embed.js"></script></main></body></html>`,
    );
    await rendered(page);
    await page.waitForFunction(
      () => document.querySelector('scenario-tracker')!.getAttribute('data-live') === 'live',
      null,
      WAIT,
    );
    const publicReads = countPublicReads(page);
    // Act
    const posted = await suite.s.call('POST', '/threads/prisoner-exchange/updates', {
      body: { status: 'in_progress', summary: 'The first 390 prisoners are exchanged.' },
    });
    const wrote = Date.now();
    expect(posted.status).toBe(201);
    await page.waitForFunction(
      () =>
        document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.status')!.textContent ===
        'in progress',
      null,
      WAIT,
    );
    // Assess
    expect(Date.now() - wrote).toBeLessThan(LIVE_WITHIN_MS);
    expect(publicReads()).toEqual([]);
    expect(
      await page.evaluate(
        () => document.querySelector('scenario-tracker')!.shadowRoot!.querySelector('.st')!.textContent,
      ),
    ).toContain('The first 390 prisoners are exchanged.');
    expect(problems).toEqual([]);
  });
});
