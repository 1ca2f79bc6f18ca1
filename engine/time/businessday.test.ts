import { describe, it, expect } from 'vitest';
import { BusinessDayAdjuster } from './businessday.js';
import { mondayToFriday, noCalendar } from './calendar.js';
import { instant, formatDateTime } from './date.js';

const d = (t: number) => formatDateTime(t).slice(0, 10);

describe('business day conventions', () => {
  const sat = instant(2013, 8, 31); // Saturday, month end
  it('following / modified following', () => {
    expect(d(new BusinessDayAdjuster('SCF', mondayToFriday).shiftEventTime(sat))).toBe('2013-09-02');
    expect(d(new BusinessDayAdjuster('SCMF', mondayToFriday).shiftEventTime(sat))).toBe('2013-08-30');
  });
  it('preceding / modified preceding', () => {
    expect(d(new BusinessDayAdjuster('CSP', mondayToFriday).shiftEventTime(instant(2013, 6, 1)))).toBe('2013-05-31');
    expect(d(new BusinessDayAdjuster('CSMP', mondayToFriday).shiftEventTime(instant(2013, 6, 1)))).toBe('2013-06-03');
  });
  it('SC calculates on the shifted date, CS on the scheduled one', () => {
    expect(d(new BusinessDayAdjuster('SCF', mondayToFriday).shiftCalcTime(sat))).toBe('2013-09-02');
    expect(d(new BusinessDayAdjuster('CSF', mondayToFriday).shiftCalcTime(sat))).toBe('2013-08-31');
  });
  it('NOS and the NC calendar never move a date', () => {
    expect(new BusinessDayAdjuster('NOS', mondayToFriday).shiftEventTime(sat)).toBe(sat);
    expect(new BusinessDayAdjuster('SCF', noCalendar).shiftEventTime(sat)).toBe(sat);
  });
});
