// Scenario Tracker status page. Plain browser JavaScript, no build step, no dependencies.
//
// Everything the API returns is untrusted: it reaches the page only through textContent,
// setAttribute on non-executable attributes, and links whose URL has been checked to be http(s).
// There is no innerHTML anywhere in this file.
'use strict';

(() => {
  const TOKEN_KEY = 'scenario-tracker.readerToken';
  const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
  const DEFAULT_SCENARIO = 'russia-ukraine-talks';

  const params = new URLSearchParams(window.location.search);
  const scenario = params.get('scenario') || DEFAULT_SCENARIO;
  /** ?poll=<seconds> overrides the 15 s interval (tests use ?poll=1). */
  const pollSeconds = clampNumber(Number(params.get('poll')), 1, 3600, 15);
  /** ?limit=<n> sets the page size asked of the API (1–100); the page always follows every page. */
  const pageLimit = Math.round(clampNumber(Number(params.get('limit')), 1, 100, 100));

  const KIND_LABELS = {
    ceasefire: 'Ceasefire',
    prisoner_exchange: 'Prisoner exchange',
    sanctions: 'Sanctions',
    summit: 'Summit',
    other: 'Other',
  };
  /** Terminal statuses (of every kind that has them): the thread is settled. */
  const TERMINAL = new Set([
    'collapsed',
    'expired',
    'completed',
    'cancelled',
    'lifted',
    'abandoned',
    'held',
    'resolved',
  ]);
  /** Colour family of each status; the badge also says the status in words, so colour is never the only cue. */
  const TONES = {
    proposed: 'early',
    announced: 'early',
    negotiating: 'progress',
    scheduled: 'progress',
    active: 'progress',
    in_progress: 'progress',
    agreed: 'positive',
    adopted: 'positive',
    in_effect: 'positive',
    in_force: 'positive',
    completed: 'positive',
    held: 'positive',
    resolved: 'positive',
    rejected: 'warning',
    stalled: 'warning',
    postponed: 'warning',
    violated: 'warning',
    eased: 'warning',
    blocked: 'warning',
    collapsed: 'negative',
    expired: 'negative',
    cancelled: 'negative',
    abandoned: 'negative',
    lifted: 'negative',
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    scenarioTitle: $('scenario-title'),
    lastChecked: $('last-checked'),
    forget: $('forget-token'),
    live: $('live'),
    banner: $('banner'),
    tokenView: $('token-view'),
    tokenForm: $('token-form'),
    tokenInput: $('token-input'),
    tokenError: $('token-error'),
    threadsView: $('threads-view'),
    threadsEmpty: $('threads-empty'),
    threadsLoading: $('threads-loading'),
    threads: $('threads'),
    pollInterval: $('poll-interval'),
  };

  // ---------------------------------------------------------------- state

  let token = readStoredToken();
  /** Bumped whenever polling (re)starts or stops: answers to an older generation are dropped. */
  let generation = 0;
  let timer = null;
  let running = false;
  /** List pages by the nextToken that asked for them ('' = first page): { etag, body }. */
  let listPages = new Map();
  /** Per thread id: its card's elements and what the card shows. */
  const cards = new Map();
  let firstRender = true;

  // ---------------------------------------------------------------- helpers

  function clampNumber(value, min, max, fallback) {
    if (!Number.isFinite(value) || value <= 0) return fallback;
    return Math.min(max, Math.max(min, value));
  }

  function readStoredToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }

  function storeToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled: the token lives in memory for this page only */
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Set text only when it differs, so unchanged parts of the page are never touched. */
  function setText(node, text) {
    const value = text === undefined || text === null ? '' : String(text);
    if (node.textContent !== value) node.textContent = value;
  }

  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  function show(node, visible) {
    if (node.hidden === visible) node.hidden = !visible;
  }

  const label = (status) => {
    const s = String(status).replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  };

  const kindLabel = (kind) => KIND_LABELS[kind] || label(kind);

  const absoluteFormat = new Intl.DateTimeFormat(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  const clockFormat = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'always' });

  function exactUtc(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return `${d
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$/, 'Z')
      .replace(/Z$/, '')} UTC`;
  }

  function relative(iso, now = Date.now()) {
    const t = new Date(iso).getTime();
    if (Number.isNaN(t)) return '';
    const seconds = Math.round((t - now) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 60) return 'just now';
    const units = [
      ['minute', 60, 3600],
      ['hour', 3600, 86400],
      ['day', 86400, 86400 * 30],
      ['month', 86400 * 30, 86400 * 365],
      ['year', 86400 * 365, Infinity],
    ];
    for (const [unit, size, limit] of units) {
      // Whole units that have fully passed: 17 months is "1 year ago", not "2 years ago".
      if (abs < limit) return relativeFormat.format(Math.trunc(seconds / size), unit);
    }
    return '';
  }

  /** <time> showing a local date and how long ago it was; the title holds the exact UTC time. */
  function timeEl(iso, className) {
    const node = el('time', className || 'when');
    fillTime(node, iso);
    return node;
  }

  function fillTime(node, iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) {
      setText(node, iso || '—');
      return;
    }
    setAttr(node, 'datetime', d.toISOString());
    setAttr(node, 'title', exactUtc(iso));
    node.dataset.iso = d.toISOString();
    setText(node, `${absoluteFormat.format(d)} · ${relative(iso)}`);
  }

  /** Re-word every "… ago" on the page: relative times drift even when no data changes. */
  function refreshRelativeTimes() {
    for (const node of document.querySelectorAll('time[data-iso]')) fillTime(node, node.dataset.iso);
  }

  /** Only http(s) URLs become links; anything else is shown as text. */
  function safeHttpUrl(raw) {
    try {
      const url = new URL(String(raw));
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch {
      return null;
    }
  }

  function sourceList(sources, className) {
    const list = el('ul', className || 'sources');
    for (const source of sources || []) {
      const item = el('li', 'sources__item');
      const url = safeHttpUrl(source && source.url);
      const text =
        (source && (source.title || source.publisher)) || (url ? url.hostname : String(source && source.url));
      if (url) {
        const link = el('a', 'sources__link', text);
        link.href = url.href;
        link.rel = 'noopener noreferrer';
        link.target = '_blank';
        item.append(link);
      } else {
        item.append(el('span', 'sources__link', text));
      }
      const extra = [];
      if (source && source.title && source.publisher) extra.push(source.publisher);
      if (extra.length || (source && source.publishedAt)) {
        const meta = el('span', 'sources__meta');
        if (extra.length) meta.append(document.createTextNode(` — ${extra.join(', ')}`));
        if (source && source.publishedAt) {
          meta.append(document.createTextNode(extra.length ? ', ' : ' — '));
          meta.append(timeEl(source.publishedAt));
        }
        item.append(meta);
      }
      list.append(item);
    }
    return list;
  }

  function statusBadge(status) {
    const badge = el('span', 'badge');
    setBadge(badge, status);
    return badge;
  }

  function setBadge(badge, status) {
    const tone = TONES[status] || 'neutral';
    const terminal = TERMINAL.has(status);
    const className = `badge badge--${tone}${terminal ? ' badge--terminal' : ''}`;
    if (badge.className !== className) badge.className = className;
    if (badge.dataset.status === status) return;
    badge.dataset.status = status;
    const name = el('span', 'badge__label', label(status));
    const parts = [name];
    if (terminal) parts.push(el('span', 'badge__final', 'final'));
    badge.replaceChildren(...parts);
  }

  // ---------------------------------------------------------------- API

  class AuthError extends Error {}
  class ApiError extends Error {
    constructor(status, message, retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  /** GET with the reader token; sends If-None-Match when we hold an ETag. 304 → { status: 304 }. */
  async function apiGet(path, etag) {
    const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (etag) headers['If-None-Match'] = etag;
    let response;
    try {
      // no-store: the page does its own revalidation, so the browser cache must not answer for it.
      response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'Cannot reach the tracker.');
    }
    if (response.status === 304)
      return { status: 304, etag: response.headers.get('ETag') || etag, body: null };
    if (response.status === 401) throw new AuthError('401');
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const detail = body && typeof body === 'object' ? body.detail || body.title : '';
      const retryAfter = Number(response.headers.get('Retry-After')) || 0;
      if (response.status === 403) throw new AuthError('403');
      throw new ApiError(
        response.status,
        `The tracker answered ${response.status}${detail ? `: ${detail}` : '.'}`,
        retryAfter,
      );
    }
    return { status: response.status, etag: response.headers.get('ETag'), body };
  }

  /**
   * Every page of a paged list, revalidating each page against the ETag we hold for it.
   * `cache` maps the nextToken that asked for a page ('' = first) to { etag, body }.
   * Returns the items, whether any page changed, and the new cache.
   */
  async function fetchAllPages(basePath, cache, gen) {
    const next = new Map();
    const items = [];
    let changed = false;
    let pageToken = '';
    const seen = new Set();
    for (;;) {
      const held = cache.get(pageToken);
      const path = pageToken ? `${basePath}&nextToken=${encodeURIComponent(pageToken)}` : basePath;
      const r = await apiGet(path, held ? held.etag : null);
      if (gen !== generation) throw new StaleGeneration();
      let body;
      if (r.status === 304 && held) {
        body = held.body;
      } else {
        body = r.body;
        changed = true;
      }
      next.set(pageToken, { etag: r.etag, body });
      if (Array.isArray(body && body.items)) items.push(...body.items);
      const nextToken = body && body.nextToken;
      if (!nextToken || seen.has(nextToken)) break;
      seen.add(nextToken);
      pageToken = nextToken;
    }
    if (next.size !== cache.size) changed = true;
    return { items, changed, cache: next };
  }

  class StaleGeneration extends Error {}

  // ---------------------------------------------------------------- thread cards

  function createCard(thread) {
    const id = thread.id;
    const li = el('li', 'card');
    li.id = `thread-${id}`;
    li.dataset.threadId = id;

    const article = el('article', 'card__body');
    article.setAttribute('aria-labelledby', `thread-${id}-title`);

    const head = el('header', 'card__head');
    const title = el('h3', 'card__title');
    title.id = `thread-${id}-title`;
    const kind = el('p', 'card__kind');
    head.append(kind, title);

    const statusLine = el('div', 'card__status');
    const badge = el('span', 'badge');
    const since = el('span', 'card__since');
    since.append(document.createTextNode('since '));
    const sinceTime = el('time', 'when');
    since.append(sinceTime);
    const stale = el('span', 'badge badge--stale');
    stale.append(el('span', 'badge__label', 'Stale'));
    const staleWhen = el('span', 'badge__detail');
    staleWhen.append(document.createTextNode(' since '));
    const staleTime = el('time', 'when');
    staleWhen.append(staleTime);
    stale.append(staleWhen);
    stale.hidden = true;
    statusLine.append(badge, since, stale);

    const summary = el('p', 'card__summary');

    const sources = el('div', 'card__sources');
    const sourcesHeading = el('h4', 'card__sources-heading', 'Sources of the latest update');
    const sourcesList = el('ul', 'sources');
    sources.append(sourcesHeading, sourcesList);
    sources.hidden = true;

    const foot = el('div', 'card__foot');
    const updated = el('p', 'card__updated');
    const button = el('button', 'button button--timeline');
    button.type = 'button';
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', `timeline-${id}`);
    const buttonLabel = el('span', 'button__label', 'Show timeline');
    const buttonCount = el('span', 'button__count');
    button.append(buttonLabel, buttonCount);
    foot.append(updated, button);

    const timeline = el('section', 'timeline');
    timeline.id = `timeline-${id}`;
    timeline.setAttribute('aria-labelledby', `timeline-${id}-heading`);
    timeline.hidden = true;
    const timelineHeading = el('h4', 'timeline__heading');
    timelineHeading.id = `timeline-${id}-heading`;
    const timelineState = el('p', 'timeline__state');
    timelineState.setAttribute('role', 'status');
    const timelineList = el('ol', 'timeline__list');
    timeline.append(timelineHeading, timelineState, timelineList);

    article.append(head, statusLine, summary, sources, foot, timeline);
    li.append(article);

    const card = {
      id,
      li,
      title,
      kind,
      badge,
      sinceTime,
      stale,
      staleTime,
      summary,
      sources,
      sourcesList,
      updated,
      button,
      buttonLabel,
      buttonCount,
      timeline,
      timelineHeading,
      timelineState,
      timelineList,
      thread: null,
      latest: { version: null, cache: new Map() },
      tl: { open: false, version: null, cache: new Map(), nodes: new Map(), loading: false },
    };
    button.addEventListener('click', () => toggleTimeline(card));
    return card;
  }

  function updateCard(card, thread) {
    const previous = card.thread;
    card.thread = thread;
    setText(card.title, thread.title);
    setText(card.kind, kindLabel(thread.kind));
    setBadge(card.badge, thread.status);
    fillTime(card.sinceTime, thread.statusSince);
    show(card.stale, Boolean(thread.stale));
    if (thread.stale && thread.staleSince) fillTime(card.staleTime, thread.staleSince);
    setText(card.summary, thread.summary);
    const terminal = TERMINAL.has(thread.status);
    card.li.classList.toggle('card--terminal', terminal);
    card.li.classList.toggle('card--stale', Boolean(thread.stale));
    card.li.dataset.status = thread.status;
    card.li.dataset.tone = TONES[thread.status] || 'neutral';
    const n = Number(thread.updateCount) || 0;
    setText(card.buttonCount, ` (${n} ${n === 1 ? 'update' : 'updates'})`);
    setText(card.timelineHeading, `Timeline: ${thread.title}`);
    if (!card.updated.firstChild) {
      card.updated.append(document.createTextNode('Last recorded '), el('time', 'when'));
    }
    fillTime(card.updated.lastChild, thread.lastRecordedAt);

    if (previous && previous.version !== thread.version) {
      // A brief highlight, restarted on every change (reduced-motion users get a static outline).
      card.li.classList.remove('card--changed');
      void card.li.offsetWidth;
      card.li.classList.add('card--changed');
    }
    return previous;
  }

  /** The sources of the thread's latest (non-retracted, newest occurredAt) update. */
  async function refreshLatestSources(card, gen) {
    const thread = card.thread;
    if (!thread || card.latest.version === thread.version) return;
    const version = thread.version;
    let latest = null;
    if (card.tl.open && card.tl.version === version && card.tl.items) {
      latest = card.tl.items.find((u) => !u.retracted) || null;
    } else {
      // The first few updates nearly always hold it; follow pages only when every one is retracted.
      const base = `/threads/${encodeURIComponent(card.id)}/updates?limit=5`;
      let pageToken = '';
      for (let i = 0; i < 20 && latest === null; i += 1) {
        const r = await apiGet(pageToken ? `${base}&nextToken=${encodeURIComponent(pageToken)}` : base, null);
        if (gen !== generation) throw new StaleGeneration();
        const items = (r.body && r.body.items) || [];
        latest = items.find((u) => !u.retracted) || null;
        pageToken = r.body && r.body.nextToken;
        if (!pageToken) break;
      }
    }
    card.latest.version = version;
    const sources = (latest && latest.sources) || [];
    card.sourcesList.replaceWith((card.sourcesList = sourceList(sources)));
    show(card.sources, sources.length > 0);
  }

  // ---------------------------------------------------------------- timeline

  async function toggleTimeline(card) {
    const open = !card.tl.open;
    card.tl.open = open;
    card.button.setAttribute('aria-expanded', String(open));
    setText(card.buttonLabel, open ? 'Hide timeline' : 'Show timeline');
    card.li.classList.toggle('card--open', open);
    show(card.timeline, open);
    if (open) {
      try {
        await loadTimeline(card, generation);
      } catch (error) {
        handleError(error);
      }
    }
  }

  async function loadTimeline(card, gen) {
    if (!card.tl.open || !card.thread) return;
    if (card.tl.version === card.thread.version && card.tl.items) return;
    const version = card.thread.version;
    if (!card.tl.items) {
      setText(card.timelineState, 'Loading timeline…');
      show(card.timelineState, true);
    }
    card.timeline.setAttribute('aria-busy', 'true');
    try {
      const base = `/threads/${encodeURIComponent(card.id)}/updates?limit=100`;
      const result = await fetchAllPages(base, card.tl.cache, gen);
      card.tl.cache = result.cache;
      card.tl.version = version;
      if (result.changed || !card.tl.items) {
        card.tl.items = sortUpdates(result.items);
        renderTimeline(card);
      }
      show(card.timelineState, false);
      setText(card.timelineState, '');
      // The timeline knows the latest update too: keep the card's sources in step with it.
      const latest = card.tl.items.find((u) => !u.retracted) || null;
      if (card.latest.version !== version) {
        card.latest.version = version;
        const sources = (latest && latest.sources) || [];
        card.sourcesList.replaceWith((card.sourcesList = sourceList(sources)));
        show(card.sources, sources.length > 0);
      }
    } catch (error) {
      if (error instanceof StaleGeneration) throw error;
      if (error instanceof AuthError) throw error;
      setText(
        card.timelineState,
        error instanceof ApiError ? error.message : 'The timeline could not be loaded.',
      );
      show(card.timelineState, true);
    } finally {
      card.timeline.setAttribute('aria-busy', 'false');
    }
  }

  /** Newest occurredAt first; ties: the later recordedAt first. */
  function sortUpdates(items) {
    return [...items].sort(
      (a, b) =>
        (b.occurredAt || '').localeCompare(a.occurredAt || '') ||
        (b.recordedAt || '').localeCompare(a.recordedAt || ''),
    );
  }

  /** Keyed by update id: an update whose content is unchanged keeps its element (and any focus in it). */
  function renderTimeline(card) {
    const nodes = new Map();
    const wanted = [];
    for (const update of card.tl.items) {
      const key = JSON.stringify(update);
      const held = card.tl.nodes.get(update.id);
      const node = held && held.key === key ? held.node : updateItem(update);
      nodes.set(update.id, { key, node });
      wanted.push(node);
    }
    const list = card.timelineList;
    wanted.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    while (list.children.length > wanted.length) list.lastElementChild.remove();
    card.tl.nodes = nodes;
    if (!wanted.length) {
      setText(card.timelineState, 'No updates.');
      show(card.timelineState, true);
    }
  }

  function updateItem(update) {
    const li = el('li', `update${update.retracted ? ' update--retracted' : ''}`);
    li.dataset.updateId = update.id;

    const head = el('div', 'update__head');
    if (update.status) head.append(statusBadge(update.status));
    else head.append(el('span', 'badge badge--note', 'Note'));
    if (update.retracted) head.append(el('span', 'badge badge--retracted', 'Retracted'));
    head.append(timeEl(update.occurredAt, 'when update__occurred'));
    li.append(head);

    const summaryText = el('p', 'update__summary');
    if (update.retracted) summaryText.append(el('s', null, update.summary));
    else summaryText.textContent = update.summary;
    li.append(summaryText);

    if (update.retracted && update.retraction) {
      const r = update.retraction;
      const p = el('p', 'update__retraction');
      p.append(el('strong', null, 'Retracted'));
      if (r.retractedAt) p.append(document.createTextNode(' '), timeEl(r.retractedAt));
      if (r.retractedBy) p.append(document.createTextNode(` by ${r.retractedBy}`));
      p.append(document.createTextNode(': '), el('span', 'update__reason', r.reason));
      li.append(p);
    }

    const meta = el('dl', 'update__meta');
    const row = (name, value) => {
      const wrap = el('div', 'update__meta-row');
      wrap.append(el('dt', null, name));
      const dd = el('dd');
      if (value instanceof Node) dd.append(value);
      else dd.textContent = value === null || value === undefined ? '—' : String(value);
      wrap.append(dd);
      meta.append(wrap);
    };
    row('Occurred', timeEl(update.occurredAt));
    row('Recorded', timeEl(update.recordedAt));
    row('Posted by', update.postedBy);
    li.append(meta);

    if (Array.isArray(update.sources) && update.sources.length) {
      const block = el('div', 'update__sources');
      block.append(el('h5', 'update__subheading', 'Sources'), sourceList(update.sources));
      li.append(block);
    }
    if (Array.isArray(update.quotes) && update.quotes.length) {
      const block = el('div', 'update__quotes');
      block.append(el('h5', 'update__subheading', 'Quotes'));
      for (const quote of update.quotes) {
        const figure = el('figure', 'quote');
        const blockquote = el('blockquote', 'quote__text');
        blockquote.append(el('p', null, quote.text));
        figure.append(blockquote, el('figcaption', 'quote__speaker', `— ${quote.speaker}`));
        block.append(figure);
      }
      li.append(block);
    }
    return li;
  }

  // ---------------------------------------------------------------- list rendering

  function renderThreads(items, gen) {
    const announcements = [];
    const ids = new Set();
    const wanted = [];
    for (const thread of items) {
      if (!thread || typeof thread.id !== 'string' || ids.has(thread.id)) continue;
      ids.add(thread.id);
      let card = cards.get(thread.id);
      if (!card) {
        card = createCard(thread);
        cards.set(thread.id, card);
        if (!firstRender) announcements.push(`New thread: ${thread.title}, ${label(thread.status)}.`);
      }
      const previous = updateCard(card, thread);
      if (previous && !firstRender) {
        if (previous.status !== thread.status)
          announcements.push(`${thread.title}: now ${label(thread.status)} (was ${label(previous.status)}).`);
        else if (previous.summary !== thread.summary) announcements.push(`${thread.title}: new update.`);
        if (thread.stale && !previous.stale) announcements.push(`${thread.title} is stale.`);
      }
      wanted.push(card.li);
    }
    for (const [id, card] of cards) {
      if (!ids.has(id)) {
        card.li.remove();
        cards.delete(id);
      }
    }
    // Move only what is out of place: moving a node would drop focus inside it.
    const list = ui.threads;
    wanted.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    show(ui.threadsEmpty, wanted.length === 0);
    show(ui.threadsLoading, false);
    if (announcements.length) announce(announcements.join(' '));
    firstRender = false;

    // Sources of the latest update, and open timelines, follow their thread's version.
    const pending = [];
    for (const card of cards.values()) {
      const work = card.tl.open ? loadTimeline(card, gen) : refreshLatestSources(card, gen);
      // One thread's sources failing to load must not hold back the list; auth errors still count.
      pending.push(
        work.catch((error) => {
          if (!(error instanceof ApiError)) throw error;
        }),
      );
    }
    return Promise.all(pending);
  }

  function announce(text) {
    // Clear first so repeating the same words is announced again.
    ui.live.textContent = '';
    window.setTimeout(() => {
      ui.live.textContent = text;
    }, 50);
  }

  // ---------------------------------------------------------------- polling

  async function refresh(gen) {
    const base = `/threads?scenario=${encodeURIComponent(scenario)}&limit=${pageLimit}`;
    const result = await fetchAllPages(base, listPages, gen);
    listPages = result.cache;
    if (result.changed || firstRender) await renderThreads(result.items, gen);
    refreshRelativeTimes();
    show(ui.lastChecked, true);
    setText(ui.lastChecked, `Checked ${clockFormat.format(new Date())}`);
    document.body.dataset.pollCount = String((Number(document.body.dataset.pollCount) || 0) + 1);
  }

  async function tick() {
    timer = null;
    const gen = generation;
    if (!running) return;
    let delay = pollSeconds * 1000;
    if (document.hidden) {
      // A hidden tab does not poll; becoming visible polls at once (see visibilitychange).
      schedule(delay, gen);
      return;
    }
    try {
      await refresh(gen);
      hideBanner();
    } catch (error) {
      if (error instanceof StaleGeneration || gen !== generation) return;
      const retryAfter = handleError(error);
      if (retryAfter === null) return;
      delay = Math.max(delay, retryAfter * 1000);
    }
    schedule(delay, gen);
  }

  function schedule(delay, gen) {
    if (gen !== generation || !running) return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(tick, delay);
  }

  /** Shows what went wrong; returns null when polling must stop, else seconds to wait at least. */
  function handleError(error) {
    if (error instanceof StaleGeneration) return null;
    if (error instanceof AuthError) {
      const message =
        error.message === '403'
          ? 'That token may not read threads (403 Forbidden). Enter a token with the reader role.'
          : 'The tracker did not accept that token (401 Unauthorized): it is unknown or has been revoked. Enter a valid reader token.';
      signOut(message);
      return null;
    }
    if (error instanceof ApiError) {
      showBanner(
        error.status === 0
          ? `Cannot reach the tracker; trying again every ${pollSeconds} s. The threads shown may be out of date.`
          : `${error.message} Trying again in a moment.`,
      );
      return error.retryAfter || 0;
    }
    showBanner('Something went wrong while updating; trying again in a moment.');
    return 0;
  }

  function showBanner(text) {
    setText(ui.banner, text);
    show(ui.banner, true);
  }

  function hideBanner() {
    show(ui.banner, false);
  }

  function start() {
    generation += 1;
    running = true;
    show(ui.tokenView, false);
    show(ui.threadsView, true);
    show(ui.forget, true);
    if (firstRender) show(ui.threadsLoading, true);
    if (timer) window.clearTimeout(timer);
    timer = null;
    tick();
  }

  function stop() {
    generation += 1;
    running = false;
    if (timer) window.clearTimeout(timer);
    timer = null;
  }

  /** Forget the token and everything read with it, and ask for a token again. */
  function signOut(message) {
    stop();
    token = '';
    storeToken('');
    listPages = new Map();
    cards.clear();
    ui.threads.replaceChildren();
    firstRender = true;
    hideBanner();
    show(ui.threadsView, false);
    show(ui.forget, false);
    show(ui.lastChecked, false);
    show(ui.tokenView, true);
    setText(ui.tokenError, message || '');
    show(ui.tokenError, Boolean(message));
    ui.tokenInput.setAttribute('aria-invalid', message ? 'true' : 'false');
    ui.tokenInput.value = '';
    ui.tokenInput.focus();
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    setText(ui.pollInterval, String(pollSeconds));
    setText(ui.scenarioTitle, scenario);
    document.title = `${scenario} — Scenario Tracker`;

    ui.tokenForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = ui.tokenInput.value.trim();
      if (!value) {
        setText(ui.tokenError, 'Enter a token first.');
        show(ui.tokenError, true);
        ui.tokenInput.setAttribute('aria-invalid', 'true');
        ui.tokenInput.focus();
        return;
      }
      token = value;
      storeToken(value);
      ui.tokenInput.value = '';
      show(ui.tokenError, false);
      ui.tokenInput.setAttribute('aria-invalid', 'false');
      start();
      // The form is gone: move focus to the content rather than leave it on a hidden input.
      $('main').focus();
    });

    ui.forget.addEventListener('click', () => signOut(''));

    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && running) {
        if (timer) window.clearTimeout(timer);
        timer = null;
        tick();
      }
    });

    if (!SLUG.test(scenario)) {
      showBanner(
        `“${scenario}” is not a scenario id (lower-case letters, digits and hyphens). Add ?scenario=<id> to the address.`,
      );
      return;
    }
    if (token) start();
    else signOut('');
  }

  init();
})();
