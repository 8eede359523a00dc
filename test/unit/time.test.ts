import fc from 'fast-check';
import {
  atPrecision,
  EARLIEST_UTC_MS,
  LATEST_UTC_MS,
  parsePreciseTime,
  parseRfc3339,
  periodAfter,
  periodEnd,
  type PreciseTime,
} from '../../shared/domain/time';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

describe('parseRfc3339 at the ends of years 0001–9999 (UTC)', () => {
  it.each([
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0001-01-01T00:00:00.000+00:00', '0001-01-01T00:00:00.000Z'],
    ['0000-12-31T23:59:00-00:01', '0001-01-01T00:00:00.000Z'],
    ['0000-12-31T00:01:00-23:59', '0001-01-01T00:00:00.000Z'],
    ['0000-12-31T00:00:59.999-23:59', null],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:59:59.999+23:59', '9999-12-31T00:00:59.999Z'],
    ['10000-01-01T00:00:00Z', null],
    ['9999-12-31T23:59:59.999-23:59', null],
    ['9999-12-31T23:00:00-01:00', null],
    ['0001-01-01T00:00:00+00:01', null],
    ['0000-12-31T23:59:59.999Z', null],
    ['0000-01-01T00:00:00Z', null],
  ])('%s → %s', (input, expected) => {
    const parsed = parseRfc3339(input);
    if (expected === null) expect(parsed).toBeNull();
    else expect(parsed?.toISOString()).toBe(expected);
  });

  it('accepts exactly the times whose UTC instant lies in 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z', () => {
    // Local times near either end, with any zone offset: the answer depends only on the UTC instant.
    const local = fc.record({
      year: fc.constantFrom(0, 1, 9998, 9999),
      month: fc.constantFrom(1, 12),
      day: fc.constantFrom(1, 30, 31),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
      ms: fc.integer({ min: 0, max: 999 }),
      offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    });
    fc.assert(
      fc.property(local, ({ year, month, day, hour, minute, second, ms, offset }) => {
        const zone =
          offset === 0
            ? 'Z'
            : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
        const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${pad(ms, 3)}${zone}`;
        const asLocal = new Date(0);
        asLocal.setUTCFullYear(year, month - 1, day);
        asLocal.setUTCHours(hour, minute, second, ms);
        const instant = asLocal.getTime() - offset * 60_000;
        const inRange = instant >= EARLIEST_UTC_MS && instant <= LATEST_UTC_MS;
        const parsed = parseRfc3339(text);
        expect(parsed?.getTime() ?? null).toBe(inRange ? instant : null);
        // What is accepted always has a four-digit RFC 3339 echo.
        if (parsed) expect(parsed.toISOString()).toMatch(/^\d{4}-/);
      }),
      { numRuns: 2000 },
    );
  });

  it('still knows the calendar of years 1–99 (not read as 1901–1999)', () => {
    expect(parseRfc3339('0004-02-29T00:00:00Z')?.toISOString()).toBe('0004-02-29T00:00:00.000Z');
    expect(parseRfc3339('0003-02-29T00:00:00Z')).toBeNull();
    expect(parseRfc3339('0100-02-29T00:00:00Z')).toBeNull();
  });
});

describe('parsePreciseTime: a time in any form, as the start of its UTC period', () => {
  it.each([
    ['2025-08-15', { at: '2025-08-15T00:00:00.000Z', precision: 'day' }],
    ['2025-08', { at: '2025-08-01T00:00:00.000Z', precision: 'month' }],
    ['2025', { at: '2025-01-01T00:00:00.000Z', precision: 'year' }],
    ['2025-08-15T10:00:00+03:00', { at: '2025-08-15T07:00:00.000Z', precision: 'instant' }],
    ['2024-02-29', { at: '2024-02-29T00:00:00.000Z', precision: 'day' }],
    ['0001', { at: '0001-01-01T00:00:00.000Z', precision: 'year' }],
    ['9999-12-31', { at: '9999-12-31T00:00:00.000Z', precision: 'day' }],
    ['0004-02-29', { at: '0004-02-29T00:00:00.000Z', precision: 'day' }],
  ])('%s → %j', (input, expected) => {
    expect(parsePreciseTime(input)).toEqual(expected);
  });

  it.each([
    '2025-02-29',
    '2025-13',
    '2025-00',
    '2025-08-00',
    '2025-08-32',
    '0000',
    '0000-12-31',
    '25',
    '2025-8-15',
    '2025-08-15T10:00:00',
    '2025/08/15',
    '2025-08-15 ',
    ' 2025',
    '+2025',
    '20250815',
    '2025-W33',
    '',
  ])('refuses %j', (input) => {
    expect(parsePreciseTime(input)).toBeNull();
  });
});

describe('period ends', () => {
  it.each<[PreciseTime, string, string]>([
    [
      { at: '2025-08-15T00:00:00.000Z', precision: 'day' },
      '2025-08-15T23:59:59.999Z',
      '2025-08-16T00:00:00.000Z',
    ],
    [
      { at: '2025-10-23T00:00:00.000Z', precision: 'day' },
      '2025-10-23T23:59:59.999Z',
      '2025-10-24T00:00:00.000Z',
    ],
    [
      { at: '2024-02-01T00:00:00.000Z', precision: 'month' },
      '2024-02-29T23:59:59.999Z',
      '2024-03-01T00:00:00.000Z',
    ],
    [
      { at: '2025-12-01T00:00:00.000Z', precision: 'month' },
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.000Z',
    ],
    [
      { at: '2025-01-01T00:00:00.000Z', precision: 'year' },
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.000Z',
    ],
    [
      { at: '9999-01-01T00:00:00.000Z', precision: 'year' },
      '9999-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
    ],
    [
      { at: '2025-08-15T10:30:00.000Z', precision: 'instant' },
      '2025-08-15T10:30:00.000Z',
      '2025-08-15T10:30:00.000Z',
    ],
  ])('%j ends at %s; the first millisecond after it is %s', (t, end, after) => {
    expect(periodEnd(t)).toBe(end);
    expect(periodAfter(t)).toBe(after);
  });

  it('gives every period of any date a start ≤ every full time in it ≤ its end, and an end one millisecond before what follows', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('day' as const, 'month' as const, 'year' as const),
        (date, precision) => {
          const iso = date.toISOString();
          const text =
            precision === 'day'
              ? iso.slice(0, 10)
              : precision === 'month'
                ? iso.slice(0, 7)
                : iso.slice(0, 4);
          const t = parsePreciseTime(text)!;
          expect(t.precision).toBe(precision);
          // The period holds the instant it was cut from.
          expect(t.at <= iso && iso <= periodEnd(t)).toBe(true);
          expect(Date.parse(periodAfter(t)) - Date.parse(periodEnd(t))).toBe(1);
          // And its end, read back in the same form, is the same period.
          const end = periodEnd(t);
          expect(
            parsePreciseTime(
              precision === 'day'
                ? end.slice(0, 10)
                : precision === 'month'
                  ? end.slice(0, 7)
                  : end.slice(0, 4),
            ),
          ).toEqual(t);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('atPrecision: a time sent back as a GET shows it', () => {
  it('reads the first millisecond of a period at that precision', () => {
    // Prepare
    const start = parsePreciseTime('2025-10-01T00:00:00Z')!;
    // Act / Assess
    expect(atPrecision(start, 'month')).toEqual({ at: '2025-10-01T00:00:00.000Z', precision: 'month' });
    expect(atPrecision(start, 'day')).toEqual({ at: '2025-10-01T00:00:00.000Z', precision: 'day' });
    expect(atPrecision(start, 'year')).toBeNull();
  });

  it('refuses a finer precision than the period written, and keeps the same one', () => {
    // Prepare
    const month = parsePreciseTime('2025-10')!;
    // Act / Assess
    expect(atPrecision(month, 'day')).toBeNull();
    expect(atPrecision(month, 'month')).toBe(month);
  });

  it('gives back, for any period, its own start at its own precision (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2100-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('year', 'month', 'day') as fc.Arbitrary<'year' | 'month' | 'day'>,
        (date, precision) => {
          const iso = date.toISOString();
          const text =
            precision === 'year'
              ? iso.slice(0, 4)
              : precision === 'month'
                ? iso.slice(0, 7)
                : iso.slice(0, 10);
          const period = parsePreciseTime(text)!;
          expect(atPrecision({ at: period.at, precision: 'instant' }, precision)).toEqual(period);
        },
      ),
    );
  });
});
