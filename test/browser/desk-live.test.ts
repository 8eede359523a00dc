import type { Page, WebSocketRoute } from 'playwright-core';
import { deskSuite, enterToken, openDesk, WAIT } from '../support/desk';

/**
 * The desk's live client (local/public/lib/live.js) against the contract's "Live updates" section.
 * The socket is played by the test (Playwright's routeWebSocket), so these tests hold whether or not
 * the server has /live: a socket that is refused or drops, and one that speaks the protocol. The
 * HTTP side is the real local server. (The two-page test against the real /live is the server's.)
 */

// A browser test does several page loads; on a loaded shared machine each may take seconds.
jest.setTimeout(120_000);

const suite = deskSuite(undefined, { notifications: false });

const pings = (sent: { action?: string }[]) => sent.filter((m) => m.action === 'ping').length;

/** Wait (up to WAIT) for something the route sees: frames reach it a moment after the page sends them. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the socket');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const liveState = (page: Page) => page.evaluate(() => document.body.dataset.liveState);

/** Wait until the body's dataset says `key` is at least `n`. */
const atLeast = (page: Page, key: string, n: number) =>
  page.waitForFunction(
    ([k, v]) => Number(document.body.dataset[k as string] || 0) >= (v as number),
    [key, n],
    WAIT,
  );

describe('the desk’s live client', () => {
  it('falls back to ETag polling when the socket is refused, picks up a change made over HTTP, and keeps trying to reconnect', async () => {
    // Prepare: every socket is closed by the "server" at once
    let sockets = 0;
    const { page, context, problems } = await openDesk(
      suite.browser,
      suite.s.url,
      '?poll=0.2&backoff=0.05',
      undefined,
      (p) =>
        p.routeWebSocket(/\/live\?/, (ws) => {
          sockets += 1;
          ws.close({ code: 4401, reason: 'refused' });
        }),
    );
    suite.contexts.push(context);
    const revalidations: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/threads' && r.method() === 'GET')
        revalidations.push(r.headers()['if-none-match']);
    });
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-sanctions[data-status=proposed]', WAIT);
    await atLeast(page, 'liveAttempts', 2);

    // Act
    const posted = await suite.s.call('POST', '/threads/sanctions/updates', {
      body: { status: 'adopted', summary: 'The 17th package was adopted.' },
    });
    expect(posted.status).toBe(201);

    // Assess
    await page.waitForSelector('#thread-sanctions[data-status=adopted]', WAIT);
    expect(await liveState(page)).toBe('polling');
    expect(sockets).toBeGreaterThanOrEqual(2); // reconnected after the first refusal
    // Polling revalidates with the ETag it holds: every list read after the first is conditional.
    expect(revalidations[0]).toBeUndefined();
    expect(revalidations.length).toBeGreaterThanOrEqual(2);
    for (const tag of revalidations.slice(1)) expect(tag).toMatch(/^"/);
    expect(problems).toEqual([]);
  });

  it('subscribes to the scenario with the token in the URL, and refreshes what an event touches', async () => {
    // Prepare: a socket that speaks the protocol; polling so slow that only the event can explain a change
    const urls: string[] = [];
    const sent: unknown[] = [];
    let socket: WebSocketRoute | undefined;
    const { page, context } = await openDesk(suite.browser, suite.s.url, '?poll=3600', undefined, (p) =>
      p.routeWebSocket(/\/live\?/, (ws) => {
        urls.push(ws.url());
        socket = ws;
        ws.onMessage((m) => {
          const data = JSON.parse(String(m));
          sent.push(data);
          if (data.action === 'subscribe')
            ws.send(JSON.stringify({ type: 'Subscribed', scenario: data.scenario }));
        });
      }),
    );
    suite.contexts.push(context);
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForSelector('#thread-ceasefire[data-status=rejected]', WAIT);
    await page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);
    // The first read, and the revalidation the subscription asks for (what was written before it).
    await atLeast(page, 'pollCount', 2);
    const polls = Number(await page.evaluate(() => document.body.dataset.pollCount));

    // Act: a write over HTTP, then its event on the socket
    const posted = await suite.s.call('POST', '/threads/ceasefire/updates', {
      body: { status: 'negotiating', summary: 'Talks resumed.' },
    });
    expect(posted.status).toBe(201);
    socket!.send(
      JSON.stringify({
        id: 'evt-1',
        type: 'UpdatePosted',
        time: new Date().toISOString(),
        scenario: 'russia-ukraine-talks',
        threadId: 'ceasefire',
        updateId: posted.body.update.id,
        status: 'negotiating',
      }),
    );

    // Assess
    await page.waitForSelector('#thread-ceasefire[data-status=negotiating]', WAIT);
    expect(new URL(urls[0]!).pathname).toBe('/live');
    expect(new URL(urls[0]!).searchParams.get('token')).toBe(suite.s.tokens.reader);
    expect(sent[0]).toEqual({ action: 'subscribe', scenario: 'russia-ukraine-talks' });
    // One revalidation, the event's: the card can show the change a moment before the count moves.
    await atLeast(page, 'pollCount', polls + 1);
    expect(Number(await page.evaluate(() => document.body.dataset.pollCount))).toBe(polls + 1);
  });

  it('refreshes a card on ThreadChanged (contract 1.2): a title changed elsewhere shows at once', async () => {
    // Prepare: a socket that speaks the protocol; polling so slow that only the event can explain a change
    let socket: WebSocketRoute | undefined;
    const { page, context } = await openDesk(suite.browser, suite.s.url, '?poll=3600', undefined, (p) =>
      p.routeWebSocket(/\/live\?/, (ws) => {
        socket = ws;
        ws.onMessage((m) => {
          const data = JSON.parse(String(m));
          if (data.action === 'subscribe')
            ws.send(JSON.stringify({ type: 'Subscribed', scenario: data.scenario }));
        });
      }),
    );
    suite.contexts.push(context);
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);
    // The first read and the subscription's revalidation are done: only the event can bring the title.
    await atLeast(page, 'pollCount', 2);
    // Act: a PATCH over HTTP, then its event on the socket
    const patched = await suite.s.call('PATCH', '/threads/sanctions', {
      body: { title: 'EU sanctions: the 18th package' },
    });
    expect(patched.status).toBe(200);
    socket!.send(
      JSON.stringify({
        id: 'evt-changed',
        type: 'ThreadChanged',
        time: new Date().toISOString(),
        scenario: 'russia-ukraine-talks',
        threadId: 'sanctions',
        changes: ['title'],
        version: patched.body.version,
      }),
    );
    // Assess
    await page.waitForFunction(
      () =>
        document.getElementById('thread-sanctions-title')?.textContent === 'EU sanctions: the 18th package',
      undefined,
      WAIT,
    );
  });

  it('polls while a dropped socket is down and goes live again when it reconnects', async () => {
    // Prepare: the first socket subscribes and later drops; the next ones subscribe and stay
    let count = 0;
    let first: WebSocketRoute | undefined;
    const { page, context } = await openDesk(
      suite.browser,
      suite.s.url,
      '?poll=0.2&backoff=0.05',
      undefined,
      (p) =>
        p.routeWebSocket(/\/live\?/, (ws) => {
          count += 1;
          if (count === 1) first = ws;
          ws.onMessage((m) => {
            if (JSON.parse(String(m)).action === 'subscribe') ws.send(JSON.stringify({ type: 'Subscribed' }));
          });
        }),
    );
    suite.contexts.push(context);
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);

    // Act
    await first!.close({ code: 1001, reason: 'going away' });
    await atLeast(page, 'liveAttempts', 2);
    await page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);

    // Assess: the board is rendered (on a loaded machine its first poll may still be under way)
    expect(count).toBeGreaterThanOrEqual(2);
    await page.waitForFunction(() => document.querySelectorAll('#threads > li').length > 0, undefined, WAIT);
    expect(await page.$$('#threads > li')).toHaveLength(4);
  });
  it('keeps a live socket open with the protocol’s ping every 5 minutes, and takes its Pong as no news', async () => {
    // Prepare: the page's clock under the test's control; a socket that answers pings
    const sent: { action?: string }[] = [];
    const { page, context } = await openDesk(
      suite.browser,
      suite.s.url,
      '?poll=3600',
      undefined,
      async (p) => {
        await p.clock.install();
        // When the page went live, on its own clock: the keepalive is scheduled in that same task.
        await p.addInitScript(() => {
          new MutationObserver(() => {
            const w = window as unknown as { liveAt?: number };
            if (document.body?.dataset.liveState === 'live' && w.liveAt === undefined) w.liveAt = Date.now();
          }).observe(document, { attributes: true, subtree: true });
        });
        await p.routeWebSocket(/\/live\?/, (ws) => {
          ws.onMessage((m) => {
            const data = JSON.parse(String(m));
            sent.push(data);
            if (data.action === 'subscribe') ws.send(JSON.stringify({ type: 'Subscribed' }));
            if (data.action === 'ping') ws.send(JSON.stringify({ type: 'Pong' }));
          });
        });
      },
    );
    suite.contexts.push(context);
    await enterToken(page, suite.s.tokens.reader);
    await page.waitForFunction(() => document.body.dataset.liveState === 'live', undefined, WAIT);
    await atLeast(page, 'pollCount', 2);
    const polls = Number(await page.evaluate(() => document.body.dataset.pollCount));

    // Act: stop the page's clock a second before the first ping is due (real time keeps running
    // while the test waits, so the clock is moved relative to when the page went live, then paused)
    const liveAt = Number(await page.evaluate(() => (window as unknown as { liveAt?: number }).liveAt));
    expect(Number.isFinite(liveAt)).toBe(true);
    await page.clock.pauseAt(liveAt + 4 * 60_000 + 59_000);
    const beforeDue = pings(sent);
    await page.clock.runFor('00:02');
    await until(() => pings(sent) >= 1);
    await page.clock.runFor('05:00');
    await until(() => pings(sent) >= 2);

    // Assess: one ping per 5 minutes, and the Pongs caused no revalidation
    expect(beforeDue).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.liveState)).toBe('live');
    expect(Number(await page.evaluate(() => document.body.dataset.pollCount))).toBe(polls);
    expect(sent.filter((m) => m.action === 'ping').length).toBe(2);
  });
});
