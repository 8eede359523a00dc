import type { Page } from 'playwright-core';
import { settleMs } from '../../shared/app/changes';
import { deskSuite, enterToken, openDesk, seriousViolations, WAIT } from '../support/desk';
import { tick, useFakeDate } from '../support/fake-date';

/**
 * Claims, criteria, key events and "since your last visit" on the desk (contract 1.2, issue 26
 * item 8), in headless Chromium against the local server: the parties' claims beside the status
 * with a "disputed" mark, the criteria and their dated clarifications with a thread's history, key
 * events starred by an editor and the picture's "key events only" view, and the changes since the
 * cursor this browser kept from its last visit. The changes feed hands out only changes older than
 * its settle time (WRITE_RETRY_BUDGET_MS + 2 s), so that test moves the server's clock (Jest's fake
 * Date, timers real) past it instead of waiting.
 */

jest.setTimeout(120_000);

const SCENARIO = 'russia-ukraine-talks';
const suite = deskSuite(undefined, { notifications: false });

async function thread(id: string, extra: Record<string, unknown> = {}, scenario = SCENARIO): Promise<void> {
  const r = await suite.s.call('POST', '/threads', {
    body: {
      id,
      scenario,
      kind: 'summit',
      title: `Thread ${id}`,
      status: 'scheduled',
      summary: 'A meeting in Budapest is planned.',
      occurredAt: '2025-10-16',
      ...extra,
    },
  });
  expect(r.status).toBe(201);
}

async function desk(
  token: string,
  query: string,
  prepare?: (page: Page) => Promise<void>,
): Promise<{ page: Page; problems: string[] }> {
  const { page, context, problems } = await openDesk(suite.browser, suite.s.url, query, undefined, prepare);
  suite.contexts.push(context);
  await enterToken(page, token);
  return { page, problems };
}

afterEach(() => jest.useRealTimers());

describe('claims, criteria, key events and what changed, on the desk', () => {
  it('shows each party’s claim beside the thread’s own status, marked disputed when they differ', async () => {
    // Prepare: the newsroom says postponed; the Kremlin's claim is posted over HTTP
    await thread('desk-budapest', { status: 'postponed' });
    const kremlin = await suite.s.call('POST', '/threads/desk-budapest/updates', {
      body: {
        status: 'postponed',
        claimedBy: 'russia',
        summary: 'The Kremlin calls the Budapest meeting postponed.',
        occurredAt: '2025-10-22',
      },
    });
    expect(kremlin.status).toBe(201);
    const { page, problems } = await desk(suite.s.tokens.editor, `?live=off&scenario=${SCENARIO}`);
    const card = '#thread-desk-budapest';
    await page.waitForSelector(`${card} .claims__item[data-party=russia]`, WAIT);
    expect(await page.$(`${card} [data-disputed]`)).toBeNull();

    // Act: the editor posts the US claim from the desk's update form
    await page.click(`${card} [data-action=post]`);
    await page.waitForSelector('form[data-form=post] button[type=submit]:not([disabled])', WAIT);
    await page.selectOption('#field-status', 'cancelled');
    await page.fill('#field-claimedBy', 'us');
    await page.fill('#field-summary', 'The White House says the Budapest meeting is cancelled.');
    await page.click('form[data-form=post] button[type=submit]');
    await page.waitForSelector('dialog.editor', { state: 'detached', ...WAIT });

    // Assess: both claims beside the status, which stays the newsroom's own, marked disputed
    await page.waitForSelector(`${card} [data-disputed]`, WAIT);
    expect(await page.textContent('#note')).toBe('Posted to “Thread desk-budapest”: US claims Cancelled.');
    expect(await page.getAttribute(card, 'data-status')).toBe('postponed');
    const claims = await page.$$eval(`${card} .claims__item`, (lis) =>
      lis.map((li) => [li.querySelector('.claims__party')?.textContent, li.getAttribute('data-status')]),
    );
    expect(claims.sort()).toEqual([
      ['Russia says', 'postponed'],
      ['US says', 'cancelled'],
    ]);
    const view = (await suite.s.call('GET', '/threads/desk-budapest', { role: 'reader' })).body;
    expect(view).toMatchObject({ status: 'postponed', disputed: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('lets an editor clarify a thread’s criteria, and shows them with the history and each dated clarification', async () => {
    // Prepare: criteria set at creation
    await thread('desk-criteria', { criteria: 'Held: both leaders meet in person.' });
    const { page, problems } = await desk(suite.s.tokens.editor, `?live=off&scenario=${SCENARIO}`);
    await page.click('#thread-desk-criteria [data-action=criteria]');
    await page.waitForSelector('form[data-form=criteria] button[type=submit]:not([disabled])', WAIT);
    expect(await page.inputValue('#field-criteria')).toBe('Held: both leaders meet in person.');

    // Act: clarify them, then open the history
    await page.fill('#field-criteria', 'Held: both leaders meet in person, in Budapest or elsewhere.');
    await page.click('form[data-form=criteria] button[type=submit]');
    await page.waitForSelector('dialog.editor', { state: 'detached', ...WAIT });
    await page.click('#thread-desk-criteria button.button--timeline');
    await page.waitForSelector('#criteria-desk-criteria .criteria__item', WAIT);

    // Assess: the criteria now, and the clarification dated with who made it
    expect(await page.textContent('#note')).toBe('Criteria of “Thread desk-criteria” clarified.');
    expect(await page.textContent('#criteria-desk-criteria .criteria__text')).toBe(
      'Held: both leaders meet in person, in Budapest or elsewhere.',
    );
    const revisions = (await suite.s.call('GET', '/threads/desk-criteria/criteria', { role: 'reader' })).body
      .items as { revision: number; text: string; recordedBy: string }[];
    expect(revisions.map((r) => r.text)).toEqual([
      'Held: both leaders meet in person.',
      'Held: both leaders meet in person, in Budapest or elsewhere.',
    ]);
    const items = await page.$$eval('#criteria-desk-criteria .criteria__item', (lis) =>
      lis.map((li) => [li.getAttribute('data-revision'), li.querySelector('.criteria__was')?.textContent]),
    );
    expect(items).toEqual([
      [String(revisions[1]!.revision), 'Held: both leaders meet in person, in Budapest or elsewhere.'],
    ]);
    const when = await page.textContent('#criteria-desk-criteria .criteria__when');
    expect(when?.startsWith('Clarified ')).toBe(true);
    expect(when?.endsWith(` by ${revisions[1]!.recordedBy}`)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('lets an editor star a key event, and the picture shows the key events only', async () => {
    // Prepare
    await thread('desk-key');
    const held = await suite.s.call('POST', '/threads/desk-key/updates', {
      body: { status: 'held', summary: 'The leaders met.', occurredAt: '2025-10-30' },
    });
    expect(held.status).toBe(201);
    const updateId = held.body.update.id as string;
    const { page, problems } = await desk(suite.s.tokens.editor, `?live=off&scenario=${SCENARIO}`);
    await page.click('#thread-desk-key button.button--timeline');
    const entry = `#timeline-desk-key li.update[data-update-id="${updateId}"]`;
    await page.waitForSelector(`${entry} [data-action=key][aria-pressed=false]`, WAIT);

    // Act: star it
    await page.click(`${entry} [data-action=key]`);
    await page.waitForSelector(`${entry} [data-action=key][aria-pressed=true]`, WAIT);

    // Assess: a key event in the API
    const stored = await suite.s.call('GET', `/threads/desk-key/updates/${updateId}`, { role: 'reader' });
    expect(stored.body.key).toBe(true);
    const keys = (
      await suite.s.call('GET', `/scenarios/${SCENARIO}/timeline?key=true&limit=100`, { role: 'reader' })
    ).body.items as { updateId: string }[];

    // Act: the picture, key events only
    await page.click('.tabs__tab >> text=Picture');
    await page.waitForSelector('.picture__svg .lane[data-thread-id=desk-key] .mark--key', WAIT);
    await page.check('#key-only');
    await page.waitForSelector('#key-events li', WAIT);

    // Assess: only key events are marked, and listed
    expect(await page.$$('.picture__svg .mark--update')).toHaveLength(0);
    expect(
      (
        await page.$$eval('.picture__svg .mark--key', (ms) => ms.map((m) => m.getAttribute('data-update-id')))
      ).sort(),
    ).toEqual(keys.map((k) => k.updateId).sort());
    expect(
      await page.$$eval('#key-events li', (lis) => lis.map((li) => li.getAttribute('data-update-id'))),
    ).toEqual(keys.map((k) => k.updateId));
    expect(keys.map((k) => k.updateId)).toContain(updateId);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('lists what changed since the cursor kept from the last visit, and nothing on the visit after', async () => {
    // Prepare: a scenario of its own; this browser last saw its latest change
    const scenario = 'desk-since';
    const settle = settleMs(suite.s.ctx.config);
    useFakeDate();
    await thread('desk-since-a', {}, scenario);
    tick(settle + 1);
    const since = new Date(Date.now() - 86_400_000).toISOString();
    const before = (await suite.s.call('GET', `/scenarios/${scenario}/changes?since=${since}&limit=100`)).body
      .items as { cursor: string }[];
    const cursor = before[before.length - 1]!.cursor;
    await thread('desk-since-b', {}, scenario);
    expect(
      (
        await suite.s.call('POST', '/threads/desk-since-a/updates', {
          body: { status: 'postponed', summary: 'Put off.', occurredAt: '2025-10-21' },
        })
      ).status,
    ).toBe(201);
    expect((await suite.s.call('PATCH', '/threads/desk-since-b', { body: { archived: true } })).status).toBe(
      200,
    );
    tick(settle + 1);
    const changes = (
      await suite.s.call(
        'GET',
        `/scenarios/${scenario}/changes?since=${encodeURIComponent(cursor)}&limit=100`,
      )
    ).body.items as { type: string; threadId: string; cursor: string }[];
    expect(changes.length).toBeGreaterThanOrEqual(4);

    // Act
    const { page, problems } = await desk(
      suite.s.tokens.reader,
      `?live=off&scenario=${scenario}`,
      async (p) => {
        await p.addInitScript(
          ([key, value]) => {
            if (!window.localStorage.getItem(key)) window.localStorage.setItem(key, value);
          },
          [`scenario-tracker.changesSince.${scenario}`, cursor] as [string, string],
        );
      },
    );
    await page.waitForSelector('#since .since__item', WAIT);

    // Assess: every change since, in the feed's order; the newest cursor kept for next time
    expect(
      await page.$$eval('#since .since__item', (lis) =>
        lis.map((li) => [li.getAttribute('data-type'), li.getAttribute('data-thread-id')]),
      ),
    ).toEqual(changes.map((c) => [c.type, c.threadId]));
    expect(await page.textContent('#since .since__count')).toBe(`${changes.length} changes, oldest first:`);
    expect(
      await page.evaluate(
        (key) => window.localStorage.getItem(key),
        `scenario-tracker.changesSince.${scenario}`,
      ),
    ).toBe(changes[changes.length - 1]!.cursor);

    // Act: the next visit
    await page.reload();
    await page.waitForSelector('#since .since__none', WAIT);

    // Assess
    expect(await page.textContent('#since .since__none')).toBe('Nothing has changed since your last visit.');
    expect(problems).toEqual([]);
  });
});
