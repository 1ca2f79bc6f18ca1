// The annuity amount (spec section "Annuity Amount Function", A(s, T, n, a, r)) and the
// transitions that re-fix it (ANN: Prnxt at t0, STF_IED, STF_RR_ANN, STF_RRF_ANN, and the
// fixing event PRF of the test beds). Used by ANN, and by NAM when its payment is not given.
//
// The amount always runs over the *actual* remaining principal redemption times of the
// contract, ctx.schedules.PR: the PR schedule S(PRANX, PRCL, Md) with its end-of-month rule, its
// business-day shift (calculation times) and its last stub (spec "Schedule": S = '+' long, '-'
// short; the dictionary writes the cycle `...L0` / `...L1` without saying which is which, and the
// test beds' ann10, P1ML0 to AMD 2013-12-15, drop the PR of 2013-12-01: L0 is the long stub),
// with Md itself as the last time (the annuity repays everything by then: spec
// "Annuity Amount Function", "fully repaid at maturity T"). Periods of any length enter with
// their own year fraction, so stubs at either end need nothing special.
import type { ContractContext } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { Instant } from '../time/date.js';
import { accrueOnBase } from './lam.js';

/**
 * A(s, T, n, a, r) of the spec over the PR times t_1 < ... < t_m = `times[first..]`:
 *
 *   A = (n + a₁) · Π_{i=1}^{m−1} (1 + r·Y(t_i, t_{i+1})) / (1 + Σ_{i=1}^{m−1} Π_{j=i}^{m−1} (1 + r·Y(t_j, t_{j+1})))
 *
 * computed in the equivalent discounted form (numerator and denominator divided by the full
 * product, so that long schedules cannot overflow):
 *
 *   A = (n + a₁) / Σ_{k=1}^{m} Π_{j=1}^{k−1} 1 / (1 + r·Y(t_j, t_{j+1}))
 *
 * `accruedAtFirst` (a₁) is the interest the first payment at t_1 carries. The spec writes "a the
 * accrued interest as per time s"; the test beds take the interest accrued up to t_1 instead
 * (ann15: the fixing on 2013-02-28, one day before the PR of 2013-03-01, re-fixes the payment to
 * 472.77296207475416 = (Nt·(1 + r·Y(s, t_1)) + Ipac) / Σ…, exactly; with Ipac as per s alone it
 * would be 472.66997…), which is also what makes the notional reach exactly 0 at t_m. Pure; no
 * remaining time: n + a₁ (everything is due).
 */
export function annuityAmount(
  times: readonly Instant[],
  first: number,
  notional: number,
  accruedAtFirst: number,
  rate: number,
  yearFraction: (from: Instant, to: Instant) => number,
): number {
  const outstanding = notional + accruedAtFirst;
  if (first >= times.length) return outstanding;
  let discount = 1;
  let sum = 1;
  for (let i = first + 1; i < times.length; i++) {
    discount /= 1 + rate * yearFraction(times[i - 1], times[i]);
    sum += discount;
  }
  const a = outstanding / sum;
  return Number.isFinite(a) ? a : 0;
}

/**
 * Index of the first PR time still to come after an event at (payment) time t: the PR times
 * are calculation times, the order of events is that of their payment times, and the two differ
 * under the CS* conventions (a PR calculated on Saturday 2 Feb but paid on Friday 1 Feb under
 * CSMP is already paid when a fixing on 1 Feb runs). A PR paid at t itself counts when
 * `includeT`. Shifts keep the order of the dates, so a binary search applies.
 */
export function firstPaidAfter(times: readonly Instant[], paidAt: (t: Instant) => Instant, t: Instant, includeT: boolean): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const p = paidAt(times[mid]);
    if (p < t || (p === t && !includeT)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Prnxt = A(t, Md, Nt, Ipac, Ipnr) from the state at an event paid at t (the state's status date
 * is its calculation time): over the PR times still to come (a PR paid at t itself counts when
 * `includeT`, i.e. when it comes after the event that day), the first payment carrying the
 * interest that POF_PR_NAM will deduct at t_1 (see interestToFirst). `next` is the index in
 * ctx.events of the first event after the fixing.
 */
export function annuityAt(ctx: ContractContext, s: StateSpace, t: Instant, includeT: boolean, next: number): number {
  const times = ctx.schedules.PR ?? [];
  const bd = ctx.businessDay;
  const i = firstPaidAfter(times, bd.isIdentity ? identity : (x) => bd.shiftEventTime(x), t, includeT);
  if (i >= times.length) return annuityAmount(times, i, s.notionalPrincipal, s.accruedInterest, s.nominalInterestRate, ctx.yearFraction);
  const first = interestToFirst(ctx, s, next, times[i]);
  return annuityAmount(times, i, first.notional, first.accrued, s.nominalInterestRate, ctx.yearFraction);
}

/**
 * The notional at the first PR time t_1 still to come and the interest its payment carries, from
 * the state at a fixing. The annuity is "dimensioned such that the total nominal amount ... is
 * fully repaid at maturity" (spec "Annuity Amount Function"): what the first payment repays is
 * Nt(t_1) and the interest since the last interest date before t_1. Where the fixing comes before
 * the first PR with interest dates in between (NAM/ANN IP schedule u = S(IPANX, IPCL, PRANX −
 * PRCL) in the interest-only period, spec NAM schedule), those IP events pay the interest
 * accrued to them (STF_IP_PAM: Ipac = 0) and IPCI events add it to Nt (STF_IPCI_LAM), so neither
 * is owed again at t_1. Without such dates this is Nt and Ipac + Y(Sd, t_1)·Ipnr·Ipcb (ann15).
 */
function interestToFirst(ctx: ContractContext, s: StateSpace, next: number, t1: Instant): { notional: number; accrued: number } {
  const r = s.nominalInterestRate;
  const followsNotional = ctx.terms.interestCalculationBase !== 'NTL';
  let notional = s.notionalPrincipal, accrued = s.accruedInterest, base = s.interestCalculationBase, from = s.statusDate;
  const events = ctx.events;
  for (let j = next; j < events.length && events[j].calcTime < t1; j++) {
    const e = events[j];
    if ((e.type !== 'IP' && e.type !== 'IPCI') || e.calcTime < from) continue;
    const interest = accrued + ctx.yearFraction(from, e.calcTime) * r * base;
    if (e.type === 'IPCI') {
      notional += interest;
      if (followsNotional) base = notional;
    }
    accrued = 0;
    from = e.calcTime;
  }
  return { notional, accrued: accrued + ctx.yearFraction(from, t1) * r * base };
}

const identity = (t: Instant): Instant => t;

/** Prnxt re-fixed at an event: a PR on the event's own date counts only if it comes after the event that day. */
export function reannuitize(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.nextPrincipalRedemptionPayment = annuityAt(ctx, s, ev.time, ctx.order.PR > ev.rank, ctx.index + 1);
}

/** STF_PRF_ANN (test beds' fixing event, at the day before PRANX and with every RR): accrue to t, then Prnxt = A(t, Md, Nt, Ipac, Ipnr). */
export function STF_PRF_ANN(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  reannuitize(ev, s, ctx);
}
