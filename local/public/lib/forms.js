// @ts-check
/**
 * The editor's forms: create a thread, post an update, amend an update's wording, retract, set or
 * clear what is expected, archive, move. Each one:
 * - reads the thread (GET /threads/{id}) when it opens and writes with `If-Match` on that ETag;
 * - sends a fresh `Idempotency-Key` per submission (kept only to retry a request that got no answer);
 * - shows the contract's field errors (problem+json `errors[].path`) at the field they name;
 * - says plainly when someone else changed the thread first (412), with a way to reload it.
 */
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { ApiError, AuthError, enc, idempotencyKey } from './api.js';
import { label, partyName, When } from './board.js';
import { DECIDED } from './inbox.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {import('./api.js').Update} Update
 * @typedef {import('./api.js').KindDefinition} KindDefinition
 * @typedef {import('./api.js').Precision} Precision
 * @typedef {import('./api.js').FieldError} FieldError
 * @typedef {import('./board.js').EditorAction} EditorAction
 * @typedef {import('./api.js').InboxItem} InboxItem
 * @typedef {{ url: string, title: string, publisher: string }} SourceRow
 * @typedef {{ speaker: string, text: string }} QuoteRow
 */

/** When a problem names no field, the code still says which field it is about. */
const CODE_FIELDS = /** @type {Record<string, string>} */ ({
  thread_exists: 'id',
  invalid_status: 'status',
  invalid_parent: 'parent',
});

/**
 * Field errors by path; what matches no field of the form is listed at the top of the form.
 * @param {FieldError[]} errors
 * @param {string[]} known
 */
function splitErrors(errors, known) {
  /** @type {Record<string, string>} */
  const at = {};
  /** @type {FieldError[]} */
  const rest = [];
  for (const e of errors) {
    if (known.includes(e.path) && !at[e.path]) at[e.path] = e.message;
    else rest.push(e);
  }
  return { at, rest };
}

/** @param {string} path */
const fieldId = (path) => `field-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/**
 * One labelled control with its error under it. `control` gets id, aria-invalid, aria-describedby.
 * @param {{ path: string, id?: string, label: string, errors: Record<string, string>, hint?: string,
 *   control: (attrs: Record<string, string>) => any }} props `id` when the control's place is not its path
 *   (a row of sources keeps its id while the rows before it are emptied).
 */
function Field({ path, id: given, label: text, errors, hint, control }) {
  const id = given || fieldId(path);
  const error = errors[path];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class=${`field${error ? ' field--invalid' : ''}`} data-path=${path}>
    <label for=${id}>${text}</label>
    ${hint ? html`<p class="field__hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${control({ id, 'aria-invalid': error ? 'true' : 'false', ...(described ? { 'aria-describedby': described } : {}) })}
    ${error ? html`<p class="field__error" id=${`${id}-error`}>${error}</p>` : null}
  </div>`;
}

/** @param {Event} e */
const value = (e) => /** @type {HTMLInputElement} */ (e.currentTarget).value;

/**
 * Date of an update or of an expected thing: a full time, a day, a month or a year.
 * @param {{ path: string, label: string, precision: Precision, value: string, errors: Record<string, string>,
 *   onPrecision: (p: Precision) => void, onValue: (v: string) => void, hint?: string }} props
 */
function WhenField({ path, label: text, precision, value: v, errors, onPrecision, onValue, hint }) {
  const type =
    precision === 'instant'
      ? 'datetime-local'
      : precision === 'day'
        ? 'date'
        : precision === 'month'
          ? 'month'
          : 'number';
  return html`<fieldset class="when-field">
    <legend>${text}</legend>
    <div class="when-field__row">
      <div class="field">
        <label for=${`${fieldId(path)}-precision`}>Known to the</label>
        <select id=${`${fieldId(path)}-precision`} value=${precision}
          onChange=${(/** @type {Event} */ e) => {
            onPrecision(/** @type {Precision} */ (value(e)));
            onValue('');
          }}>
          <option value="instant">minute (full time)</option>
          <option value="day">day</option>
          <option value="month">month</option>
          <option value="year">year</option>
        </select>
      </div>
      <${Field} path=${path} label=${precision === 'instant' ? 'Date and time (your zone)' : label(precision) + ' (UTC)'}
        errors=${errors} hint=${hint}
        control=${(/** @type {Record<string, string>} */ a) =>
          html`<input ...${a} type=${type} value=${v} min=${type === 'number' ? '1900' : undefined}
            max=${type === 'number' ? '9999' : undefined} step=${type === 'datetime-local' ? '60' : undefined}
            onInput=${(/** @type {Event} */ e) => onValue(value(e))} />`} />
    </div>
  </fieldset>`;
}

/**
 * @param {{ rows: SourceRow[], errors: Record<string, string>, index: number[], onChange: (rows: SourceRow[]) => void }} props
 */
function SourcesField({ rows, errors, index, onChange }) {
  /** @param {number} i @param {keyof SourceRow} key @param {string} v */
  const set = (i, key, v) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  return html`<fieldset class="rows">
    <legend>Sources</legend>
    ${rows.map((row, i) => {
      const n = index[i] ?? i;
      return html`<div class="rows__row" key=${i}>
        <${Field} path=${`sources[${n}].url`} id=${`field-sources-${i}-url`} label=${`Source ${i + 1} URL`} errors=${errors}
          control=${(/** @type {Record<string, string>} */ a) =>
            html`<input ...${a} type="url" inputmode="url" value=${row.url} onInput=${(/** @type {Event} */ e) => set(i, 'url', value(e))} />`} />
        <${Field} path=${`sources[${n}].title`} id=${`field-sources-${i}-title`} label="Headline" errors=${errors}
          control=${(/** @type {Record<string, string>} */ a) =>
            html`<input ...${a} value=${row.title} onInput=${(/** @type {Event} */ e) => set(i, 'title', value(e))} />`} />
        <${Field} path=${`sources[${n}].publisher`} id=${`field-sources-${i}-publisher`} label="Publisher" errors=${errors}
          control=${(/** @type {Record<string, string>} */ a) =>
            html`<input ...${a} value=${row.publisher} onInput=${(/** @type {Event} */ e) => set(i, 'publisher', value(e))} />`} />
        <button type="button" class="button button--small button--quiet"
          onClick=${() => onChange(rows.filter((_, j) => j !== i))}>Remove source ${i + 1}</button>
      </div>`;
    })}
    <button type="button" class="button button--small" data-add="source"
      onClick=${() => onChange([...rows, { url: '', title: '', publisher: '' }])}>Add a source</button>
  </fieldset>`;
}

/**
 * @param {{ rows: QuoteRow[], errors: Record<string, string>, index: number[], onChange: (rows: QuoteRow[]) => void }} props
 */
function QuotesField({ rows, errors, index, onChange }) {
  /** @param {number} i @param {keyof QuoteRow} key @param {string} v */
  const set = (i, key, v) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  return html`<fieldset class="rows">
    <legend>Quotes</legend>
    ${rows.map((row, i) => {
      const n = index[i] ?? i;
      return html`<div class="rows__row" key=${i}>
        <${Field} path=${`quotes[${n}].speaker`} id=${`field-quotes-${i}-speaker`} label=${`Quote ${i + 1} speaker`} errors=${errors}
          control=${(/** @type {Record<string, string>} */ a) =>
            html`<input ...${a} value=${row.speaker} onInput=${(/** @type {Event} */ e) => set(i, 'speaker', value(e))} />`} />
        <${Field} path=${`quotes[${n}].text`} id=${`field-quotes-${i}-text`} label="Words" errors=${errors}
          control=${(/** @type {Record<string, string>} */ a) =>
            html`<textarea ...${a} rows="2" value=${row.text} onInput=${(/** @type {Event} */ e) => set(i, 'text', value(e))}></textarea>`} />
        <button type="button" class="button button--small button--quiet"
          onClick=${() => onChange(rows.filter((_, j) => j !== i))}>Remove quote ${i + 1}</button>
      </div>`;
    })}
    <button type="button" class="button button--small" data-add="quote"
      onClick=${() => onChange([...rows, { speaker: '', text: '' }])}>Add a quote</button>
  </fieldset>`;
}

/**
 * The rows that hold anything, as the API takes them, and the row each sent item came from (so
 * an error at `sources[1]` lands on the row it is about).
 * @param {SourceRow[]} rows
 */
function sourcesBody(rows) {
  /** @type {Record<string, string>[]} */
  const sent = [];
  /** @type {number[]} */
  const index = [];
  rows.forEach((r) => {
    if (!r.url.trim() && !r.title.trim() && !r.publisher.trim()) {
      index.push(-1);
      return;
    }
    /** @type {Record<string, string>} */
    const s = { url: r.url.trim() };
    if (r.title.trim()) s.title = r.title.trim();
    if (r.publisher.trim()) s.publisher = r.publisher.trim();
    index.push(sent.length);
    sent.push(s);
  });
  return { sent, index };
}

/** @param {QuoteRow[]} rows */
function quotesBody(rows) {
  /** @type {QuoteRow[]} */
  const sent = [];
  /** @type {number[]} */
  const index = [];
  rows.forEach((r) => {
    if (!r.speaker.trim() && !r.text.trim()) {
      index.push(-1);
      return;
    }
    index.push(sent.length);
    sent.push({ speaker: r.speaker.trim(), text: r.text.trim() });
  });
  return { sent, index };
}

/** @param {Precision} precision @param {string} v */
function apiTime(precision, v) {
  const t = v.trim();
  if (!t || precision !== 'instant') return t;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString();
}

/**
 * State shared by every form: the thread's ETag, the submission key, errors, the 412 state.
 * @param {Api} api
 * @param {Thread | undefined} thread
 */
function useWrite(api, thread) {
  const [etag, setEtag] = useState(/** @type {string | null} */ (null));
  const [fresh, setFresh] = useState(thread || null);
  const [errors, setErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [message, setMessage] = useState('');
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const key = useRef(/** @type {string | null} */ (null));

  async function read() {
    if (!thread) return;
    const r = await api.get(`/threads/${enc(thread.id)}`);
    setEtag(r.etag);
    setFresh(r.body);
  }
  useEffect(() => {
    // Another thread (the inbox's accept form lets the editor choose): no submit on the old ETag.
    setEtag(null);
    read().catch((e) => setMessage(e instanceof Error ? e.message : String(e)));
  }, [thread && thread.id]);

  /**
   * @param {(key: string, etag: string | null) => Promise<{ body: any }>} send
   * @param {(body: any) => void} done
   */
  async function submit(send, done) {
    if (busy || (thread && etag === null)) return;
    setBusy(true);
    setMessage('');
    setErrors([]);
    setConflict(false);
    key.current = key.current || idempotencyKey();
    try {
      const r = await send(key.current, etag);
      key.current = null;
      done(r.body);
    } catch (error) {
      // A request that got an answer is over: the next submission is a new one with a new key.
      // One that got none (status 0) or a 5xx may be retried with its key and is never applied twice.
      if (!(error instanceof ApiError) || (error.status !== 0 && error.status < 500)) key.current = null;
      if (error instanceof ApiError && error.status === 412) {
        setConflict(true);
      } else if (error instanceof ApiError && error.code === 'already_decided') {
        setMessage(DECIDED);
      } else if (error instanceof ApiError) {
        const errs = error.errors.length
          ? error.errors
          : CODE_FIELDS[error.code]
            ? [
                {
                  path: CODE_FIELDS[error.code],
                  message: error.message.replace(/^The tracker answered \d+: /, ''),
                },
              ]
            : [];
        setErrors(errs);
        setMessage(errs.length ? 'Some fields need attention.' : error.message);
      } else if (error instanceof AuthError) {
        setMessage(
          error.status === 403
            ? 'This token may not write (403 Forbidden): an editor token is needed.'
            : 'The tracker no longer accepts this token (401).',
        );
      } else {
        setMessage(String(error));
      }
    } finally {
      setBusy(false);
    }
  }

  async function reload() {
    setConflict(false);
    setMessage('');
    try {
      await read();
      setMessage('Reloaded. The thread as it stands now is shown above; check your change and submit again.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  }

  // A form on a thread can submit only once it holds the ETag its If-Match will carry.
  const ready = !thread || etag !== null;
  return { etag, fresh, errors, message, conflict, busy, ready, submit, reload };
}

/**
 * The top of every form: what went wrong that no field shows, and the 412 notice.
 * @param {{ w: ReturnType<typeof useWrite>, rest: FieldError[] }} props
 */
function FormNotices({ w, rest }) {
  return html`
    ${
      w.conflict
        ? html`<div class="notice notice--conflict" role="alert">
          <p><strong>Someone else changed this thread first.</strong> Nothing was saved: your change was made
            against an older version (412 Precondition Failed).</p>
          <button type="button" class="button button--small" data-action="reload" onClick=${w.reload}>Reload the thread</button>
        </div>`
        : null
    }
    ${w.message ? html`<p class="notice" role=${w.conflict ? undefined : 'alert'}>${w.message}</p>` : null}
    ${
      rest.length
        ? html`<ul class="notice notice--list">
          ${rest.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
        </ul>`
        : null
    }
  `;
}

/** @param {{ thread: Thread | null }} props */
function ThreadNow({ thread }) {
  if (!thread) return null;
  return html`<p class="editor__now">
    Now: <strong>${label(thread.status)}</strong> since${' '}<${When} iso=${thread.statusSince} precision=${thread.statusSincePrecision} ago=${false} /> · version ${thread.version}
  </p>`;
}

/**
 * @param {{ busy: boolean, ready: boolean, text: string, onCancel: () => void }} props
 */
function Buttons({ busy, ready, text, onCancel }) {
  return html`<div class="editor__buttons">
    <button type="submit" class="button button--primary" disabled=${busy || !ready}>${busy ? 'Saving…' : text}</button>
    <button type="button" class="button button--quiet" onClick=${onCancel}>Cancel</button>
  </div>`;
}

/**
 * The API creates a scenario it does not know (titled with its id), so a typo in a scenario id would
 * silently make a new one. Before such a write the form asks: the first submit finds the scenario
 * missing (404) and says so; a second submit with the same id goes ahead.
 * @param {Api} api
 */
function useNewScenarioCheck(api) {
  const [asked, setAsked] = useState('');
  return {
    asked,
    /**
     * Whether the write may go ahead now (true), or the form has just asked (false).
     * @param {string} target
     * @param {import('./api.js').Scenario[]} known
     */
    async mayWrite(target, known) {
      if (asked === target || known.some((sc) => sc.id === target)) return true;
      try {
        await api.get(`/scenarios/${enc(target)}`);
        return true;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) return true; // the write will say what is wrong
        setAsked(target);
        return false;
      }
    },
  };
}

/**
 * @param {{ target: string, doing: string }} props
 */
function NewScenarioNotice({ target, doing }) {
  return html`<div class="notice" role="alert" data-ask="new-scenario">
    <p><strong>There is no scenario “${target}” yet.</strong> ${doing} creates it, titled with its id.
      Submit again to go ahead, or change the scenario.</p>
  </div>`;
}

/**
 * @typedef {{ api: Api, kinds: KindDefinition[], scenario: string, threads: import('./api.js').Thread[],
 *   scenarios: import('./api.js').Scenario[], action: EditorAction, onDone: (note: string) => void,
 *   onCancel: () => void }} FormProps
 */

/** @param {FormProps} props */
function CreateForm({ api, kinds, scenario, threads, scenarios, onDone, onCancel }) {
  const w = useWrite(api, undefined);
  const fresh = useNewScenarioCheck(api);
  const [id, setId] = useState('');
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState(kinds[0] ? kinds[0].kind : '');
  const [status, setStatus] = useState('');
  const [summary, setSummary] = useState('');
  const [precision, setPrecision] = useState(/** @type {Precision} */ ('day'));
  const [when, setWhen] = useState('');
  const [parent, setParent] = useState('');
  const [sources, setSources] = useState(/** @type {SourceRow[]} */ ([]));
  const [quotes, setQuotes] = useState(/** @type {QuoteRow[]} */ ([]));
  const statuses = (kinds.find((k) => k.kind === kind) || { statuses: [] }).statuses;
  const s = sourcesBody(sources);
  const q = quotesBody(quotes);
  const known = ['id', 'title', 'kind', 'status', 'summary', 'occurredAt', 'parent'];
  s.sent.forEach((_, i) => known.push(`sources[${i}].url`, `sources[${i}].title`, `sources[${i}].publisher`));
  q.sent.forEach((_, i) => known.push(`quotes[${i}].speaker`, `quotes[${i}].text`));
  const { at, rest } = splitErrors(w.errors, known);

  /** @param {Event} e */
  async function onSubmit(e) {
    e.preventDefault();
    if (!(await fresh.mayWrite(scenario, scenarios))) return;
    /** @type {Record<string, unknown>} */
    const body = { id: id.trim(), scenario, kind, title: title.trim(), status, summary: summary.trim() };
    const occurredAt = apiTime(precision, when);
    if (occurredAt) body.occurredAt = occurredAt;
    if (parent) body.parent = parent;
    if (s.sent.length) body.sources = s.sent;
    if (q.sent.length) body.quotes = q.sent;
    w.submit(
      (key) => api.send('POST', '/threads', body, { key }),
      (t) => onDone(`Created “${t.title}”.`),
    );
  }
  const parents = threads.filter((t) => !t.parent);
  return html`<form class="editor__form" data-form="create" novalidate onSubmit=${onSubmit}>
    ${fresh.asked === scenario ? html`<${NewScenarioNotice} target=${scenario} doing="Creating this thread" />` : null}
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="title" label="Title" errors=${at}
      control=${(/** @type {any} */ a) => html`<input ...${a} value=${title} maxlength="200" onInput=${(/** @type {Event} */ e) => setTitle(value(e))} />`} />
    <${Field} path="id" label="Id" hint="Lower-case letters, digits and hyphens; it is the thread's address." errors=${at}
      control=${(/** @type {any} */ a) => html`<input ...${a} value=${id} autocapitalize="off" spellcheck="false" onInput=${(/** @type {Event} */ e) => setId(value(e))} />`} />
    <div class="editor__pair">
      <${Field} path="kind" label="Kind" errors=${at}
        control=${(/** @type {any} */ a) => html`<select ...${a} value=${kind} onChange=${(
          /** @type {Event} */ e,
        ) => {
          setKind(value(e));
          setStatus('');
        }}>
          ${kinds.map((k) => html`<option value=${k.kind}>${k.label}</option>`)}
        </select>`} />
      <${Field} path="status" label="Status" errors=${at}
        control=${(
          /** @type {any} */ a,
        ) => html`<select ...${a} value=${status} onChange=${(/** @type {Event} */ e) => setStatus(value(e))}>
          <option value="">Choose a status</option>
          ${statuses.map((st) => html`<option value=${st.name}>${label(st.name)}${st.terminal ? ' (final)' : ''}</option>`)}
        </select>`} />
    </div>
    <${Field} path="summary" label="Summary" errors=${at}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="3" value=${summary} onInput=${(/** @type {Event} */ e) => setSummary(value(e))}></textarea>`} />
    <${WhenField} path="occurredAt" label="When it happened (empty: now)" precision=${precision} value=${when} errors=${at}
      onPrecision=${setPrecision} onValue=${setWhen} />
    <${Field} path="parent" label="Part of (parent thread)" errors=${at}
      control=${(
        /** @type {any} */ a,
      ) => html`<select ...${a} value=${parent} onChange=${(/** @type {Event} */ e) => setParent(value(e))}>
        <option value="">None</option>
        ${parents.map((t) => html`<option value=${t.id}>${t.title}</option>`)}
      </select>`} />
    <${SourcesField} rows=${sources} errors=${at} index=${s.index} onChange=${setSources} />
    <${QuotesField} rows=${quotes} errors=${at} index=${q.index} onChange=${setQuotes} />
    <${Buttons} busy=${w.busy} ready=${w.ready} text="Create thread" onCancel=${onCancel} />
  </form>`;
}

/**
 * What a date field holds for a time at a precision (the API's form back into the input's).
 * @param {string} iso
 * @param {Precision} precision
 */
function inputValue(iso, precision) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (precision !== 'instant') return periodValue(iso, precision);
  // datetime-local takes the reader's local time, to the minute.
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/**
 * The form's first values for an inbox item accepted into a thread: what `POST /inbox/{id}/accept`
 * would default to (the match's suggested status and date, else the publication date; never a date
 * in the future; the item's title as the summary).
 * @param {InboxItem} item
 * @param {string} threadId
 * @returns {{ status: string, summary: string, precision: Precision, when: string }}
 */
function acceptDefaults(item, threadId) {
  const match = item.matches.find((m) => m.threadId === threadId);
  const now = Date.now();
  const suggested =
    match && match.suggestedOccurredAt && new Date(match.suggestedOccurredAt).getTime() <= now
      ? { iso: match.suggestedOccurredAt, precision: match.suggestedPrecision || 'day' }
      : null;
  const published =
    item.publishedAt && new Date(item.publishedAt).getTime() <= now
      ? { iso: item.publishedAt, precision: /** @type {Precision} */ ('instant') }
      : null;
  const at = suggested || published;
  return {
    status: (match && match.suggestedStatus) || '',
    summary: item.title,
    precision: at ? at.precision : 'day',
    when: at ? inputValue(at.iso, at.precision) : '',
  };
}

/**
 * Post an update to a thread; or, for an inbox item (`action.item`), the same form prefilled from the
 * item, which accepts it through `POST /inbox/{id}/accept` into the thread chosen (its URL and
 * duplicates become the update's sources there, so they are shown, not edited).
 * @param {FormProps} props
 */
function PostForm({ api, kinds, threads, action, onDone, onCancel }) {
  const item = action.item || null;
  const [thread, setThread] = useState(/** @type {Thread} */ (action.thread));
  const w = useWrite(api, thread);
  const first = item ? acceptDefaults(item, thread.id) : null;
  const [status, setStatus] = useState(first ? first.status : '');
  const [summary, setSummary] = useState(first ? first.summary : '');
  const [precision, setPrecision] = useState(/** @type {Precision} */ (first ? first.precision : 'day'));
  const [when, setWhen] = useState(first ? first.when : '');
  const [sources, setSources] = useState(
    /** @type {SourceRow[]} */ ([{ url: '', title: '', publisher: '' }]),
  );
  const [quotes, setQuotes] = useState(/** @type {QuoteRow[]} */ ([]));
  // Contract 1.2 "Drafts": a status change may wait for a second editor's eyes. (Not for an inbox
  // item: the API does not take a draft on accept yet.)
  const [asDraft, setAsDraft] = useState(false);
  const [claimedBy, setClaimedBy] = useState('');
  const drafting = !item && asDraft && status !== '';
  const kind = kinds.find((k) => k.kind === thread.kind);
  const statuses = kind ? kind.statuses : [];
  const s = sourcesBody(item ? [] : sources);
  const q = quotesBody(quotes);
  const known = ['status', 'summary', 'occurredAt', 'claimedBy', 'threadId'];
  s.sent.forEach((_, i) => known.push(`sources[${i}].url`, `sources[${i}].title`, `sources[${i}].publisher`));
  q.sent.forEach((_, i) => known.push(`quotes[${i}].speaker`, `quotes[${i}].text`));
  const { at, rest } = splitErrors(w.errors, known);
  // An inbox item may go to any thread of the scenario: its matches first, best first.
  const choices = item
    ? [
        ...item.matches.map((m) => threads.find((t) => t.id === m.threadId)).filter((t) => t !== undefined),
        ...threads.filter((t) => !item.matches.some((m) => m.threadId === t.id)),
      ]
    : [];

  /** @param {string} id */
  function chooseThread(id) {
    const next = threads.find((t) => t.id === id);
    if (!next || !item) return;
    setThread(next);
    const d = acceptDefaults(item, next.id);
    // A status of the other thread's kind, if the editor's choice is not one.
    const nextKind = kinds.find((k) => k.kind === next.kind);
    if (!nextKind || !nextKind.statuses.some((st) => st.name === status)) setStatus(d.status);
  }

  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = { status: status || null, summary: summary.trim() };
    const occurredAt = apiTime(precision, when);
    if (occurredAt) body.occurredAt = occurredAt;
    if (s.sent.length) body.sources = s.sent;
    if (q.sent.length) body.quotes = q.sent;
    if (drafting) body.draft = true;
    if (claimedBy.trim() && !item) body.claimedBy = claimedBy.trim();
    if (item) {
      w.submit(
        (key, etag) =>
          api.send('POST', `/inbox/${enc(item.id)}/accept`, { threadId: thread.id, ...body }, { key, etag }),
        (r) =>
          onDone(
            `Accepted into “${thread.title}”: ${r.update.status ? label(r.update.status) : 'a note'}, with the article as its source.`,
          ),
      );
      return;
    }
    w.submit(
      (key, etag) => api.send('POST', `/threads/${enc(thread.id)}/updates`, body, { key, etag }),
      (r) =>
        onDone(
          r.update.draft
            ? `Drafted for “${thread.title}”: ${label(r.update.status)}, waiting for a second editor.`
            : r.update.claimedBy
              ? `Posted to “${thread.title}”: ${partyName(r.update.claimedBy)} claims ${label(r.update.status)}.`
              : `Posted to “${thread.title}”: ${r.update.status ? label(r.update.status) : 'a note'}.`,
        ),
    );
  }
  return html`<form class="editor__form" data-form=${item ? 'accept' : 'post'} novalidate onSubmit=${onSubmit}>
    ${
      item
        ? html`<${Field} path="threadId" label="Thread" errors=${at}
          control=${(
            /** @type {any} */ a,
          ) => html`<select ...${a} value=${thread.id} onChange=${(/** @type {Event} */ e) => chooseThread(value(e))}>
            ${choices.map((t) => html`<option value=${t.id}>${t.title}${item.matches.some((m) => m.threadId === t.id) ? ' (matched)' : ''}</option>`)}
          </select>`} />`
        : null
    }
    <${ThreadNow} thread=${w.fresh} />
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="status" label="Status" errors=${at}
      control=${(
        /** @type {any} */ a,
      ) => html`<select ...${a} value=${status} onChange=${(/** @type {Event} */ e) => setStatus(value(e))}>
        <option value="">No change (a note)</option>
        ${statuses.map((st) => html`<option value=${st.name}>${label(st.name)}${st.terminal ? ' (final)' : ''}</option>`)}
      </select>`} />
    ${
      item
        ? null
        : html`<${Field} path="claimedBy" label="Claimed by (a party, e.g. us, russia; empty: the newsroom's own status)" errors=${at}
          hint="A party's claim is shown beside the status and does not change it."
          control=${(
            /** @type {any} */ a,
          ) => html`<input ...${a} value=${claimedBy} autocapitalize="off" spellcheck="false"
            onInput=${(/** @type {Event} */ e) => setClaimedBy(value(e))} />`} />`
    }
    <${Field} path="summary" label="Summary" errors=${at}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="3" value=${summary} onInput=${(/** @type {Event} */ e) => setSummary(value(e))}></textarea>`} />
    <${WhenField} path="occurredAt" label="When it happened (empty: now)" precision=${precision} value=${when} errors=${at}
      onPrecision=${setPrecision} onValue=${setWhen} />
    ${
      item
        ? html`<div class="editor__sources" data-sources="inbox">
          <p class="field__hint">Sources (the article and its copies, added by the tracker):</p>
          <ul class="sources">
            ${[item.url, ...item.duplicates].map((u) => html`<li class="sources__item"><span class="sources__link">${u}</span></li>`)}
          </ul>
        </div>`
        : html`<${SourcesField} rows=${sources} errors=${at} index=${s.index} onChange=${setSources} />`
    }
    <${QuotesField} rows=${quotes} errors=${at} index=${q.index} onChange=${setQuotes} />
    ${
      status !== '' && !item
        ? html`<label class="check"><input type="checkbox" id="field-draft" checked=${asDraft}
            onChange=${(/** @type {Event} */ e) => setAsDraft(/** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
            Post as draft: another editor publishes it</label>`
        : null
    }
    <${Buttons} busy=${w.busy} ready=${w.ready} text=${item ? 'Accept into this thread' : drafting ? 'Save draft' : 'Post update'} onCancel=${onCancel} />
  </form>`;
}

/**
 * Dismiss an inbox item, with a reason if the editor gives one.
 * @param {FormProps} props
 */
function DismissForm({ api, action, onDone, onCancel }) {
  const item = /** @type {InboxItem} */ (action.item);
  const w = useWrite(api, undefined);
  const [reason, setReason] = useState('');
  const { at, rest } = splitErrors(w.errors, ['reason']);
  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    const body = reason.trim() ? { reason: reason.trim() } : {};
    w.submit(
      () => api.send('POST', `/inbox/${enc(item.id)}/dismiss`, body),
      () => onDone(`Dismissed “${item.title}”.`),
    );
  }
  return html`<form class="editor__form" data-form="dismiss" novalidate onSubmit=${onSubmit}>
    <blockquote class="editor__quote">${item.title}</blockquote>
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="reason" label="Reason (optional)" errors=${at}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="2" value=${reason} onInput=${(/** @type {Event} */ e) => setReason(value(e))}></textarea>`} />
    <${Buttons} busy=${w.busy} ready=${w.ready} text="Dismiss item" onCancel=${onCancel} />
  </form>`;
}

/** @param {FormProps} props */
function AmendForm({ api, action, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const update = /** @type {Update} */ (action.update);
  const w = useWrite(api, thread);
  const [summary, setSummary] = useState(update.summary);
  const [sources, setSources] = useState(
    /** @type {SourceRow[]} */ (
      (update.sources || []).map((x) => ({ url: x.url, title: x.title || '', publisher: x.publisher || '' }))
    ),
  );
  const [quotes, setQuotes] = useState(
    /** @type {QuoteRow[]} */ ((update.quotes || []).map((x) => ({ ...x }))),
  );
  const s = sourcesBody(sources);
  const q = quotesBody(quotes);
  const known = ['summary'];
  s.sent.forEach((_, i) => known.push(`sources[${i}].url`, `sources[${i}].title`, `sources[${i}].publisher`));
  q.sent.forEach((_, i) => known.push(`quotes[${i}].speaker`, `quotes[${i}].text`));
  const { at, rest } = splitErrors(w.errors, known);

  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    // Published sources keep their date: an amendment sends each source as it was, with the edits.
    const sent = s.sent.map((x) => {
      const before = (update.sources || []).find((o) => o.url === x.url);
      return before && before.publishedAt ? { ...x, publishedAt: before.publishedAt } : x;
    });
    const body = { summary: summary.trim(), sources: sent, quotes: q.sent };
    w.submit(
      (key, etag) =>
        api.send('PATCH', `/threads/${enc(thread.id)}/updates/${enc(update.id)}`, body, { key, etag }),
      () => onDone(`Amended the wording of an update of “${thread.title}”.`),
    );
  }
  return html`<form class="editor__form" data-form="amend" novalidate onSubmit=${onSubmit}>
    <p class="editor__now">Status and time of an update cannot change: retract it and post again.</p>
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="summary" label="Summary" errors=${at}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="4" value=${summary} onInput=${(/** @type {Event} */ e) => setSummary(value(e))}></textarea>`} />
    <${SourcesField} rows=${sources} errors=${at} index=${s.index} onChange=${setSources} />
    <${QuotesField} rows=${quotes} errors=${at} index=${q.index} onChange=${setQuotes} />
    <${Buttons} busy=${w.busy} ready=${w.ready} text="Save wording" onCancel=${onCancel} />
  </form>`;
}

/** @param {FormProps} props */
function RetractForm({ api, action, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const update = /** @type {Update} */ (action.update);
  const w = useWrite(api, thread);
  const [reason, setReason] = useState('');
  const { at, rest } = splitErrors(w.errors, ['reason']);
  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    w.submit(
      (key, etag) =>
        api.send(
          'POST',
          `/threads/${enc(thread.id)}/updates/${enc(update.id)}/retraction`,
          { reason: reason.trim() },
          { key, etag },
        ),
      () => onDone(`Retracted an update of “${thread.title}”.`),
    );
  }
  return html`<form class="editor__form" data-form="retract" novalidate onSubmit=${onSubmit}>
    <blockquote class="editor__quote">${update.summary}</blockquote>
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="reason" label="Reason for the retraction" errors=${at}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="3" value=${reason} onInput=${(/** @type {Event} */ e) => setReason(value(e))}></textarea>`} />
    <${Buttons} busy=${w.busy} ready=${w.ready} text="Retract update" onCancel=${onCancel} />
  </form>`;
}

/** @param {FormProps} props */
function ExpectedForm({ api, action, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const w = useWrite(api, thread);
  const current = thread.expected;
  const [what, setWhat] = useState(current ? current.what : '');
  const [precision, setPrecision] = useState(/** @type {Precision} */ (current ? current.precision : 'day'));
  const [when, setWhen] = useState(
    current && current.precision !== 'instant' ? periodValue(current.at, current.precision) : '',
  );
  const { at, rest } = splitErrors(w.errors, ['expected.what', 'expected.at', 'expected']);
  /** @param {unknown} expected */
  const send = (expected) =>
    w.submit(
      (key, etag) => api.send('PATCH', `/threads/${enc(thread.id)}`, { expected }, { key, etag }),
      () =>
        onDone(expected ? `Expected set on “${thread.title}”.` : `Expected cleared on “${thread.title}”.`),
    );
  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    send({ what: what.trim(), at: apiTime(precision, when) });
  }
  return html`<form class="editor__form" data-form="expected" novalidate onSubmit=${onSubmit}>
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="expected.what" label="What is expected" errors=${at}
      control=${(/** @type {any} */ a) => html`<input ...${a} value=${what} maxlength="200" onInput=${(/** @type {Event} */ e) => setWhat(value(e))} />`} />
    <${WhenField} path="expected.at" label="By when" precision=${precision} value=${when} errors=${at}
      onPrecision=${setPrecision} onValue=${setWhen} />
    <div class="editor__buttons">
      <button type="submit" class="button button--primary" disabled=${w.busy || !w.ready}>Set expected</button>
      ${
        current
          ? html`<button type="button" class="button" data-action="clear-expected" disabled=${w.busy || !w.ready}
            onClick=${() => send(null)}>Clear expected</button>`
          : null
      }
      <button type="button" class="button button--quiet" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

/**
 * What each status means for this thread (contract 1.2 "Criteria and clarifications"): every change
 * after the first is a dated clarification, listed with the thread's history.
 * @param {FormProps} props
 */
function CriteriaForm({ api, action, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const w = useWrite(api, thread);
  const [text, setText] = useState(thread.criteria || '');
  const { at, rest } = splitErrors(w.errors, ['criteria']);
  /** @param {string | null} criteria */
  const send = (criteria) =>
    w.submit(
      (key, etag) => api.send('PATCH', `/threads/${enc(thread.id)}`, { criteria }, { key, etag }),
      () =>
        onDone(
          criteria === null
            ? `Criteria removed from “${thread.title}”.`
            : thread.criteria
              ? `Criteria of “${thread.title}” clarified.`
              : `Criteria set on “${thread.title}”.`,
        ),
    );
  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    send(text.trim());
  }
  return html`<form class="editor__form" data-form="criteria" novalidate onSubmit=${onSubmit}>
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="criteria" label="What each status means, and which sources count" errors=${at}
      hint=${thread.criteria ? 'A change is kept as a dated clarification, shown with the history.' : undefined}
      control=${(/** @type {any} */ a) => html`<textarea ...${a} rows="6" maxlength="2000" value=${text} onInput=${(/** @type {Event} */ e) => setText(value(e))}></textarea>`} />
    <div class="editor__buttons">
      <button type="submit" class="button button--primary" disabled=${w.busy || !w.ready}>${thread.criteria ? 'Clarify criteria' : 'Set criteria'}</button>
      ${
        thread.criteria
          ? html`<button type="button" class="button" data-action="clear-criteria" disabled=${w.busy || !w.ready}
            onClick=${() => send(null)}>Remove criteria</button>`
          : null
      }
      <button type="button" class="button button--quiet" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

/** @param {string} iso @param {Precision} precision */
function periodValue(iso, precision) {
  const s = new Date(iso).toISOString();
  return precision === 'day' ? s.slice(0, 10) : precision === 'month' ? s.slice(0, 7) : s.slice(0, 4);
}

/** @param {FormProps} props */
function ArchiveForm({ api, action, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const w = useWrite(api, thread);
  const archive = !thread.archived;
  /** @param {Event} e */
  function onSubmit(e) {
    e.preventDefault();
    w.submit(
      (key, etag) => api.send('PATCH', `/threads/${enc(thread.id)}`, { archived: archive }, { key, etag }),
      () => onDone(archive ? `Archived “${thread.title}”.` : `“${thread.title}” is back on the board.`),
    );
  }
  const { rest } = splitErrors(w.errors, []);
  return html`<form class="editor__form" data-form="archive" novalidate onSubmit=${onSubmit}>
    <${FormNotices} w=${w} rest=${rest} />
    <p>${
      archive
        ? 'An archived thread leaves the board and is no longer watched for staleness or overdue; it stays readable and can come back.'
        : 'The thread comes back to the board and is watched again.'
    }</p>
    <${Buttons} busy=${w.busy} ready=${w.ready} text=${archive ? 'Archive thread' : 'Unarchive thread'} onCancel=${onCancel} />
  </form>`;
}

/** @param {FormProps} props */
function MoveForm({ api, action, threads, scenarios, onDone, onCancel }) {
  const thread = /** @type {Thread} */ (action.thread);
  const w = useWrite(api, thread);
  const [scenario, setScenario] = useState(thread.scenario);
  const [parent, setParent] = useState(thread.parent || '');
  const fresh = useNewScenarioCheck(api);
  const { at, rest } = splitErrors(w.errors, ['scenario', 'parent']);
  const parents = threads.filter((t) => !t.parent && t.id !== thread.id);
  /** @param {Event} e */
  async function onSubmit(e) {
    e.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = {};
    const target = scenario.trim();
    if (target !== thread.scenario && target && !(await fresh.mayWrite(target, scenarios))) return;
    if (target !== thread.scenario) body.scenario = target;
    if ((parent || null) !== (thread.parent || null)) body.parent = parent || null;
    if (!Object.keys(body).length) {
      onCancel();
      return;
    }
    w.submit(
      (key, etag) => api.send('PATCH', `/threads/${enc(thread.id)}`, body, { key, etag }),
      (t) => onDone(`Moved “${thread.title}”${t.scenario !== thread.scenario ? ` to ${t.scenario}` : ''}.`),
    );
  }
  return html`<form class="editor__form" data-form="move" novalidate onSubmit=${onSubmit}>
    ${
      fresh.asked && fresh.asked === scenario.trim()
        ? html`<${NewScenarioNotice} target=${fresh.asked} doing="Moving the thread there" />`
        : null
    }
    <${FormNotices} w=${w} rest=${rest} />
    <${Field} path="scenario" label="Scenario" hint="An id that does not exist yet creates that scenario (you are asked first)." errors=${at}
      control=${(
        /** @type {any} */ a,
      ) => html`<input ...${a} list="move-scenarios" value=${scenario} autocapitalize="off"
        spellcheck="false" onInput=${(/** @type {Event} */ e) => setScenario(value(e))} />`} />
    <datalist id="move-scenarios">${scenarios.map((sc) => html`<option value=${sc.id}>${sc.title}</option>`)}</datalist>
    <${Field} path="parent" label="Part of (parent thread in this scenario)" errors=${at}
      control=${(
        /** @type {any} */ a,
      ) => html`<select ...${a} value=${parent} onChange=${(/** @type {Event} */ e) => setParent(value(e))}>
        <option value="">None</option>
        ${parents.map((t) => html`<option value=${t.id}>${t.title}</option>`)}
      </select>`} />
    <${Buttons} busy=${w.busy} ready=${w.ready} text="Move thread" onCancel=${onCancel} />
  </form>`;
}

const FORMS = /** @type {Record<string, [string, (p: FormProps) => any]>} */ ({
  create: ['New thread', CreateForm],
  post: ['Post an update', PostForm],
  accept: ['Accept an inbox item', PostForm],
  dismiss: ['Dismiss an inbox item', DismissForm],
  amend: ['Amend wording', AmendForm],
  retract: ['Retract an update', RetractForm],
  expected: ['What is expected', ExpectedForm],
  criteria: ['Criteria', CriteriaForm],
  archive: ['Archive', ArchiveForm],
  move: ['Move thread', MoveForm],
});

/**
 * The editor: a modal dialog holding the form for the action chosen.
 * @param {FormProps} props
 */
export function Editor(props) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const entry = FORMS[props.action.type];
  useEffect(() => {
    // Back to the button that opened the form when it closes, as a native modal would.
    const opener = document.activeElement;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      // Close first: while a modal dialog is open, everything outside it is inert and cannot take focus.
      if (dialog && dialog.open) dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);
  if (!entry) return null;
  const [title, Form] = entry;
  const thread = props.action.thread;
  return html`<dialog class="editor" ref=${ref} aria-labelledby="editor-title" data-action=${props.action.type}
    onCancel=${(/** @type {Event} */ e) => {
      e.preventDefault();
      props.onCancel();
    }}>
    <header class="editor__head">
      <h2 id="editor-title">${title}${thread && !props.action.item ? html`<span class="editor__thread">: ${thread.title}</span>` : null}</h2>
    </header>
    <${Form} ...${props} />
  </dialog>`;
}
