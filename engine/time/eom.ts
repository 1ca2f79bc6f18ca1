// End-of-month convention (spec "End Of Month Shift Convention", dictionary endOfMonthConvention).
import { isLastDayOfMonth, toEndOfMonth, type Instant } from './date.js';
import type { Cycle } from './cycle.js';

export type EndOfMonthConvention = 'SD' | 'EOM';

/**
 * EOM applies only when the schedule's anchor is the last day of a month and the cycle is
 * month-based; then every generated date moves to its month's end. Otherwise same day.
 */
export function eomApplies(convention: EndOfMonthConvention, anchor: Instant, cycle: Cycle): boolean {
  return convention === 'EOM' && cycle.months !== 0 && isLastDayOfMonth(anchor);
}

export function shiftEndOfMonth(applies: boolean, t: Instant): Instant {
  return applies ? toEndOfMonth(t) : t;
}
