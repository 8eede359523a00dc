import type { Page } from 'playwright-core';
import { deskSuite, enterToken, openDesk, WAIT } from '../support/desk';

/**
 * Drafts on the desk (contract 1.2 "Drafts"), in headless Chromium against the local server: a
 * status change posted as a draft leaves the board as it was and waits in the scenario's drafts
 * queue, where an editor publishes or discards it. The server's own editor token may self-publish;
 * `desk-b`, made here, may not.
 */

jest.setTimeout(120_000);

let deskB = '';
const suite = deskSuite(
  async (s) => {
    deskB = (await s.call('POST', '/tokens', { role: 'admin', body: { name: 'desk-b', role: 'editor' } }))
      .body.token;
  },
  { notifications: false },
);

async function thread(id: string): Promise<void> {
  const r = await suite.s.call('POST', '/threads', {
    body: {
      id,
      scenario: 'russia-ukraine-talks',
      kind: 'ceasefire',
      title: `Thread ${id}`,
      status: 'proposed',
      summary: 'First report.',
      occurredAt: '2025-06-01',
    },
  });
  expect(r.status).toBe(201);
}

async function desk(token: string): Promise<{ page: Page; problems: string[] }> {
  const { page, context, problems } = await openDesk(suite.browser, suite.s.url, '?live=off');
  suite.contexts.push(context);
  await enterToken(page, token);
  await page.waitForSelector('#new-thread', WAIT);
  return { page, problems };
}

const draftsOf = async (threadId: string) =>
  (await suite.s.call('GET', `/threads/${threadId}/updates?drafts=true`)).body.items as { id: string }[];

describe('drafts on the desk', () => {
  it('posts a status change as a draft, which leaves the card as it was until it is published from the queue', async () => {
    // Prepare
    await thread('desk-draft');
    const { page, problems } = await desk(suite.s.tokens.editor);
    await page.waitForSelector('#thread-desk-draft', WAIT);
    await page.click('#thread-desk-draft [data-action=post]');
    await page.waitForSelector('form[data-form=post] button[type=submit]:not([disabled])', WAIT);
    // Act: draft it
    await page.selectOption('#field-status', 'agreed');
    await page.check('#field-draft');
    await page.fill('#field-summary', 'A wire says the truce was agreed.');
    await page.click('form[data-form=post] button[type=submit]');
    await page.waitForSelector('dialog.editor', { state: 'detached', ...WAIT });
    await page.waitForSelector('#drafts [data-thread=desk-draft]', WAIT);
    // Assess: drafted, the card unchanged
    expect(await page.textContent('#note')).toBe(
      'Drafted for “Thread desk-draft”: Agreed, waiting for a second editor.',
    );
    expect(await page.getAttribute('#thread-desk-draft', 'data-status')).toBe('proposed');
    expect(await draftsOf('desk-draft')).toHaveLength(1);
    // Act: publish it (this token may self-publish)
    await page.click('#drafts [data-thread=desk-draft] [data-action=publish]');
    await page.waitForSelector('#thread-desk-draft[data-status=agreed]', WAIT);
    // Assess: published, the queue empty
    await page.waitForSelector('#drafts', { state: 'detached', ...WAIT });
    expect(await page.textContent('#note')).toBe('Published to “Thread desk-draft”: Agreed.');
    const view = (await suite.s.call('GET', '/threads/desk-draft', { role: 'reader' })).body;
    expect(view.status).toBe('agreed');
    expect(await draftsOf('desk-draft')).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('discards a draft from the queue', async () => {
    // Prepare
    await thread('desk-discard');
    const drafted = await suite.s.call('POST', '/threads/desk-discard/updates', {
      body: { status: 'violated', summary: 'Unconfirmed.', draft: true },
    });
    const { page, problems } = await desk(suite.s.tokens.editor);
    await page.waitForSelector(`#draft-${drafted.body.update.id}`, WAIT);
    // Act
    await page.click(`#draft-${drafted.body.update.id} [data-action=discard]`);
    await page.waitForSelector(`#draft-${drafted.body.update.id}`, { state: 'detached', ...WAIT });
    // Assess
    expect(await page.textContent('#note')).toBe('Discarded the draft for “Thread desk-discard”.');
    expect(await draftsOf('desk-discard')).toEqual([]);
    expect(await page.getAttribute('#thread-desk-discard', 'data-status')).toBe('proposed');
    expect(problems).toEqual([]);
  });

  it('says so when an editor tries to publish their own draft', async () => {
    // Prepare
    await thread('desk-same');
    const drafted = await suite.s.call('POST', '/threads/desk-same/updates', {
      role: null,
      headers: { Authorization: `Bearer ${deskB}` },
      body: { status: 'agreed', summary: 'Mine.', draft: true },
    });
    const { page } = await desk(deskB);
    await page.waitForSelector(`#draft-${drafted.body.update.id}`, WAIT);
    // Act
    await page.click(`#draft-${drafted.body.update.id} [data-action=publish]`);
    await page.waitForSelector('#drafts .notice', WAIT);
    // Assess
    expect(await page.textContent('#drafts .notice')).toBe(
      'You drafted this one: another editor publishes it (403 same_editor).',
    );
    expect(await draftsOf('desk-same')).toHaveLength(1);
  });
});
