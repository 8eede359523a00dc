// @ts-check
/**
 * The board: one card per thread (status, since when, stale and overdue badges, the latest
 * update's sources) and, on request, the thread's history. Everything the API returns reaches the
 * page as text through Preact (never as markup); links only for http(s) URLs.
 */
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { ApiError, enc } from './api.js';
import { atPrecision, relative, titleOf } from './dates.js';

/**
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {import('./api.js').Update} Update
 * @typedef {import('./api.js').Source} Source
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Precision} Precision
 * @typedef {{ tones: Record<string, string>, terminal: Set<string>, kindLabels: Record<string, string> }} Vocabulary
 * @typedef {import('./api.js').Claim} Claim
 * @typedef {import('./api.js').InboxItem} InboxItem
 * @typedef {{ type: string, thread?: Thread, update?: Update, item?: InboxItem }} EditorAction
 */

/**
 * Cards in order of latest news: the thread whose latest update was recorded last comes first (ties
 * by id, so the order is stable). A title change or a stale flag does not move a card.
 * @param {Thread[]} items
 */
export function byLatestActivity(items) {
  return [...items].sort(
    (a, b) =>
      (b.lastRecordedAt || '').localeCompare(a.lastRecordedAt || '') ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** @param {string} status */
export const label = (status) => {
  const s = String(status).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * A party as people write it: a short code in capitals (`us` → US, `eu` → EU), a name capitalised
 * (`russia` → Russia).
 * @param {string} party
 */
export const partyName = (party) =>
  party.length <= 3 ? party.toUpperCase() : label(party.replace(/-/g, ' '));

/**
 * A <time> at its precision; the title holds the exact value.
 * @param {{ iso: string | null | undefined, precision?: Precision, className?: string, ago?: boolean }} props
 */
export function When({ iso, precision = 'instant', className = 'when', ago = true }) {
  if (!iso) return html`<span class=${className}>—</span>`;
  const d = new Date(iso);
  const text = atPrecision(iso, precision);
  const exact = !precision || precision === 'instant';
  return html`<time class=${className} datetime=${Number.isNaN(d.getTime()) ? undefined : d.toISOString()}
    title=${titleOf(iso, precision)}>${exact && ago ? `${text} · ${relative(iso)}` : text}</time>`;
}

/**
 * @param {{ status: string, vocab: Vocabulary }} props
 */
export function StatusBadge({ status, vocab }) {
  const tone = vocab.tones[status] || 'neutral';
  const terminal = vocab.terminal.has(status);
  return html`<span class=${`badge badge--${tone}${terminal ? ' badge--terminal' : ''}`} data-status=${status}
    ><span class="badge__label">${label(status)}</span>${
      terminal ? html`<span class="badge__final">final</span>` : null
    }</span
  >`;
}

/** @param {unknown} raw */
export function safeHttpUrl(raw) {
  try {
    const url = new URL(String(raw));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** @param {{ sources: Source[] }} props */
function SourceList({ sources }) {
  return html`<ul class="sources">
    ${sources.map((source) => {
      const url = safeHttpUrl(source.url);
      const text = source.title || source.publisher || (url ? url.hostname : String(source.url));
      return html`<li class="sources__item">
        ${
          url
            ? html`<a class="sources__link" href=${url.href} rel="noopener noreferrer" target="_blank">${text}</a>`
            : html`<span class="sources__link">${text}</span>`
        }
        ${source.title && source.publisher ? html`<span class="sources__meta"> — ${source.publisher}</span>` : null}
        ${
          source.publishedAt
            ? html`<span class="sources__meta">${source.title && source.publisher ? ', ' : ' — '}<${When}
                iso=${source.publishedAt}
              /></span>`
            : null
        }
      </li>`;
    })}
  </ul>`;
}

/** Newest occurredAt first; ties: the later recordedAt first. @param {Update[]} items */
export function sortUpdates(items) {
  return [...items].sort(
    (a, b) =>
      (b.occurredAt || '').localeCompare(a.occurredAt || '') ||
      (b.recordedAt || '').localeCompare(a.recordedAt || ''),
  );
}

/**
 * @param {{ update: Update, vocab: Vocabulary, editor: boolean, onEdit: (a: EditorAction) => void, thread: Thread,
 *   onKey: (u: Update) => void, busy: boolean }} props
 */
function UpdateItem({ update, vocab, editor, onEdit, thread, onKey, busy }) {
  const r = update.retraction;
  const key = Boolean(update.key);
  return html`<li class=${`update${update.retracted ? ' update--retracted' : ''}${key ? ' update--key' : ''}`}
    data-update-id=${update.id} data-key=${key ? 'true' : 'false'}>
    <div class="update__head">
      ${
        editor && !update.retracted
          ? html`<button type="button" class="button button--small button--star" data-action="key" aria-pressed=${key ? 'true' : 'false'}
              disabled=${busy} onClick=${() => onKey(update)}><span aria-hidden="true">${key ? '★' : '☆'}</span> Key event</button>`
          : key
            ? html`<span class="key-mark" data-key-mark><span aria-hidden="true">★</span> Key event</span>`
            : null
      }
      ${update.claimedBy ? html`<span class="badge badge--claim" data-party=${update.claimedBy}>${partyName(update.claimedBy)} claims</span>` : null}
      ${
        update.status
          ? html`<${StatusBadge} status=${update.status} vocab=${vocab} />`
          : html`<span class="badge badge--note">Note</span>`
      }
      ${update.retracted ? html`<span class="badge badge--retracted">Retracted</span>` : null}
      <${When} iso=${update.occurredAt} precision=${update.occurredPrecision} className="when update__occurred" />
    </div>
    <p class="update__summary">${update.retracted ? html`<s>${update.summary}</s>` : update.summary}</p>
    ${
      update.retracted && r
        ? html`<p class="update__retraction">
          <strong>Retracted</strong> <${When} iso=${r.retractedAt} />${r.retractedBy ? ` by ${r.retractedBy}` : ''}:
          <span class="update__reason">${r.reason}</span>
        </p>`
        : null
    }
    <dl class="update__meta">
      <div class="update__meta-row">
        <dt>Occurred</dt>
        <dd><${When} iso=${update.occurredAt} precision=${update.occurredPrecision} /></dd>
      </div>
      <div class="update__meta-row">
        <dt>Recorded</dt>
        <dd><${When} iso=${update.recordedAt} /></dd>
      </div>
      <div class="update__meta-row">
        <dt>Posted by</dt>
        <dd>${update.postedBy}</dd>
      </div>
      ${
        update.revisionCount
          ? html`<div class="update__meta-row">
            <dt>Amended</dt>
            <dd>${update.revisionCount} ${update.revisionCount === 1 ? 'time' : 'times'}</dd>
          </div>`
          : null
      }
    </dl>
    ${
      update.sources && update.sources.length
        ? html`<div class="update__sources">
          <h5 class="update__subheading">Sources</h5>
          <${SourceList} sources=${update.sources} />
        </div>`
        : null
    }
    ${
      update.quotes && update.quotes.length
        ? html`<div class="update__quotes">
          <h5 class="update__subheading">Quotes</h5>
          ${update.quotes.map(
            (q) =>
              html`<figure class="quote">
                <blockquote class="quote__text"><p>${q.text}</p></blockquote>
                <figcaption class="quote__speaker">— ${q.speaker}</figcaption>
              </figure>`,
          )}
        </div>`
        : null
    }
    ${
      editor && !update.retracted
        ? html`<div class="update__actions">
          <button type="button" class="button button--small" data-action="amend"
            onClick=${() => onEdit({ type: 'amend', thread, update })}>Amend wording</button>
          <button type="button" class="button button--small button--danger" data-action="retract"
            onClick=${() => onEdit({ type: 'retract', thread, update })}>Retract</button>
        </div>`
        : null
    }
  </li>`;
}

/**
 * Every update of a thread (all pages), reloaded whenever the thread's version moves.
 * @param {Api} api
 * @param {string} id
 */
export async function loadUpdates(api, id) {
  return sortUpdates(await api.all(`/threads/${enc(id)}/updates?limit=100`));
}

/**
 * The thread's latest update that is not retracted: nearly always on the first small page; the
 * next pages only when every update on it was retracted.
 * @param {Api} api
 * @param {string} id
 * @returns {Promise<Update | null>}
 */
async function latestLive(api, id) {
  const base = `/threads/${enc(id)}/updates?limit=5`;
  let next = '';
  for (let i = 0; i < 20; i += 1) {
    const r = await api.get(next ? `${base}&nextToken=${enc(next)}` : base);
    const found = ((r.body && r.body.items) || []).find((/** @type {Update} */ u) => !u.retracted);
    next = (r.body && r.body.nextToken) || '';
    if (found || !next) return found || null;
  }
  return null;
}

/**
 * The parties' claims beside the thread's own status (contract 1.2 "Claims by party").
 * @param {{ claims: Claim[], vocab: Vocabulary }} props
 */
function Claims({ claims, vocab }) {
  return html`<ul class="claims" aria-label="Claims by party">
    ${claims.map(
      (c) => html`<li class="claims__item" data-party=${c.party} data-status=${c.status}>
        <span class="claims__party">${partyName(c.party)} says</span>
        <${StatusBadge} status=${c.status} vocab=${vocab} />
        <span class="claims__since">since <${When} iso=${c.since} precision=${c.sincePrecision} ago=${false} /></span>
      </li>`,
    )}
  </ul>`;
}

/**
 * Which outlets back the current status (contract 1.2 "Corroboration"), and a mark when only one does.
 * @param {{ thread: Thread }} props
 */
function Corroboration({ thread }) {
  const c = thread.corroboration;
  if (!c) return null;
  const n = c.count;
  return html`<p class="card__corroboration" data-outlets=${n}>
    ${n === 1 ? html`<span class="badge badge--single" data-single-outlet>Single outlet</span> ` : null}
    ${
      n === 0
        ? 'No outlet cited for this status.'
        : `Status backed by ${n} ${n === 1 ? 'outlet' : 'outlets'}: ${c.outlets.join(', ')}.`
    }
  </p>`;
}

/**
 * What each status means for this thread, and every dated clarification (contract 1.2 "Criteria and
 * clarifications"): shown with the history.
 * @param {{ api: Api, thread: Thread }} props
 */
function Criteria({ api, thread }) {
  const [items, setItems] = useState(
    /** @type {{ revision: number, text: string | null, recordedAt: string, recordedBy: string }[] | null} */ (
      null
    ),
  );
  useEffect(() => {
    let live = true;
    api
      .get(`/threads/${enc(thread.id)}/criteria`)
      .then((r) => live && setItems((r.body && r.body.items) || []))
      .catch(() => live && setItems([]));
    return () => {
      live = false;
    };
  }, [thread.id, thread.version]);
  if (!items || (items.length === 0 && !thread.criteria)) return null;
  return html`<section class="criteria" id=${`criteria-${thread.id}`} aria-labelledby=${`criteria-${thread.id}-heading`}>
    <h5 class="update__subheading" id=${`criteria-${thread.id}-heading`}>Criteria</h5>
    <p class="criteria__text">${thread.criteria || 'None at present.'}</p>
    ${
      items.length > 1
        ? html`<ol class="criteria__list" aria-label="Clarifications">
          ${items.slice(1).map(
            (c) => html`<li class="criteria__item" data-revision=${c.revision}>
              <p class="criteria__when">Clarified <${When} iso=${c.recordedAt} /> by ${c.recordedBy}</p>
              <p class="criteria__was">${c.text === null ? '(criteria removed)' : c.text}</p>
            </li>`,
          )}
        </ol>`
        : items.length === 1
          ? html`<p class="criteria__when">Set <${When} iso=${items[0].recordedAt} /> by ${items[0].recordedBy}</p>`
          : null
    }
  </section>`;
}

/**
 * @param {{
 *   thread: Thread, api: Api, vocab: Vocabulary, editor: boolean, onEdit: (a: EditorAction) => void,
 *   onAuthError: (e: unknown) => void, changed: boolean, parentTitle?: string, onWrote?: (text: string) => void,
 * }} props
 */
export function ThreadCard({
  thread,
  api,
  vocab,
  editor,
  onEdit,
  onAuthError,
  changed,
  parentTitle,
  onWrote,
}) {
  const [open, setOpen] = useState(false);
  const [updates, setUpdates] = useState(/** @type {Update[] | null} */ (null));
  const [latestSources, setLatestSources] = useState(/** @type {Source[]} */ ([]));
  const [historyError, setHistoryError] = useState('');
  const [keyBusy, setKeyBusy] = useState(false);

  /**
   * Star or unstar a key event (contract 1.2 "Key events"): a PATCH of the flag alone, on the
   * thread's current ETag; the thread moves one version on, so the board and this history follow.
   * @param {Update} u
   */
  async function toggleKey(u) {
    if (keyBusy) return;
    setKeyBusy(true);
    setHistoryError('');
    try {
      const t = await api.get(`/threads/${enc(thread.id)}`);
      const r = await api.send(
        'PATCH',
        `/threads/${enc(thread.id)}/updates/${enc(u.id)}`,
        { key: !u.key },
        { etag: t.etag },
      );
      const now = r.body && r.body.update;
      if (updates && now) setUpdates(updates.map((x) => (x.id === now.id ? now : x)));
      if (onWrote) onWrote(`${u.key ? 'Unmarked' : 'Marked'} a key event of “${thread.title}”.`);
    } catch (error) {
      onAuthError(error);
      setHistoryError(
        error instanceof ApiError && error.status === 412
          ? 'Someone changed this thread meanwhile; nothing was saved. Try again.'
          : error instanceof Error
            ? error.message
            : String(error),
      );
    } finally {
      setKeyBusy(false);
    }
  }

  // The latest update's sources, and the open history, follow the thread's version.
  useEffect(() => {
    let live = true;
    const work = open
      ? loadUpdates(api, thread.id).then((items) => {
          if (!live) return;
          setUpdates(items);
          setHistoryError('');
          const latest = items.find((u) => !u.retracted);
          setLatestSources((latest && latest.sources) || []);
        })
      : latestLive(api, thread.id).then((latest) => {
          if (live) setLatestSources((latest && latest.sources) || []);
        });
    work.catch((error) => {
      if (!live) return;
      onAuthError(error);
      if (open) setHistoryError(error instanceof Error ? error.message : 'The history could not be loaded.');
    });
    return () => {
      live = false;
    };
  }, [thread.version, open, thread.id]);

  const tone = vocab.tones[thread.status] || 'neutral';
  const terminal = vocab.terminal.has(thread.status);
  const n = Number(thread.updateCount) || 0;
  const classes = ['card'];
  if (terminal) classes.push('card--terminal');
  if (thread.stale) classes.push('card--stale');
  if (thread.overdue) classes.push('card--overdue');
  if (thread.archived) classes.push('card--archived');
  if (open) classes.push('card--open');
  if (changed) classes.push('card--changed');
  const expected = thread.expected;
  // Met: an update that stands occurred at or after the expected time (what takes the thread out of
  // the overdue check, docs/data-model.md), so the thing is no longer "expected".
  const met = Boolean(expected && thread.lastOccurredAt && thread.lastOccurredAt >= expected.at);

  return html`<li class=${classes.join(' ')} id=${`thread-${thread.id}`} data-thread-id=${thread.id}
    data-status=${thread.status} data-tone=${tone} data-version=${thread.version}>
    <article class="card__body" aria-labelledby=${`thread-${thread.id}-title`}>
      <header class="card__head">
        <p class="card__kind">${vocab.kindLabels[thread.kind] || label(thread.kind)}${
          thread.parent
            ? html`<span class="card__parent" data-parent=${thread.parent}> · part of ${parentTitle || thread.parent}</span>`
            : null
        }</p>
        <h3 class="card__title" id=${`thread-${thread.id}-title`}>${thread.title}</h3>
      </header>
      <div class="card__status">
        <${StatusBadge} status=${thread.status} vocab=${vocab} />
        <span class="card__since">since <${When} iso=${thread.statusSince} precision=${thread.statusSincePrecision} /></span>
        <span class="badge badge--stale" hidden=${!thread.stale}
          ><span class="badge__label">Stale</span
          >${
            thread.stale
              ? html`<span class="badge__detail"> since <${When} iso=${thread.staleSince} ago=${false} /></span>`
              : null
          }</span
        >
        <span class="badge badge--overdue" hidden=${!thread.overdue}
          ><span class="badge__label">Overdue</span
          >${
            thread.overdue
              ? html`<span class="badge__detail"> since <${When} iso=${thread.overdueSince} ago=${false} /></span>`
              : null
          }</span
        >
        ${thread.archived ? html`<span class="badge badge--archived">Archived</span>` : null}
        ${thread.disputed ? html`<span class="badge badge--disputed" data-disputed>Disputed</span>` : null}
      </div>
      ${thread.claims && thread.claims.length ? html`<${Claims} claims=${thread.claims} vocab=${vocab} />` : null}
      <${Corroboration} thread=${thread} />
      <p class="card__summary">${thread.summary}</p>
      ${
        expected && met
          ? html`<p class="card__expected card__expected--met">
            <span class="card__expected-label">Happened:</span> ${expected.what} (expected by${' '}<${When} iso=${expected.at} precision=${expected.precision} ago=${false} />)
          </p>`
          : expected
            ? html`<p class="card__expected">
            <span class="card__expected-label">Expected:</span> ${expected.what}, by${' '}<${When} iso=${expected.at} precision=${expected.precision} ago=${false} />
          </p>`
            : null
      }
      <div class="card__sources" hidden=${latestSources.length === 0}>
        <h4 class="card__sources-heading">Sources of the latest update</h4>
        <${SourceList} sources=${latestSources} />
      </div>
      <div class="card__foot">
        <p class="card__updated">Last recorded <${When} iso=${thread.lastRecordedAt} /></p>
        <button type="button" class="button button--timeline" aria-expanded=${open ? 'true' : 'false'}
          aria-controls=${`timeline-${thread.id}`} onClick=${() => setOpen(!open)}>
          <span class="button__label">${open ? 'Hide history' : 'Show history'}</span>
          <span class="button__count"> (${n} ${n === 1 ? 'update' : 'updates'})</span>
        </button>
      </div>
      ${
        editor
          ? html`<div class="card__actions" role="group" aria-label=${`Edit ${thread.title}`}>
            <button type="button" class="button button--small button--primary" data-action="post"
              onClick=${() => onEdit({ type: 'post', thread })}>Post update</button>
            <button type="button" class="button button--small" data-action="expected"
              onClick=${() => onEdit({ type: 'expected', thread })}>Expected…</button>
            <button type="button" class="button button--small" data-action="criteria"
              onClick=${() => onEdit({ type: 'criteria', thread })}>Criteria…</button>
            <button type="button" class="button button--small" data-action="move"
              onClick=${() => onEdit({ type: 'move', thread })}>Move…</button>
            <button type="button" class="button button--small" data-action="archive"
              onClick=${() => onEdit({ type: 'archive', thread })}>${thread.archived ? 'Unarchive…' : 'Archive…'}</button>
          </div>`
          : null
      }
      <section class="timeline" id=${`timeline-${thread.id}`} aria-labelledby=${`timeline-${thread.id}-heading`}
        hidden=${!open} aria-busy=${open && !updates ? 'true' : 'false'}>
        <h4 class="timeline__heading" id=${`timeline-${thread.id}-heading`}>History: ${thread.title}</h4>
        ${open ? html`<${Criteria} api=${api} thread=${thread} />` : null}
        ${
          historyError || (open && !updates)
            ? html`<p class="timeline__state" role="status">${historyError || 'Loading history…'}</p>`
            : null
        }
        ${
          open && updates
            ? html`<ol class="timeline__list">
              ${updates.map(
                (u) =>
                  html`<${UpdateItem} key=${u.id} update=${u} vocab=${vocab} editor=${editor} onEdit=${onEdit}
                    thread=${thread} onKey=${toggleKey} busy=${keyBusy} />`,
              )}
            </ol>`
            : null
        }
      </section>
    </article>
  </li>`;
}
