import './quiet';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createContext, setAppContext } from '../shared/app/context';
import { readConfig } from '../shared/config';
import { ensureTable } from '../shared/store/table';
import { launchChromium } from './browser';
import { freePort, startDynamoLocal, type RunningDynamo } from './dynamodb-local';
import { SAMPLE_PRISONER_UPDATE, seedIfEmpty } from './seed';
import { createLocalServer, registerLocalTokens } from './server';

/**
 * `npm run screenshots`: docs/status-page.png (wall screen) and docs/status-page-phone.png (phone,
 * a timeline open) of the seeded scenario. Starts everything itself — an in-memory DynamoDB Local
 * on a free port, the local server, headless Chromium (local/browser.ts) — and leaves
 * nothing running. Kept out of `npm test` so tests never rewrite tracked files.
 */

const DOCS = resolve(__dirname, '..', 'docs');
const WAIT = { timeout: 15_000 };
const READER_TOKEN = `screenshots-${randomUUID()}`;

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
  await page.goto(url);
  await page.waitForSelector('#token-form', { state: 'visible', ...WAIT });
  await page.fill('#token-input', READER_TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.waitForSelector('#thread-prisoner-exchange .card__sources:not([hidden]) a', WAIT);
  return page;
}

async function main(): Promise<void> {
  let dynamo: RunningDynamo | undefined;
  let browser: Browser | undefined;
  const server = createLocalServer();
  try {
    dynamo = await startDynamoLocal({ port: await freePort() });
    const ctx = createContext(
      readConfig({ ...process.env, DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_NAME: 'screenshots' }),
    );
    setAppContext(ctx);
    await ensureTable(ctx.db, ctx.config.tableName);
    await seedIfEmpty(ctx);
    await registerLocalTokens(ctx, {
      TRACKER_READER_TOKEN: READER_TOKEN,
      TRACKER_EDITOR_TOKEN: `${READER_TOKEN}-editor`,
      TRACKER_ADMIN_TOKEN: `${READER_TOKEN}-admin`,
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Same status as seeded, with sources and a quote, so the cards show what a real desk posts.
    const posted = await fetch(`${url}/threads/prisoner-exchange/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${READER_TOKEN}-editor`, 'Content-Type': 'application/json' },
      body: JSON.stringify(SAMPLE_PRISONER_UPDATE),
    });
    if (posted.status !== 201)
      throw new Error(`posting the sample update answered ${posted.status}: ${await posted.text()}`);

    browser = await launchChromium();
    const wide = await open(browser, url, { width: 1280, height: 800 });
    const phone = await open(browser, url, { width: 390, height: 844 });
    await phone.click('#thread-prisoner-exchange button.button--timeline');
    await phone.waitForSelector('#timeline-prisoner-exchange li.update', WAIT);
    await wide.mouse.move(0, 0);
    for (const [page, file] of [
      [wide, 'status-page.png'],
      [phone, 'status-page-phone.png'],
    ] as const) {
      await page.screenshot({ path: join(DOCS, file), fullPage: true });
      process.stdout.write(`wrote docs/${file}\n`);
    }
  } finally {
    await browser?.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await dynamo?.stop();
  }
}

main().catch((error) => {
  console.error(`screenshots failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
