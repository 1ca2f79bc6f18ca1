// The annuity amount (spec "Annuity Amount Function" A(s, T, n, a, r)) in closed form, O(n):
// A = (Nt + Ipac) / Σ_k Π_{j≤k} 1 / (1 + Ipnr·Y(t_{j−1}, t_j)). Used by ANN and by NAM when
// its payment is not given.
import type { ContractContext } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import { accrueOnBase, accruedOnBase } from './lam.js';

/**
 * The annuity amount at time t: the level payment on the remaining redemption dates (after t,
 * or at t when `includeT`, up to Md) that repays Nt + Ipac outstanding at `from` (the status
 * date), with interest at Ipnr.
 */
export function annuityAmount(ctx: ContractContext, from: number, t: number, outstanding: number, rate: number, includeT = true): number {
  const dates = ctx.schedules.PR ?? [];
  let discount = 1;
  let sum = 0;
  let prev = from;
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i];
    if (d < t || (d === t && !includeT)) continue;
    discount /= 1 + rate * ctx.yearFraction(prev, d);
    sum += discount;
    prev = d;
  }
  const a = sum > 0 ? outstanding / sum : outstanding;
  return Number.isFinite(a) ? a : 0;
}

/** Prnxt = the annuity amount; a PR on the event's own date counts only if it comes after the event. */
export function reannuitize(ev: ContractEvent, s: StateSpace, ctx: ContractContext, from: number, outstanding: number): void {
  s.nextPrincipalRedemptionPayment = annuityAmount(ctx, from, ev.calcTime, outstanding, s.nominalInterestRate, ctx.order.PR > ev.rank);
}


/**
 * What the annuity repays, valued at t: Nt + Ipac(t) / (1 + Ipnr·Y(t, t1)), t1 the next
 * redemption. The accrued interest is paid at t1 and earns no interest until then (the
 * reference: a fixing between two redemptions, swaps06); with nothing accrued it is just Nt.
 */
export function outstandingAt(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  const accrued = accruedOnBase(ev, s, ctx);
  if (accrued === 0) return s.notionalPrincipal;
  const dates = ctx.schedules.PR ?? [];
  const includeT = ctx.order.PR > ev.rank;
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i];
    if (d > ev.calcTime || (d === ev.calcTime && includeT)) return s.notionalPrincipal + accrued / (1 + s.nominalInterestRate * ctx.yearFraction(ev.calcTime, d));
  }
  return s.notionalPrincipal + accrued;
}

/** STF_PRF_ANN: the annuity amount from t on what is outstanding at t, then accrue. */
export function STF_PRF_ANN(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  reannuitize(ev, s, ctx, ev.calcTime, outstandingAt(ev, s, ctx));
  accrueOnBase(ev, s, ctx);
}

