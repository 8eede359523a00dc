import type { Page, Request } from 'playwright-core';
import { deskSuite, enterToken, openDesk, seriousViolations, WAIT } from '../support/desk';

/**
 * Every write an editor makes from the desk, in headless Chromium against the local server: each
 * form's request (If-Match, a fresh Idempotency-Key), what the API then holds, and what the page
 * shows. The seeded scenario, and threads each test makes for itself in a scenario of its own.
 */

// A browser test does several page loads; on a loaded shared machine each may take seconds.
jest.setTimeout(120_000);

const suite = deskSuite(undefined, { notifications: false });

/**
 * The scenario of the test under way, where its threads go and its desk opens: its board holds only
 * them. (On a board of every thread the file has made, each card reads its latest updates as the page
 * loads, and a form's own read of its thread waits behind them all.)
 */
let scenario = '';
let tests = 0;
beforeEach(() => {
  tests += 1;
  scenario = `editor-desk-${tests}`;
});

/** A thread of its own for a test, in the test's scenario unless said otherwise. */
async function thread(id: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await suite.s.call('POST', '/threads', {
    body: {
      id,
      scenario,
      kind: 'ceasefire',
      title: `Thread ${id}`,
      status: 'proposed',
      summary: 'First report.',
      occurredAt: '2025-06-01',
      ...extra,
    },
  });
  expect(r.status).toBe(201);
}

interface Desk {
  page: Page;
  problems: string[];
  /** The writes the page sent (method, path, If-Match, Idempotency-Key, body). */
  writes: { method: string; path: string; ifMatch?: string; key?: string; body: any }[];
}

/** An editor's desk: the test's own scenario unless `query` names another. */
async function editorDesk(query = `?live=off&scenario=${scenario}`): Promise<Desk> {
  const { page, context, problems } = await openDesk(suite.browser, suite.s.url, query);
  suite.contexts.push(context);
  const writes: Desk['writes'] = [];
  page.on('request', (r: Request) => {
    const body = r.postData();
    if (r.method() === 'GET' || !body || body === '{}') return; // the role probe posts {}
    const headers = r.headers();
    writes.push({
      method: r.method(),
      path: new URL(r.url()).pathname,
      ifMatch: headers['if-match'],
      key: headers['idempotency-key'],
      body: JSON.parse(body),
    });
  });
  await enterToken(page, suite.s.tokens.editor);
  await page.waitForSelector('#new-thread', WAIT);
  return { page, problems, writes };
}

/** Open a card's form; it is ready once it has read the thread (its ETag). */
async function openForm(page: Page, id: string, action: string): Promise<void> {
  await page.waitForSelector(`#thread-${id}`, WAIT);
  await page.click(`#thread-${id} [data-action=${action}]`);
  await page.waitForSelector(
    `dialog.editor[open] form[data-form=${action}] button[type=submit]:not([disabled])`,
    WAIT,
  );
}

async function openHistory(page: Page, id: string): Promise<void> {
  await page.click(`#thread-${id} button.button--timeline`);
  await page.waitForSelector(`#timeline-${id} li.update`, WAIT);
}

const submit = (page: Page, form: string) => page.click(`form[data-form=${form}] button[type=submit]`);
const dialogClosed = (page: Page) => page.waitForSelector('dialog.editor', { state: 'detached', ...WAIT });
const etagOf = async (id: string) =>
  (await suite.s.call('GET', `/threads/${id}`, { role: 'reader' })).headers.get('etag');

describe('the desk for an editor', () => {
  it('creates a thread with a month-precision date, a source and a quote, and shows it on the board', async () => {
    // Prepare: the seeded scenario's board
    const { page, problems, writes } = await editorDesk('?live=off');

    // Act
    await page.click('#new-thread');
    await page.waitForSelector('form[data-form=create]', WAIT);
    await page.fill('#field-title', 'Energy infrastructure truce');
    await page.fill('#field-id', 'energy-truce');
    await page.selectOption('#field-kind', 'ceasefire');
    await page.selectOption('#field-status', 'proposed');
    await page.fill('#field-summary', 'A truce on strikes against energy infrastructure was proposed.');
    await page.selectOption('#field-occurredAt-precision', 'month');
    await page.fill('#field-occurredAt', '2025-03');
    await page.click('[data-add=source]');
    await page.fill('#field-sources-0-url', 'https://example.org/energy');
    await page.fill('#field-sources-0-publisher', 'Example Wire');
    await page.click('[data-add=quote]');
    await page.fill('#field-quotes-0-speaker', 'A spokesperson');
    await page.fill('#field-quotes-0-text', 'We are ready.');
    await submit(page, 'create');
    await dialogClosed(page);
    await page.waitForSelector('#thread-energy-truce[data-status=proposed]', WAIT);

    // Assess
    const stored = (await suite.s.call('GET', '/threads/energy-truce', { role: 'reader' })).body;
    expect(stored).toMatchObject({
      scenario: 'russia-ukraine-talks',
      kind: 'ceasefire',
      title: 'Energy infrastructure truce',
      statusSince: '2025-03-01T00:00:00.000Z',
      statusSincePrecision: 'month',
    });
    expect(await page.textContent('#thread-energy-truce .card__since time')).toBe('Mar 2025');
    expect(await page.textContent('#note')).toBe('Created “Energy infrastructure truce”.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-thread'); // focus back where it was
    const create = writes.find((w) => w.path === '/threads')!;
    expect(create.key).toMatch(/^desk-[0-9a-f-]{36}$/);
    expect(create.body).toEqual({
      id: 'energy-truce',
      scenario: 'russia-ukraine-talks',
      kind: 'ceasefire',
      title: 'Energy infrastructure truce',
      status: 'proposed',
      summary: 'A truce on strikes against energy infrastructure was proposed.',
      occurredAt: '2025-03',
      sources: [{ url: 'https://example.org/energy', publisher: 'Example Wire' }],
      quotes: [{ speaker: 'A spokesperson', text: 'We are ready.' }],
    });
    expect(problems).toEqual([]);
  });

  it('asks before creating a thread in a scenario that does not exist, and creates both on the second submit', async () => {
    // Prepare: the board of a scenario nobody has made
    const { page, problems } = await editorDesk('?scenario=not-made-yet&live=off');

    // Act
    await page.click('#new-thread');
    await page.waitForSelector('form[data-form=create]', WAIT);
    await page.fill('#field-title', 'First of its scenario');
    await page.fill('#field-id', 'first-of-its-scenario');
    await page.selectOption('#field-kind', 'other');
    await page.selectOption('#field-status', 'active');
    await page.fill('#field-summary', 'Opened.');
    await submit(page, 'create');
    await page.waitForSelector('form[data-form=create] [data-ask=new-scenario]', WAIT);
    const asked = await page.textContent('form[data-form=create] [data-ask=new-scenario]');
    const before = await suite.s.call('GET', '/scenarios/not-made-yet', { role: 'reader' });
    await submit(page, 'create');
    await dialogClosed(page);
    await page.waitForSelector('#thread-first-of-its-scenario', WAIT);

    // Assess
    expect(asked).toContain('There is no scenario “not-made-yet” yet.');
    expect(before.status).toBe(404);
    expect((await suite.s.call('GET', '/scenarios/not-made-yet', { role: 'reader' })).status).toBe(200);
    expect(problems).toEqual([]);
  });

  it('offers only the statuses GET /kinds gives for the thread’s kind', async () => {
    // Prepare
    await thread('kinds-check', { kind: 'summit', status: 'announced' });
    const kinds = (await suite.s.call('GET', '/kinds', { role: 'reader' })).body.items as {
      kind: string;
      statuses: { name: string }[];
    }[];
    const { page } = await editorDesk();

    // Act
    await openForm(page, 'kinds-check', 'post');

    // Assess
    const offered = await page.$$eval('#field-status option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(offered).toEqual(['', ...kinds.find((k) => k.kind === 'summit')!.statuses.map((st) => st.name)]);
  });

  it('posts an update at each precision, with If-Match and a new Idempotency-Key each time, and shows each date at its precision', async () => {
    // Prepare
    await thread('precisions');
    const { page, writes } = await editorDesk();
    const cases = [
      {
        precision: 'instant',
        input: '2025-06-03T10:30',
        sent: '2025-06-03T10:30:00.000Z',
        shown: /^3 Jun 2025, 10:30/,
      },
      { precision: 'day', input: '2025-06-04', sent: '2025-06-04', shown: /^4 Jun 2025$/ },
      { precision: 'month', input: '2025-07', sent: '2025-07', shown: /^Jul 2025$/ },
      { precision: 'year', input: '2024', sent: '2024', shown: /^2024$/ },
    ];

    // Act
    for (const [i, c] of cases.entries()) {
      const etag = await etagOf('precisions');
      await openForm(page, 'precisions', 'post');
      await page.waitForSelector('form[data-form=post] .editor__now', WAIT);
      await page.selectOption('#field-status', i % 2 ? 'negotiating' : 'agreed');
      await page.fill('#field-summary', `Update at ${c.precision} precision.`);
      await page.selectOption('#field-occurredAt-precision', c.precision);
      await page.fill('#field-occurredAt', c.input);
      await submit(page, 'post');
      await dialogClosed(page);
      await page.waitForSelector(`#thread-precisions[data-version="${i + 2}"]`, WAIT);
      const sent = writes.filter((w) => w.path === '/threads/precisions/updates').at(-1)!;
      // Assess (each request)
      expect(sent.ifMatch).toBe(etag);
      expect(sent.body.occurredAt).toBe(c.sent);
    }
    await openHistory(page, 'precisions');

    // Assess
    const keys = writes.filter((w) => w.path === '/threads/precisions/updates').map((w) => w.key);
    expect(new Set(keys).size).toBe(4);
    const shown = await page.$$eval('#timeline-precisions li.update', (lis) =>
      lis.map((li) => [
        li.querySelector('.update__summary')?.textContent,
        li.querySelector('.update__occurred')?.textContent,
      ]),
    );
    for (const c of cases) {
      const row = shown.find(([summary]) => summary === `Update at ${c.precision} precision.`)!;
      expect(row[1]).toMatch(c.shown);
    }
    const updates = (await suite.s.call('GET', '/threads/precisions/updates', { role: 'reader' })).body.items;
    expect(updates.map((u: any) => u.occurredPrecision).sort()).toEqual([
      'day',
      'day',
      'instant',
      'month',
      'year',
    ]);
  });

  it('shows the contract’s field errors at the fields they name, and clears them once the post succeeds', async () => {
    // Prepare
    await thread('field-errors');
    const { page } = await editorDesk();
    await openForm(page, 'field-errors', 'post');
    await page.waitForSelector('form[data-form=post] .editor__now', WAIT);

    // Act: no summary, a source that is not http(s)
    await page.fill('#field-sources-0-url', 'ftp://example.org/file');
    await submit(page, 'post');
    await page.waitForSelector('[data-path=summary] .field__error', WAIT);

    // Assess
    expect(await page.textContent('[data-path=summary] .field__error')).toBeTruthy();
    expect(await page.getAttribute('#field-summary', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#field-summary', 'aria-describedby')).toBe('field-summary-error');
    expect(await page.textContent('[data-path="sources[0].url"] .field__error')).toMatch(/http/);
    expect(await page.getAttribute('#field-sources-0-url', 'aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);

    // Act again: corrected
    await page.fill('#field-summary', 'Corrected.');
    await page.fill('#field-sources-0-url', 'https://example.org/file');
    await submit(page, 'post');
    await dialogClosed(page);

    // Assess
    expect((await suite.s.call('GET', '/threads/field-errors', { role: 'reader' })).body.summary).toBe(
      'Corrected.',
    );
  });

  it('says plainly when someone else changed the thread first (412), and saves after a reload with a new key', async () => {
    // Prepare: the form has read the thread's ETag
    await thread('conflict');
    const { page, writes } = await editorDesk();
    await openForm(page, 'conflict', 'post');
    await page.waitForSelector('form[data-form=post] .editor__now', WAIT);
    await page.fill('#field-summary', 'My report.');

    // Act: another editor posts over HTTP between load and submit
    expect(
      (
        await suite.s.call('POST', '/threads/conflict/updates', {
          body: { summary: 'Their report.', status: 'negotiating' },
        })
      ).status,
    ).toBe(201);
    await submit(page, 'post');
    await page.waitForSelector('.notice--conflict', WAIT);

    // Assess
    expect(await page.textContent('.notice--conflict')).toMatch(
      /Someone else changed this thread first\..*Nothing was saved/,
    );
    expect(
      (await suite.s.call('GET', '/threads/conflict/updates', { role: 'reader' })).body.items,
    ).toHaveLength(2);
    expect(await page.inputValue('#field-summary')).toBe('My report.');

    // Act again: reload, then submit
    await page.click('.notice--conflict [data-action=reload]');
    await page.waitForSelector('form[data-form=post] .editor__now >> text=Negotiating', WAIT);
    const reloaded = await etagOf('conflict');
    await submit(page, 'post');
    await dialogClosed(page);

    // Assess
    const tries = writes.filter((w) => w.path === '/threads/conflict/updates');
    expect(tries).toHaveLength(2);
    expect(tries[0]!.key).not.toBe(tries[1]!.key);
    expect(tries[0]!.ifMatch).not.toBe(reloaded);
    expect(tries[1]!.ifMatch).toBe(reloaded);
    expect((await suite.s.call('GET', '/threads/conflict', { role: 'reader' })).body.summary).toBe(
      'My report.',
    );
  });

  it('amends an update’s wording and shows the new wording with its amendment count', async () => {
    // Prepare
    await thread('amend-me');
    const { page, writes } = await editorDesk();
    await openHistory(page, 'amend-me');

    // Act
    await page.click('#timeline-amend-me li.update [data-action=amend]');
    await page.waitForSelector('form[data-form=amend]', WAIT);
    await page.fill('#field-summary', 'First report, with the right wording.');
    await submit(page, 'amend');
    await dialogClosed(page);
    await page.waitForFunction(
      () =>
        document.querySelector('#timeline-amend-me li.update .update__summary')?.textContent ===
        'First report, with the right wording.',
      undefined,
      WAIT,
    );

    // Assess
    const [update] = (await suite.s.call('GET', '/threads/amend-me/updates', { role: 'reader' })).body.items;
    expect(update).toMatchObject({ summary: 'First report, with the right wording.', revisionCount: 1 });
    const sent = writes.find((w) => w.method === 'PATCH')!;
    expect(sent.path).toBe(`/threads/amend-me/updates/${update.id}`);
    expect(sent.ifMatch).toMatch(/^"/);
    expect(await page.textContent('#timeline-amend-me li.update .update__meta')).toMatch(/Amended1 time/);
  });

  it('retracts an update with a reason and shows it struck through, the thread recomputed', async () => {
    // Prepare
    await thread('retract-me');
    expect(
      (
        await suite.s.call('POST', '/threads/retract-me/updates', {
          body: { status: 'collapsed', summary: 'Mistaken: collapse reported.', occurredAt: '2025-06-05' },
        })
      ).status,
    ).toBe(201);
    const { page } = await editorDesk();
    await page.waitForSelector('#thread-retract-me[data-status=collapsed]', WAIT);
    await openHistory(page, 'retract-me');

    // Act
    await page.click('#timeline-retract-me li.update:first-child [data-action=retract]');
    await page.waitForSelector('form[data-form=retract]', WAIT);
    await page.fill('#field-reason', 'The source confused two fronts.');
    await submit(page, 'retract');
    await dialogClosed(page);

    // Assess
    await page.waitForSelector('#thread-retract-me[data-status=proposed]', WAIT);
    await page.waitForSelector('#timeline-retract-me li.update--retracted .update__reason', WAIT);
    expect(await page.textContent('#timeline-retract-me li.update--retracted .update__summary s')).toBe(
      'Mistaken: collapse reported.',
    );
    expect(await page.textContent('#timeline-retract-me .update__reason')).toBe(
      'The source confused two fronts.',
    );
    expect(await page.$$('#timeline-retract-me li.update--retracted [data-action]')).toHaveLength(0);
  });

  it('sets what is expected (a day) and clears it again', async () => {
    // Prepare
    await thread('expect-me');
    const { page, writes } = await editorDesk();

    // Act
    await openForm(page, 'expect-me', 'expected');
    await page.fill('#field-expected-what', 'Talks resume in Geneva');
    await page.selectOption('#field-expected-at-precision', 'day');
    await page.fill('#field-expected-at', '2030-01-15');
    await submit(page, 'expected');
    await dialogClosed(page);
    await page.waitForSelector('#thread-expect-me .card__expected', WAIT);
    const shown = await page.textContent('#thread-expect-me .card__expected');
    await openForm(page, 'expect-me', 'expected');
    await page.waitForSelector('[data-action=clear-expected]', WAIT);
    await page.click('[data-action=clear-expected]');
    await dialogClosed(page);
    await page.waitForSelector('#thread-expect-me .card__expected', { state: 'detached', ...WAIT });

    // Assess
    expect(shown).toBe('Expected: Talks resume in Geneva, by 15 Jan 2030');
    expect(writes.filter((w) => w.path === '/threads/expect-me').map((w) => w.body)).toEqual([
      { expected: { what: 'Talks resume in Geneva', at: '2030-01-15' } },
      { expected: null },
    ]);
    expect((await suite.s.call('GET', '/threads/expect-me', { role: 'reader' })).body.expected).toBeNull();
  });

  it('archives a thread off the board, shows it with “Include archived”, and brings it back', async () => {
    // Prepare
    await thread('archive-me');
    const { page } = await editorDesk();

    // Act
    await openForm(page, 'archive-me', 'archive');
    await submit(page, 'archive');
    await dialogClosed(page);
    await page.waitForSelector('#thread-archive-me', { state: 'detached', ...WAIT });
    const archived = (await suite.s.call('GET', '/threads/archive-me', { role: 'reader' })).body.archived;
    await page.check('.board-bar input[type=checkbox]');
    await page.waitForSelector('#thread-archive-me .badge--archived', WAIT);
    await openForm(page, 'archive-me', 'archive');
    await submit(page, 'archive');
    await dialogClosed(page);
    await page.waitForSelector('#thread-archive-me:not(.card--archived)', WAIT);

    // Assess
    expect(archived).toBe(true);
    expect((await suite.s.call('GET', '/threads/archive-me', { role: 'reader' })).body.archived).toBe(false);
  });

  it('moves a thread under a parent, and then to another scenario', async () => {
    // Prepare
    await thread('move-parent', { title: 'Parent thread' });
    await thread('move-me');
    const { page } = await editorDesk();

    // Act: under a parent
    await openForm(page, 'move-me', 'move');
    await page.selectOption('#field-parent', 'move-parent');
    await submit(page, 'move');
    await dialogClosed(page);
    await page.waitForSelector('#thread-move-me .card__parent', WAIT);
    const parented = (await suite.s.call('GET', '/threads/move-me', { role: 'reader' })).body.parent;

    // Act again: detach and move to another scenario (the API wants a thread with no parent to move)
    await openForm(page, 'move-me', 'move');
    await page.selectOption('#field-parent', '');
    await page.fill('#field-scenario', 'moved-elsewhere');
    await submit(page, 'move');
    // An unknown scenario: asked first, nothing moved yet; the second submit goes ahead
    await page.waitForSelector('form[data-form=move] [data-ask=new-scenario]', WAIT);
    const asked = await page.textContent('form[data-form=move] [data-ask=new-scenario]');
    const beforeConfirm = (await suite.s.call('GET', '/threads/move-me', { role: 'reader' })).body.scenario;
    await submit(page, 'move');
    await dialogClosed(page);
    await page.waitForSelector('#thread-move-me', { state: 'detached', ...WAIT });
    await page.waitForSelector('#scenario-switcher option[value="moved-elsewhere"]', {
      state: 'attached',
      ...WAIT,
    });
    await page.selectOption('#scenario-switcher', 'moved-elsewhere');
    await page.waitForSelector('#thread-move-me', WAIT);

    // Assess
    expect(parented).toBe('move-parent');
    expect(asked).toContain('There is no scenario “moved-elsewhere” yet.');
    expect(beforeConfirm).toBe(scenario);
    expect((await suite.s.call('GET', '/threads/move-me', { role: 'reader' })).body).toMatchObject({
      scenario: 'moved-elsewhere',
      parent: null,
    });
  });

  it('shows a refused move (invalid_parent) at the parent field', async () => {
    // Prepare: a parent that has a parent itself cannot be one
    await thread('grand', { title: 'Grand' });
    await thread('child-of-grand', { parent: 'grand' });
    await thread('would-be-child');
    const { page } = await editorDesk();

    // Act
    await openForm(page, 'would-be-child', 'move');
    await page.evaluate(() => {
      // The form offers only threads without a parent; a stale list can still offer one.
      const select = document.getElementById('field-parent') as HTMLSelectElement;
      const option = document.createElement('option');
      option.value = 'child-of-grand';
      option.textContent = 'child-of-grand';
      select.append(option);
    });
    await page.selectOption('#field-parent', 'child-of-grand');
    await submit(page, 'move');
    await page.waitForSelector('[data-path=parent] .field__error', WAIT);

    // Assess
    expect(await page.getAttribute('#field-parent', 'aria-invalid')).toBe('true');
    expect((await suite.s.call('GET', '/threads/would-be-child', { role: 'reader' })).body.parent).toBeNull();
  });

  it('has no serious or critical accessibility violation on the desk and the editor’s form', async () => {
    // Prepare: the seeded scenario's board
    const { page } = await editorDesk('?live=off');
    await page.waitForSelector('#thread-ceasefire .card__actions', WAIT);
    const onDesk = await seriousViolations(page);

    // Act
    await openForm(page, 'ceasefire', 'post');
    await page.waitForSelector('form[data-form=post] .editor__now', WAIT);
    await page.click('[data-add=quote]');

    // Assess
    expect(onDesk).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
