// ACTUS cycles `<ISO8601 period>L<stub>` (dictionary type "Cycle"), e.g. P1ML0, P3ML1, P27DL1.
// Stub 0 is a long last period, 1 a short one (spec section "Schedule").
import { plusDays, plusMonths, type Instant } from './date.js';

export interface Cycle {
  /** Whole months per cycle (0 for day/week cycles). */
  readonly months: number;
  /** Whole days per cycle (0 for month-based cycles). */
  readonly days: number;
  /** true for stub `L0` (merge the last, incomplete period into the previous one). */
  readonly longStub: boolean;
  readonly text: string;
}

const CYCLE = /^P(\d+)([DWMQHY])L([01])$/;
// the test beds also write periods with a stub suffix (settlementPeriod P1DL0): accepted, ignored
const PERIOD = /^P(\d+)([DWMQHY])(?:L[01])?$/;
const UNIT_MONTHS: Record<string, number> = { M: 1, Q: 3, H: 6, Y: 12 };

/** Parses a cycle; undefined when malformed or of zero length. */
export function parseCycle(s: string): Cycle | undefined {
  const m = CYCLE.exec(s.trim());
  if (!m) return undefined;
  return makeCycle(+m[1], m[2], m[3] === '0', s.trim());
}

/** Parses a plain ISO period such as `P0D`, `P2D`, `P1M` (dictionary type "Period"). */
export function parsePeriod(s: string): Cycle | undefined {
  const t = s.trim();
  const m = PERIOD.exec(t);
  if (!m) return undefined;
  const n = +m[1];
  if (!Number.isSafeInteger(n) || n > 100000) return undefined;
  const unit = m[2];
  return unit === 'D' || unit === 'W'
    ? { months: 0, days: unit === 'W' ? n * 7 : n, longStub: false, text: t }
    : { months: n * UNIT_MONTHS[unit], days: 0, longStub: false, text: t };
}

function makeCycle(n: number, unit: string, longStub: boolean, text: string): Cycle | undefined {
  if (!Number.isSafeInteger(n) || n <= 0 || n > 100000) return undefined;
  if (unit === 'D' || unit === 'W') return { months: 0, days: unit === 'W' ? n * 7 : n, longStub, text };
  return { months: n * UNIT_MONTHS[unit], days: 0, longStub, text };
}

/** t plus k cycles (java.time semantics: months then days, day clamped to month end). */
export function addCycles(t: Instant, c: Cycle, k: number): Instant {
  return c.months !== 0 ? plusMonths(t, c.months * k) : plusDays(t, c.days * k);
}

/** t minus one period (e.g. fixing days before a reset). */
export function subtractPeriod(t: Instant, c: Cycle): Instant {
  return c.months !== 0 ? plusMonths(t, -c.months) : plusDays(t, -c.days);
}
