import type { Page } from 'playwright-core';
import { deskSuite, enterToken, openDesk, WAIT } from '../support/desk';

/**
 * Two screens on the real server: an editor retracts an update on one desk, and a second desk (a
 * reader's wall screen) follows through the real WebSocket `/live` — not by polling, which the
 * second page has pushed out to an hour, so only a pushed event can bring the change. How fast it
 * arrives (within 2 s: median and p99 over 100 sockets) is measured in `npm run bench` (live), not
 * raced here.
 */

jest.setTimeout(120_000);

const suite = deskSuite();

async function desk(token: string, query: string): Promise<{ page: Page; problems: string[] }> {
  const { page, context, problems } = await openDesk(suite.browser, suite.s.url, query);
  suite.contexts.push(context);
  await enterToken(page, token);
  return { page, problems };
}

describe('a second screen', () => {
  it('shows an editor’s retraction through the WebSocket, with polling an hour away', async () => {
    // Prepare: a thread whose latest update will be retracted
    const created = await suite.s.call('POST', '/threads', {
      body: {
        id: 'two-screens',
        scenario: 'russia-ukraine-talks',
        kind: 'ceasefire',
        title: 'Two screens',
        status: 'proposed',
        summary: 'First report.',
        occurredAt: '2025-06-01',
      },
    });
    expect(created.status).toBe(201);
    const posted = await suite.s.call('POST', '/threads/two-screens/updates', {
      body: { status: 'collapsed', summary: 'Mistaken: collapse reported.', occurredAt: '2025-06-05' },
    });
    expect(posted.status).toBe(201);
    // The two screens load side by side: the wall live, the editor's history of the thread open
    const [wall, editor] = await Promise.all([
      (async () => {
        const wall = await desk(suite.s.tokens.reader, '?poll=3600');
        await wall.page.waitForSelector('#thread-two-screens[data-status=collapsed]', WAIT);
        await wall.page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);
        return wall;
      })(),
      (async () => {
        const editor = await desk(suite.s.tokens.editor, '?live=off');
        await editor.page.waitForSelector('#thread-two-screens[data-status=collapsed]', WAIT);
        await editor.page.click('#thread-two-screens button.button--timeline');
        await editor.page.waitForSelector('#timeline-two-screens li.update', WAIT);
        return editor;
      })(),
    ]);
    const wallReads: string[] = [];
    wall.page.on('request', (r) => wallReads.push(new URL(r.url()).pathname));

    // Act: the editor retracts the collapse from the desk
    await editor.page.click('#timeline-two-screens li.update:first-child [data-action=retract]');
    await editor.page.waitForSelector('form[data-form=retract]', WAIT);
    await editor.page.fill('#field-reason', 'The source confused two fronts.');
    await editor.page.click('form[data-form=retract] button[type=submit]');

    // Assess: the wall screen, still live (never fell back to polling), shows the recomputed status
    await wall.page.waitForSelector('#thread-two-screens[data-status=proposed]', WAIT);
    expect(await wall.page.evaluate(() => document.body.dataset.liveState)).toBe('live');
    expect(wallReads.length).toBeGreaterThan(0); // it re-read because an event told it to
    expect(wall.problems).toEqual([]);
    expect(editor.problems).toEqual([]);
  });
});
