// Generated ContractCashflows values of many shapes (strings of every UTF-8 width, the double
// and long extremes, nulls, empty and long schedules) from a seeded PRNG: the same cases each run.
import type { CashflowEvent, ContractCashflows } from '../../schemas/types.js';

/** A small deterministic PRNG (LCG) in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'PAM', '2026-01-31T00:00:00', 'é', 'contract-äöü-€-𝄞', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(300), 'ASCII then é'];
const NUMBERS = [0, -0, 1, -1, 0.1, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 123456.789];
const LONGS = [0, 1, -1, 63, 64, -64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 31, 2 ** 40 + 3, -(2 ** 45), 2 ** 53 - 2, -(2 ** 53) + 2];

/** One value; `dates` replaces the event dates' pool (e.g. only valid timestamps). */
export function cashflowsValue(r: () => number, dates: readonly string[] = STRINGS): ContractCashflows {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const orNull = <T>(x: T) => (r() < 0.3 ? null : x);
  const events: CashflowEvent[] = Array.from({ length: Math.floor(r() * 5) * Math.floor(r() * 40) }, () => ({
    eventDate: pick(dates),
    eventType: pick(STRINGS),
    currency: orNull(pick(STRINGS)),
    payoff: pick(NUMBERS),
    notionalPrincipal: orNull(pick(NUMBERS)),
    nominalInterestRate: orNull(pick(NUMBERS)),
    accruedInterest: orNull(pick(NUMBERS)),
    exerciseDate: orNull(pick(STRINGS)),
    exerciseAmount: orNull(pick(NUMBERS)),
  }));
  return {
    contractId: pick(STRINGS),
    contractType: orNull(pick(STRINGS)),
    version: pick(LONGS),
    fingerprint: orNull(pick(STRINGS)),
    status: pick(['computed', 'waiting', 'deleted'] as const),
    reason: orNull(pick(STRINGS)),
    computedAt: pick(STRINGS),
    events,
    jobId: orNull(pick(STRINGS)),
    requestedAtMs: orNull(pick(LONGS)),
  };
}
