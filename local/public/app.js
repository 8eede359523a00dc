// @ts-check
/**
 * Scenario Tracker desk: the board of a scenario's threads for readers, and for editors every
 * write the API offers; the scenario as a picture; kept current by the live socket or by polling.
 * Preact + htm from /ui/vendor (no build step). Everything the API returns reaches the page as text.
 */
import { html, render, useEffect, useRef, useState } from './vendor/preact-htm.js';
import { Api, ApiError, AuthError, enc } from './lib/api.js';
import { byLatestActivity, label, ThreadCard } from './lib/board.js';
import { clockFormat } from './lib/dates.js';
import { Editor } from './lib/forms.js';
import { DraftsQueue } from './lib/drafts.js';
import { InboxPanel } from './lib/inbox.js';
import { SinceLastVisit } from './lib/changes.js';
import { LiveFeed } from './lib/live.js';
import { Picture } from './lib/picture.js';

/**
 * @typedef {import('./lib/api.js').Thread} Thread
 * @typedef {import('./lib/api.js').Scenario} Scenario
 * @typedef {import('./lib/api.js').KindDefinition} KindDefinition
 * @typedef {import('./lib/board.js').Vocabulary} Vocabulary
 * @typedef {import('./lib/board.js').EditorAction} EditorAction
 */

const TOKEN_KEY = 'scenario-tracker.readerToken';
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DEFAULT_SCENARIO = 'russia-ukraine-talks';

const params = new URLSearchParams(window.location.search);
/** @param {unknown} v @param {number} min @param {number} max @param {number} fallback */
function clamp(v, min, max, fallback) {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return Math.min(max, Math.max(min, n));
}
/** ?poll=<seconds> overrides the 15 s polling interval (0.2–3600; tests use ?poll=0.2, so a poll they wait for comes soon). */
const POLL_SECONDS = clamp(params.get('poll'), 0.2, 3600, 15);
/** ?limit=<n> sets the page size asked of the API (1–100); the page always follows every page. */
const PAGE_LIMIT = Math.round(clamp(params.get('limit'), 1, 100, 100));
/** ?live=off: never open the socket (a network that blocks WebSockets); poll only. */
const USE_SOCKET = params.get('live') !== 'off';
/** ?backoff=<seconds>: the first reconnect delay (doubling up to 60 s). */
const BACKOFF_SECONDS = clamp(params.get('backoff'), 0.05, 60, 2);

function readStoredToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

/** @param {string} value */
function storeToken(value) {
  try {
    if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives in memory for this page only */
  }
}

function urlState() {
  const p = new URLSearchParams(window.location.search);
  return {
    scenario: p.get('scenario') || DEFAULT_SCENARIO,
    view:
      p.get('view') === 'picture' || p.get('view') === 'inbox'
        ? /** @type {string} */ (p.get('view'))
        : 'board',
  };
}

/** @param {{ scenario: string, view: string }} next */
function pushUrl(next) {
  const p = new URLSearchParams(window.location.search);
  p.set('scenario', next.scenario);
  if (next.view !== 'board') p.set('view', next.view);
  else p.delete('view');
  window.history.pushState(null, '', `?${p.toString()}`);
}

/** @param {unknown} error */
function authMessage(error) {
  return error instanceof AuthError && error.status === 403
    ? 'That token may not read threads (403 Forbidden). Enter a token with the reader role.'
    : 'The tracker did not accept that token (401 Unauthorized): it is unknown or has been revoked. Enter a valid reader or editor token.';
}

/** @param {{ error: string, onToken: (t: string) => void }} props */
function TokenView({ error, onToken }) {
  const input = useRef(/** @type {HTMLInputElement | null} */ (null));
  const [local, setLocal] = useState('');
  useEffect(() => {
    if (input.current) input.current.focus();
  }, [error]);
  const shown = local || error;
  return html`<section id="token-view" class="token-view" aria-labelledby="token-heading">
    <h2 id="token-heading">Enter your token</h2>
    <p class="token-view__help">
      A <em>reader</em> token shows the desk; an <em>editor</em> token also lets you write. It is kept in this
      browser tab only (session storage) until you close the tab or press “Forget token”, and never goes in the address.
    </p>
    <p id="token-error" class="token-view__error" role="alert" hidden=${!shown}>${shown}</p>
    <form id="token-form" class="token-form" autocomplete="off" novalidate
      onSubmit=${(/** @type {Event} */ e) => {
        e.preventDefault();
        const value = (input.current ? input.current.value : '').trim();
        if (!value) {
          setLocal('Enter a token first.');
          if (input.current) input.current.focus();
          return;
        }
        setLocal('');
        onToken(value);
      }}>
      <label for="token-input">Token</label>
      <div class="token-form__row">
        <input id="token-input" ref=${input} name="token" type="password" required spellcheck="false"
          autocapitalize="off" autocomplete="off" aria-describedby="token-error" aria-invalid=${shown ? 'true' : 'false'} />
        <button class="button" type="submit">Open the desk</button>
      </div>
    </form>
  </section>`;
}

function App() {
  const [token, setToken] = useState(readStoredToken);
  const [tokenError, setTokenError] = useState('');
  const [role, setRole] = useState(/** @type {'reader' | 'editor' | null} */ (null));
  const [{ scenario, view }, setPlace] = useState(urlState);
  const [scenarios, setScenarios] = useState(/** @type {Scenario[]} */ ([]));
  const [scenarioTitle, setScenarioTitle] = useState(scenario);
  const [kinds, setKinds] = useState(/** @type {KindDefinition[]} */ ([]));
  const [vocab, setVocab] = useState(
    /** @type {Vocabulary} */ ({ tones: {}, terminal: new Set(), kindLabels: {} }),
  );
  const [threads, setThreads] = useState(/** @type {Thread[] | null} */ (null));
  const [changed, setChanged] = useState(/** @type {Set<string>} */ (new Set()));
  const [includeArchived, setIncludeArchived] = useState(false);
  const [banner, setBanner] = useState('');
  const [checked, setChecked] = useState('');
  const [note, setNote] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const [action, setAction] = useState(/** @type {EditorAction | null} */ (null));
  // Bumped by every write from the desk: the drafts queue reads again (a draft moves no thread's version).
  const [writes, setWrites] = useState(0);
  // Bumped by every InboxItemArrived and every revalidation: the inbox panel reads again (ETag).
  const [inboxTick, setInboxTick] = useState(0);
  const feed = useRef(/** @type {LiveFeed | null} */ (null));
  const api = token ? new Api(token) : null;

  /** @param {string} message */
  function signOut(message) {
    if (feed.current) feed.current.stop();
    feed.current = null;
    storeToken('');
    setToken('');
    setRole(null);
    setThreads(null);
    setBanner('');
    setChecked('');
    setAction(null);
    setTokenError(message);
  }

  /** An auth error anywhere sends the user back to the token form. @param {unknown} error */
  function onAuthError(error) {
    if (error instanceof AuthError && (error.status === 401 || !role)) signOut(authMessage(error));
  }

  useEffect(() => {
    const onPop = () => setPlace(urlState());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  // Who the token is, and the vocabulary (kinds, terminal statuses, tones), once per token.
  useEffect(() => {
    if (!api) return;
    let live = true;
    (async () => {
      const [who, kindList, tones] = await Promise.all([
        api.role(),
        api.get('/kinds').then((r) => /** @type {KindDefinition[]} */ ((r.body && r.body.items) || [])),
        fetch('/ui/tones.json').then((r) => (r.ok ? r.json() : {})),
      ]);
      if (!live) return;
      setRole(who);
      setKinds(kindList);
      setVocab({
        tones,
        terminal: new Set(kindList.flatMap((k) => k.statuses.filter((s) => s.terminal).map((s) => s.name))),
        kindLabels: Object.fromEntries(kindList.map((k) => [k.kind, k.label])),
      });
      setScenarios(await api.all('/scenarios?limit=100'));
    })().catch((error) => {
      if (!live) return;
      if (error instanceof AuthError) signOut(authMessage(error));
      else setBanner(error instanceof Error ? error.message : String(error));
    });
    return () => {
      live = false;
    };
  }, [token]);

  // The board of the scenario, kept current by the live feed (socket, or polling).
  useEffect(() => {
    if (!api || !role || !SLUG.test(scenario)) return;
    document.title = `${scenario} — Scenario Tracker desk`;
    /** @type {Map<string, { etag: string | null, body: any }>} */
    let pages = new Map();
    /** @type {Map<string, Thread> | null} */
    let held = null;
    const base = `/threads?scenario=${enc(scenario)}&limit=${PAGE_LIMIT}${includeArchived ? '&archived=any' : ''}`;
    setThreads(null);
    setScenarioTitle(scenario);
    let scenarioTag = /** @type {string | null} */ (null);
    // Set when this board is left (another scenario, archived or not, sign-out): an answer that
    // arrives later belongs to the board left and must not replace the one shown now.
    let left = false;

    async function refresh() {
      try {
        /** @type {Map<string, { etag: string | null, body: any }>} */
        const next = new Map();
        /** @type {Thread[]} */
        const items = [];
        let pageToken = '';
        let any = false;
        const seen = new Set();
        for (;;) {
          const was = pages.get(pageToken);
          const r = await /** @type {Api} */ (api).get(
            pageToken ? `${base}&nextToken=${enc(pageToken)}` : base,
            was ? was.etag : null,
          );
          const body = r.status === 304 && was ? was.body : r.body;
          if (r.status !== 304) any = true;
          if (left) return null;
          next.set(pageToken, { etag: r.etag, body });
          items.push(...((body && body.items) || []));
          const nt = body && body.nextToken;
          if (!nt || seen.has(nt)) break;
          seen.add(nt);
          pageToken = nt;
        }
        if (next.size !== pages.size) any = true;
        pages = next;
        if (left) return null;
        if (any || !held) {
          const before = held;
          const now = new Map(items.map((t) => [t.id, t]));
          if (before) announce(before, items);
          setChanged(
            new Set(
              before
                ? items
                    .filter((t) => before.get(t.id) && before.get(t.id)?.version !== t.version)
                    .map((t) => t.id)
                : [],
            ),
          );
          held = now;
          setThreads(byLatestActivity(items));
          const sc = await /** @type {Api} */ (api)
            .get(`/scenarios/${enc(scenario)}`, scenarioTag)
            .catch(() => null);
          if (left) return null;
          if (sc && sc.status === 200) {
            scenarioTag = sc.etag;
            setScenarioTitle(sc.body.title || scenario);
          }
        }
        setBanner('');
        setInboxTick((n) => n + 1);
        setChecked(`Checked ${clockFormat.format(new Date())}`);
        document.body.dataset.pollCount = String((Number(document.body.dataset.pollCount) || 0) + 1);
        return 0;
      } catch (error) {
        if (left) return null;
        if (error instanceof AuthError) {
          signOut(authMessage(error));
          return null;
        }
        if (error instanceof ApiError) {
          setBanner(
            error.status === 0
              ? `Cannot reach the tracker; trying again every ${POLL_SECONDS} s. The threads shown may be out of date.`
              : `${error.message} Trying again in a moment.`,
          );
          return error.retryAfter || 0;
        }
        setBanner('Something went wrong while updating; trying again in a moment.');
        return 0;
      }
    }

    const f = new LiveFeed({
      token: /** @type {string} */ (token),
      scenario,
      socket: USE_SOCKET,
      pollSeconds: POLL_SECONDS,
      backoffSeconds: BACKOFF_SECONDS,
      inbox: role === 'editor',
      refresh,
      onEvent: (event) => {
        if (event.type === 'InboxItemArrived' || event.type === 'InboxSubscribed') setInboxTick((n) => n + 1);
      },
    });
    feed.current = f;
    f.start();
    const onVisible = () => {
      if (!document.hidden) f.poll();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      left = true;
      document.removeEventListener('visibilitychange', onVisible);
      f.stop();
      if (feed.current === f) feed.current = null;
    };
  }, [token, role, scenario, includeArchived]);

  /** Polite announcements of what changed (a new status, a new thread), never the whole list. */
  function announce(/** @type {Map<string, Thread>} */ before, /** @type {Thread[]} */ items) {
    const out = [];
    for (const t of items) {
      const was = before.get(t.id);
      if (!was) out.push(`New thread: ${t.title}, ${label(t.status)}.`);
      else if (was.status !== t.status)
        out.push(`${t.title}: now ${label(t.status)} (was ${label(was.status)}).`);
      else if (was.summary !== t.summary) out.push(`${t.title}: new update.`);
      if (was && t.stale && !was.stale) out.push(`${t.title} is stale.`);
      if (was && t.overdue && !was.overdue) out.push(`${t.title} is overdue.`);
    }
    if (out.length) {
      setAnnouncement('');
      window.setTimeout(() => setAnnouncement(out.join(' ')), 50);
    }
  }

  /** After a write from the desk: say what was done, and read again what it changed. @param {string} text */
  function wrote(text) {
    setNote(text);
    setWrites((n) => n + 1);
    setInboxTick((n) => n + 1);
    if (feed.current) feed.current.revalidate();
  }

  /** @param {string} next @param {string} [nextView] */
  function go(next, nextView = view) {
    pushUrl({ scenario: next, view: nextView });
    setPlace({ scenario: next, view: nextView });
  }

  const editor = role === 'editor';
  const scenarioChoices = scenarios.some((s) => s.id === scenario)
    ? scenarios
    : [...scenarios, { id: scenario, title: scenario }];
  const boardVersion = (threads || []).map((t) => `${t.id}:${t.version}`).join(',');

  return html`
    <header class="site-header">
      <div class="site-header__inner">
        <div class="site-header__titles">
          <p class="site-header__app">Scenario Tracker${role ? html`<span class="role-chip" data-role=${role}>${role}</span>` : null}</p>
          <h1 id="scenario-title" class="site-header__scenario">${token ? scenarioTitle : 'Desk'}</h1>
        </div>
        <div class="site-header__meta">
          ${checked ? html`<p id="last-checked" class="last-checked">${checked}</p>` : null}
          ${
            token
              ? html`<button id="forget-token" class="button button--quiet" type="button" onClick=${() => signOut('')}>Forget token</button>`
              : null
          }
        </div>
      </div>
      ${
        token && role
          ? html`<nav class="desk-nav" aria-label="Desk">
            <div class="desk-nav__inner">
              <div class="switcher">
                <label for="scenario-switcher">Scenario</label>
                <select id="scenario-switcher" value=${scenario}
                  onChange=${(/** @type {Event} */ e) => go(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
                  ${scenarioChoices.map((s) => html`<option value=${s.id}>${s.title}${s.title !== s.id ? ` (${s.id})` : ''}</option>`)}
                </select>
              </div>
              <ul class="tabs">
                <li><a href=${`?scenario=${enc(scenario)}`} class="tabs__tab" aria-current=${view === 'board' ? 'page' : undefined}
                  onClick=${(/** @type {Event} */ e) => {
                    e.preventDefault();
                    go(scenario, 'board');
                  }}>Board</a></li>
                <li><a href=${`?scenario=${enc(scenario)}&view=picture`} class="tabs__tab" aria-current=${view === 'picture' ? 'page' : undefined}
                  onClick=${(/** @type {Event} */ e) => {
                    e.preventDefault();
                    go(scenario, 'picture');
                  }}>Picture</a></li>
                ${
                  role === 'editor'
                    ? html`<li><a href=${`?scenario=${enc(scenario)}&view=inbox`} class="tabs__tab" id="inbox-tab" aria-current=${view === 'inbox' ? 'page' : undefined}
                      onClick=${(/** @type {Event} */ e) => {
                        e.preventDefault();
                        go(scenario, 'inbox');
                      }}>Inbox</a></li>`
                    : null
                }
              </ul>
            </div>
          </nav>`
          : null
      }
    </header>
    <main id="main" tabindex="-1">
      <p id="live" class="visually-hidden" aria-live="polite" aria-atomic="true">${announcement}</p>
      ${banner ? html`<p id="banner" class="banner" role="status">${banner}</p>` : null}
      ${
        !SLUG.test(scenario)
          ? html`<p class="banner" role="status">“${scenario}” is not a scenario id (lower-case letters, digits and hyphens).</p>`
          : null
      }
      ${note ? html`<p id="note" class="note" role="status">${note}</p>` : null}
      ${
        !token
          ? html`<${TokenView} error=${tokenError} onToken=${(/** @type {string} */ t) => {
              storeToken(t);
              setTokenError('');
              setToken(t);
              const main = document.getElementById('main');
              if (main) main.focus();
            }} />`
          : view === 'inbox' && editor && api
            ? html`<${InboxPanel} api=${api} scenario=${scenario} threads=${threads || []} vocab=${vocab} tick=${inboxTick}
              onEdit=${setAction} onAuthError=${onAuthError} onDone=${wrote} />`
            : view === 'picture' && threads && api
              ? html`<${Picture} api=${api} scenario=${scenario} scenarioTitle=${scenarioTitle} threads=${threads}
              vocab=${vocab} version=${boardVersion} onAuthError=${onAuthError} />`
              : html`<section id="threads-view" aria-labelledby="threads-heading">
              <div class="board-bar">
                <h2 id="threads-heading" class="board-bar__heading">Threads</h2>
                <label class="check"><input type="checkbox" checked=${includeArchived}
                  onChange=${(/** @type {Event} */ e) => setIncludeArchived(/** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
                  Include archived</label>
                ${
                  editor
                    ? html`<button type="button" id="new-thread" class="button button--primary"
                      onClick=${() => setAction({ type: 'create' })}>New thread</button>`
                    : null
                }
              </div>
              ${api ? html`<${SinceLastVisit} api=${api} scenario=${scenario} threads=${threads || []} onAuthError=${onAuthError} />` : null}
              ${
                editor && api
                  ? html`<${DraftsQueue} api=${api} scenario=${scenario} threads=${threads || []}
                    version=${`${writes}|${boardVersion}`}
                    onDone=${(/** @type {string} */ text) => {
                      setNote(text);
                      if (feed.current) feed.current.revalidate();
                    }} />`
                  : null
              }
              ${threads === null ? html`<p id="threads-loading" class="empty">Loading threads…</p>` : null}
              ${threads && threads.length === 0 ? html`<p id="threads-empty" class="empty">This scenario has no threads.</p>` : null}
              <ul id="threads" class="threads" aria-busy=${threads === null ? 'true' : 'false'}>
                ${(threads || []).map(
                  (
                    t,
                  ) => html`<${ThreadCard} key=${t.id} thread=${t} api=${api} vocab=${vocab} editor=${editor}
                    changed=${changed.has(t.id)} onEdit=${setAction} onAuthError=${onAuthError} onWrote=${wrote}
                    parentTitle=${t.parent ? (threads || []).find((p) => p.id === t.parent)?.title : undefined} />`,
                )}
              </ul>
            </section>`
      }
      ${
        action && api
          ? html`<${Editor} key=${`${action.type}:${action.thread ? action.thread.id : ''}:${action.update ? action.update.id : ''}`}
            api=${api} kinds=${kinds} scenario=${scenario} threads=${threads || []} scenarios=${scenarios} action=${action}
            onCancel=${() => setAction(null)}
            onDone=${(/** @type {string} */ text) => {
              setAction(null);
              wrote(text);
              if (api) api.all('/scenarios?limit=100').then(setScenarios, () => undefined);
            }} />`
          : null
      }
    </main>
    <footer class="site-footer">
      <p>
        Follows the tracker live, or checks every <span id="poll-interval">${POLL_SECONDS}</span> s when it cannot. Times
        are shown in your time zone (days, months and years in UTC); hover over a time for its exact value.
      </p>
    </footer>
  `;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
