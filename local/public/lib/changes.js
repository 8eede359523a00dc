// @ts-check
/**
 * "Since your last visit" (contract 1.2 "What changed since"): what the tracker recorded about the
 * scenario since this browser last looked, from `GET /scenarios/{id}/changes?since=`. The feed's last
 * `cursor` is kept in localStorage per scenario, so the next visit asks from there and misses
 * nothing (edits, retractions and moves included). A first visit has no cursor: it starts from now.
 */
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { ApiError, enc } from './api.js';
import { label, When } from './board.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {{ type: string, at: string, by: string | null, scenario: string, threadId: string,
 *   updateId?: string, status?: string | null, previousStatus?: string | null, occurredAt?: string,
 *   previousScenario?: string, fields?: string[], cursor: string }} Change
 */

/** The most changes one visit reads (pages of 100); more come up on the next visit. */
const MOST = 300;
/** The most listed: the newest ones. */
const LISTED = 50;

/** @param {string} scenario */
export const cursorKey = (scenario) => `scenario-tracker.changesSince.${scenario}`;

/** @param {string} scenario */
function stored(scenario) {
  try {
    return window.localStorage.getItem(cursorKey(scenario)) || '';
  } catch {
    return '';
  }
}

/** @param {string} scenario @param {string} since */
function store(scenario, since) {
  try {
    window.localStorage.setItem(cursorKey(scenario), since);
  } catch {
    /* storage disabled: every visit is a first one */
  }
}

/**
 * One change in words.
 * @param {Change} c
 */
export function describe(c) {
  switch (c.type) {
    case 'thread_created':
      return `new thread${c.status ? `, ${label(c.status)}` : ''}`;
    case 'update':
      return c.status ? `update: ${label(c.status)}` : 'a note';
    case 'late_update':
      return `late update (about an earlier time)${c.status ? `: ${label(c.status)}` : ''}`;
    case 'status_changed':
      return `now ${label(c.status || '')}${c.previousStatus ? ` (was ${label(c.previousStatus)})` : ''}`;
    case 'amended':
      return 'an update’s wording amended';
    case 'retracted':
      return 'an update retracted';
    case 'moved':
      return c.previousScenario ? `moved (from ${c.previousScenario})` : 'moved';
    case 'archived':
      return 'archived';
    case 'unarchived':
      return 'back on the board';
    case 'expected_set':
      return 'expected date set';
    case 'expected_cleared':
      return 'expected date cleared';
    case 'changed':
      return `changed: ${(c.fields || []).join(', ') || 'details'}`;
    case 'published':
      return `draft published${c.status ? `: ${label(c.status)}` : ''}`;
    case 'stale':
      return 'became stale';
    case 'overdue':
      return 'became overdue';
    default:
      return label(c.type);
  }
}

/**
 * @param {{ api: Api, scenario: string, threads: Thread[], onAuthError: (e: unknown) => void }} props
 */
export function SinceLastVisit({ api, scenario, threads, onAuthError }) {
  const [state, setState] = useState(
    /** @type {{ first: boolean, items: Change[], more: boolean, message: string } | null} */ (null),
  );
  const [hidden, setHidden] = useState(false);

  // Once per scenario a visit: what changed since the stored cursor; the newest cursor is kept for
  // the next visit.
  useEffect(() => {
    let live = true;
    setState(null);
    setHidden(false);
    const since = stored(scenario);
    (async () => {
      if (!since) {
        // A first visit: nothing to catch up on; the next one asks from now.
        store(scenario, new Date().toISOString());
        if (live) setState({ first: true, items: [], more: false, message: '' });
        return;
      }
      /** @type {Change[]} */
      const items = [];
      let next = '';
      let more = false;
      for (;;) {
        const r = await api.get(
          `/scenarios/${enc(scenario)}/changes?since=${enc(since)}&limit=100${next ? `&nextToken=${enc(next)}` : ''}`,
        );
        const page = /** @type {Change[]} */ ((r.body && r.body.items) || []);
        items.push(...page);
        next = (r.body && r.body.nextToken) || '';
        if (!next) break;
        if (items.length >= MOST) {
          more = true;
          break;
        }
      }
      if (!live) return;
      const newest = items.length ? items[items.length - 1].cursor : since;
      // Only what this visit listed counts as seen: the rest comes up next time.
      if (newest) store(scenario, newest);
      setState({ first: false, items, more, message: '' });
    })().catch((error) => {
      if (!live) return;
      onAuthError(error);
      if (error instanceof ApiError && error.status === 400) {
        // Too old (400 days) or not a cursor any more: start again from now.
        store(scenario, new Date().toISOString());
        setState({
          first: true,
          items: [],
          more: false,
          message: 'Your last visit is too long ago to list what changed; from now on it is.',
        });
        return;
      }
      setState({
        first: false,
        items: [],
        more: false,
        message: error instanceof Error ? error.message : String(error),
      });
    });
    return () => {
      live = false;
    };
  }, [scenario]);

  // A first visit has nothing to catch up on: no panel (unless something needs saying).
  if (!state || hidden || (state.first && !state.message)) return null;
  /** @param {string} id */
  const titleOf = (id) => threads.find((t) => t.id === id)?.title || id;
  const n = state.items.length;
  return html`<section id="since" class="since" aria-labelledby="since-heading" data-count=${n}>
    <div class="since__bar">
      <h2 id="since-heading" class="since__heading">Since your last visit</h2>
      <button type="button" class="button button--small button--quiet" data-action="hide-since"
        onClick=${() => setHidden(true)}>Hide</button>
    </div>
    ${state.message ? html`<p class="notice" role="status">${state.message}</p>` : null}
    ${
      state.first
        ? null
        : n === 0
          ? html`<p class="since__none">Nothing has changed since your last visit.</p>`
          : html`<p class="since__count">${n}${state.more ? '+' : ''} ${n === 1 ? 'change' : 'changes'}${
              n > LISTED ? `; the ${LISTED} newest` : ''
            }, oldest first:</p>
            <ol class="since__list">
              ${state.items.slice(-LISTED).map(
                (c) => html`<li class="since__item" data-type=${c.type} data-thread-id=${c.threadId}>
                  <${When} iso=${c.at} className="when since__when" />${' '}
                  <strong>${titleOf(c.threadId)}</strong>: ${describe(c)}${c.by ? html`<span class="since__by"> · by ${c.by}</span>` : null}
                </li>`,
              )}
            </ol>`
    }
  </section>`;
}
