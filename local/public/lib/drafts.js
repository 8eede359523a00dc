// @ts-check
/**
 * The drafts queue of a scenario (contract 1.2 "Drafts: a second pair of eyes before a status
 * flips"), for editors: every waiting draft (GET /drafts?scenario=), newest first, each with
 * Publish (POST …/updates/{id}/publish: another editor's, unless the token may self-publish) and
 * Discard (DELETE …/updates/{id}). Drafts are never on the board: only here.
 */
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { ApiError, enc, idempotencyKey } from './api.js';
import { label } from './board.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {{ id: string, threadId: string, status: string | null, summary: string, recordedBy: string }} Draft
 */

/**
 * @param {{ api: Api, scenario: string, threads: Thread[], version: string, onDone: (text: string) => void }} props
 */
export function DraftsQueue({ api, scenario, threads, version, onDone }) {
  const [drafts, setDrafts] = useState(/** @type {Draft[] | null} */ (null));
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState('');

  async function load() {
    setDrafts(await api.all(`/drafts?scenario=${enc(scenario)}`));
  }
  useEffect(() => {
    load().catch((e) => setMessage(e instanceof Error ? e.message : String(e)));
  }, [scenario, version]);

  /**
   * @param {Draft} d
   * @param {'publish' | 'discard'} what
   */
  async function act(d, what) {
    if (busy) return;
    setBusy(d.id);
    setMessage('');
    const path = `/threads/${enc(d.threadId)}/updates/${enc(d.id)}`;
    try {
      if (what === 'publish') await api.send('POST', `${path}/publish`, undefined, { key: idempotencyKey() });
      else await api.send('DELETE', path, undefined);
      const title = titleOf(d);
      onDone(
        what === 'publish'
          ? `Published to “${title}”: ${d.status ? label(d.status) : 'a note'}.`
          : `Discarded the draft for “${title}”.`,
      );
      await load();
    } catch (error) {
      setMessage(
        error instanceof ApiError && error.code === 'same_editor'
          ? 'You drafted this one: another editor publishes it (403 same_editor).'
          : error instanceof Error
            ? error.message
            : String(error),
      );
      await load().catch(() => undefined);
    } finally {
      setBusy('');
    }
  }

  /** @param {Draft} d */
  const titleOf = (d) => threads.find((t) => t.id === d.threadId)?.title || d.threadId;

  if (!drafts || (drafts.length === 0 && !message)) return null;
  return html`<section id="drafts" class="drafts" aria-labelledby="drafts-heading">
    <h2 id="drafts-heading" class="board-bar__heading">Drafts waiting for a second editor</h2>
    ${message ? html`<p class="notice" role="alert">${message}</p>` : null}
    <ul class="drafts__list">
      ${drafts.map(
        (d) => html`<li id=${`draft-${d.id}`} class="drafts__item" data-thread=${d.threadId}>
          <p><strong>${titleOf(d)}</strong>: ${d.status ? label(d.status) : 'a note'} · drafted by ${d.recordedBy}</p>
          <p class="drafts__summary">${d.summary}</p>
          <div class="editor__buttons">
            <button type="button" class="button button--primary button--small" data-action="publish"
              disabled=${busy !== ''} onClick=${() => act(d, 'publish')}>Publish</button>
            <button type="button" class="button button--quiet button--small" data-action="discard"
              disabled=${busy !== ''} onClick=${() => act(d, 'discard')}>Discard</button>
          </div>
        </li>`,
      )}
    </ul>
  </section>`;
}
