// Computing cases in the format of the ACTUS test beds (../shared/actus/tests) and writing their
// JSON: the one code path of `cashflow actus`, the API (sync answers, job results) and
// engine/testbeds.test.ts. Pure: the caller reads the file.
import { formatDateTime, parseDateTime } from './time/date.js';
import { JsonBytes, utf8 } from './json-bytes.js';
import { observerFromTestBed } from './observer.js';
import { prepareContract, evaluate, type PreparedContract } from './engine.js';
import { isEngineError, quoteValue } from './errors.js';
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

/**
 * The test bed's JSON form of computed events (states the type lacks are left out): the text of
 * the one writer (writeEventsJson below) parsed, so the objects are what a reader of that JSON
 * gets (NaN and ±Infinity as null, -0 as 0).
 */
export function eventsToJson(events: readonly ContractEvent[], reported: readonly ReportedState[]): EventJson[] {
  return JSON.parse(eventsJsonText(events, reported)) as EventJson[];
}

// ---- The one writer of the test bed's event JSON, straight from the engine's events: no
// EventJson objects, no JSON.stringify walk, no string concatenation: UTF-8 bytes into one
// JsonBytes. Each event's keys in EventJson's order (eventDate, eventType, payoff, currency, the
// reported states; exerciseDate only once exercised), numbers as JSON writes them
// (Number::toString; -0 → 0; NaN and ±Infinity → null), strings escaped by JSON.stringify itself.
// Fragments are cached as bytes: the date by instant (dates repeat across the contracts of a
// book), the event type and the currency (a book has few). engine/testbed.serializer.test.ts
// proves it equal to JSON.stringify of the plain objects on generated events and on every test bed. CPU per 1,000 PAM contracts
// (43,000 events, 7.3 MB): eventsToJson + JSON.stringify 47 ms, this 18 ms (ANN 112 -> 82 ms:
// there a double's shortest text is most of it).

/** The reported states as bits (packed job results store the mask). */
export const REPORTED_BIT: Readonly<Record<ReportedState, number>> = {
  notionalPrincipal: 1,
  nominalInterestRate: 2,
  accruedInterest: 4,
  exerciseDate: 8,
  exerciseAmount: 16,
};

export function reportedMask(reported: readonly ReportedState[]): number {
  let m = 0;
  for (const r of reported) m |= REPORTED_BIT[r];
  return m;
}

const MAX_CACHED = 100_000;
function cached<K>(make: (key: K) => string): (key: K) => Uint8Array {
  const m = new Map<K, Uint8Array>();
  return (key) => {
    let b = m.get(key);
    if (b === undefined) {
      if (m.size >= MAX_CACHED) m.clear();
      b = utf8(make(key));
      m.set(key, b);
    }
    return b;
  };
}
// formatDateTime's text is JSON-safe (digits, '-', 'T', ':'): no escaping
const eventDateBytes = cached((t: number) => `{"eventDate":"${formatDateTime(t)}"`);
const exerciseDateBytes = cached((t: number) => `,"exerciseDate":"${formatDateTime(t)}"`);
/** JSON.stringify leaves undefined members out */
const eventTypeBytes = cached(
  (type: string | undefined) => `${type === undefined ? '' : `,"eventType":${JSON.stringify(type)}`},"payoff":`,
);
const currencyBytes = cached((c: string | undefined) => (c === undefined ? '' : `,"currency":${JSON.stringify(c)}`));
const NOTIONAL = utf8(',"notionalPrincipal":');
const RATE = utf8(',"nominalInterestRate":');
const ACCRUED = utf8(',"accruedInterest":');
const EXERCISE_AMOUNT = utf8(',"exerciseAmount":');

/** A number as JSON.stringify writes it (`x - x === 0` is false exactly for NaN and ±Infinity). */
function numberText(x: number): string {
  return x - x === 0 ? '' + x : 'null';
}
function writeNumber(w: JsonBytes, x: number): void {
  w.ascii(numberText(x));
}
// The last notional and rate written and their text: within a schedule they mostly repeat, and
// a double's shortest text costs ~0.2 µs (0 and -0 compare equal and print alike; NaN never hits).
let lastNotional = 0;
let lastNotionalText = '0';
let lastRate = 0;
let lastRateText = '0';

/**
 * One event as JSON, from the fields as the engine holds them; `mask` = reportedMask of the
 * type. Shared by the events in memory (writeEventsJson) and the packed job results.
 */
export function writeEventJson(
  w: JsonBytes,
  mask: number,
  time: number,
  type: string | undefined,
  payoff: number,
  currency: string | undefined,
  notionalPrincipal: number,
  nominalInterestRate: number,
  accruedInterest: number,
  exerciseDate: number,
  exerciseAmount: number,
): void {
  w.raw(eventDateBytes(time));
  w.raw(eventTypeBytes(type));
  writeNumber(w, payoff);
  w.raw(currencyBytes(currency));
  if (mask & 1) {
    w.raw(NOTIONAL);
    if (notionalPrincipal !== lastNotional) {
      lastNotional = notionalPrincipal;
      lastNotionalText = numberText(notionalPrincipal);
    }
    w.ascii(lastNotionalText);
  }
  if (mask & 2) {
    w.raw(RATE);
    if (nominalInterestRate !== lastRate) {
      lastRate = nominalInterestRate;
      lastRateText = numberText(nominalInterestRate);
    }
    w.ascii(lastRateText);
  }
  if (mask & 4) {
    w.raw(ACCRUED);
    writeNumber(w, accruedInterest);
  }
  if (mask & 8 && exerciseDate - exerciseDate === 0) w.raw(exerciseDateBytes(exerciseDate));
  if (mask & 16) {
    w.raw(EXERCISE_AMOUNT);
    writeNumber(w, exerciseAmount);
  }
  w.byte(0x7d); // }
}

/** Writes the events' JSON array (an event per writeEventJson). */
export function writeEventsJson(w: JsonBytes, events: readonly ContractEvent[], reported: readonly ReportedState[]): void {
  const mask = reportedMask(reported);
  w.byte(0x5b); // [
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (i) w.byte(0x2c); // ,
    writeEventJson(
      w,
      mask,
      e.time,
      e.type,
      e.payoff,
      e.currency,
      e.notionalPrincipal,
      e.nominalInterestRate,
      e.accruedInterest,
      e.exerciseDate,
      e.exerciseAmount,
    );
  }
  w.byte(0x5d); // ]
}

/** Writes JSON.stringify({ error: message }). */
export function writeErrorJson(w: JsonBytes, message: string): void {
  w.text(errorJsonText(message));
}

export function errorJsonText(message: string): string {
  return `{"error":${JSON.stringify(message)}}`;
}

/** The events' JSON array as text (writeEventsJson). */
export function eventsJsonText(events: readonly ContractEvent[], reported: readonly ReportedState[]): string {
  const w = new JsonBytes(events.length * 200 + 2);
  writeEventsJson(w, events, reported);
  return w.toString();
}

/** A computed case: the engine's events and the states its type reports, or why it could not be computed. */
export type ComputedCase = { events: readonly ContractEvent[]; reported: readonly ReportedState[] } | { error: string };

/** A case's terms parsed and validated, with its horizon: the first half of computeCase. */
export type PreparedCase = { contract: PreparedContract; to: number | undefined } | { error: string };

function caseError(e: unknown): { error: string } {
  if (isEngineError(e)) return { error: e.message };
  return { error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
}

/**
 * Parses and validates a case's terms and horizon; never throws. Callers that need the
 * parsed terms before computing (the dependencies a job-worker reads from the store) parse
 * them once here, then evaluateCase.
 */
export function prepareCase(c: TestBedCase): PreparedCase {
  try {
    if (!c || typeof c !== 'object' || !c.terms || typeof c.terms !== 'object') return { error: 'case has no terms object' };
    let to: number | undefined;
    if (typeof c.to === 'string' && c.to.trim() !== '') {
      to = parseDateTime(c.to);
      if (to === undefined) return { error: `malformed "to": ${quoteValue(c.to)}` };
    }
    return { contract: prepareContract(c.terms), to };
  } catch (e) {
    return caseError(e);
  }
}

/** The events of a prepared case with its market data and observed events (`c`); never throws. */
export function evaluateCase(c: TestBedCase, p: PreparedCase): ComputedCase {
  if ('error' in p) return p;
  try {
    const observer = observerFromTestBed(c.dataObserved, c.eventsObserved);
    const events = evaluate(p.contract, { to: p.to, observer });
    return { events, reported: p.contract.type.reportedStates };
  } catch (e) {
    return caseError(e);
  }
}

/** Computes one test bed case's events; never throws: a case that cannot be computed gives {error}. */
export function computeCase(c: TestBedCase): ComputedCase {
  return evaluateCase(c, prepareCase(c));
}

/** Computes one test bed case; never throws: a case that cannot be computed gives {error}. */
export function computeTestBedCase(c: TestBedCase): CaseResult {
  const r = computeCase(c);
  return 'error' in r ? { error: r.error } : eventsToJson(r.events, r.reported);
}

/** Writes one case as `cashflow actus` prints it: JSON.stringify(computeTestBedCase(c)). */
export function writeCaseResult(w: JsonBytes, c: TestBedCase): void {
  const r = computeCase(c);
  if ('error' in r) writeErrorJson(w, r.error);
  else writeEventsJson(w, r.events, r.reported);
}

/** One case as `cashflow actus` prints it: JSON.stringify(computeTestBedCase(c)), written directly. */
export function caseResultText(c: TestBedCase): string {
  const r = computeCase(c);
  return 'error' in r ? errorJsonText(r.error) : eventsJsonText(r.events, r.reported);
}

/** Computes every case of a parsed test bed file. */
export function computeTestBed(bed: Record<string, TestBedCase>): Record<string, CaseResult> {
  const out: Record<string, CaseResult> = {};
  for (const id of Object.keys(bed)) out[id] = computeTestBedCase(bed[id]);
  return out;
}

/**
 * The text `cashflow actus` prints for a parsed test bed file (without the newline): equal to
 * JSON.stringify(computeTestBed(bed)), written case by case (a case id `__proto__` is printed too).
 */
export function testBedResultText(bed: Record<string, TestBedCase>): string {
  const w = new JsonBytes();
  w.byte(0x7b); // {
  let first = true;
  for (const id of Object.keys(bed)) {
    if (!first) w.byte(0x2c);
    first = false;
    w.string(id);
    w.byte(0x3a); // :
    writeCaseResult(w, bed[id]);
  }
  w.byte(0x7d);
  return w.toString();
}

/** True when a value looks like a test bed: an object of cases each with a terms object. */
export function isTestBed(v: unknown): v is Record<string, TestBedCase> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const cases = Object.values(v as Record<string, unknown>);
  return cases.length > 0 && cases.every((c) => !!c && typeof c === 'object' && !!(c as TestBedCase).terms && typeof (c as TestBedCase).terms === 'object');
}
