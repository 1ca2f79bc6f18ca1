// The one fingerprint of a result (invariant 4 in docs/architecture.md: the calculator publishes
// nothing when a contract's new fingerprint is the one last published). Not cryptographic: it
// only has to tell a contract's new schedule from its previous one. (Hashing the JSON text cost
// more than the engine's computation of the contract.)
//
// A fingerprint is hashWords over a stream of 32-bit words:
//   computed schedule  words("computed"), the event count, then per event: words(currency) when
//                      it differs from the previous event's, the event date's instant (its
//                      float64 bits, two words), words(type), payoff, notional principal,
//                      nominal interest rate, accrued interest, exercise date (its instant),
//                      exercise amount: a number by its float64 bits, null (a state the type
//                      does not report, an exercise not happened) by NULL_BITS
//   other outcomes     words(status), words(reason ?? '')
// words(s) = two UTF-16 units per word, then the length (so that "ab","c" ≠ "a","bc").
// Three producers write the computed stream: the encoder's pass from the engine's events
// (wire/schedule-encoder.ts, the calculator's), fingerprintOfEvents from the engine's events
// (what the encoder leaves aside) and fingerprintOfCashflowEvents from the published events
// (the decoded path); the tests hold them equal. A change to the stream changes every
// fingerprint: every contract would be republished once.
import { parseDateTime, type ContractEvent, type PreparedContract } from '../engine/index.js';
import type { CashflowEvent, CashflowStatus } from '../schemas/types.js';

/** What a null number hashes as. */
export const NULL_BITS = 0x7ff80001;

const SEED_A = 0x9747b28c;
const SEED_B = 0x85ebca6b;

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The hash core: two 32-bit lanes of a MurmurHash3-style mix over words[0..n), 64 bits as 16
 * hex digits (ample to tell one schedule from the next). One loop, nothing left to inline.
 */
export function hashWords(words: Int32Array, n: number): string {
  let a = SEED_A, b = SEED_B;
  for (let j = 0; j < n; j++) {
    let k = words[j];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    a ^= k;
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    b ^= Math.imul(k ^ (k >>> 16), 0x85ebca6b);
    b = (b << 17) | (b >>> 15);
    b = (Math.imul(b, 9) + 0x52dce729) | 0;
  }
  return finish(a ^ b).toString(16).padStart(8, '0') + finish(b + Math.imul(a, 31)).toString(16).padStart(8, '0');
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The words of `s` (see the top of this file) appended to `out`. */
export function stringWords(s: string, out: number[]): void {
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) out.push(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) out.push(s.charCodeAt(i));
  out.push(n);
}

/** A word stream written field by field, hashed by hashWords. */
export class Hash64 {
  private words = new Int32Array(256);
  private n = 0;
  int(k: number): void {
    if (this.n === this.words.length) {
      const next = new Int32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    this.words[this.n++] = k;
  }
  string(s: string): void {
    const n = s.length;
    let i = 0;
    for (; i + 1 < n; i += 2) this.int(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.int(s.charCodeAt(i));
    this.int(n);
  }
  number(x: number | null): void {
    if (x === null) {
      this.int(NULL_BITS);
      return;
    }
    f64[0] = x;
    this.int(u32[0]);
    this.int(u32[1]);
  }
  digest(): string {
    return hashWords(this.words, this.n);
  }
}

/** The computed stream's head and events (see the top of this file), one event at a time. */
class ScheduleHash {
  private readonly h = new Hash64();
  private currency: string | undefined;
  constructor(count: number) {
    this.h.string('computed');
    this.h.int(count);
  }
  event(time: number, type: string, currency: string | undefined, payoff: number, nt: number | null, ir: number | null, ac: number | null, exerciseDate: number | null, exerciseAmount: number | null): void {
    const h = this.h;
    if (currency !== this.currency) {
      this.currency = currency;
      h.string(currency!);
    }
    h.number(time);
    h.string(type);
    h.number(payoff);
    h.number(nt);
    h.number(ir);
    h.number(ac);
    h.number(exerciseDate);
    h.number(exerciseAmount);
  }
  digest(): string {
    return this.h.digest();
  }
}

/** The fingerprint of a computed schedule from the engine's events (states the type does not report as null). */
export function fingerprintOfEvents(p: PreparedContract, events: readonly ContractEvent[]): string {
  const reported = p.type.reportedStates;
  const nt = reported.includes('notionalPrincipal'), ir = reported.includes('nominalInterestRate'), ac = reported.includes('accruedInterest');
  const xd = reported.includes('exerciseDate'), xa = reported.includes('exerciseAmount');
  const h = new ScheduleHash(events.length);
  for (const e of events) {
    const exercised = Number.isFinite(e.exerciseDate);
    h.event(e.time, e.type, e.currency, e.payoff, nt ? e.notionalPrincipal : null, ir ? e.nominalInterestRate : null, ac ? e.accruedInterest : null, xd && exercised ? e.exerciseDate : null, xa && exercised ? e.exerciseAmount : null);
  }
  return h.digest();
}

/**
 * The fingerprint of a computed schedule from its published events (decoded from Avro, read
 * back from the database): the one fingerprintOfEvents gives for the engine's events they were
 * shaped from, where the dates' texts give their instants back (the engine's dates are whole
 * seconds); undefined for a date that does not parse.
 */
export function fingerprintOfCashflowEvents(events: readonly CashflowEvent[]): string | undefined {
  const h = new ScheduleHash(events.length);
  for (const e of events) {
    const time = parseDateTime(e.eventDate);
    const exerciseDate = e.exerciseDate === null ? null : parseDateTime(e.exerciseDate);
    if (time === undefined || exerciseDate === undefined) return undefined;
    h.event(time, e.eventType, e.currency ?? undefined, e.payoff, e.notionalPrincipal, e.nominalInterestRate, e.accruedInterest, exerciseDate, e.exerciseAmount);
  }
  return h.digest();
}

/** The fingerprint of a result without events: waiting (with the engine's reason) or deleted. */
export function fingerprintOfOutcome(status: CashflowStatus, reason: string | null): string {
  const h = new Hash64();
  h.string(status);
  h.string(reason ?? '');
  return h.digest();
}
