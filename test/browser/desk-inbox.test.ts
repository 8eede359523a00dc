import type { Page } from 'playwright-core';
import { deskSuite, enterToken, openDesk, seriousViolations, WAIT } from '../support/desk';

/**
 * The news inbox on the desk (contract 1.2 "Sources and the news inbox", issue 27 item 6), in
 * headless Chromium against the local server and its real `/live`: items pushed over HTTP
 * (`POST /inbox`) are listed with their outlet, duplicates and matched thread; an editor accepts
 * one with a click, or after editing it in the usual update form, or dismisses it; a second desk
 * sees a new item arrive through the socket alone (its polling pushed out to an hour). A thread
 * card shows which outlets back its status, and a "single outlet" mark when only one does.
 */

jest.setTimeout(120_000);

const SCENARIO = 'russia-ukraine-talks';
const suite = deskSuite();

/** The AP's report of 8 August 2025 as ktoo.org carried it; the same wire copy on another outlet. */
const AP = {
  scenario: SCENARIO,
  url: 'https://www.ktoo.org/2025/08/08/trump-sets-meeting-date-with-putin-in-alaska/',
  title: 'Trump sets meeting date with Putin in Alaska',
  summary:
    'President Donald Trump said Friday he will meet with Russian President Vladimir Putin on August 15 in Alaska, as the U.S. leader pushes to end the war in Ukraine.',
  publishedAt: '2025-08-08T20:00:00Z',
};
const AP_COPY = { ...AP, url: 'https://www.wral.com/story/trump-putin-alaska/22100000/' };

async function push(body: Record<string, unknown>): Promise<{ id: string; matches: { threadId: string }[] }> {
  const r = await suite.s.call('POST', '/inbox', { body });
  expect([200, 201]).toContain(r.status);
  return r.body;
}

async function desk(query: string): Promise<{ page: Page; problems: string[] }> {
  const { page, context, problems } = await openDesk(suite.browser, suite.s.url, query);
  suite.contexts.push(context);
  await enterToken(page, suite.s.tokens.editor);
  return { page, problems };
}

const updatesOf = async (threadId: string) =>
  (await suite.s.call('GET', `/threads/${threadId}/updates?limit=100`, { role: 'reader' })).body.items as {
    id: string;
    summary: string;
    status: string | null;
    inboxItem?: string;
    sources: { url: string }[];
  }[];

const itemState = async (id: string, state: string) =>
  (
    (await suite.s.call('GET', `/inbox?scenario=${SCENARIO}&state=${state}&limit=100`)).body.items as {
      id: string;
    }[]
  ).some((i) => i.id === id);

describe('the inbox on the desk', () => {
  it('shows a new item live on a second desk, and an editor accepts it with one click: the update carries the article as its source', async () => {
    // Prepare: a wall desk following the socket only, and an editor's desk
    const wall = await desk(`?view=inbox&poll=3600&scenario=${SCENARIO}`);
    await wall.page.waitForSelector('#inbox[aria-busy=false]', WAIT);
    await wall.page.waitForFunction(
      () => document.body.dataset.liveState === 'live' && document.body.dataset.liveInbox === 'on',
      undefined,
      WAIT,
    );
    const wallReads: string[] = [];
    wall.page.on('request', (r) => wallReads.push(new URL(r.url()).pathname));

    // Act: an item arrives
    const item = await push(AP);

    // Assess: the wall shows it, with its outlet and its matched thread
    const card = `#inbox-${item.id}`;
    await wall.page.waitForSelector(card, WAIT);
    expect(wallReads).toContain('/inbox'); // read because an event said so: polling is an hour away
    expect(await wall.page.textContent(`${card} .inbox__outlet`)).toBe('ktoo.org');
    expect(await wall.page.textContent(`${card} .inbox__title`)).toBe(AP.title);
    expect(await wall.page.textContent(`${card} .inbox__match .inbox__match-head strong`)).toBe(
      'Trump–Putin meeting',
    );
    expect(
      await wall.page.getAttribute(`${card} [data-thread=trump-putin-meeting] .badge`, 'data-status'),
    ).toBe('scheduled');
    expect(await wall.page.textContent(`${card} [data-thread=trump-putin-meeting] time`)).toBe('15 Aug 2025');

    // Prepare: the same wire copy on another outlet is a duplicate of it (no new item, no event)
    expect((await suite.s.call('POST', '/inbox', { body: AP_COPY })).status).toBe(200);
    const editor = await desk(`?view=inbox&live=off&scenario=${SCENARIO}`);
    await editor.page.waitForSelector(`${card} .inbox__duplicates[data-duplicates="1"]`, WAIT);
    expect(await editor.page.getAttribute(`${card} .inbox__duplicates a`, 'href')).toBe(AP_COPY.url);

    // Act: the editor accepts it with one click
    await editor.page.click(`${card} [data-thread=trump-putin-meeting] [data-action=accept]`);
    await editor.page.waitForSelector(card, { state: 'detached', ...WAIT });

    // Assess: said plainly; the update posted with the article and its copy as sources
    expect(await editor.page.textContent('#note')).toBe(
      'Accepted into “Trump–Putin meeting”: Scheduled, with the article as its source.',
    );
    const posted = (await updatesOf('trump-putin-meeting')).find((u) => u.inboxItem === item.id);
    expect(posted).toMatchObject({ status: 'scheduled', summary: AP.title });
    expect(posted!.sources.map((s) => s.url)).toEqual([AP.url, AP_COPY.url]);
    expect(await itemState(item.id, 'accepted')).toBe(true);
    // The board shows the update with the article as its source
    await editor.page.click('.tabs__tab >> text=Board');
    await editor.page.click('#thread-trump-putin-meeting button.button--timeline');
    const entry = `#timeline-trump-putin-meeting li.update[data-update-id="${posted!.id}"]`;
    await editor.page.waitForSelector(entry, WAIT);
    expect(await editor.page.getAttribute(`${entry} .sources__link`, 'href')).toBe(AP.url);
    // And the wall follows: the item, decided, leaves its inbox
    await wall.page.waitForSelector(card, { state: 'detached', ...WAIT });
    expect(wall.problems).toEqual([]);
    expect(editor.problems).toEqual([]);
  });

  it('accepts an item after editing it in the usual update form, prefilled from the item', async () => {
    // Prepare
    const item = await push({
      scenario: SCENARIO,
      url: 'https://www.reuters.com/world/europe/prisoner-exchange-2025-05-23/',
      title: 'Russia and Ukraine carry out the first stage of a 1,000-for-1,000 prisoner exchange',
      summary:
        'Russia and Ukraine exchanged 390 prisoners on 23 May 2025 in the first stage of a swap agreed in Istanbul.',
      publishedAt: '2025-05-23T15:00:00Z',
    });
    expect(item.matches.length).toBeGreaterThan(0);
    const threadId = item.matches[0]!.threadId;
    const { page, problems } = await desk(`?view=inbox&live=off&scenario=${SCENARIO}`);
    await page.click(`#inbox-${item.id} [data-thread=${threadId}] [data-action=edit]`);
    await page.waitForSelector('form[data-form=accept] button[type=submit]:not([disabled])', WAIT);

    // Assess: prefilled from the item, its URL as the source
    expect(await page.inputValue('#field-summary')).toBe(
      'Russia and Ukraine carry out the first stage of a 1,000-for-1,000 prisoner exchange',
    );
    expect(await page.inputValue('#field-threadId')).toBe(threadId);
    expect(await page.textContent('form[data-form=accept] [data-sources=inbox]')).toContain(
      'https://www.reuters.com/world/europe/prisoner-exchange-2025-05-23/',
    );
    expect(await page.inputValue('#field-occurredAt')).not.toBe('');
    expect(await seriousViolations(page)).toEqual([]);

    // Act: a note in the editor's words
    await page.selectOption('#field-status', '');
    await page.fill('#field-summary', 'First stage of the 1,000-for-1,000 exchange: 390 on each side.');
    await page.click('form[data-form=accept] button[type=submit]');
    await page.waitForSelector('dialog.editor', { state: 'detached', ...WAIT });

    // Assess
    await page.waitForSelector(`#inbox-${item.id}`, { state: 'detached', ...WAIT });
    const posted = (await updatesOf(threadId)).find((u) => u.inboxItem === item.id);
    expect(posted).toMatchObject({
      status: null,
      summary: 'First stage of the 1,000-for-1,000 exchange: 390 on each side.',
    });
    expect(posted!.sources.map((s) => s.url)).toEqual([
      'https://www.reuters.com/world/europe/prisoner-exchange-2025-05-23/',
    ]);
    expect(problems).toEqual([]);
  });

  it('dismisses an item with a reason, and says plainly when someone else decided an item first', async () => {
    // Prepare
    const gone = await push({
      scenario: SCENARIO,
      url: 'https://www.espn.com/soccer/story/_/id/1/shakhtar-win',
      title: 'Shakhtar Donetsk win the Ukrainian Premier League title',
    });
    const raced = await push({
      scenario: SCENARIO,
      url: 'https://www.pbs.org/newshour/world/kremlin-confirms-alaska-summit',
      title: 'Kremlin confirms the Putin–Trump summit in Alaska for August 15',
      publishedAt: '2025-08-09T09:00:00Z',
    });
    expect(raced.matches.length).toBeGreaterThan(0);
    const { page, problems } = await desk(`?view=inbox&live=off&scenario=${SCENARIO}`);
    await page.waitForSelector(`#inbox-${raced.id}`, WAIT);

    // Act: dismiss one from the desk
    await page.click(`#inbox-${gone.id} [data-action=dismiss]`);
    await page.waitForSelector('form[data-form=dismiss]', WAIT);
    await page.fill('#field-reason', 'Sport, not the talks.');
    await page.click('form[data-form=dismiss] button[type=submit]');
    await page.waitForSelector(`#inbox-${gone.id}`, { state: 'detached', ...WAIT });

    // Assess
    expect(await page.textContent('#note')).toBe(
      'Dismissed “Shakhtar Donetsk win the Ukrainian Premier League title”.',
    );
    expect(await itemState(gone.id, 'dismissed')).toBe(true);

    // Act: another editor dismisses the second item behind this desk's back; this desk accepts it
    expect((await suite.s.call('POST', `/inbox/${raced.id}/dismiss`, { body: {} })).status).toBe(200);
    await page.click(`#inbox-${raced.id} .inbox__match [data-action=accept]`);
    await page.waitForSelector('#inbox-message', WAIT);

    // Assess: the 409 in words, the item gone from the list, and nothing posted
    await page.waitForSelector(`#inbox-${raced.id}`, { state: 'detached', ...WAIT });
    expect((await updatesOf(raced.matches[0]!.threadId)).some((u) => u.inboxItem === raced.id)).toBe(false);
    expect(await page.textContent('#inbox-message')).toBe(
      'Someone already decided this item (409 already_decided): it was accepted or dismissed elsewhere, and nothing was posted.',
    );
    expect(await itemState(raced.id, 'dismissed')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('reads on a phone: the inbox has no sideways scroll, tap targets of 44 px and no serious accessibility violation', async () => {
    // Prepare: an item, and its copy at a long unbroken URL (a duplicate)
    const story = {
      scenario: SCENARIO,
      url: 'https://www.kyivindependent.com/largest-prisoner-swap/',
      title: 'Ukraine and Russia complete the largest prisoner swap of the war',
      publishedAt: '2025-05-25T18:00:00Z',
    };
    const item = await push(story);
    await push({
      ...story,
      url: 'https://www.example-wire-syndication.com/ukraine-and-russia-exchange-prisoners-in-the-largest-swap-since-the-start-of-the-full-scale-war-2025-05-25/',
    });
    const { page, context, problems } = await openDesk(
      suite.browser,
      suite.s.url,
      `?view=inbox&live=off&scenario=${SCENARIO}`,
      { width: 390, height: 844 },
    );
    suite.contexts.push(context);
    await enterToken(page, suite.s.tokens.editor);

    // Act: the duplicates shown
    await page.click(`#inbox-${item.id} .inbox__duplicates summary`);
    await page.waitForSelector(`#inbox-${item.id} .inbox__duplicates a`, WAIT);

    // Assess
    const heights = await page.$$eval('#inbox button', (bs) =>
      bs.filter((b) => (b as HTMLElement).offsetParent).map((b) => b.getBoundingClientRect().height),
    );
    expect(heights.length).toBeGreaterThan(0);
    for (const h of heights) expect(h).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows the outlets behind a thread’s status, and a single-outlet mark until a second outlet backs it', async () => {
    // Prepare
    const created = await suite.s.call('POST', '/threads', {
      body: {
        id: 'desk-corroboration',
        scenario: SCENARIO,
        kind: 'ceasefire',
        title: 'Energy truce',
        status: 'agreed',
        summary: 'One wire says the energy truce was agreed.',
        occurredAt: '2025-03-18',
        sources: [{ url: 'https://www.reuters.com/world/energy-truce' }],
      },
    });
    expect(created.status).toBe(201);
    const { page, problems } = await desk(`?poll=0.2&live=off&scenario=${SCENARIO}`);
    const card = '#thread-desk-corroboration';
    await page.waitForSelector(`${card} [data-single-outlet]`, WAIT);
    expect(await page.textContent(`${card} .card__corroboration`)).toBe(
      'Single outlet Status backed by 1 outlet: reuters.com.',
    );

    // Act: a second outlet repeats the status
    const posted = await suite.s.call('POST', '/threads/desk-corroboration/updates', {
      body: {
        status: 'agreed',
        summary: 'Confirmed by the Kremlin readout.',
        occurredAt: '2025-03-18',
        sources: [{ url: 'https://apnews.com/article/energy-truce' }],
      },
    });
    expect(posted.status).toBe(201);

    // Assess
    await page.waitForSelector(`${card} .card__corroboration[data-outlets="2"]`, WAIT);
    expect(await page.$(`${card} [data-single-outlet]`)).toBeNull();
    const text = await page.textContent(`${card} .card__corroboration`);
    expect(text).toMatch(
      /^Status backed by 2 outlets: (reuters\.com, apnews\.com|apnews\.com, reuters\.com)\.$/,
    );
    expect(problems).toEqual([]);
  });
});
