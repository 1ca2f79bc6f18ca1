import { describe, it, expect } from 'vitest';
import { calendarOf } from './calendar.js';
import { instant } from './date.js';

describe('calendars', () => {
  it('MF has weekends off, NC none', () => {
    expect(calendarOf('MF').isBusinessDay(instant(2013, 1, 5))).toBe(false);
    expect(calendarOf('MF').isBusinessDay(instant(2013, 1, 7))).toBe(true);
    expect(calendarOf('NC').isBusinessDay(instant(2013, 1, 5))).toBe(true);
  });
});
