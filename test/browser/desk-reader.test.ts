import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SAMPLE_PRISONER_UPDATE } from '../../local/seed';
import { runStaleCheck } from '../../shared/app/stale-check';
import { deskSuite, enterToken, openDesk, seriousViolations, WAIT, type Opened } from '../support/desk';

/**
 * The desk (local/public) as a reader sees it, in a real headless Chromium, against the local server
 * over a fresh table seeded with the four threads of `russia-ukraine-talks`. These are the status
 * page's behaviours, kept as the page became the desk.
 */

/** Screenshots go to a temp folder: a test never rewrites tracked files (`npm run screenshots` refreshes docs/). */
const SHOTS = mkdtempSync(join(tmpdir(), 'scenario-tracker-shots-'));

// A browser test does several page loads; on a loaded shared machine each may take seconds.
jest.setTimeout(120_000);

const suite = deskSuite(
  async (server) => {
    // Same status as seeded (so the seeded statuses still hold), with sources for the card to link.
    const r = await server.call('POST', '/threads/prisoner-exchange/updates', {
      body: SAMPLE_PRISONER_UPDATE,
    });
    expect(r.status).toBe(201);
  },
  { notifications: false },
);
afterAll(() => {
  rmSync(SHOTS, { recursive: true, force: true });
});

/**
 * The desk in a fresh browser context. `live=off` where a test watches polling itself: with the
 * live socket up (it is, once the server has /live) the page would not poll.
 */
async function open(query = '', viewport = { width: 1280, height: 800 }): Promise<Opened> {
  const opened = await openDesk(suite.browser, suite.s.url, query, viewport);
  suite.contexts.push(opened.context);
  return opened;
}

const shownStatuses = (page: Page) =>
  page.$$eval('#threads > li', (items) =>
    items.map((li) => [(li as HTMLElement).dataset.threadId, (li as HTMLElement).dataset.status]),
  );

const pollCount = (page: Page) => page.evaluate(() => Number(document.body.dataset.pollCount || 0));

/** Wait until the page has finished `n` more polls than now. */
async function polls(page: Page, n: number): Promise<void> {
  const start = await pollCount(page);
  await page.waitForFunction(
    (target) => Number(document.body.dataset.pollCount || 0) >= target,
    start + n,
    WAIT,
  );
}

describe('the desk for a reader', () => {
  it('renders the four seeded threads with their statuses after entering the reader token', async () => {
    // Prepare
    const { page, problems } = await open();
    expect(await page.isVisible('#token-form')).toBe(true);
    expect(await page.isVisible('#threads-view')).toBe(false);

    // Act
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);
    await page.waitForSelector('#thread-prisoner-exchange .card__sources:not([hidden]) a', WAIT);

    // Assess: newest recorded news first
    const listed = (
      await suite.s.call('GET', '/threads?scenario=russia-ukraine-talks', { role: 'reader' })
    ).body.items.map((t: { id: string; status: string; lastRecordedAt: string }) => t);
    const newestFirst = [...listed]
      .sort((a, b) => b.lastRecordedAt.localeCompare(a.lastRecordedAt) || a.id.localeCompare(b.id))
      .map((t) => [t.id, t.status]);
    expect(await shownStatuses(page)).toEqual(newestFirst);
    expect([...newestFirst].sort()).toEqual([
      ['ceasefire', 'rejected'],
      ['prisoner-exchange', 'agreed'],
      ['sanctions', 'proposed'],
      ['trump-putin-meeting', 'announced'],
    ]);
    const card = await page.$eval('#thread-ceasefire', (li) => ({
      title: li.querySelector('.card__title')?.textContent,
      kind: li.querySelector('.card__kind')?.textContent,
      badge: li.querySelector('.card__status .badge')?.textContent,
      sinceText: li.querySelector('.card__since time')?.textContent,
      since: li.querySelector('.card__since time')?.getAttribute('title'),
      sinceIso: li.querySelector('.card__since time')?.getAttribute('datetime'),
      summary: li.querySelector('.card__summary')?.textContent,
      stale: (li.querySelector('.badge--stale') as HTMLElement).hidden,
    }));
    expect(card).toEqual({
      title: '30-day ceasefire',
      kind: 'Ceasefire',
      badge: 'Rejected',
      // The seed knows the day only: shown at day precision, the title saying so.
      sinceText: '16 May 2025',
      since: '16 May 2025 (a day, UTC)',
      sinceIso: '2025-05-16T00:00:00.000Z',
      summary: expect.stringContaining('Russia rejected the temporary 30-day ceasefire'),
      stale: true,
    });
    const links = await page.$$eval('#thread-prisoner-exchange .card__sources a', (as) =>
      as.map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), text: a.textContent })),
    );
    expect(links).toEqual([
      {
        href: 'https://example.org/istanbul-talks',
        rel: 'noopener noreferrer',
        text: 'Russia and Ukraine agree prisoner swap in first direct talks',
      },
      { href: 'http://example.com/live', rel: 'noopener noreferrer', text: 'Example Live' },
    ]);
    expect(await page.evaluate(() => sessionStorage.getItem('scenario-tracker.readerToken'))).toBe(
      suite.s.tokens.reader,
    );
    expect(problems).toEqual([]); // no CSP violation, no script error
  });

  it('shows the token form again with an error when the token is refused', async () => {
    // Prepare
    const { page } = await open();

    // Act
    await enterToken(page, 'not-a-token');
    await page.waitForSelector('#token-error:not([hidden])', WAIT);

    // Assess
    expect(await page.textContent('#token-error')).toMatch(/did not accept that token \(401/);
    expect(await page.isVisible('#token-form')).toBe(true);
    expect(await page.isVisible('#threads-view')).toBe(false);
    expect(await page.$$('#threads > li')).toHaveLength(0);
    expect(await page.evaluate(() => sessionStorage.getItem('scenario-tracker.readerToken'))).toBeNull();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token-input');
  });

  it('sends the reader back to the token form when the token is revoked while the page is open', async () => {
    // Prepare
    const minted = await suite.s.call('POST', '/tokens', {
      role: 'admin',
      body: { name: 'wall-screen', role: 'reader' },
    });
    expect(minted.status).toBe(201);
    const { page } = await open('?poll=0.2&live=off');
    await enterToken(page, minted.body.token);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);

    // Act
    expect((await suite.s.call('DELETE', '/tokens/wall-screen', { role: 'admin' })).status).toBe(204);

    // Assess
    await page.waitForSelector('#token-error:not([hidden])', WAIT);
    expect(await page.textContent('#token-error')).toMatch(/401 Unauthorized/);
    expect(await page.$$('#threads > li')).toHaveLength(0);
  });

  it('keeps the token for the session across a reload, and forgets it on request', async () => {
    // Prepare
    const { page } = await open();
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li', WAIT);

    // Act
    await page.reload();
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);
    const formAfterReload = await page.isVisible('#token-form');
    await page.click('#forget-token');

    // Assess
    expect(formAfterReload).toBe(false);
    expect(await page.isVisible('#token-form')).toBe(true);
    expect(await page.isVisible('#token-error')).toBe(false);
    expect(await page.$$('#threads > li')).toHaveLength(0);
    expect(await page.evaluate(() => sessionStorage.getItem('scenario-tracker.readerToken'))).toBeNull();
  });

  it('shows a status posted over the API without a reload, and announces it', async () => {
    // Prepare
    const { page, problems } = await open('?poll=0.2&live=off');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-sanctions[data-status="proposed"]', WAIT);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const ceasefireNode = await page.$('#thread-ceasefire');

    // Act
    const posted = await suite.s.call('POST', '/threads/sanctions/updates', {
      body: {
        status: 'adopted',
        summary: 'The EU adopted its 17th sanctions package, aimed at Russia’s shadow fleet.',
      },
    });
    expect(posted.status).toBe(201);

    // Assess
    await page.waitForSelector('#thread-sanctions[data-status="adopted"]', WAIT);
    expect(await page.textContent('#thread-sanctions .card__summary')).toBe(
      'The EU adopted its 17th sanctions package, aimed at Russia’s shadow fleet.',
    );
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    // Updated in place: an unchanged thread keeps its very element.
    expect(
      await page.evaluate((node) => node === document.getElementById('thread-ceasefire'), ceasefireNode),
    ).toBe(true);
    await page.waitForFunction(
      () =>
        /European sanctions on Russia: now Adopted \(was Proposed\)/.test(
          document.getElementById('live')?.textContent || '',
        ),
      undefined,
      WAIT,
    );
    expect(await page.getAttribute('#live', 'aria-live')).toBe('polite');
    expect(problems).toEqual([]);
  });

  it('revalidates the list with If-None-Match and gets 304 while nothing changes', async () => {
    // Prepare
    const { page } = await open('?poll=0.2&live=off');
    const answers: { status: number; ifNoneMatch: string | undefined }[] = [];
    page.on('response', (r) => {
      // GETs only: the role probe is a POST to /threads.
      if (new URL(r.url()).pathname === '/threads' && r.request().method() === 'GET')
        answers.push({ status: r.status(), ifNoneMatch: r.request().headers()['if-none-match'] });
    });
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);

    // Act
    await polls(page, 2);
    // Response events reach the test a moment after the page has used them.
    for (let i = 0; i < 50 && answers.length < 3; i += 1) await page.waitForTimeout(100);

    // Assess
    expect(answers[0]).toEqual({ status: 200, ifNoneMatch: undefined });
    expect(answers.slice(1).length).toBeGreaterThanOrEqual(2);
    for (const a of answers.slice(1))
      expect(a).toEqual({ status: 304, ifNoneMatch: expect.stringMatching(/^"/) });
  });

  it('shows a thread’s timeline on click, newest first, and keeps it open and current while polling', async () => {
    // Prepare
    const late = await suite.s.call('POST', '/threads/prisoner-exchange/updates', {
      body: {
        status: 'negotiating',
        summary: 'Mistaken report of renewed haggling.',
        occurredAt: '2025-05-17T09:00:00Z',
      },
    });
    expect(
      (
        await suite.s.call('POST', `/threads/prisoner-exchange/updates/${late.body.update.id}/retraction`, {
          body: { reason: 'Misattributed quote; the exchange terms were not reopened.' },
        })
      ).status,
    ).toBe(200);
    const { page } = await open('?poll=0.2&live=off');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-prisoner-exchange', WAIT);
    const button = '#thread-prisoner-exchange button.button--timeline';
    expect(await page.getAttribute(button, 'aria-expanded')).toBe('false');

    // Act
    await page.click(button);
    await page.waitForSelector('#timeline-prisoner-exchange li.update:nth-child(3)', WAIT);

    // Assess: every update, newest occurredAt first, the retracted one struck through with its reason
    expect(await page.getAttribute(button, 'aria-expanded')).toBe('true');
    expect(await page.getAttribute(button, 'aria-controls')).toBe('timeline-prisoner-exchange');
    const items = await page.$$eval('#timeline-prisoner-exchange li.update', (lis) =>
      lis.map((li) => ({
        occurred: li.querySelector('.update__head time')?.getAttribute('datetime'),
        status: li.querySelector('.update__head .badge')?.getAttribute('data-status'),
        struck: li.querySelector('.update__summary s')?.textContent ?? null,
        reason: li.querySelector('.update__reason')?.textContent ?? null,
        postedBy: li.querySelector('.update__meta-row:nth-child(3) dd')?.textContent,
        recorded: li.querySelector('.update__meta-row:nth-child(2) time')?.getAttribute('datetime'),
        sources: li.querySelectorAll('.update__sources a').length,
        quotes: Array.from(li.querySelectorAll('.quote')).map((q) => q.textContent),
      })),
    );
    expect(items).toEqual([
      {
        occurred: '2025-05-17T09:00:00.000Z',
        status: 'negotiating',
        struck: 'Mistaken report of renewed haggling.',
        reason: 'Misattributed quote; the exchange terms were not reopened.',
        postedBy: 'local-editor',
        recorded: expect.any(String),
        sources: 0,
        quotes: [],
      },
      {
        occurred: '2025-05-16T15:00:00.000Z',
        status: 'agreed',
        struck: null,
        reason: null,
        postedBy: 'local-editor',
        recorded: expect.any(String),
        sources: 2,
        quotes: ['The exchange will take place in the near future.— Rustem Umerov'],
      },
      {
        occurred: '2025-05-16T00:00:00.000Z',
        status: 'agreed',
        struck: null,
        reason: null,
        postedBy: 'seed',
        recorded: expect.any(String),
        sources: 0,
        quotes: ['satisfied with the outcome— Vladimir Medinsky'],
      },
    ]);

    // Act again: a new update while the timeline is open
    await suite.s.call('POST', '/threads/prisoner-exchange/updates', {
      body: {
        status: 'in_progress',
        summary: 'First stage: 390 for 390.',
        occurredAt: '2025-05-23T12:00:00Z',
        sources: [
          {
            url: 'https://example.org/first-stage',
            title: 'First stage of the 1,000-for-1,000 exchange',
            publisher: 'Example Wire',
          },
        ],
      },
    });

    // Assess: it joins the open timeline at the top, without closing it
    await page.waitForFunction(
      () =>
        document.querySelector('#timeline-prisoner-exchange li.update .update__summary')?.textContent ===
        'First stage: 390 for 390.',
      undefined,
      WAIT,
    );
    expect(await page.getAttribute(button, 'aria-expanded')).toBe('true');
    expect(await page.isVisible('#timeline-prisoner-exchange')).toBe(true);
    expect(await page.getAttribute('#thread-prisoner-exchange', 'data-status')).toBe('in_progress');
  });

  it('marks a stale thread with a stale badge and when it went stale', async () => {
    // Prepare: only the ceasefire thread is due an hour after its last record
    expect((await suite.s.call('PATCH', '/threads/ceasefire', { body: { staleAfterHours: 1 } })).status).toBe(
      200,
    );
    const { page } = await open('?poll=0.2&live=off');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-ceasefire', WAIT);

    // Act
    const check = await runStaleCheck(suite.s.ctx, new Date(Date.now() + 2 * 3_600_000).toISOString());
    expect(check.flagged).toEqual(['ceasefire']);

    // Assess
    await page.waitForSelector('#thread-ceasefire .badge--stale:not([hidden])', WAIT);
    const thread = (await suite.s.call('GET', '/threads/ceasefire', { role: 'reader' })).body;
    expect(await page.getAttribute('#thread-ceasefire .badge--stale time', 'datetime')).toBe(
      thread.staleSince,
    );
    expect(await page.textContent('#thread-ceasefire .badge--stale')).toMatch(/^Stale since /);
    expect(await page.$$('.badge--stale:not([hidden])')).toHaveLength(1);
  });

  it('marks a terminal status as final', async () => {
    // Prepare
    const { page } = await open('?poll=0.2&live=off');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-trump-putin-meeting', WAIT);

    // Act
    await suite.s.call('POST', '/threads/trump-putin-meeting/updates', {
      body: {
        status: 'postponed',
        summary: 'No date was set for the meeting.',
        occurredAt: '2025-05-20T00:00:00Z',
      },
    });
    await suite.s.call('POST', '/threads/trump-putin-meeting/updates', {
      body: {
        status: 'held',
        summary: 'Trump and Putin met in Alaska; no agreement on a ceasefire.',
        occurredAt: '2025-08-15T20:00:00Z',
        sources: [
          {
            url: 'https://example.org/alaska',
            title: 'Alaska summit ends without a deal',
            publisher: 'Example Wire',
            publishedAt: '2025-08-16T06:00:00Z',
          },
        ],
      },
    });

    // Assess
    await page.waitForSelector('#thread-trump-putin-meeting.card--terminal .badge--terminal', WAIT);
    expect(await page.textContent('#thread-trump-putin-meeting .card__status .badge')).toBe('Heldfinal');
    expect(await page.$$('.card--terminal')).toHaveLength(1);
  });

  it('shows API text as text, never as markup, and follows every page of a scenario', async () => {
    // Prepare: a hostile title and summary in another scenario, more threads than one page holds
    const hostile = '<img src=x onerror="window.pwned=1">';
    for (const [id, title] of [
      ['a-hostile', hostile],
      ['b-plain', 'Plain'],
      ['c-plain', 'Another'],
    ] as const) {
      const r = await suite.s.call('POST', '/threads', {
        body: {
          id,
          scenario: 'markup-check',
          kind: 'other',
          title,
          status: 'active',
          summary: `<script>window.pwned=2</script>${id}`,
        },
      });
      expect(r.status).toBe(201);
    }

    // Act
    const { page, problems } = await open('?scenario=markup-check&limit=1');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(3)', WAIT);

    // Assess
    expect(
      await page.$$eval('#threads > li', (lis) => lis.map((li) => (li as HTMLElement).dataset.threadId)),
    ).toEqual(['c-plain', 'b-plain', 'a-hostile']); // newest recorded first
    expect(await page.textContent('#thread-a-hostile .card__title')).toBe(hostile);
    expect(await page.textContent('#thread-a-hostile .card__summary')).toBe(
      '<script>window.pwned=2</script>a-hostile',
    );
    expect(await page.$$('#threads img, #threads script')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.textContent('#scenario-title')).toBe('markup-check');
    expect(problems).toEqual([]);
  });

  it('reads well on a wall screen and on a phone, and both screenshot at full page size', async () => {
    // Prepare: both screens load side by side
    const shown = async (query: string, viewport: { width: number; height: number }) => {
      const opened = await open(query, viewport);
      await enterToken(opened.page, suite.s.tokens.reader);
      await opened.page.waitForSelector('#thread-trump-putin-meeting .card__sources:not([hidden])', WAIT);
      return opened;
    };
    const [wide, phone] = await Promise.all([
      shown('?poll=1&live=off', { width: 1280, height: 800 }),
      shown('', { width: 390, height: 844 }),
    ]);

    // Act: the wall screen as it usually stands, the phone with a timeline open
    await phone.page.click('#thread-prisoner-exchange button.button--timeline');
    await phone.page.waitForSelector('#timeline-prisoner-exchange li.update', WAIT);
    await wide.page.mouse.move(0, 0);
    await wide.page.screenshot({ path: join(SHOTS, 'wide.png'), fullPage: true });
    await phone.page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });

    // Assess: a grid on the wide screen, one column on the phone, tap targets of at least 44 px
    const columns = (page: Page) =>
      page.$eval('#threads', (ul) => getComputedStyle(ul).gridTemplateColumns.split(' ').length);
    expect(await columns(wide.page)).toBeGreaterThan(1);
    expect(await columns(phone.page)).toBe(1);
    const heights = await phone.page.$$eval('button:not([hidden])', (bs) =>
      bs.filter((b) => (b as HTMLElement).offsetParent).map((b) => b.getBoundingClientRect().height),
    );
    expect(heights.length).toBeGreaterThan(0);
    for (const h of heights) expect(h).toBeGreaterThanOrEqual(44);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
      true,
    );
    // A PNG's width sits in its IHDR chunk at byte 16: each shot is as wide as its viewport.
    expect(readFileSync(join(SHOTS, 'wide.png')).readUInt32BE(16)).toBe(1280);
    expect(readFileSync(join(SHOTS, 'phone.png')).readUInt32BE(16)).toBe(390);
  });

  it('shows a reader no edit controls at all', async () => {
    // Prepare
    const { page, problems } = await open();

    // Act
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);
    await page.click('#thread-prisoner-exchange button.button--timeline');
    await page.waitForSelector('#timeline-prisoner-exchange li.update', WAIT);

    // Assess
    expect(await page.textContent('.role-chip')).toBe('reader');
    expect(await page.$$('#new-thread, [data-action], .card__actions, .update__actions')).toHaveLength(0);
    expect(problems).toEqual([]);
  });

  it('switches scenario from the list GET /scenarios gives, keeps the choice in the URL across a reload, and follows Back', async () => {
    // Prepare
    const made = await suite.s.call('POST', '/threads', {
      body: {
        id: 'grain-deal',
        scenario: 'black-sea',
        kind: 'other',
        title: 'Black Sea grain deal',
        status: 'active',
        summary: 'Talks on safe passage.',
      },
    });
    expect(made.status).toBe(201);
    const { page } = await open();
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);
    await page.waitForSelector('#scenario-switcher option[value="black-sea"]', {
      state: 'attached',
      ...WAIT,
    });

    // Act
    await page.selectOption('#scenario-switcher', 'black-sea');
    await page.waitForSelector('#thread-grain-deal', WAIT);
    const afterSwitch = new URL(page.url()).searchParams.get('scenario');
    await page.reload();
    await page.waitForSelector('#thread-grain-deal', WAIT);
    const afterReload = new URL(page.url()).searchParams.get('scenario');
    await page.goBack();
    await page.waitForSelector('#thread-ceasefire', WAIT);

    // Assess
    expect(afterSwitch).toBe('black-sea');
    expect(afterReload).toBe('black-sea');
    expect(await page.$$eval('#threads > li', (lis) => lis.length)).toBeGreaterThanOrEqual(4);
    expect(await page.$eval('#scenario-switcher', (el) => (el as HTMLSelectElement).value)).toBe(
      'russia-ukraine-talks',
    );
    expect(page.url()).not.toContain(suite.s.tokens.reader);
  });

  it('shows what is expected at its precision, and an overdue badge once the check flags it', async () => {
    // Prepare: expected in August 2025 (a month), long past; its updates all occurred before then
    const set = await suite.s.call('PATCH', '/threads/prisoner-exchange', {
      body: { expected: { what: 'Second stage of the exchange', at: '2025-08' } },
    });
    expect(set.status).toBe(200);
    const { page } = await open('?poll=0.2&live=off');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-prisoner-exchange .card__expected', WAIT);

    // Act
    const check = await runStaleCheck(suite.s.ctx, new Date().toISOString());
    expect(check.overdue).toContain('prisoner-exchange');

    // Assess
    await page.waitForSelector('#thread-prisoner-exchange .badge--overdue:not([hidden])', WAIT);
    expect(await page.textContent('#thread-prisoner-exchange .card__expected')).toBe(
      'Expected: Second stage of the exchange, by Aug 2025',
    );
    expect(await page.getAttribute('#thread-prisoner-exchange .badge--overdue time', 'datetime')).toBe(
      '2025-09-01T00:00:00.000Z',
    );
    expect(await page.textContent('#thread-prisoner-exchange .badge--overdue')).toMatch(
      /^Overdue since 1 Sept? 2025/,
    );
  });

  it('shows the sources of the latest update that stands, even when the newest page of updates is all retracted', async () => {
    // Prepare: a sourced update, then six later notes, all retracted
    const made = await suite.s.call('POST', '/threads', {
      body: {
        id: 'retracted-page',
        scenario: 'retractions',
        kind: 'other',
        title: 'Many corrections',
        status: 'active',
        summary: 'Sourced report.',
        occurredAt: '2025-06-01',
        sources: [{ url: 'https://example.org/kept', title: 'The report that stands' }],
      },
    });
    expect(made.status).toBe(201);
    for (let i = 0; i < 6; i += 1) {
      const note = await suite.s.call('POST', '/threads/retracted-page/updates', {
        body: { status: null, summary: `Wrong note ${i}.`, occurredAt: `2025-07-0${i + 1}` },
      });
      const retracted = await suite.s.call(
        'POST',
        `/threads/retracted-page/updates/${note.body.update.id}/retraction`,
        { body: { reason: 'Wrong.' } },
      );
      expect(retracted.status).toBe(200);
    }

    // Act
    const { page } = await open('?scenario=retractions');
    await enterToken(page, suite.s.tokens.reader);

    // Assess
    await page.waitForSelector('#thread-retracted-page .card__sources:not([hidden]) a', WAIT);
    expect(await page.textContent('#thread-retracted-page .card__sources a')).toBe('The report that stands');
  });

  it('shows a parent by its title, and a met expectation as happened rather than expected', async () => {
    // Prepare: a parent and its child, the child expecting something by August 2025 that then happened
    const base = { scenario: 'parents', kind: 'other', status: 'active', occurredAt: '2025-06-01' };
    for (const body of [
      { ...base, id: 'talks-track', title: 'Talks track', summary: 'Opened.' },
      {
        ...base,
        id: 'working-group',
        title: 'Working group',
        summary: 'Formed.',
        parent: 'talks-track',
        expected: { what: 'First meeting', at: '2025-08' },
      },
      {
        ...base,
        id: 'awaiting',
        title: 'Still awaited',
        summary: 'Formed.',
        expected: { what: 'A reply', at: '2025-08' },
      },
    ])
      expect((await suite.s.call('POST', '/threads', { body })).status).toBe(201);
    const met = await suite.s.call('POST', '/threads/working-group/updates', {
      body: { status: null, summary: 'First meeting held.', occurredAt: '2025-08-20' },
    });
    expect(met.status).toBe(201);

    // Act
    const { page, problems } = await open('?scenario=parents');
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-working-group .card__expected', WAIT);
    await page.waitForSelector('#thread-awaiting .card__expected', WAIT);

    // Assess
    expect(await page.textContent('#thread-working-group .card__parent')).toBe(' · part of Talks track');
    expect(await page.textContent('#thread-working-group .card__expected')).toBe(
      'Happened: First meeting (expected by Aug 2025)',
    );
    expect(await page.textContent('#thread-awaiting .card__expected')).toBe('Expected: A reply, by Aug 2025');
    expect(problems).toEqual([]);
  });

  it('keeps the board switched to when an answer for the scenario left arrives late', async () => {
    // Prepare: two scenarios, and the next list request of the first held back on demand
    for (const [id, scenario] of [
      ['late-a1', 'late-a'],
      ['late-b1', 'late-b'],
    ])
      expect(
        (
          await suite.s.call('POST', '/threads', {
            body: { id, scenario, kind: 'other', title: id, status: 'active', summary: 'Opened.' },
          })
        ).status,
      ).toBe(201);
    const { page, problems } = await open('?scenario=late-a&poll=0.2&live=off');
    let hold = false;
    let release = () => undefined as void;
    const released = new Promise<void>((done) => (release = done));
    let sawHeld = () => undefined as void;
    const held = new Promise<void>((done) => (sawHeld = done));
    await page.route(/\/threads\?scenario=late-a&/, async (route) => {
      if (hold) {
        sawHeld();
        await released;
      }
      await route.continue();
    });
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-late-a1', WAIT);

    // Act: a poll of late-a is under way when the desk switches to late-b; its answer lands after
    hold = true;
    await held;
    await page.selectOption('#scenario-switcher', 'late-b');
    await page.waitForSelector('#thread-late-b1', WAIT);
    // late-a changes meanwhile, so the held poll is answered 200 with its threads, not 304
    const changed = await suite.s.call('POST', '/threads/late-a1/updates', { body: { summary: 'Later.' } });
    expect(changed.status).toBe(201);
    release();
    await polls(page, 3);

    // Assess
    expect(
      await page.$$eval('#threads > li', (lis) => lis.map((li) => (li as HTMLElement).dataset.threadId)),
    ).toEqual(['late-b1']);
    expect(problems).toEqual([]);
  });

  it('has no serious or critical accessibility violation on the token form and the desk', async () => {
    // Prepare
    const { page } = await open('?live=off');
    await page.waitForSelector('#token-form', WAIT);
    const onForm = await seriousViolations(page);

    // Act
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#threads > li:nth-child(4)', WAIT);
    await page.waitForSelector('#thread-prisoner-exchange .card__sources:not([hidden])', WAIT);
    await page.click('#thread-prisoner-exchange button.button--timeline');
    await page.waitForSelector('#timeline-prisoner-exchange li.update', WAIT);

    // Assess
    expect(onForm).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
