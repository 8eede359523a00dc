import { readFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { replayIstanbulFollowups } from '../../local/news-replay';
import { deskSuite, enterToken, openDesk, seriousViolations, WAIT, type Opened } from '../support/desk';

/**
 * The scenario as a picture, in headless Chromium: the seeded scenario with its real 2025
 * follow-ups (months of statuses, notes, one retraction, expectations) replayed over HTTP.
 */

const SCENARIO = 'russia-ukraine-talks';
// A browser test does several page loads; on a loaded shared machine each may take seconds.
jest.setTimeout(120_000);

const suite = deskSuite(
  async (server) => {
    await replayIstanbulFollowups((method, path, body) => server.call(method, path, { body }));
  },
  { notifications: false },
);

/** The picture in a context of its own, once it has drawn its lanes. */
async function openPicture(keep: (context: BrowserContext) => void): Promise<Opened> {
  const opened = await openDesk(suite.browser, suite.s.url, `?view=picture&live=off&scenario=${SCENARIO}`);
  keep(opened.context);
  await enterToken(opened.page, suite.s.tokens.reader);
  await opened.page.waitForSelector('.picture__svg .lane .segment', WAIT);
  return opened;
}

/** A picture of the test's own, for a test that changes what it shows: closed after the test. */
const picture = () => openPicture((context) => suite.contexts.push(context));

/**
 * The picture as it first loads, for the tests that only look at it (and save it): one page, opened
 * by the first of them to run and closed after the file, as nothing in this file writes after its
 * setup. (Each load reads the history of every thread.)
 */
let asLoaded: Promise<Opened> | undefined;
let asLoadedContext: BrowserContext | undefined;
const loadedPicture = () => (asLoaded ??= openPicture((context) => (asLoadedContext = context)));
afterAll(async () => {
  await asLoadedContext?.close().catch(() => undefined);
});

const all = async (path: string) => {
  const items: any[] = [];
  let next: string | null = null;
  do {
    const r = await suite.s.call('GET', `${path}${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`, {
      role: 'reader',
    });
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    next = r.body.nextToken;
  } while (next);
  return items;
};

describe('the picture of a scenario', () => {
  it('draws one lane per thread, its status segments in order, a mark per update, retraction and expected date, and today’s line', async () => {
    // Prepare
    const threads = await all(`/threads?scenario=${SCENARIO}&limit=100`);
    const changes = await all(`/scenarios/${SCENARIO}/timeline?limit=100`);
    const updates = await all('/threads/prisoner-exchange/updates?limit=100');

    // Act
    const { page, problems } = await loadedPicture();

    // Assess
    const lanes = await page.$$eval('.picture__svg .lane', (gs) =>
      gs.map((g) => g.getAttribute('data-thread-id')),
    );
    // Lanes in the board's order: latest news first (latest update recorded), ties by id.
    const byLatest = [...threads].sort(
      (a, b) => (b.lastRecordedAt ?? '').localeCompare(a.lastRecordedAt ?? '') || (a.id < b.id ? -1 : 1),
    );
    expect(lanes).toEqual(byLatest.map((t) => t.id));
    const segments = await page.$$eval('.lane[data-thread-id=prisoner-exchange] .segment', (rs) =>
      rs.map((r) => r.getAttribute('data-status')),
    );
    expect(segments).toEqual(changes.filter((c) => c.threadId === 'prisoner-exchange').map((c) => c.status));
    expect(segments.length).toBeGreaterThan(2);
    expect(await page.$$('.lane[data-thread-id=prisoner-exchange] .mark--update')).toHaveLength(
      updates.filter((u) => !u.retracted).length,
    );
    expect(await page.$$('.lane[data-thread-id=prisoner-exchange] .mark--retraction')).toHaveLength(1);
    expect(await page.$$('.picture__svg .mark--expected')).toHaveLength(
      threads.filter((t) => t.expected).length,
    );
    expect(await page.$$('.picture__svg .today line')).toHaveLength(1);
    // Segments run left to right along occurred time.
    const xs = await page.$$eval('.lane[data-thread-id=prisoner-exchange] .segment', (rs) =>
      rs.map((r) => Number(r.getAttribute('x'))),
    );
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(problems).toEqual([]);
  });

  it('redraws the board as of a chosen day from the board-as-of API', async () => {
    // Prepare
    const { page } = await picture();
    const board = await all(`/threads?scenario=${SCENARIO}&asOf=2025-08-01&limit=100`);

    // Act
    await page.fill('#as-of', '2025-08-01');
    await page.waitForSelector('.picture__frame[data-as-of="2025-08-01T23:59:59.999Z"] .picture__svg', WAIT);

    // Assess
    const lanes = await page.$$eval('.picture__svg .lane', (gs) =>
      gs.map((g) => g.getAttribute('data-thread-id')),
    );
    expect(lanes).toEqual(board.map((t) => t.id));
    const rows = await page.$$eval('.picture__board tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-thread-id'), tr.getAttribute('data-status')]),
    );
    expect(rows).toEqual(board.map((t) => [t.id, t.status]));
    expect(await page.textContent('.picture__board caption')).toBe('The board as of 1 Aug 2025');
    expect(await page.$$('.picture__svg .as-of line')).toHaveLength(1);
    // Nothing after the cut-off is drawn.
    expect(await page.$$('.lane[data-thread-id=budapest-summit]')).toHaveLength(0);
  });

  it('saves the picture as an SVG file and as a PNG image', async () => {
    // Prepare
    const { page } = await loadedPicture();
    const lanes = await page.$$eval('.picture__svg .lane', (gs) => gs.length);

    // Act
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('[data-save=svg]')]);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-save=png]')]);
    const svgText = readFileSync((await svg.path())!, 'utf8');
    const pngBytes = readFileSync((await png.path())!);

    // Assess
    expect(svg.suggestedFilename()).toBe(`${SCENARIO}-picture.svg`);
    expect(svgText.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(svgText).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svgText.match(/<g class="lane"/g)).toHaveLength(lanes);
    expect(svgText).toContain('1,000-for-1,000 prisoner exchange');
    expect(svgText).not.toMatch(/<style|style="/); // self-contained: presentation attributes only
    expect(png.suggestedFilename()).toBe(`${SCENARIO}-picture.png`);
    expect(pngBytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pngBytes.readUInt32BE(16)).toBe(2000); // twice the picture's 1000-unit width
    expect(pngBytes.length).toBeGreaterThan(10_000); // drawn, not blank
  });

  it('has no serious or critical accessibility violation on the picture', async () => {
    // Prepare
    const { page } = await loadedPicture();

    // Act
    const violations = await seriousViolations(page);

    // Assess
    expect(violations).toEqual([]);
  });
});
