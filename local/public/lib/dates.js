// @ts-check
/**
 * Times as the desk shows and takes them. The API stores a period (a day, month or year, UTC) as its
 * first millisecond plus a precision; the page shows it at that precision ("15 Aug 2025",
 * "Aug 2025", "2025") in UTC, because a calendar period is a UTC one. Full times show in the
 * reader's zone, with the exact UTC time in the title.
 */

/** @typedef {import('./api.js').Precision} Precision */

const localFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dayFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const yearFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', timeZone: 'UTC' });
export const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'always' });

/** @param {string | null | undefined} iso */
export function exactUtc(iso) {
  const d = new Date(String(iso));
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')} UTC`;
}

/**
 * A time at its precision: "15 Aug 2025", "Aug 2025", "2025", or a local date and time.
 * @param {string | null | undefined} iso
 * @param {Precision | undefined} [precision]
 */
export function atPrecision(iso, precision = 'instant') {
  const d = new Date(String(iso));
  if (Number.isNaN(d.getTime())) return iso ? String(iso) : '—';
  if (precision === 'day') return dayFormat.format(d);
  if (precision === 'month') return monthFormat.format(d);
  if (precision === 'year') return yearFormat.format(d);
  return localFormat.format(d);
}

/**
 * The title of a time: exact UTC for a full time, the period for the others.
 * @param {string | null | undefined} iso
 * @param {Precision | undefined} [precision]
 */
export function titleOf(iso, precision = 'instant') {
  if (!precision || precision === 'instant') return exactUtc(iso);
  return `${atPrecision(iso, precision)} (a ${precision}, UTC)`;
}

/**
 * "3 days ago": whole units that have fully passed (17 months is "1 year ago").
 * @param {string | null | undefined} iso
 * @param {number} [now]
 */
export function relative(iso, now = Date.now()) {
  const t = new Date(String(iso)).getTime();
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return 'just now';
  /** @type {[Intl.RelativeTimeFormatUnit, number, number][]} */
  const units = [
    ['minute', 60, 3600],
    ['hour', 3600, 86400],
    ['day', 86400, 86400 * 30],
    ['month', 86400 * 30, 86400 * 365],
    ['year', 86400 * 365, Infinity],
  ];
  for (const [unit, size, limit] of units) {
    if (abs < limit) return relativeFormat.format(Math.trunc(seconds / size), unit);
  }
  return '';
}

/**
 * The API form of what a date field holds, by precision: a full time (local, sent as UTC),
 * "YYYY-MM-DD", "YYYY-MM" or "YYYY". Empty gives ''. A value the browser could not parse is
 * returned as typed, so the API's field error explains it.
 * @param {Precision} precision
 * @param {string} value
 */
export function toApiTime(precision, value) {
  const v = value.trim();
  if (!v) return '';
  if (precision === 'instant') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? v : d.toISOString();
  }
  return v;
}

/**
 * The end of a period (the first millisecond after it), for drawing and for "overdue".
 * @param {string} iso
 * @param {Precision | undefined} precision
 */
export function periodEnd(iso, precision) {
  const d = new Date(iso);
  if (precision === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (precision === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else if (precision === 'year') d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d;
}
