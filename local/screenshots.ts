import './quiet';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createContext, setAppContext } from '../shared/app/context';
import { readConfig } from '../shared/config';
import { ensureTable } from '../shared/store/table';
import { launchChromium } from './browser';
import { freePort, startDynamoLocal, type RunningDynamo } from './dynamodb-local';
import { replayIstanbulFollowups } from './news-replay';
import { SAMPLE_PRISONER_UPDATE, SEED_SCENARIO, seedIfEmpty } from './seed';
import { createLocalServer, registerLocalTokens } from './server';

/**
 * `npm run screenshots`: the desk (docs/desk-*.png), the editor's form (docs/editor-*.png) and the
 * picture (docs/picture-*.png) of the seeded scenario with its real 2025 follow-ups, each on a wide
 * screen (1440×900) and a phone (390×844); and the public embed (docs/embed-{desktop,phone}-{light,dark}.png,
 * docs/embedding.md), in the reader's light and dark setting, as an article's iframe shows it. Starts everything itself — an in-memory DynamoDB Local
 * on a free port, the local server, headless Chromium (local/browser.ts) — and leaves
 * nothing running. Kept out of `npm test` so tests never rewrite tracked files.
 */

const DOCS = resolve(__dirname, '..', 'docs');
const WAIT = { timeout: 30_000 };
const TOKEN = `screenshots-${randomUUID()}`;
const EDITOR_TOKEN = `${TOKEN}-editor`;
const SCREENS = {
  wide: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
/** The embed in an article: a desktop article column and a phone. */
const EMBED_SCREENS = {
  desktop: { width: 640, height: 400 },
  phone: { width: 360, height: 560 },
} as const;

async function open(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
): Promise<Page> {
  const context = await browser.newContext({
    viewport,
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
  const page = await context.newPage();
  // Poll only: the pictures must not depend on whether this branch has the live socket.
  await page.goto(`${url}${url.includes('?') ? '&' : '?'}live=off`);
  await page.waitForSelector('#token-form', { state: 'visible', ...WAIT });
  await page.fill('#token-input', EDITOR_TOKEN);
  await page.click('#token-form button[type=submit]');
  return page;
}

async function shoot(page: Page, file: string, fullPage = true): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(DOCS, file), fullPage });
  process.stdout.write(`wrote docs/${file}\n`);
}

/** The embed as a reader sees it: no token, the reader's colour scheme, the element rendered. */
async function shootEmbed(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  colorScheme: 'light' | 'dark',
  file: string,
): Promise<void> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC', colorScheme });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    () => document.querySelector('scenario-tracker')?.shadowRoot?.querySelector('.st'),
    null,
    WAIT,
  );
  await shoot(page, file);
  await context.close();
}

async function main(): Promise<void> {
  let dynamo: RunningDynamo | undefined;
  let browser: Browser | undefined;
  const server = createLocalServer();
  try {
    dynamo = await startDynamoLocal({ port: await freePort() });
    // Listening first: the embed's links are built on the server's own address (TRACKER_PUBLIC_URL).
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The page follows nextToken on every list; a throwaway key signs those tokens for this run.
    const ctx = createContext(
      readConfig({
        ...process.env,
        PAGE_TOKEN_SECRET: randomBytes(32).toString('base64url'),
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        TABLE_NAME: 'screenshots',
        TRACKER_PUBLIC_URL: url,
      }),
    );
    setAppContext(ctx);
    await ensureTable(ctx.db, ctx.config.tableName);
    await seedIfEmpty(ctx);
    await registerLocalTokens(ctx, {
      TRACKER_READER_TOKEN: TOKEN,
      TRACKER_EDITOR_TOKEN: EDITOR_TOKEN,
      TRACKER_ADMIN_TOKEN: `${TOKEN}-admin`,
    });
    const call = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${EDITOR_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    };
    // Same status as seeded, with sources and a quote; then the real follow-ups of 2025.
    const posted = await call('POST', '/threads/prisoner-exchange/updates', SAMPLE_PRISONER_UPDATE);
    if (posted.status !== 201) throw new Error(`posting the sample update answered ${posted.status}`);
    await replayIstanbulFollowups(call);

    const published = await call('PATCH', `/scenarios/${SEED_SCENARIO}`, { public: true });
    if (published.status !== 200) throw new Error(`publishing the scenario answered ${published.status}`);

    browser = await launchChromium();
    for (const [screen, viewport] of Object.entries(SCREENS)) {
      const desk = await open(browser, `${url}/`, viewport);
      await desk.waitForSelector('#thread-prisoner-exchange .card__sources:not([hidden]) a', WAIT);
      await shoot(desk, `desk-${screen}.png`, screen === 'wide');

      // The editor's form: posting an update, a source filled in, one field refused by the API.
      await desk.click('#thread-ceasefire [data-action=post]');
      await desk.waitForSelector('dialog.editor[open] form[data-form=post]', WAIT);
      await desk.selectOption('form[data-form=post] #field-status', 'negotiating');
      await desk.fill(
        'form[data-form=post] #field-summary',
        'Delegations met again in Istanbul; no date for a truce.',
      );
      await desk.selectOption('form[data-form=post] #field-occurredAt-precision', 'day');
      await desk.fill('form[data-form=post] #field-occurredAt', '2025-12-02');
      await desk.fill('form[data-form=post] #field-sources-0-url', 'ftp://example.org/story');
      await desk.fill('form[data-form=post] #field-sources-0-publisher', 'Example Wire');
      await desk.click('form[data-form=post] button[type=submit]');
      await desk.waitForSelector('form[data-form=post] .field__error', WAIT);
      await shoot(desk, `editor-${screen}.png`, false);
      await desk.context().close();

      const picture = await open(browser, `${url}/?view=picture`, viewport);
      await picture.waitForSelector('.picture__svg .lane .segment', WAIT);
      await shoot(picture, `picture-${screen}.png`);
      await picture.context().close();
    }
    for (const [screen, viewport] of Object.entries(EMBED_SCREENS)) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const file = `embed-${screen}-${colorScheme}.png`;
        await shootEmbed(browser, `${url}/embed/${SEED_SCENARIO}`, viewport, colorScheme, file);
      }
    }
  } finally {
    await browser?.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await dynamo?.stop();
  }
}

main().catch((error) => {
  console.error(
    `screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
