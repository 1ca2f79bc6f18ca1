// Computing cases in the format of the ACTUS test beds (../shared/actus/tests): shared by the
// `cashflow actus` command and engine/testbeds.test.ts. Pure: the caller reads the file.
import { formatDateTime, parseDateTime } from './time/date.js';
import { observerFromTestBed } from './observer.js';
import { prepareContract, evaluate } from './engine.js';
import { isEngineError } from './errors.js';
import type { ContractEvent } from './events.js';
import type { ReportedState } from './contract-type.js';

export interface TestBedCase {
  identifier?: string;
  terms: Record<string, unknown>;
  to?: string;
  dataObserved?: unknown;
  eventsObserved?: unknown;
  results?: unknown[];
}

export interface EventJson {
  eventDate: string;
  eventType: string;
  payoff: number;
  currency: string;
  notionalPrincipal?: number;
  nominalInterestRate?: number;
  accruedInterest?: number;
  exerciseDate?: string;
  exerciseAmount?: number;
}

export type CaseResult = EventJson[] | { error: string };

/** The test bed's JSON form of computed events (states the type lacks are left out). */
export function eventsToJson(events: readonly ContractEvent[], reported: readonly ReportedState[]): EventJson[] {
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  return events.map((e) => {
    const o: EventJson = { eventDate: formatDateTime(e.time), eventType: e.type, payoff: e.payoff, currency: e.currency };
    if (nt) o.notionalPrincipal = e.notionalPrincipal;
    if (ir) o.nominalInterestRate = e.nominalInterestRate;
    if (ac) o.accruedInterest = e.accruedInterest;
    if (xd && Number.isFinite(e.exerciseDate)) o.exerciseDate = formatDateTime(e.exerciseDate);
    if (xa) o.exerciseAmount = e.exerciseAmount;
    return o;
  });
}

/** Computes one test bed case; never throws: a case that cannot be computed gives {error}. */
export function computeTestBedCase(c: TestBedCase): CaseResult {
  try {
    if (!c || typeof c !== 'object' || !c.terms || typeof c.terms !== 'object') return { error: 'case has no terms object' };
    let to: number | undefined;
    if (typeof c.to === 'string' && c.to.trim() !== '') {
      to = parseDateTime(c.to);
      if (to === undefined) return { error: `malformed "to": ${JSON.stringify(c.to)}` };
    }
    const prepared = prepareContract(c.terms);
    const observer = observerFromTestBed(c.dataObserved, c.eventsObserved);
    const events = evaluate(prepared, { to, observer });
    return eventsToJson(events, prepared.type.reportedStates);
  } catch (e) {
    if (isEngineError(e)) return { error: e.message };
    return { error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Computes every case of a parsed test bed file. */
export function computeTestBed(bed: Record<string, TestBedCase>): Record<string, CaseResult> {
  const out: Record<string, CaseResult> = {};
  for (const id of Object.keys(bed)) out[id] = computeTestBedCase(bed[id]);
  return out;
}

/** True when a value looks like a test bed: an object of cases each with a terms object. */
export function isTestBed(v: unknown): v is Record<string, TestBedCase> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const cases = Object.values(v as Record<string, unknown>);
  return cases.length > 0 && cases.every((c) => !!c && typeof c === 'object' && !!(c as TestBedCase).terms && typeof (c as TestBedCase).terms === 'object');
}
