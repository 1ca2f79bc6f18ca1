// Cycle schedules (spec "Schedule" S(s, c, T)): dates from an anchor s every cycle c until the
// end T, with the end-of-month convention and the long/short last stub. Dates are generated
// in ascending order into a plain number array; k-th date = anchor + k·cycle (not iterated, so
// that 31 Jan → 28 Feb → 31 Mar as in java.time).
import { civil, civilOut, daysFromCivil, daysInMonth, dayNumber, MS_PER_DAY, type Instant } from './date.js';
import { addCycles, isMonthly, type Cycle } from './cycle.js';
import { eomApplies, shiftEndOfMonth, type EndOfMonthConvention } from './eom.js';

/**
 * A scratch array for callers that consume a schedule right away (no allocation per call).
 * Not reentrant: take it, fill it with `schedule(..., scratchDates())`, read it, before the next call.
 */
const scratch: Instant[] = [];
export function scratchDates(): Instant[] {
  scratch.length = 0;
  return scratch;
}

/**
 * Day numbers of the 1st of every month from 1900 to 2299 (index = year·12 + month − 1 − TABLE_FIRST_MONTH,
 * one more entry for the month after): month schedules look dates up instead of converting.
 */
const TABLE_FIRST_MONTH = 1900 * 12;
const TABLE_MONTHS = 400 * 12;
const MONTH_START = new Int32Array(TABLE_MONTHS + 1);
for (let i = 0; i <= TABLE_MONTHS; i++) {
  const total = TABLE_FIRST_MONTH + i, y = Math.floor(total / 12);
  MONTH_START[i] = daysFromCivil(y, total - y * 12 + 1, 1);
}

/** Safety bound: no schedule is longer than this many dates (the engine never hangs). */
export const MAX_SCHEDULE_DATES = 100_000;

export class ScheduleTooLongError extends Error {
  constructor() {
    super(`schedule exceeds ${MAX_SCHEDULE_DATES} dates`);
    this.name = 'ScheduleTooLongError';
  }
}

/**
 * S(anchor, cycle, end): ascending dates. Without a cycle: [anchor, end] (end only if
 * `includeEnd`). With a cycle: anchor, anchor+c, ... while < end, then end if `includeEnd`;
 * with a long stub the last cycle date before an end not on the cycle is dropped.
 */
export function schedule(
  anchor: Instant,
  cycle: Cycle | undefined,
  end: Instant,
  eom: EndOfMonthConvention,
  includeEnd: boolean,
  out: Instant[] = [],
): Instant[] {
  if (cycle === undefined) {
    out.push(anchor);
    if (includeEnd && end !== anchor) out.push(end);
    return out;
  }
  const applies = eomApplies(eom, anchor, cycle);
  const first = out.length;
  let t = anchor;
  if (isMonthly(cycle)) {
    // fast path: split the anchor once; date k = (y, m + k·months, min(d, month length))
    const tod = anchor - dayNumber(anchor) * MS_PER_DAY;
    civil(anchor);
    const base = civilOut[0] * 12 + civilOut[1] - 1, d0 = civilOut[2];
    for (let k = 1; t < end; k++) {
      if (out.length - first >= MAX_SCHEDULE_DATES) throw new ScheduleTooLongError();
      out.push(t);
      const total = base + cycle.months * k;
      const i = total - TABLE_FIRST_MONTH;
      if (i >= 0 && i < TABLE_MONTHS) {
        const start = MONTH_START[i], dim = MONTH_START[i + 1] - start;
        t = (start + (applies || d0 > dim ? dim : d0) - 1) * MS_PER_DAY + tod;
      } else {
        const y = Math.floor(total / 12), m = total - y * 12 + 1;
        const dim = daysInMonth(y, m);
        t = daysFromCivil(y, m, applies || d0 > dim ? dim : d0) * MS_PER_DAY + tod;
      }
    }
  } else {
    for (let k = 1; t < end; k++) {
      if (out.length - first >= MAX_SCHEDULE_DATES) throw new ScheduleTooLongError();
      out.push(t);
      t = shiftEndOfMonth(applies, addCycles(anchor, cycle, k));
    }
  }
  const onCycle = t === end;
  // long stub: merge the last incomplete period into the previous one (as if the end were a date)
  if (cycle.longStub && !onCycle && out.length - first + 1 > 2) out.pop();
  if (includeEnd) out.push(end);
  return out;
}

/** The cycle of segment i of an array schedule: per anchor when the lengths match, else the first for all (spec). */
export function arrayCycle(cycles: readonly Cycle[] | undefined, n: number, i: number): Cycle | undefined {
  if (cycles === undefined || cycles.length === 0) return undefined;
  return cycles.length === n ? cycles[i] : cycles[0];
}

/**
 * Array schedule (spec "Array Schedule"): S(s_i, c_i, s_{i+1}) per anchor s_i, the last one
 * up to `end` (included only when `includeEnd`). `segment` receives the index i of each date.
 */
export function arraySchedule(
  anchors: readonly Instant[],
  cycles: readonly Cycle[] | undefined,
  end: Instant,
  eom: EndOfMonthConvention,
  includeEnd: boolean,
  segment: number[] = [],
): Instant[] {
  const out: Instant[] = [];
  const n = anchors.length;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const before = out.length;
    schedule(anchors[i], arrayCycle(cycles, n, i), last ? end : anchors[i + 1], eom, last && includeEnd, out);
    for (let k = before; k < out.length; k++) segment.push(i);
  }
  return out;
}
