// End-of-month convention (spec "End Of Month Shift Convention", dictionary endOfMonthConvention).
import { isLastDayOfMonth, toEndOfMonth, type Instant } from './date.js';
import { isMonthly, type Cycle } from './cycle.js';

export type EndOfMonthConvention = 'SD' | 'EOM';

/**
 * EOM applies only when the schedule's anchor is the last day of a month and the cycle is whole
 * months (spec "End Of Month Shift Convention": c = NPS with P in M, Q, H, Y; a cycle with days,
 * P1M15D, is not); then every generated date moves to its month's end. Otherwise same day.
 */
export function eomApplies(convention: EndOfMonthConvention, anchor: Instant, cycle: Cycle): boolean {
  return convention === 'EOM' && isMonthly(cycle) && isLastDayOfMonth(anchor);
}

export function shiftEndOfMonth(applies: boolean, t: Instant): Instant {
  return applies ? toEndOfMonth(t) : t;
}
