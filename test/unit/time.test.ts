import fc from 'fast-check';
import { EARLIEST_UTC_MS, LATEST_UTC_MS, parseRfc3339 } from '../../shared/domain/time';

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
        const zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
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
