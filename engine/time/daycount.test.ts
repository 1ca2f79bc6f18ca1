import { describe, it, expect } from 'vitest';
import { yearFractionFor } from './daycount.js';
import { noCalendar, mondayToFriday } from './calendar.js';
import { instant } from './date.js';

describe('day count conventions', () => {
  const s = instant(2013, 1, 31), e = instant(2013, 3, 31);
  it('A365, A360 count actual days', () => {
    expect(yearFractionFor('A365', undefined, noCalendar)(s, e)).toBeCloseTo(59 / 365, 12);
    expect(yearFractionFor('A360', undefined, noCalendar)(s, e)).toBeCloseTo(59 / 360, 12);
  });
  it('AA splits the period by year', () => {
    expect(yearFractionFor('AA', undefined, noCalendar)(instant(2012, 12, 30), instant(2013, 1, 9))).toBeCloseTo(2 / 366 + 8 / 365, 12);
  });
  it('30E360 caps days at 30, 30E360ISDA treats month ends as 30', () => {
    expect(yearFractionFor('30E360', undefined, noCalendar)(s, e)).toBeCloseTo(60 / 360, 12);
    expect(yearFractionFor('30E360ISDA', undefined, noCalendar)(instant(2013, 2, 28), instant(2013, 3, 31))).toBeCloseTo(30 / 360, 12);
  });
  it('28E336 caps days at 28', () => {
    expect(yearFractionFor('28E336', undefined, noCalendar)(s, e)).toBeCloseTo(56 / 336, 12);
  });
  it('B252 counts business days', () => {
    expect(yearFractionFor('B252', undefined, mondayToFriday)(instant(2013, 1, 7), instant(2013, 1, 14))).toBeCloseTo(5 / 252, 12);
  });
  it('counts a period ending at 23:59:59 to the next day', () => {
    expect(yearFractionFor('A365', undefined, noCalendar)(instant(2013, 11, 1), instant(2013, 12, 31, 23, 59, 59))).toBeCloseTo(61 / 365, 12);
  });
});
