// @ts-check
/**
 * The scenario as a picture: one lane per thread, coloured status segments along occurred time
 * (from the scenario timeline API), marks for updates, retractions and expected dates, today's
 * line, and an "as of" control that redraws the lanes from the board-as-of API. Drawn as plain SVG
 * with presentation attributes only (no <style>, no style attributes), so it obeys the page's CSP
 * and the saved SVG/PNG look the same as on screen. Why not a charting library: docs/architecture.md.
 */
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { enc } from './api.js';
import { label, StatusBadge, loadUpdates } from './board.js';
import { atPrecision, periodEnd } from './dates.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Thread} Thread
 * @typedef {import('./api.js').Update} Update
 * @typedef {import('./board.js').Vocabulary} Vocabulary
 * @typedef {{ threadId: string, updateId: string, status: string, previousStatus: string | null,
 *   occurredAt: string, occurredPrecision?: import('./api.js').Precision, summary: string }} Change
 * @typedef {Change & { status: string | null, key: boolean }} KeyEvent
 */

/**
 * A key event of the timeline as the chart marks an update.
 * @param {KeyEvent} k
 * @returns {Update}
 */
const keyMark = (k) => ({
  id: k.updateId,
  threadId: k.threadId,
  status: k.status,
  summary: k.summary,
  occurredAt: k.occurredAt,
  occurredPrecision: k.occurredPrecision,
  recordedAt: k.occurredAt,
  postedBy: '',
  sources: [],
  quotes: [],
  retracted: false,
  retraction: null,
  key: true,
});

/** Solid tone colours (the same families as the badges), chosen for contrast on white. */
const TONE_FILL = /** @type {Record<string, string>} */ ({
  early: '#6366f1',
  progress: '#2563eb',
  positive: '#16a34a',
  warning: '#d97706',
  negative: '#dc2626',
  neutral: '#6b7280',
});

const WIDTH = 1000;
const LABEL = 230;
const RIGHT = 24;
const TOP = 40;
const LANE = 44;
const DAY = 86_400_000;

/** @param {number} from @param {number} to */
function ticks(from, to) {
  const span = to - from;
  /** @type {{ t: number, text: string }[]} */
  const out = [];
  const d = new Date(from);
  if (span > 4 * 365 * DAY) {
    d.setUTCMonth(0, 1);
    d.setUTCHours(0, 0, 0, 0);
    const step = Math.ceil(span / (8 * 365 * DAY));
    for (
      d.setUTCFullYear(d.getUTCFullYear() + 1);
      d.getTime() < to;
      d.setUTCFullYear(d.getUTCFullYear() + step)
    )
      out.push({ t: d.getTime(), text: String(d.getUTCFullYear()) });
  } else if (span > 45 * DAY) {
    d.setUTCDate(1);
    d.setUTCHours(0, 0, 0, 0);
    const step = Math.max(1, Math.ceil(span / (8 * 30 * DAY)));
    for (d.setUTCMonth(d.getUTCMonth() + 1); d.getTime() < to; d.setUTCMonth(d.getUTCMonth() + step))
      out.push({ t: d.getTime(), text: atPrecision(d.toISOString(), 'month') });
  } else {
    d.setUTCHours(0, 0, 0, 0);
    const step = Math.max(1, Math.ceil(span / (8 * DAY)));
    for (d.setUTCDate(d.getUTCDate() + 1); d.getTime() < to; d.setUTCDate(d.getUTCDate() + step))
      out.push({ t: d.getTime(), text: atPrecision(d.toISOString(), 'day') });
  }
  return out;
}

/** A five-pointed star centred on (cx, cy): how a key event is marked. @param {number} cx @param {number} cy */
function star(cx, cy) {
  const points = [];
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 ? 3 : 7;
    const a = (Math.PI / 5) * i - Math.PI / 2;
    points.push(`${(cx + r * Math.cos(a)).toFixed(1)},${(cy + r * Math.sin(a)).toFixed(1)}`);
  }
  return `M${points.join(' L')} Z`;
}

/** @param {string} text @param {number} max */
const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * @param {{ lanes: Thread[], changes: Change[], updates: Record<string, Update[]>, vocab: Vocabulary,
 *   asOf: string | null, now: number, title: string }} props
 */
function Chart({ lanes, changes, updates, vocab, asOf, now, title }) {
  const end = asOf ? new Date(asOf).getTime() : now;
  const times = changes.map((c) => new Date(c.occurredAt).getTime());
  for (const list of Object.values(updates))
    for (const u of list) times.push(new Date(u.occurredAt).getTime());
  if (!asOf)
    for (const t of lanes)
      if (t.expected) times.push(periodEnd(t.expected.at, t.expected.precision).getTime());
  const first = times.length ? Math.min(...times, end) : end - 30 * DAY;
  const last = Math.max(end, ...(asOf ? [] : times));
  const pad = Math.max(DAY, (last - first) * 0.03);
  const from = first - pad;
  const to = last + pad;
  const x = (/** @type {number} */ t) => LABEL + ((t - from) / (to - from)) * (WIDTH - LABEL - RIGHT);
  const height = TOP + lanes.length * LANE + 70;
  /** @type {Map<string, string>} */
  const legend = new Map();

  const laneNodes = lanes.map((thread, i) => {
    const y = TOP + i * LANE;
    const own = changes
      .filter((c) => c.threadId === thread.id && new Date(c.occurredAt).getTime() <= end)
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const segments = own.map((c, j) => {
      const start = new Date(c.occurredAt).getTime();
      const next = own[j + 1];
      const stop = next ? new Date(next.occurredAt).getTime() : end;
      const tone = vocab.tones[c.status] || 'neutral';
      legend.set(c.status, TONE_FILL[tone] || TONE_FILL.neutral);
      const w = Math.max(2, x(stop) - x(start));
      return html`<rect class="segment" data-status=${c.status} x=${x(start).toFixed(1)} y=${y + 10} width=${w.toFixed(1)}
        height="20" rx="3" fill=${TONE_FILL[tone] || TONE_FILL.neutral} fill-opacity=${vocab.terminal.has(c.status) ? '1' : '0.85'}
        ><title>${`${thread.title}: ${label(c.status)} from ${atPrecision(c.occurredAt, c.occurredPrecision)}${next ? ` to ${atPrecision(next.occurredAt, next.occurredPrecision)}` : ''}`}</title></rect
      >`;
    });
    const marks = (updates[thread.id] || [])
      .filter((u) => new Date(u.occurredAt).getTime() <= end)
      .map((u) => {
        const cx = x(new Date(u.occurredAt).getTime()).toFixed(1);
        const what = `${u.status ? label(u.status) : 'Note'}, ${atPrecision(u.occurredAt, u.occurredPrecision)}: ${u.summary}`;
        return u.retracted
          ? html`<g class="mark mark--retraction" data-update-id=${u.id}>
              <title>${`Retracted: ${what}`}</title>
              <path d=${`M${Number(cx) - 5},${y + 35} l10,10 m0,-10 l-10,10`} stroke="#b91c1c" stroke-width="2.5" fill="none" />
            </g>`
          : u.key
            ? html`<path class="mark mark--key" data-update-id=${u.id} d=${star(Number(cx), y + 40)} fill="#f59e0b"
                stroke="#111827" stroke-width="1"><title>${`Key event: ${what}`}</title></path>`
            : html`<circle class="mark mark--update" data-update-id=${u.id} cx=${cx} cy=${y + 40} r="4" fill="#111827"
              stroke="#ffffff" stroke-width="1"><title>${what}</title></circle>`;
      });
    const expected = !asOf && thread.expected ? thread.expected : null;
    const ex = expected ? x(new Date(expected.at).getTime()) : 0;
    const exEnd = expected ? x(periodEnd(expected.at, expected.precision).getTime()) : 0;
    return html`<g class="lane" data-thread-id=${thread.id}>
      <rect x="0" y=${y} width=${WIDTH} height=${LANE} fill=${i % 2 ? '#ffffff' : '#f5f6f8'} />
      <text x="8" y=${y + 19} font-size="13" font-weight="600" fill="#111827">${clip(thread.title, 30)}</text>
      <text x="8" y=${y + 35} font-size="11" fill="#4b5563">${clip(`${label(thread.status)}${thread.stale ? ' · stale' : ''}${thread.overdue ? ' · overdue' : ''}`, 34)}</text>
      ${segments}
      ${
        expected
          ? html`<g class="mark mark--expected">
            <title>${`Expected: ${expected.what}, by ${atPrecision(expected.at, expected.precision)}`}</title>
            ${
              exEnd - ex > 3
                ? html`<rect x=${ex.toFixed(1)} y=${y + 8} width=${(exEnd - ex).toFixed(1)} height="24" fill="none"
                  stroke="#7c3aed" stroke-dasharray="3 2" />`
                : null
            }
            <path d=${`M${exEnd.toFixed(1)},${y + 6} l7,14 l-7,14 l-7,-14 z`} fill="#ffffff" stroke="#7c3aed" stroke-width="2" />
          </g>`
          : null
      }
      ${marks}
    </g>`;
  });

  const legendItems = [...legend.entries()];
  const legendY = TOP + lanes.length * LANE + 34;
  const todayX = x(now);
  return html`<svg class="picture__svg" xmlns="http://www.w3.org/2000/svg" viewBox=${`0 0 ${WIDTH} ${height}`}
    width=${WIDTH} height=${height} role="img" aria-labelledby="picture-title picture-desc" font-family="system-ui, sans-serif">
    <title id="picture-title">${title}</title>
    <desc id="picture-desc">One lane per thread; coloured bars are statuses along the time they held, dots are updates,
      stars key events, crosses retractions, diamonds expected dates, the dashed line today.</desc>
    <rect x="0" y="0" width=${WIDTH} height=${height} fill="#ffffff" />
    ${ticks(from, to).map(
      (t) => html`<g class="tick">
        <line x1=${x(t.t).toFixed(1)} x2=${x(t.t).toFixed(1)} y1=${TOP - 6} y2=${TOP + lanes.length * LANE} stroke="#e5e7eb" />
        <text x=${x(t.t).toFixed(1)} y=${TOP - 12} font-size="11" text-anchor="middle" fill="#4b5563">${t.text}</text>
      </g>`,
    )}
    ${laneNodes}
    ${
      todayX <= WIDTH - RIGHT + 1
        ? html`<g class="today">
          <line x1=${todayX.toFixed(1)} x2=${todayX.toFixed(1)} y1=${TOP - 4} y2=${TOP + lanes.length * LANE + 4}
            stroke="#111827" stroke-width="1.5" stroke-dasharray="5 4" />
          <text x=${(todayX - 4).toFixed(1)} y=${TOP + lanes.length * LANE + 18} font-size="11" text-anchor="end" fill="#111827">Today</text>
        </g>`
        : null
    }
    ${
      asOf
        ? html`<g class="as-of">
          <line x1=${x(end).toFixed(1)} x2=${x(end).toFixed(1)} y1=${TOP - 4} y2=${TOP + lanes.length * LANE + 4}
            stroke="#7c3aed" stroke-width="2" />
          <text x=${(x(end) - 4).toFixed(1)} y=${TOP + lanes.length * LANE + 18} font-size="11" text-anchor="end" fill="#5b21b6">${`As of ${atPrecision(asOf, 'day')}`}</text>
        </g>`
        : null
    }
    <g class="legend">
      ${legendItems.map(
        (
          [status, fill],
          i,
        ) => html`<g transform=${`translate(${LABEL + (i % 6) * 125}, ${legendY + Math.floor(i / 6) * 18})`}>
          <rect width="12" height="12" y="-10" rx="2" fill=${fill} />
          <text x="17" font-size="11" fill="#111827">${label(status)}</text>
        </g>`,
      )}
    </g>
  </svg>`;
}

/** @param {Blob} blob @param {string} name */
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** @param {SVGSVGElement} svg */
function svgText(svg) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

/** @param {SVGSVGElement} svg */
async function pngOf(svg) {
  const box = svg.viewBox.baseVal;
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const scale = 2;
    const canvas = document.createElement('canvas');
    canvas.width = box.width * scale;
    canvas.height = box.height * scale;
    const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, box.width, box.height);
    return await new Promise((done, fail) =>
      canvas.toBlob((b) => (b ? done(b) : fail(new Error('The PNG could not be made.'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * @param {{ api: Api, scenario: string, scenarioTitle: string, threads: Thread[], vocab: Vocabulary,
 *   version: string, onAuthError: (e: unknown) => void }} props `version` changes whenever the board does.
 */
export function Picture({ api, scenario, scenarioTitle, threads, vocab, version, onAuthError }) {
  const [asOf, setAsOf] = useState('');
  // Contract 1.2 "Key events": only the key events marked (GET …/timeline?key=true), and listed.
  const [keyOnly, setKeyOnly] = useState(false);
  const [data, setData] = useState(
    /** @type {{ changes: Change[], updates: Record<string, Update[]>, board: Thread[] | null, asOf: string | null, keys: KeyEvent[] | null } | null} */ (
      null
    ),
  );
  const [error, setError] = useState('');
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));

  useEffect(() => {
    let live = true;
    (async () => {
      const changes = /** @type {Change[]} */ (
        await api.all(`/scenarios/${enc(scenario)}/timeline?limit=100`)
      );
      /** @type {Record<string, Update[]>} */
      const updates = {};
      /** @type {KeyEvent[] | null} */
      let keys = null;
      if (keyOnly) {
        keys = /** @type {KeyEvent[]} */ (
          await api.all(`/scenarios/${enc(scenario)}/timeline?key=true&limit=100`)
        );
        for (const k of keys) (updates[k.threadId] ||= []).push(keyMark(k));
      } else {
        await Promise.all(threads.map(async (t) => (updates[t.id] = await loadUpdates(api, t.id))));
      }
      /** @type {Thread[] | null} */
      let board = null;
      let resolved = null;
      if (asOf) {
        board = await api.all(`/threads?scenario=${enc(scenario)}&asOf=${enc(asOf)}&limit=100`);
        resolved = (board[0] && board[0].asOf) || `${asOf}T23:59:59.999Z`;
      }
      if (live) {
        setData({ changes, updates, board, asOf: resolved, keys });
        setError('');
      }
    })().catch((e) => {
      if (!live) return;
      onAuthError(e);
      setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      live = false;
    };
  }, [scenario, version, asOf, keyOnly]);

  const lanes = data && data.board ? data.board : threads;
  const title = `${scenarioTitle}: threads over time${data && data.asOf ? `, as of ${atPrecision(data.asOf, 'day')}` : ''}`;
  const svg = () => /** @type {SVGSVGElement | null} */ (ref.current && ref.current.querySelector('svg'));

  return html`<section class="picture" aria-labelledby="picture-heading">
    <div class="picture__bar">
      <h2 id="picture-heading" class="picture__heading">Picture</h2>
      <form class="picture__asof" onSubmit=${(/** @type {Event} */ e) => e.preventDefault()}>
        <label for="as-of">As of</label>
        <input id="as-of" type="date" value=${asOf} max=${new Date().toISOString().slice(0, 10)}
          onChange=${(/** @type {Event} */ e) => setAsOf(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
        ${asOf ? html`<button type="button" class="button button--small button--quiet" onClick=${() => setAsOf('')}>Today</button>` : null}
      </form>
      <label class="check"><input type="checkbox" id="key-only" checked=${keyOnly}
        onChange=${(/** @type {Event} */ e) => setKeyOnly(/** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
        Key events only</label>
      <div class="picture__save">
        <button type="button" class="button button--small" data-save="svg" disabled=${!data}
          onClick=${() => {
            const s = svg();
            if (s) download(new Blob([svgText(s)], { type: 'image/svg+xml' }), `${scenario}-picture.svg`);
          }}>Save SVG</button>
        <button type="button" class="button button--small" data-save="png" disabled=${!data}
          onClick=${async () => {
            const s = svg();
            if (s) download(await pngOf(s), `${scenario}-picture.png`);
          }}>Save PNG</button>
      </div>
    </div>
    ${error ? html`<p class="notice" role="alert">${error}</p>` : null}
    <div class="picture__frame" ref=${ref} data-as-of=${(data && data.asOf) || ''} aria-busy=${data ? 'false' : 'true'}>
      ${
        data
          ? lanes.length
            ? html`<${Chart} lanes=${lanes} changes=${data.changes} updates=${data.updates} vocab=${vocab}
              asOf=${data.asOf} now=${Date.now()} title=${title} />`
            : html`<p class="empty">No thread had a status then.</p>`
          : html`<p class="empty">Drawing…</p>`
      }
    </div>
    ${
      data && data.keys
        ? html`<section class="picture__keys" id="key-events" aria-labelledby="key-events-heading">
          <h3 id="key-events-heading" class="picture__heading">Key events</h3>
          ${
            data.keys.length
              ? html`<ol class="picture__key-list">
                ${data.keys.map(
                  (k) => html`<li data-update-id=${k.updateId} data-thread-id=${k.threadId}>
                    <span class="picture__key-when">${atPrecision(k.occurredAt, k.occurredPrecision)}</span>${' '}
                    <strong>${(threads.find((t) => t.id === k.threadId) || { title: k.threadId }).title}</strong>:${' '}
                    ${k.status ? html`<${StatusBadge} status=${k.status} vocab=${vocab} />` : null} ${k.summary}
                  </li>`,
                )}
              </ol>`
              : html`<p class="empty">No update of this scenario is marked a key event yet.</p>`
          }
        </section>`
        : null
    }
    ${
      data
        ? html`<table class="picture__board">
          <caption>${data.asOf ? `The board as of ${atPrecision(data.asOf, 'day')}` : 'The board today'}</caption>
          <thead><tr><th scope="col">Thread</th><th scope="col">Status</th><th scope="col">Since</th></tr></thead>
          <tbody>
            ${lanes.map(
              (t) => html`<tr data-thread-id=${t.id} data-status=${t.status}>
                <th scope="row">${t.title}</th>
                <td><${StatusBadge} status=${t.status} vocab=${vocab} /></td>
                <td>${atPrecision(t.statusSince, t.statusSincePrecision)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
        : null
    }
  </section>`;
}
