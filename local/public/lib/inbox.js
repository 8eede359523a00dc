// @ts-check
/**
 * The news inbox of a scenario (contract 1.2 "Sources and the news inbox"), for editors: the new
 * items, newest first (GET /inbox?scenario=), each with its outlet, its duplicates, the threads it
 * was matched to and the suggested status and date. Per match, "Accept" posts it with one click
 * (POST /inbox/{id}/accept with that thread and the API's defaults) and "Edit…" opens the usual
 * update form prefilled; "Dismiss…" asks for an optional reason. New items arrive through the live
 * socket (InboxItemArrived) or the page's polling: `tick` moves and the list is revalidated by ETag.
 */
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { ApiError, enc, idempotencyKey } from './api.js';
import { label, safeHttpUrl, StatusBadge, When } from './board.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {import('./api.js').InboxItem} InboxItem
 * @typedef {import('./api.js').InboxMatch} InboxMatch
 * @typedef {import('./board.js').Vocabulary} Vocabulary
 * @typedef {import('./board.js').EditorAction} EditorAction
 */

/** What the desk says when an item was decided first by someone else (409 already_decided). */
export const DECIDED =
  'Someone already decided this item (409 already_decided): it was accepted or dismissed elsewhere, and nothing was posted.';

/** The newest items shown at once; deciding them brings the older ones up. */
const PAGE = 50;

/**
 * @param {{ url: string }} props
 */
function Link({ url }) {
  const u = safeHttpUrl(url);
  return u
    ? html`<a href=${u.href} rel="noopener noreferrer" target="_blank">${u.hostname}${u.pathname.length > 1 ? u.pathname : ''}</a>`
    : html`<span>${url}</span>`;
}

/**
 * @param {{ api: Api, scenario: string, threads: Thread[], vocab: Vocabulary, tick: number,
 *   onEdit: (a: EditorAction) => void, onDone: (text: string) => void, onAuthError: (e: unknown) => void }} props
 */
export function InboxPanel({ api, scenario, threads, vocab, tick, onEdit, onDone, onAuthError }) {
  const [items, setItems] = useState(/** @type {InboxItem[] | null} */ (null));
  const [more, setMore] = useState(false);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState('');
  const held = useRef(
    /** @type {{ scenario: string, etag: string | null }} */ ({ scenario: '', etag: null }),
  );

  async function load() {
    const same = held.current.scenario === scenario;
    const r = await api.get(
      `/inbox?scenario=${enc(scenario)}&state=new&limit=${PAGE}`,
      same ? held.current.etag : null,
    );
    if (r.status === 304) return;
    held.current = { scenario, etag: r.etag };
    setItems((r.body && r.body.items) || []);
    setMore(Boolean(r.body && r.body.nextToken));
  }

  useEffect(() => {
    let live = true;
    if (held.current.scenario !== scenario) setItems(null);
    load().catch((e) => {
      if (!live) return;
      onAuthError(e);
      setMessage(e instanceof Error ? e.message : String(e));
    });
    return () => {
      live = false;
    };
  }, [scenario, tick]);

  /** @param {InboxItem} item @param {InboxMatch} match */
  async function accept(item, match) {
    if (busy) return;
    setBusy(item.id);
    setMessage('');
    try {
      const r = await api.send(
        'POST',
        `/inbox/${enc(item.id)}/accept`,
        { threadId: match.threadId },
        { key: idempotencyKey() },
      );
      const t = r.body.thread;
      onDone(
        `Accepted into “${t.title}”: ${r.body.update.status ? label(r.body.update.status) : 'a note'}, with the article as its source.`,
      );
    } catch (error) {
      onAuthError(error);
      setMessage(
        error instanceof ApiError && error.code === 'already_decided'
          ? DECIDED
          : error instanceof Error
            ? error.message
            : String(error),
      );
    } finally {
      setBusy('');
      await load().catch(() => undefined);
    }
  }

  /** @param {string} id */
  const titleOf = (id) => threads.find((t) => t.id === id)?.title || id;

  return html`<section id="inbox" class="inbox" aria-labelledby="inbox-heading" aria-busy=${items ? 'false' : 'true'}>
    <div class="board-bar">
      <h2 id="inbox-heading" class="board-bar__heading">Inbox</h2>
      <p class="inbox__count" id="inbox-count">${items ? `${items.length}${more ? '+' : ''} new ${items.length === 1 && !more ? 'item' : 'items'}` : ''}</p>
    </div>
    ${message ? html`<p id="inbox-message" class="notice" role="alert">${message}</p>` : null}
    ${items === null ? html`<p class="empty">Loading the inbox…</p>` : null}
    ${items && items.length === 0 ? html`<p id="inbox-empty" class="empty">Nothing new: every item has been decided.</p>` : null}
    <ul id="inbox-items" class="inbox__list">
      ${(items || []).map(
        (
          item,
        ) => html`<li key=${item.id} id=${`inbox-${item.id}`} class="inbox__item" data-item-id=${item.id}>
          <article aria-labelledby=${`inbox-${item.id}-title`}>
            <p class="inbox__meta">
              <span class="inbox__outlet" data-outlet=${item.outlet || ''}>${item.outlet || 'Unknown outlet'}</span>
              ${item.publishedAt ? html` · published <${When} iso=${item.publishedAt} />` : null}
              ${' · '}seen <${When} iso=${item.firstSeenAt} />
              ${item.language ? ` · ${item.language}` : null}
            </p>
            <h3 class="inbox__title" id=${`inbox-${item.id}-title`}>
              ${
                safeHttpUrl(item.url)
                  ? html`<a href=${safeHttpUrl(item.url)?.href} rel="noopener noreferrer" target="_blank">${item.title}</a>`
                  : item.title
              }
            </h3>
            ${item.summary ? html`<p class="inbox__summary">${item.summary}</p>` : null}
            ${
              item.duplicates.length
                ? html`<details class="inbox__duplicates" data-duplicates=${item.duplicates.length}>
                  <summary>${item.duplicates.length} ${item.duplicates.length === 1 ? 'duplicate' : 'duplicates'} (the same story elsewhere)</summary>
                  <ul>${item.duplicates.map((u) => html`<li><${Link} url=${u} /></li>`)}</ul>
                </details>`
                : null
            }
            ${
              item.matches.length
                ? html`<ul class="inbox__matches" aria-label="Matched threads">
                  ${item.matches.map(
                    (m) => html`<li class="inbox__match" data-thread=${m.threadId}>
                      <p class="inbox__match-head">
                        <strong>${titleOf(m.threadId)}</strong>
                        <span class="inbox__score"> (match ${Math.round(m.score * 100)}%)</span>
                      </p>
                      <p class="inbox__suggestion">
                        Suggested:${' '}
                        ${m.suggestedStatus ? html`<${StatusBadge} status=${m.suggestedStatus} vocab=${vocab} />` : html`<span class="badge badge--note">Note</span>`}
                        ${
                          m.suggestedOccurredAt
                            ? html` on <${When} iso=${m.suggestedOccurredAt} precision=${m.suggestedPrecision || 'day'} ago=${false} />`
                            : null
                        }
                      </p>
                      <div class="inbox__buttons">
                        <button type="button" class="button button--primary button--small" data-action="accept"
                          disabled=${busy !== ''} onClick=${() => accept(item, m)}
                          aria-label=${`Accept into ${titleOf(m.threadId)}`}>Accept</button>
                        <button type="button" class="button button--small" data-action="edit" disabled=${busy !== '' || !threads.some((t) => t.id === m.threadId)}
                          aria-label=${`Edit, then accept into ${titleOf(m.threadId)}`}
                          onClick=${() => onEdit({ type: 'accept', item, thread: threads.find((t) => t.id === m.threadId) })}>Edit…</button>
                      </div>
                    </li>`,
                  )}
                </ul>`
                : html`<p class="inbox__nomatch">Matched to no thread.</p>`
            }
            <div class="inbox__buttons">
              ${
                !item.matches.length && threads.length
                  ? html`<button type="button" class="button button--small" data-action="edit"
                    onClick=${() => onEdit({ type: 'accept', item, thread: threads[0] })}>Choose a thread…</button>`
                  : null
              }
              <button type="button" class="button button--quiet button--small" data-action="dismiss" disabled=${busy !== ''}
                onClick=${() => onEdit({ type: 'dismiss', item })}>Dismiss…</button>
            </div>
          </article>
        </li>`,
      )}
    </ul>
    ${more ? html`<p class="inbox__more">Showing the newest ${PAGE}; older items come up as these are decided.</p>` : null}
  </section>`;
}
