import { createHash } from 'node:crypto';
import type { PublicKeyEvent, PublicScenario, PublicThread, PublicThreadDetail } from '../app/public';
import type { Precision } from '../domain/time';
import { STATUS_TONES } from '../domain/tones';

/**
 * What the public routes render besides JSON (contract 1.2, "Public scenarios and embeds"): the
 * embed page for an iframe, the `<scenario-tracker>` element's script, the badge and the public
 * page with its JSON-LD. No template library: a handful of escaped strings, and nothing that loads
 * from another host (no fonts, no analytics), so an embed costs its reader no third-party request.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * A time at the precision it is known: `2025` for a year, `May 2025`, `16 May 2025`, or an instant to
 * the minute in UTC. Never more precise than stored: a day is not shown as midnight. embed.js holds
 * the same rules for the browser (the browser test checks they agree).
 */
export function dateAtPrecision(at: string, precision: Precision): string {
  const d = new Date(at);
  const year = String(d.getUTCFullYear());
  const month = `${MONTHS[d.getUTCMonth()]} ${year}`;
  const day = `${d.getUTCDate()} ${month}`;
  if (precision === 'year') return year;
  if (precision === 'month') return month;
  if (precision === 'day') return day;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${day}, ${hh}:${mm} UTC`;
}

/** Text for HTML and XML, in content and in double-quoted attributes. */
export const escapeXml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const statusLabel = (status: string) => status.replace(/_/g, ' ');
const toneOf = (status: string) => STATUS_TONES[status] ?? 'neutral';

/**
 * The embed's styles: the embed page's own `<style>` and the element's shadow root share them, so
 * one hash in the page's CSP allows both. Light and dark by `prefers-color-scheme`; sizes in rem and
 * wrapping lines, so a 320 px phone reads it without scrolling sideways.
 */
export const EMBED_CSS = `:host,.st{display:block}
body{margin:0}
.st{--bg:#ffffff;--fg:#1b1b1b;--muted:#4d4d4d;--line:#d6d6d6;--early:#e7edf9;--progress:#e3f1fb;--positive:#e2f4e6;--warning:#fdf0d9;--negative:#fbe3e3;--neutral:#ececec;
font:1rem/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);padding:.75rem 1rem;margin:0;max-width:40rem;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){.st{--bg:#161616;--fg:#f0f0f0;--muted:#c4c4c4;--line:#3a3a3a;--early:#233150;--progress:#16384d;--positive:#1d3d25;--warning:#47360f;--negative:#4d1f1f;--neutral:#333333}}
.st h1{font-size:1.15rem;margin:0 0 .5rem}
.st ul{list-style:none;margin:0;padding:0}
.st li{padding:.45rem 0;border-top:1px solid var(--line)}
.st .name{font-weight:600;margin-right:.4rem}
.st .status{display:inline-block;padding:0 .45rem;border-radius:.3rem;background:var(--neutral);font-weight:600}
.st .status[data-tone=early]{background:var(--early)}.st .status[data-tone=progress]{background:var(--progress)}
.st .status[data-tone=positive]{background:var(--positive)}.st .status[data-tone=warning]{background:var(--warning)}
.st .status[data-tone=negative]{background:var(--negative)}
.st .since,.st .foot,.st .expected{color:var(--muted);font-size:.9rem}
.st .flag{display:inline-block;margin-left:.35rem;font-size:.85rem;font-weight:600;border:1px solid currentColor;border-radius:.3rem;padding:0 .3rem}
.st p{margin:.4rem 0}
.st a{color:inherit}`;

/** The CSP source of a style or script body: its SHA-256, as CSP 3 names it. */
export const cspHash = (body: string): string =>
  `'sha256-${createHash('sha256').update(body).digest('base64')}'`;

const threadLine = (t: PublicThread): string =>
  `<span class="status" data-tone="${toneOf(t.status)}">${escapeXml(statusLabel(t.status))}</span>` +
  ` <span class="since">since <time datetime="${escapeXml(t.statusSince)}">${escapeXml(dateAtPrecision(t.statusSince, t.statusSincePrecision))}</time></span>` +
  (t.overdue ? ' <span class="flag">overdue</span>' : '') +
  (t.disputed ? ' <span class="flag">disputed</span>' : '');

const expectedLine = (t: PublicThread): string =>
  t.expected
    ? `<p class="expected">Expected: ${escapeXml(t.expected.what)}, ${escapeXml(dateAtPrecision(t.expected.at, t.expected.precision))}</p>`
    : '';

/** The markup the element shows; embed.js renders the same structure in the browser. */
export function scenarioMarkup(view: PublicScenario, pageUrl: string): string {
  const items = view.threads
    .map((t) => `<li><span class="name">${escapeXml(t.title)}</span> ${threadLine(t)}</li>`)
    .join('');
  return (
    `<div class="st"><h1>${escapeXml(view.title)}</h1><ul>${items}</ul>` +
    `<p class="foot">Updated <time datetime="${escapeXml(view.updatedAt)}">${escapeXml(dateAtPrecision(view.updatedAt, 'instant'))}</time> · <a href="${escapeXml(pageUrl)}" target="_blank" rel="noopener">Scenario Tracker</a></p></div>`
  );
}

export function threadMarkup(view: PublicThreadDetail, pageUrl: string): string {
  return (
    `<div class="st"><h1>${escapeXml(view.title)}</h1><p>${threadLine(view)}</p>` +
    `<p>${escapeXml(view.summary)}</p>${expectedLine(view)}` +
    `<p class="foot"><a href="${escapeXml(pageUrl)}" target="_blank" rel="noopener">Scenario Tracker</a></p></div>`
  );
}

/**
 * The iframe's page: the element with its first rendering inside (shown at once, and to readers
 * without scripts), upgraded by embed.js, which keeps it current. `frameAncestors` is
 * TRACKER_EMBED_ORIGINS; the script is this tracker's own (`'self'`), the style allowed by its hash.
 */
export function embedPage(options: {
  title: string;
  scenario: string;
  thread?: string;
  markup: string;
  frameAncestors: readonly string[];
  /** The public channels the element follows live, when there are any: their socket's origin is allowed. */
  live?: { url: string } | undefined;
}): { html: string; csp: string } {
  const { scenario, thread } = options;
  // Relative: right under any base path the tracker is served at.
  const script = thread === undefined ? '../embed.js' : '../../embed.js';
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">` +
    `<title>${escapeXml(options.title)}</title><style>${EMBED_CSS}</style></head>` +
    `<body><main><scenario-tracker scenario="${escapeXml(scenario)}"${thread === undefined ? '' : ` thread="${escapeXml(thread)}"`}>${options.markup}</scenario-tracker></main>` +
    `<script src="${script}"></script></body></html>`;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    // The public JSON, and the live channels' socket: exactly its origin, nothing else.
    `connect-src 'self'${options.live ? ` ${new URL(options.live.url).origin}` : ''}`,
    `style-src ${cspHash(EMBED_CSS)}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${options.frameAncestors.join(' ')}`,
  ].join('; ');
  return { html, csp };
}

/** The iframe snippet an oEmbed consumer pastes, for an embed page URL. */
export const iframeHtml = (src: string, title: string, width: number, height: number): string =>
  `<iframe src="${escapeXml(src)}" title="${escapeXml(title)}" width="${width}" height="${height}" style="border:0;max-width:100%" loading="lazy"></iframe>`;

/**
 * A status badge: the thread's title and status side by side, sized by a rough character width
 * (no font metrics in a Lambda). `role="img"` and a <title> name it for screen readers.
 */
export function badgeSvg(thread: PublicThread): string {
  const title = thread.title.length > 60 ? `${thread.title.slice(0, 59)}…` : thread.title;
  const status = statusLabel(thread.status);
  const w = (s: string) => Math.round(s.length * 6.6 + 16);
  const left = w(title);
  const right = w(status);
  const fills: Record<string, string> = {
    early: '#3d5a99',
    progress: '#1f6f99',
    positive: '#2c7a3f',
    warning: '#8a5a00',
    negative: '#a12d2d',
    neutral: '#555555',
  };
  const label = escapeXml(`${thread.title}: ${status}`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + right}" height="20" role="img" aria-label="${label}">` +
    `<title>${label}</title>` +
    `<rect width="${left}" height="20" fill="#444444"/><rect x="${left}" width="${right}" height="20" fill="${fills[toneOf(thread.status)]}"/>` +
    `<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="8" y="14">${escapeXml(title)}</text><text x="${left + 8}" y="14">${escapeXml(status)}</text></g></svg>`
  );
}

/** schema.org `eventStatus` of a summit thread, from its status (contract 1.2). */
export function eventStatusOf(t: Pick<PublicThread, 'status'> & { previousStartDate?: string }): string {
  if (t.status === 'cancelled') return 'https://schema.org/EventCancelled';
  if (t.status === 'postponed') return 'https://schema.org/EventPostponed';
  if (t.previousStartDate !== undefined) return 'https://schema.org/EventRescheduled';
  return 'https://schema.org/EventScheduled';
}

export interface PageThread {
  thread: PublicThread;
  keyEvents: PublicKeyEvent[];
  /**
   * The summit's earlier expected start, when its expected date has moved (the calendar state keeps
   * it: shared/domain/calendar.ts); its Event is then `EventRescheduled` unless postponed or cancelled.
   */
  previousStartDate?: string;
}

/** A JSON-LD node as this page writes it (schema-dts checks its shapes in test/http/public-page.test.ts). */
export type JsonLdNode = Record<string, unknown> & { '@type': string };

/**
 * The page's schema.org graph: a LiveBlogPosting whose `liveBlogUpdate`s are the key events (newest
 * first, as a live blog lists them), and an Event for each thread of kind `summit`.
 */
export function scenarioJsonLd(
  view: PublicScenario,
  threads: readonly PageThread[],
  pageUrl: string,
): { '@context': 'https://schema.org'; '@graph': JsonLdNode[] } {
  const updates = threads
    .flatMap(({ thread, keyEvents }) => keyEvents.map((e) => ({ thread, e })))
    .sort((a, b) => (a.e.occurredAt < b.e.occurredAt ? 1 : a.e.occurredAt > b.e.occurredAt ? -1 : 0));
  const blog: JsonLdNode = {
    '@type': 'LiveBlogPosting',
    '@id': `${pageUrl}#live`,
    url: pageUrl,
    headline: view.title,
    ...(view.description ? { description: view.description } : {}),
    dateModified: view.updatedAt,
    ...(updates.length > 0 ? { coverageStartTime: updates[updates.length - 1]!.e.occurredAt } : {}),
    liveBlogUpdate: updates.map(({ thread, e }) => ({
      '@type': 'BlogPosting',
      '@id': `${pageUrl}#${e.id}`,
      headline: `${thread.title}${e.status ? `: ${statusLabel(e.status)}` : ''}`,
      articleBody: e.summary,
      datePublished: e.occurredAt,
      ...(e.sources.length > 0 ? { citation: e.sources.map((s) => s.url) } : {}),
    })),
  };
  const events: JsonLdNode[] = threads
    .filter(({ thread }) => thread.kind === 'summit')
    .map(({ thread, previousStartDate }) => ({
      '@type': 'Event',
      '@id': `${pageUrl}#${thread.id}`,
      name: thread.title,
      description: thread.summary,
      eventStatus: eventStatusOf({
        status: thread.status,
        ...(previousStartDate ? { previousStartDate } : {}),
      }),
      ...(thread.expected ? { startDate: thread.expected.at } : {}),
      ...(previousStartDate ? { previousStartDate } : {}),
    }));
  return { '@context': 'https://schema.org', '@graph': [blog, ...events] };
}

/** JSON inside <script>: `<` escaped, so no `</script>` in a summary can end the block. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The public page: the scenario's state, its key events, and its JSON-LD. No script runs. */
export function publicPage(
  view: PublicScenario,
  threads: readonly PageThread[],
  pageUrl: string,
): { html: string; csp: string } {
  const ld = scenarioJsonLd(view, threads, pageUrl);
  const sections = threads
    .map(({ thread, keyEvents }) => {
      const events = keyEvents
        .map(
          (e) =>
            `<li><time datetime="${escapeXml(e.occurredAt)}">${escapeXml(dateAtPrecision(e.occurredAt, e.occurredPrecision))}</time>: ${escapeXml(e.summary)}</li>`,
        )
        .join('');
      return (
        `<section><h2>${escapeXml(thread.title)}</h2><p>${threadLine(thread)}</p><p>${escapeXml(thread.summary)}</p>${expectedLine(thread)}` +
        (events ? `<h3>Key events</h3><ul>${events}</ul>` : '') +
        `</section>`
      );
    })
    .join('');
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">` +
    `<title>${escapeXml(view.title)}</title><link rel="canonical" href="${escapeXml(pageUrl)}">` +
    `<style>${EMBED_CSS}</style>` +
    `<script type="application/ld+json">${scriptJson(ld)}</script></head>` +
    `<body><main class="st"><h1>${escapeXml(view.title)}</h1>` +
    (view.description ? `<p>${escapeXml(view.description)}</p>` : '') +
    `${sections}<p class="foot">Updated <time datetime="${escapeXml(view.updatedAt)}">${escapeXml(dateAtPrecision(view.updatedAt, 'instant'))}</time></p></main></body></html>`;
  const csp = `default-src 'none'; style-src ${cspHash(EMBED_CSS)}; img-src 'self'; base-uri 'none'; form-action 'none'`;
  return { html, csp };
}
