import { STATUS_TONES } from '../domain/tones';
import { EMBED_CSS } from './public-pages';
import { PUBLIC_MAX_AGE_SECONDS } from '../domain/public-cache';

/**
 * GET /embed.js: a classic script defining `<scenario-tracker scenario="…" thread="…">` (contract
 * 1.2). Vanilla custom element, no dependency, no build step: it renders the markup of
 * shared/http/public-pages.ts (the same structure, classes and date rules) into its shadow root
 * from the public JSON of the tracker that served the script, and polls it every max-age (a
 * shorter poll would only meet the same cached copy). Until
 * its first answer it shows its own children (the embed page puts the server's rendering there).
 * A `scenario-tracker:updated` event follows every rendering.
 */
export function embedScript(): string {
  return `/* Scenario Tracker: <scenario-tracker scenario="…" thread="…"> */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('scenario-tracker')) return;
  const CSS = ${JSON.stringify(EMBED_CSS)};
  const TONES = ${JSON.stringify(STATUS_TONES)};
  const POLL_MS = ${PUBLIC_MAX_AGE_SECONDS * 1000};
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
      this.onVisible = () => { if (document.visibilityState === 'visible') this.refresh(); };
    }
    connectedCallback() {
      this.refresh();
      this.timer = setInterval(() => this.refresh(), POLL_MS);
      document.addEventListener('visibilitychange', this.onVisible);
    }
    disconnectedCallback() {
      clearInterval(this.timer);
      document.removeEventListener('visibilitychange', this.onVisible);
    }
    attributeChangedCallback() { if (this.isConnected) this.refresh(); }
    /** Read the public JSON now and render it. */
    async refresh() {
      const scenario = this.getAttribute('scenario');
      if (!scenario) return;
      const thread = this.getAttribute('thread');
      const path = '/public/scenarios/' + encodeURIComponent(scenario) + (thread ? '/threads/' + encodeURIComponent(thread) : '');
      const page = BASE + '/p/' + encodeURIComponent(scenario);
      let view;
      try {
        // Revalidated every time: the CDN answers from its copy (304 when unchanged), and the
        // browser's own copy never adds a second max-age to the CDN's.
        const r = await fetch(BASE + path, { cache: 'no-cache' });
        if (r.status === 404) {
          this.view.innerHTML = '<div class="st"><p>This tracker is not public.</p></div>';
          return;
        }
        if (!r.ok) return;
        view = await r.json();
      } catch (e) {
        return; // offline: keep what is shown
      }
      this.view.innerHTML = thread ? threadMarkup(view, page) : scenarioMarkup(view, page);
      this.dispatchEvent(new CustomEvent('scenario-tracker:updated', { detail: view }));
    }
  }
  customElements.define('scenario-tracker', ScenarioTracker);
})();
`;
}
