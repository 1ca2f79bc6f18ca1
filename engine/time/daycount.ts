// Day count conventions (spec "Year Fraction Convention", dictionary dayCountConvention):
// AA, A360, A365, 30E360ISDA, 30E360, 28E336, B252.
// Whole days between instants are rounded to the nearest day: the test beds count a period
// ending at 23:59:59 as ending on the next day (pam25).
import { civil, civilOut, daysInMonth, isLeapYear, daysFromCivil, MS_PER_DAY, dayNumber, type Instant } from './date.js';
import type { BusinessCalendar } from './calendar.js';

export type DayCountConvention = 'AA' | 'A360' | 'A365' | '30E360ISDA' | '30E360' | '28E336' | 'B252';

/** Year fraction between two instants. */
export type YearFraction = (start: Instant, end: Instant) => number;

/** Whole days between two instants (rounded to the nearest day). */
export function wholeDays(start: Instant, end: Instant): number {
  return Math.round((end - start) / MS_PER_DAY);
}

export function yearFractionFor(dcc: DayCountConvention, maturity: Instant | undefined, calendar: BusinessCalendar): YearFraction {
  switch (dcc) {
    case 'A365':
      return (s, e) => wholeDays(s, e) / 365;
    case 'A360':
      return (s, e) => wholeDays(s, e) / 360;
    case 'AA':
      return actualActualISDA;
    case '30E360':
      return thirtyE360;
    case '30E360ISDA':
      return (s, e) => thirtyE360ISDA(s, e, maturity);
    case '28E336':
      return twentyEightE336;
    case 'B252':
      return (s, e) => businessDays252(s, e, calendar);
  }
}

function actualActualISDA(s: Instant, e: Instant): number {
  civil(s);
  const y1 = civilOut[0];
  civil(e);
  const y2 = civilOut[0];
  const b1 = isLeapYear(y1) ? 366 : 365;
  if (y1 === y2) return wholeDays(s, e) / b1;
  const b2 = isLeapYear(y2) ? 366 : 365;
  const first = wholeDays(s, daysFromCivil(y1 + 1, 1, 1) * MS_PER_DAY) / b1;
  const second = wholeDays(daysFromCivil(y2, 1, 1) * MS_PER_DAY, e) / b2;
  return first + second + (y2 - y1 - 1);
}

function thirtyE360(s: Instant, e: Instant): number {
  civil(s);
  const y1 = civilOut[0], m1 = civilOut[1];
  let d1 = civilOut[2];
  civil(e);
  const y2 = civilOut[0], m2 = civilOut[1];
  let d2 = civilOut[2];
  if (d1 === 31) d1 = 30;
  if (d2 === 31) d2 = 30;
  return (360 * (y2 - y1) + 30 * (m2 - m1) + (d2 - d1)) / 360;
}

function thirtyE360ISDA(s: Instant, e: Instant, maturity: Instant | undefined): number {
  civil(s);
  const y1 = civilOut[0], m1 = civilOut[1];
  let d1 = civilOut[2];
  if (d1 === daysInMonth(y1, m1)) d1 = 30;
  civil(e);
  const y2 = civilOut[0], m2 = civilOut[1];
  let d2 = civilOut[2];
  const isMaturity = maturity !== undefined && dayNumber(e) === dayNumber(maturity);
  if (d2 === daysInMonth(y2, m2) && !(isMaturity && m2 === 2)) d2 = 30;
  return (360 * (y2 - y1) + 30 * (m2 - m1) + (d2 - d1)) / 360;
}

function twentyEightE336(s: Instant, e: Instant): number {
  civil(s);
  const y1 = civilOut[0], m1 = civilOut[1];
  const d1 = Math.min(civilOut[2], 28);
  civil(e);
  const y2 = civilOut[0], m2 = civilOut[1];
  const d2 = Math.min(civilOut[2], 28);
  return (336 * (y2 - y1) + 28 * (m2 - m1) + (d2 - d1)) / 336;
}

function businessDays252(s: Instant, e: Instant, calendar: BusinessCalendar): number {
  const sign = e < s ? -1 : 1;
  const a = Math.min(s, e), b = Math.max(s, e);
  let n = 0;
  // [a, b): count business days from start inclusive to end exclusive
  for (let d = dayNumber(a), end = dayNumber(b); d < end; d++) if (calendar.isBusinessDay(d * MS_PER_DAY)) n++;
  return (sign * n) / 252;
}
