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
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not.
  const lastOfMonth = new Date(0);
  lastOfMonth.setUTCFullYear(year, month, 0);
  if (day > lastOfMonth.getUTCDate()) return null;
  if (zone && zone.length === 6) {
    const zh = Number(zone.slice(1, 3)), zm = Number(zone.slice(4, 6));
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

export const addHours = (iso: string, hours: number): string => new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
