// ACTUS cycles and periods.
// - Cycle (dictionary type "Cycle", allowed values "[ISO8601 Duration]L[s={0,1}]"): an ISO 8601
//   duration and a stub flag, e.g. P1ML0, P3ML1, P27DL1, P1Y6ML1. The test beds' ann10 (P1ML0 to
//   AMD 2013-12-15 drops the PR of 2013-12-01) fix L0 as the long last stub, L1 as the short one.
// - The specification writes the same cycle as N P S (spec "Schedule": N an integer, P one of
//   D, W, M, Q, H, Y, S the stub, '+' long, '-' short), e.g. 1M-, 1Q+, 1W-: accepted too.
// - Period (dictionary type "Period", "ISO8601 Duration"): e.g. P0D, P2D, P1M, P1Y2M.
// A duration may combine units (ISO 8601: P1Y2M10D, P2W); Q (quarter) and H (half year) are the
// spec's units, accepted where ISO 8601 puts months. Times are not part of ACTUS cycles.
import { plusDays, plusMonths, type Instant } from './date.js';

export interface Cycle {
  /** Whole months per cycle (years, half years and quarters included). */
  readonly months: number;
  /** Whole days per cycle (weeks included), added after the months as java.time's Period does. */
  readonly days: number;
  /** true for the long last stub (`L0`, the spec's '+'): the last incomplete period joins the one before. */
  readonly longStub: boolean;
  readonly text: string;
}

/** P, then each unit at most once in the order Y, H, Q, M, W, D. */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)H)?(?:(\d+)Q)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;
const DICTIONARY_CYCLE = /^(P[0-9YHQMWD]+)L([01])$/;
const SPEC_CYCLE = /^(\d+)([DWMQHY])([+-])$/;
// the test beds also write periods with a stub suffix (settlementPeriod P1DL0): accepted, ignored
const PERIOD = /^(P[0-9YHQMWD]+)(?:L[01])?$/;
/** Bound on each number: schedules are bounded anyway (MAX_SCHEDULE_DATES), this keeps dates finite. */
const MAX_UNITS = 100_000;

/** Months and days of an ISO 8601 duration (with Q and H); undefined when malformed or too large. */
function durationOf(s: string): { months: number; days: number } | undefined {
  const m = DURATION.exec(s);
  if (!m || s === 'P') return undefined;
  const n = m.slice(1).map((x) => (x === undefined ? 0 : +x));
  if (n.some((x) => !Number.isSafeInteger(x) || x > MAX_UNITS)) return undefined;
  const [y, h, q, mo, w, d] = n;
  return { months: 12 * y + 6 * h + 3 * q + mo, days: 7 * w + d };
}

/** Parses a cycle (dictionary `P1ML0` or spec `1M+` form); undefined when malformed or of zero length. */
export function parseCycle(s: string): Cycle | undefined {
  const text = s.trim();
  let duration: { months: number; days: number } | undefined;
  let longStub: boolean;
  const dictionary = DICTIONARY_CYCLE.exec(text);
  if (dictionary) {
    duration = durationOf(dictionary[1]);
    longStub = dictionary[2] === '0';
  } else {
    const spec = SPEC_CYCLE.exec(text);
    if (!spec) return undefined;
    duration = durationOf(`P${spec[1]}${spec[2]}`);
    longStub = spec[3] === '+';
  }
  if (duration === undefined || (duration.months === 0 && duration.days === 0)) return undefined;
  return { ...duration, longStub, text };
}

/** Parses a plain ISO period such as `P0D`, `P2D`, `P1M`, `P1Y2M` (dictionary type "Period"). */
export function parsePeriod(s: string): Cycle | undefined {
  const text = s.trim();
  const m = PERIOD.exec(text);
  const duration = m ? durationOf(m[1]) : undefined;
  return duration === undefined ? undefined : { ...duration, longStub: false, text };
}

/** true when the cycle is whole months (the end-of-month convention and month arithmetic apply). */
export function isMonthly(c: Cycle): boolean {
  return c.months !== 0 && c.days === 0;
}

/** t plus k cycles (java.time Period semantics: months, day clamped to the month end, then days). */
export function addCycles(t: Instant, c: Cycle, k: number): Instant {
  const m = c.months !== 0 ? plusMonths(t, c.months * k) : t;
  return c.days !== 0 ? plusDays(m, c.days * k) : m;
}

/** t minus one period (e.g. fixing days before a reset). */
export function subtractPeriod(t: Instant, c: Cycle): Instant {
  return addCycles(t, c, -1);
}
