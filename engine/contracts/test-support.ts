// What the contract types' own tests share: instants from text, a flat market series, one line
// per event, and the terms an InvalidTermsError names. Not a test file itself (no `.test.ts`).
import { computeEvents, type ComputeOptions } from '../engine.js';
import { InvalidTermsError } from '../errors.js';
import type { ContractEvent } from '../events.js';
import { TimeSeriesObserver } from '../observer.js';
import { formatDateTime, parseDateTime } from '../time/date.js';

/** The instant of an ISO local date-time. */
export const at = (s: string): number => parseDateTime(s)!;

/** One series, `code`, at `value` since 2010. */
export const flat = (code: string, value: number): TimeSeriesObserver => new TimeSeriesObserver({ [code]: [{ time: at('2010-01-01T00:00:00'), value }] });

/** `date type payoff` per event; the payoff rounded to 1/`scale` when given. */
export function eventLines(events: readonly ContractEvent[], scale?: number): string[] {
  return events.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${scale === undefined ? e.payoff : Math.round(e.payoff * scale) / scale}`);
}

/** The terms named by the InvalidTermsError that computing `raw` throws (none when it computes). */
export function termIssues(raw: Record<string, unknown>, options: ComputeOptions = {}): string[] {
  try {
    computeEvents(raw, options);
  } catch (e) {
    if (e instanceof InvalidTermsError) return e.issues.map((i) => i.term);
    throw e;
  }
  return [];
}
