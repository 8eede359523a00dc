import { STATUS_TONES } from '../domain/tones';
import { EMBED_CSS } from './public-pages';
import { PUBLIC_MAX_AGE_SECONDS } from '../domain/public-cache';
import { CHANNEL_SEGMENT_MAX, PUBLIC_NAMESPACE } from '../domain/public-channel';
import type { Config } from '../config';

/** What the element needs to follow the public channels live: the socket, the host it authorizes against, the readers' key. */
export interface LiveEmbedConfig {
  url: string;
  host: string;
  apiKey: string;
}

/** The live part of the embed, from the settings; undefined (the element only polls) when there is none. */
export const liveEmbedConfig = (config: Pick<Config, 'publicEvents'>): LiveEmbedConfig | undefined =>
  config.publicEvents?.realtime
    ? {
        url: config.publicEvents.realtime.url,
        host: new URL(config.publicEvents.httpUrl).host,
        apiKey: config.publicEvents.realtime.apiKey,
      }
    : undefined;

/** Backoff of the element's reconnects: from 1 s, doubling, at most 60 s, jittered (as the desk's client). */
export const LIVE_BACKOFF = { firstMs: 1_000, maxMs: 60_000 };

/**
 * GET /embed.js: a classic script defining `<scenario-tracker scenario="…" thread="…">` (contract
 * 1.2). Vanilla custom element, no dependency, no build step: it renders the markup of
 * shared/http/public-pages.ts (the same structure, classes and date rules) into its shadow root
 * from the public JSON of the tracker that served the script. Until its first answer it shows its
 * own children (the embed page puts the server's rendering there). A `scenario-tracker:updated`
 * event follows every rendering.
 *
 * It keeps itself current live, with polling as the fallback, as the desk does: one WebSocket per
 * page to the public channels (AWS AppSync Events' protocol; the settings name the endpoint and the
 * readers' key, `live`), one subscription per scenario shown (`/public/<scenario>`), and each message
 * redraws the thread it carries (shared/app/public-live.ts) without a request. While a scenario's
 * subscription is not live (no settings, the socket refused, closed or silent past its keep-alive)
 * the element polls the public JSON every max-age (a shorter poll would only meet the same cached
 * copy) and the socket is tried again with a growing, jittered delay; a socket that comes back reads
 * the JSON once, for what it missed.
 */
export function embedScript(live?: LiveEmbedConfig): string {
  return `/* Scenario Tracker: <scenario-tracker scenario="…" thread="…"> */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('scenario-tracker')) return;
  const CSS = ${JSON.stringify(EMBED_CSS)};
  const TONES = ${JSON.stringify(STATUS_TONES)};
  const POLL_MS = ${PUBLIC_MAX_AGE_SECONDS * 1000};
  const LIVE = ${JSON.stringify(live ?? null)};
  const BACKOFF = ${JSON.stringify(LIVE_BACKOFF)};
  const SEGMENT = ${CHANNEL_SEGMENT_MAX};
  const MONTHS = ['January','February','March','April','May','June','July','August','September','October','November','December'];
  const me = document.currentScript;
  // The tracker that served this script, under any base path it has.
  const BASE = me && me.src ? me.src.replace(/\\/embed\\.js(?:[?#].*)?$/, '') : location.origin;
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
  const date = (at, precision) => {
    const d = new Date(at);
    const year = String(d.getUTCFullYear());
    const month = MONTHS[d.getUTCMonth()] + ' ' + year;
    const day = d.getUTCDate() + ' ' + month;
    if (precision === 'year') return year;
    if (precision === 'month') return month;
    if (precision === 'day') return day;
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    return day + ', ' + hh + ':' + mm + ' UTC';
  };
  const label = (s) => String(s).replace(/_/g, ' ');
  const tone = (s) => TONES[s] || 'neutral';
  const line = (t) =>
    '<span class="status" data-tone="' + tone(t.status) + '">' + esc(label(t.status)) + '</span>' +
    ' <span class="since">since <time datetime="' + esc(t.statusSince) + '">' + esc(date(t.statusSince, t.statusSincePrecision)) + '</time></span>' +
    (t.overdue ? ' <span class="flag">overdue</span>' : '') +
    (t.disputed ? ' <span class="flag">disputed</span>' : '');
  const expected = (t) =>
    t.expected ? '<p class="expected">Expected: ' + esc(t.expected.what) + ', ' + esc(date(t.expected.at, t.expected.precision)) + '</p>' : '';
  const scenarioMarkup = (v, page) =>
    '<div class="st"><h1>' + esc(v.title) + '</h1><ul>' +
    v.threads.map((t) => '<li><span class="name">' + esc(t.title) + '</span> ' + line(t) + '</li>').join('') +
    '</ul><p class="foot">Updated <time datetime="' + esc(v.updatedAt) + '">' + esc(date(v.updatedAt, 'instant')) + '</time> · <a href="' + esc(page) + '" target="_blank" rel="noopener">Scenario Tracker</a></p></div>';
  const threadMarkup = (v, page) =>
    '<div class="st"><h1>' + esc(v.title) + '</h1><p>' + line(v) + '</p><p>' + esc(v.summary) + '</p>' + expected(v) +
    '<p class="foot"><a href="' + esc(page) + '" target="_blank" rel="noopener">Scenario Tracker</a></p></div>';
  // ---- The public channels: one socket for the page, AppSync Events' protocol ----
  const channelOf = (scenario) => {
    const parts = [];
    for (let at = 0; at < scenario.length; at += SEGMENT) parts.push(scenario.slice(at, at + SEGMENT));
    return '/' + ${JSON.stringify(PUBLIC_NAMESPACE)} + '/' + parts.join('/');
  };
  const b64url = (s) => btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const hub = {
    ws: null,
    acked: false,
    attempts: 0,
    retry: null,
    silence: null,
    timeoutMs: 300000,
    nextId: 0,
    /** channel -> { id, live, watchers: Set } */
    channels: new Map(),
    auth() { return { host: LIVE.host, 'x-api-key': LIVE.apiKey }; },
    watch(channel, watcher) {
      if (!LIVE || typeof WebSocket !== 'function') return;
      let c = this.channels.get(channel);
      if (!c) {
        c = { id: null, live: false, watchers: new Set() };
        this.channels.set(channel, c);
      }
      c.watchers.add(watcher);
      if (this.acked && !c.id) this.subscribe(channel, c);
      this.open();
    },
    unwatch(channel, watcher) {
      const c = this.channels.get(channel);
      if (!c) return;
      c.watchers.delete(watcher);
      if (c.watchers.size > 0) return;
      this.channels.delete(channel);
      if (c.id && this.acked) this.send({ type: 'unsubscribe', id: c.id });
      if (this.channels.size === 0 && this.ws) this.ws.close(1000, 'no subscriptions');
    },
    isLive(channel) {
      const c = this.channels.get(channel);
      return !!(c && c.live);
    },
    send(message) {
      if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(message));
    },
    subscribe(channel, c) {
      c.id = 'st-' + ++this.nextId + '-' + Math.random().toString(36).slice(2, 10);
      this.send({ type: 'subscribe', id: c.id, channel, authorization: this.auth() });
    },
    open() {
      if (this.ws || this.retry || this.channels.size === 0) return;
      let ws;
      try {
        ws = new WebSocket(LIVE.url, ['aws-appsync-event-ws', 'header-' + b64url(JSON.stringify(this.auth()))]);
      } catch (e) {
        return this.lost();
      }
      this.ws = ws;
      ws.onopen = () => this.send({ type: 'connection_init' });
      ws.onmessage = (m) => {
        let msg;
        try { msg = JSON.parse(m.data); } catch (e) { return; }
        this.heard();
        if (msg.type === 'connection_ack') {
          this.acked = true;
          if (msg.connectionTimeoutMs) this.timeoutMs = msg.connectionTimeoutMs;
          this.heard();
          for (const [channel, c] of this.channels) this.subscribe(channel, c);
        } else if (msg.type === 'subscribe_success') {
          for (const c of this.channels.values())
            if (c.id === msg.id) {
              const back = this.attempts > 0;
              c.live = true;
              this.attempts = 0;
              for (const w of c.watchers) w.live(back);
            }
        } else if (msg.type === 'subscribe_error') {
          // Refused (no such channel for this key): that scenario polls.
          for (const c of this.channels.values()) if (c.id === msg.id) c.live = false;
        } else if (msg.type === 'data') {
          let event;
          try { event = JSON.parse(msg.event); } catch (e) { return; }
          for (const c of this.channels.values())
            if (c.id === msg.id) for (const w of c.watchers) w.message(event);
        }
      };
      ws.onclose = () => this.lost();
      ws.onerror = () => undefined; // a close follows
    },
    /** Anything from the server: the connection is alive for another connectionTimeoutMs. */
    heard() {
      clearTimeout(this.silence);
      this.silence = setTimeout(() => this.ws && this.ws.close(4000, 'silent'), this.timeoutMs);
    },
    /** The socket could not open, or closed: poll, and try again after a while. */
    lost() {
      clearTimeout(this.silence);
      if (this.ws) {
        this.ws.onclose = this.ws.onmessage = this.ws.onopen = null;
        try { this.ws.close(); } catch (e) { /* closed already */ }
      }
      this.ws = null;
      this.acked = false;
      for (const c of this.channels.values()) {
        const was = c.live;
        c.live = false;
        c.id = null;
        if (was) for (const w of c.watchers) w.dropped();
      }
      if (this.channels.size === 0 || this.retry) return;
      const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * Math.pow(2, this.attempts++));
      this.retry = setTimeout(() => {
        this.retry = null;
        this.open();
      }, ceiling / 2 + Math.random() * (ceiling / 2));
    },
  };
  let sheet = null;
  try {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  } catch (e) {
    sheet = null;
  }
  class ScenarioTracker extends HTMLElement {
    static get observedAttributes() { return ['scenario', 'thread']; }
    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      if (sheet && 'adoptedStyleSheets' in root) root.adoptedStyleSheets = [sheet];
      else {
        const style = document.createElement('style');
        style.textContent = CSS;
        root.append(style);
      }
      this.view = document.createElement('div');
      this.view.setAttribute('aria-live', 'polite');
      this.view.append(document.createElement('slot'));
      root.append(this.view);
      this.onVisible = () => { if (document.visibilityState === 'visible' && !this.isLive()) this.refresh(); };
      this.shown = null;
      /** The newest change applied per thread (a message's updatedAt). */
      this.seenAt = {};
      this.watcher = {
        message: (m) => this.apply(m),
        // The socket came back after a loss: read once what it may have missed.
        live: (back) => { this.dataset.live = 'live'; if (back) this.refresh(); },
        dropped: () => { this.dataset.live = 'polling'; },
      };
    }
    connectedCallback() {
      this.dataset.live = 'polling';
      this.refresh();
      // The fallback: a poll every max-age, skipped while the scenario's subscription is live.
      this.timer = setInterval(() => { if (!this.isLive()) this.refresh(); }, POLL_MS);
      document.addEventListener('visibilitychange', this.onVisible);
      this.follow();
    }
    disconnectedCallback() {
      clearInterval(this.timer);
      document.removeEventListener('visibilitychange', this.onVisible);
      if (this.channel) hub.unwatch(this.channel, this.watcher);
      this.channel = null;
    }
    attributeChangedCallback() {
      if (!this.isConnected) return;
      this.follow();
      this.refresh();
    }
    /** Subscribe to the shown scenario's channel (and leave the one of a scenario no longer shown). */
    follow() {
      const scenario = this.getAttribute('scenario');
      const channel = scenario ? channelOf(scenario) : null;
      if (channel === this.channel) return;
      if (this.channel) hub.unwatch(this.channel, this.watcher);
      this.channel = channel;
      if (channel) hub.watch(channel, this.watcher);
    }
    isLive() { return !!this.channel && hub.isLive(this.channel); }
    /** A message of the scenario's channel: redraw from it, or read the JSON again when it says so. */
    apply(m) {
      const thread = this.getAttribute('thread');
      const view = this.shown;
      if (!m || !view || m.type === 'refetch') return this.refresh();
      if (m.type === 'removed') {
        if (thread ? m.threadId === thread : view.threads.some((t) => t.id === m.threadId)) this.refresh();
        return;
      }
      if (m.type !== 'thread' || !m.thread) return;
      // Messages of two quick changes may cross on the way: an older state never replaces a newer one.
      const seen = this.seenAt[m.thread.id];
      if (seen && m.updatedAt && m.updatedAt < seen) return;
      if (m.updatedAt) this.seenAt[m.thread.id] = m.updatedAt;
      if (thread) {
        if (m.thread.id !== thread) return;
        this.render(Object.assign({}, view, m.thread));
        return;
      }
      const threads = view.threads.slice();
      const at = threads.findIndex((t) => t.id === m.thread.id);
      if (at >= 0) threads[at] = m.thread;
      else threads.push(m.thread);
      const updatedAt = m.updatedAt && m.updatedAt > view.updatedAt ? m.updatedAt : view.updatedAt;
      this.render(Object.assign({}, view, { threads, updatedAt }));
    }
    render(view) {
      const scenario = this.getAttribute('scenario');
      const page = BASE + '/p/' + encodeURIComponent(scenario);
      this.shown = view;
      this.view.innerHTML = this.getAttribute('thread') ? threadMarkup(view, page) : scenarioMarkup(view, page);
      this.dispatchEvent(new CustomEvent('scenario-tracker:updated', { detail: view }));
    }
    /** Read the public JSON now and render it. */
    async refresh() {
      const scenario = this.getAttribute('scenario');
      if (!scenario) return;
      const thread = this.getAttribute('thread');
      const path = '/public/scenarios/' + encodeURIComponent(scenario) + (thread ? '/threads/' + encodeURIComponent(thread) : '');
      let view;
      try {
        // Revalidated every time: the CDN answers from its copy (304 when unchanged), and the
        // browser's own copy never adds a second max-age to the CDN's.
        const r = await fetch(BASE + path, { cache: 'no-cache' });
        if (r.status === 404) {
          this.shown = null;
          this.view.innerHTML = '<div class="st"><p>This tracker is not public.</p></div>';
          return;
        }
        if (!r.ok) return;
        view = await r.json();
      } catch (e) {
        return; // offline: keep what is shown
      }
      this.render(view);
    }
  }
  customElements.define('scenario-tracker', ScenarioTracker);
})();
`;
}
