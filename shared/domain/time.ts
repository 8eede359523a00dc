/**
 * RFC 3339 date-times with a zone, as the contract requires on input. `Date.parse` alone accepts
 * far more (no zone, `2025-02-30`, …), so the shape and the calendar are checked first.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The instants we accept: UTC years 0001–9999. A four-digit local time with a zone can land outside
 * them (`9999-12-31T23:59:59.999-23:59` is year 10000 in UTC), and such an instant has no RFC 3339
 * form to answer with (`toISOString` gives `+010000-…`) and sorts wrongly as a string.
 */
export const EARLIEST_UTC_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const LATEST_UTC_MS = Date.parse('9999-12-31T23:59:59.999Z');
export const UTC_RANGE_MESSAGE = 'must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC';

/** The instant an RFC 3339 text names, whatever its year in UTC; null when it is not RFC 3339. */
export function parseRfc3339AnyYear(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, , zone] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not.
  const lastOfMonth = new Date(0);
  lastOfMonth.setUTCFullYear(year, month, 0);
  if (day > lastOfMonth.getUTCDate()) return null;
  if (zone && zone.length === 6) {
    const zh = Number(zone.slice(1, 3)),
      zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return null;
  }
  // Milliseconds are the resolution we keep; longer fractions are truncated, not rounded.
  const normalised = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** The instant an RFC 3339 text names, or null when it is not RFC 3339 or falls outside UTC years 0001–9999. */
export function parseRfc3339(value: string): Date | null {
  const date = parseRfc3339AnyYear(value);
  if (!date) return null;
  const ms = date.getTime();
  return ms < EARLIEST_UTC_MS || ms > LATEST_UTC_MS ? null : date;
}

/** Responses always give UTC with milliseconds. */
export const toUtc = (date: Date): string => date.toISOString();

export const nowUtc = (): string => new Date().toISOString();

export const addHours = (iso: string, hours: number): string =>
  new Date(Date.parse(iso) + hours * 3_600_000).toISOString();

/**
 * How precisely a time is known. News often gives only the day ("on 15 August"), the month or the
 * year; such a time is kept as the first millisecond of its UTC period, with its precision beside it.
 */
export const PRECISIONS = ['instant', 'day', 'month', 'year'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** A time in any accepted form: the start of its period (normalised UTC) and how precise it is. */
export interface PreciseTime {
  at: string;
  precision: Precision;
}

const PERIOD = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** The start of a UTC calendar period `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, whatever its year; null when not one. */
function parsePeriodAnyYear(value: string): PreciseTime | null {
  const m = PERIOD.exec(value);
  if (!m) return null;
  const [, y, mo, d] = m;
  const year = Number(y),
    month = mo === undefined ? 1 : Number(mo),
    day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1) return null;
  const start = new Date(0);
  start.setUTCFullYear(year, month, 0);
  if (day > start.getUTCDate()) return null;
  start.setUTCFullYear(year, month - 1, day);
  return {
    at: start.toISOString(),
    precision: d !== undefined ? 'day' : mo !== undefined ? 'month' : 'year',
  };
}

/**
 * A time in any form the contract accepts — RFC 3339 with a zone (`instant`), or a UTC period
 * `YYYY-MM-DD`, `YYYY-MM`, `YYYY` — as the start of its period, whatever its year in UTC; null when
 * it is none of these. Callers check the range (`inUtcRange`) so they can say which rule failed.
 */
export function parsePreciseTimeAnyYear(value: string): PreciseTime | null {
  const period = parsePeriodAnyYear(value);
  if (period) return period;
  const instant = parseRfc3339AnyYear(value);
  return instant ? { at: instant.toISOString(), precision: 'instant' } : null;
}

/**
 * The same time at a coarser precision, when `t` is the first millisecond of such a UTC period (so
 * `2025-10-01T00:00:00.000Z` at `month` is October 2025); null when it is not, or when `t` is already
 * a period. Lets a client send back a time as a GET shows it: `at` (normalised) with its `precision`.
 */
export function atPrecision(t: PreciseTime, precision: Precision): PreciseTime | null {
  if (t.precision === precision) return t;
  if (t.precision !== 'instant') return null;
  const d = new Date(t.at);
  const start = new Date(0);
  start.setUTCFullYear(
    d.getUTCFullYear(),
    precision === 'year' ? 0 : d.getUTCMonth(),
    precision === 'day' ? d.getUTCDate() : 1,
  );
  return start.getTime() === d.getTime() ? { at: t.at, precision } : null;
}

/** True when a normalised UTC text lies in years 0001–9999 (`toISOString` gives `+01…`/`-00…` outside). */
const inUtcRange = (t: PreciseTime): boolean => {
  const ms = Date.parse(t.at);
  return ms >= EARLIEST_UTC_MS && ms <= LATEST_UTC_MS;
};

/** A time in any accepted form, or null when malformed or outside UTC years 0001–9999. */
export function parsePreciseTime(value: string): PreciseTime | null {
  const parsed = parsePreciseTimeAnyYear(value);
  return parsed && inUtcRange(parsed) ? parsed : null;
}

/** The first millisecond after a time's period (an instant: the instant itself). Where `overdueSince` lies. */
export function periodAfter(t: PreciseTime): string {
  if (t.precision === 'instant') return t.at;
  const d = new Date(t.at);
  if (t.precision === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (t.precision === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString();
}

/** The last millisecond of a time's period (an instant: the instant itself). What `asOf`/`knownAt` as a period mean. */
export function periodEnd(t: PreciseTime): string {
  return t.precision === 'instant' ? t.at : new Date(Date.parse(periodAfter(t)) - 1).toISOString();
}
