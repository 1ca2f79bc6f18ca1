import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseDateTime, formatDateTime, plusMonths, instant, isLastDayOfMonth, dayOfWeek, daysFromCivil, civilFromDays, civilOut } from './date.js';

describe('date', () => {
  it('parses and formats date-times, keeping the time of day', () => {
    expect(formatDateTime(parseDateTime('2013-12-31T23:59:59')!)).toBe('2013-12-31T23:59:59');
    expect(formatDateTime(parseDateTime('2013-08-01T00:00')!)).toBe('2013-08-01T00:00:00');
    expect(formatDateTime(parseDateTime('2013-08-01')!)).toBe('2013-08-01T00:00:00');
  });
  it('rejects malformed and impossible dates', () => {
    for (const s of ['', '2013-02-29T00:00:00', '2013-13-01', '2013-1-01', 'x', '2013-01-01T25:00:00', '2013-01-01T00:00:00junk'])
      expect(parseDateTime(s)).toBeUndefined();
  });
  it('adds months like java.time (day clamped to the month end)', () => {
    expect(formatDateTime(plusMonths(instant(2013, 1, 31), 1))).toBe('2013-02-28T00:00:00');
    expect(formatDateTime(plusMonths(instant(2012, 1, 31), 1))).toBe('2012-02-29T00:00:00');
    expect(formatDateTime(plusMonths(instant(2013, 1, 31, 12), 2))).toBe('2013-03-31T12:00:00');
    expect(formatDateTime(plusMonths(instant(2013, 3, 15), -3))).toBe('2012-12-15T00:00:00');
  });
  it('knows month ends and weekdays', () => {
    expect(isLastDayOfMonth(instant(2012, 2, 29))).toBe(true);
    expect(isLastDayOfMonth(instant(2013, 2, 28))).toBe(true);
    expect(isLastDayOfMonth(instant(2012, 2, 28))).toBe(false);
    expect(dayOfWeek(instant(2013, 1, 5))).toBe(5); // Saturday
  });
  it('round-trips civil dates', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200000, max: 200000 }), (z) => {
        civilFromDays(z);
        return daysFromCivil(civilOut[0], civilOut[1], civilOut[2]) === z;
      }),
    );
  });
});
