// LAX: Exotic Linear Amortizer (spec section "LAX: Exotic Linear Amortizer"). A LAM whose
// principal, interest and rate reset schedules are array schedules: each segment i from
// ARPRANX_i redeems (DEC: PR) or draws (INC: PI) ARPRNXT_i, each rate reset segment is fixed
// (F: RRF to ARRATE_i) or variable (V: RR to the market rate plus ARRATE_i).
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import type { Instant } from '../time/date.js';
import { arrayCycle, arraySchedule, MAX_SCHEDULE_DATES, schedule as cycleSchedule } from '../time/schedule.js';
import { addCycles } from '../time/cycle.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import {
  finishSchedule, pushFees, pushInterestCalculationBase, pushInterestDates, pushScaling, resetRate,
} from './common.js';
import { POF_IED_PAM, POF_MD_PAM, POF_FP_PAM, STF_IP_PAM, STF_TD_PAM, validatePAM } from './pam.js';
import {
  AMORTIZER_TRANSITIONS, POF_IP_LAM, POF_PRD_LAM, POF_TD_LAM, STF_PR_LAM, accrueOnBase, initializeAmortizer,
} from './lam.js';

// ---- array terms ----

/** Value i of an array term given per anchor or once for all (a single value applies to every segment). */
function arrayValue<T>(values: readonly T[] | undefined, n: number, i: number): T | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.length === n ? values[i] : values[0];
}

/** i = sup k | anchors_k ≤ t: the array segment a scheduled time falls in (−1 before the first). */
function segmentOf(anchors: readonly Instant[] | undefined, t: Instant): number {
  if (anchors === undefined) return -1;
  let i = -1;
  for (let k = 0; k < anchors.length && anchors[k] <= t; k++) i = k;
  return i;
}

/** ARPRNXT_i of the PR / PI segment of a scheduled time. */
function principalPaymentAt(ctx: ContractContext, t: Instant): number {
  const a = ctx.terms.arrayCycleAnchorDateOfPrincipalRedemption;
  return arrayValue(ctx.terms.arrayNextPrincipalRedemptionPayment, a?.length ?? 0, Math.max(0, segmentOf(a, t))) ?? 0;
}

/** ARRATE_i of the rate reset segment of a scheduled time. */
function arrayRateAt(ctx: ContractContext, t: Instant): number {
  const a = ctx.terms.arrayCycleAnchorDateOfRateReset;
  return arrayValue(ctx.terms.arrayRate, a?.length ?? 0, Math.max(0, segmentOf(a, t))) ?? 0;
}

// ---- maturity and schedule ----

/**
 * Md(t0) of LAX: MD, else inf t | N(t) = 0, N running over the PR (−) and PI (+) dates of the
 * array segments, the last segment continuing on its cycle (spec LAX states table).
 * Undefined when the notional never reaches zero.
 */
export function maturityLAX(t: ContractTerms): Instant | undefined {
  if (t.maturityDate !== undefined) return t.maturityDate;
  const anchors = t.arrayCycleAnchorDateOfPrincipalRedemption;
  if (anchors === undefined || anchors.length === 0 || t.notionalPrincipal === undefined) return undefined;
  const n = anchors.length;
  const eom = t.endOfMonthConvention ?? 'SD';
  let notional = t.notionalPrincipal;
  const done = (): boolean => notional <= 1e-10 * Math.max(1, Math.abs(t.notionalPrincipal!));
  for (let i = 0; i < n; i++) {
    const p = arrayValue(t.arrayNextPrincipalRedemptionPayment, n, i) ?? 0;
    const dec = (arrayValue(t.arrayIncreaseDecrease, n, i) ?? 'DEC') === 'DEC';
    const c = arrayCycle(t.arrayCycleOfPrincipalRedemption, n, i);
    let dates: Instant[];
    if (i < n - 1) dates = cycleSchedule(anchors[i], c, anchors[i + 1], eom, false);
    else if (c === undefined) dates = [anchors[i]];
    else {
      // the last segment runs on until the notional is redeemed
      if (!dec || p <= 0) return undefined;
      const k = Math.ceil(notional / p);
      if (!(k < MAX_SCHEDULE_DATES)) return undefined;
      dates = cycleSchedule(anchors[i], c, addCycles(anchors[i], c, k + 1), eom, false);
    }
    for (const d of dates) {
      notional += dec ? -p : p;
      if (done()) return d;
    }
  }
  return undefined;
}

function scheduleLAX(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const md = maturityLAX(t)!;
  const eom = t.endOfMonthConvention ?? 'SD';
  const out: ContractEvent[] = [ctx.event(t.initialExchangeDate!, 'IED')];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  const prAnchors = t.arrayCycleAnchorDateOfPrincipalRedemption;
  if (prAnchors !== undefined && prAnchors.length > 0) {
    const segment: number[] = [];
    const dates = arraySchedule(prAnchors, t.arrayCycleOfPrincipalRedemption, md, eom, false, segment);
    for (let k = 0; k < dates.length; k++) {
      if (dates[k] >= md) continue;
      const inc = arrayValue(t.arrayIncreaseDecrease, prAnchors.length, segment[k]) === 'INC';
      out.push(ctx.event(dates[k], inc ? 'PI' : 'PR'));
    }
  }
  const ipAnchors = t.arrayCycleAnchorDateOfInterestPayment;
  if (ipAnchors !== undefined && ipAnchors.length > 0)
    pushInterestDates(ctx, out, arraySchedule(ipAnchors, t.arrayCycleOfInterestPayment, md, eom, true).filter((d) => d <= md));
  else if (t.capitalizationEndDate !== undefined) pushInterestDates(ctx, out, []);
  pushInterestCalculationBase(ctx, out, md);
  const rrAnchors = t.arrayCycleAnchorDateOfRateReset;
  if (rrAnchors !== undefined && rrAnchors.length > 0) {
    const segment: number[] = [];
    const dates = arraySchedule(rrAnchors, t.arrayCycleOfRateReset, md, eom, false, segment);
    const sd = t.statusDate!;
    let fixed = t.nextResetRate === undefined;
    for (let k = 0; k < dates.length; k++) {
      if (dates[k] >= md) continue;
      const variable = (arrayValue(t.arrayFixedVariable, rrAnchors.length, segment[k]) ?? 'V') === 'V';
      // RRNXT fixes the first variable reset after the status date (as in PAM)
      if (variable && !fixed && dates[k] > sd) {
        fixed = true;
        out.push(ctx.event(dates[k], 'RRF'));
      } else out.push(ctx.event(dates[k], variable ? 'RR' : 'RRF'));
    }
  }
  pushFees(ctx, out, md);
  pushScaling(ctx, out, md);
  out.push(ctx.event(md, 'MD'));
  return finishSchedule(ctx, out);
}

// ---- states ----

/** LAM's states (Ipcb, Md); Prnxt is the payment of the segment of each PR / PI event. */
function initializeLAX(ctx: ContractContext, s: StateSpace): void {
  initializeAmortizer(ctx, s, maturityLAX(ctx.terms)!);
  const a = ctx.terms.arrayCycleAnchorDateOfPrincipalRedemption;
  const i = segmentOf(a, ctx.terms.statusDate!);
  s.nextPrincipalRedemptionPayment = i < 0 ? 0 : principalPaymentAt(ctx, a![i]);
}

// ---- payoff functions ----

/** POF_PR_LAX (POF_PR_LAM with Prnxt = ARPRNXT_i): R·Nsc·min(Prnxt, |Nt|). */
export const POF_PR_LAX = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * s.notionalScalingMultiplier * Math.min(principalPaymentAt(ctx, ev.scheduleTime), Math.abs(s.notionalPrincipal));

/** POF_PI_LAX: R·(−1)·Nsc·Prnxt. */
export const POF_PI_LAX = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * -1 * s.notionalScalingMultiplier * principalPaymentAt(ctx, ev.scheduleTime);

// ---- state transition functions ----

/** STF_PR_LAX: Prnxt = ARPRNXT_i (the spec's PRF), then STF_PR_LAM. */
export function STF_PR_LAX(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.nextPrincipalRedemptionPayment = principalPaymentAt(ctx, ev.scheduleTime);
  STF_PR_LAM(ev, s, ctx);
}

/** STF_PI_LAX: accrue on Ipcb, Nt += R·Prnxt, Ipcb follows Nt unless NTL. */
export function STF_PI_LAX(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.nextPrincipalRedemptionPayment = principalPaymentAt(ctx, ev.scheduleTime);
  accrueOnBase(ev, s, ctx);
  s.notionalPrincipal += ctx.roleSign * s.nextPrincipalRedemptionPayment;
  if (ctx.terms.interestCalculationBase !== 'NTL') s.interestCalculationBase = s.notionalPrincipal;
}

/** STF_RR_LAX: accrue on Ipcb, Ipnr = capped/floored O(RRMO,t)·RRMLT + ARRATE_i. */
export function STF_RR_LAX(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.nominalInterestRate = resetRate(ev, s, ctx, arrayRateAt(ctx, ev.scheduleTime));
}

/** STF_RRF_LAX: accrue on Ipcb, Ipnr = ARRATE_i (RRNXT for the fixed first variable reset). */
export function STF_RRF_LAX(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  const t = ctx.terms;
  const a = t.arrayCycleAnchorDateOfRateReset;
  const i = Math.max(0, segmentOf(a, ev.scheduleTime));
  const variable = (arrayValue(t.arrayFixedVariable, a?.length ?? 0, i) ?? 'V') === 'V';
  s.nominalInterestRate = variable && t.nextResetRate !== undefined ? t.nextResetRate : arrayRateAt(ctx, ev.scheduleTime);
}

// ---- validation and dependencies ----

/** An array term must give one value per anchor, or a single value for all. */
function checkArrayLength(name: string, values: readonly unknown[] | undefined, n: number, issues: TermIssue[]): void {
  if (values !== undefined && values.length !== n && values.length !== 1)
    issues.push({ term: name, reason: `${values.length} values for ${n} anchors (give one per anchor or a single one)` });
}

function validateLAX(t: ContractTerms, issues: TermIssue[]): void {
  validatePAM(t, issues);
  if (t.interestCalculationBase === 'NTL' && t.cycleOfInterestCalculationBase === undefined && t.cycleAnchorDateOfInterestCalculationBase === undefined)
    issues.push({ term: 'cycleOfInterestCalculationBase', reason: 'required with interestCalculationBase NTL' });
  if (t.interestCalculationBase === 'NTIED' && t.interestCalculationBaseAmount === undefined)
    issues.push({ term: 'interestCalculationBaseAmount', reason: 'required with interestCalculationBase NTIED' });
  const pr = t.arrayCycleAnchorDateOfPrincipalRedemption;
  if (pr !== undefined) {
    if (t.arrayNextPrincipalRedemptionPayment === undefined)
      issues.push({ term: 'arrayNextPrincipalRedemptionPayment', reason: 'required with arrayCycleAnchorDateOfPrincipalRedemption' });
    if (t.arrayIncreaseDecrease === undefined)
      issues.push({ term: 'arrayIncreaseDecrease', reason: 'required with arrayCycleAnchorDateOfPrincipalRedemption' });
    checkArrayLength('arrayNextPrincipalRedemptionPayment', t.arrayNextPrincipalRedemptionPayment, pr.length, issues);
    checkArrayLength('arrayIncreaseDecrease', t.arrayIncreaseDecrease, pr.length, issues);
    checkArrayLength('arrayCycleOfPrincipalRedemption', t.arrayCycleOfPrincipalRedemption, pr.length, issues);
  }
  if (t.arrayCycleAnchorDateOfInterestPayment !== undefined)
    checkArrayLength('arrayCycleOfInterestPayment', t.arrayCycleOfInterestPayment, t.arrayCycleAnchorDateOfInterestPayment.length, issues);
  const rr = t.arrayCycleAnchorDateOfRateReset;
  if (rr !== undefined) {
    if (t.arrayRate === undefined) issues.push({ term: 'arrayRate', reason: 'required with arrayCycleAnchorDateOfRateReset' });
    checkArrayLength('arrayRate', t.arrayRate, rr.length, issues);
    checkArrayLength('arrayFixedVariable', t.arrayFixedVariable, rr.length, issues);
    checkArrayLength('arrayCycleOfRateReset', t.arrayCycleOfRateReset, rr.length, issues);
    const variable = t.arrayFixedVariable === undefined || t.arrayFixedVariable.includes('V');
    if (variable && t.marketObjectCodeOfRateReset === undefined)
      issues.push({ term: 'marketObjectCodeOfRateReset', reason: 'required when variable rate resets are scheduled' });
  }
  const ok = !issues.some((i) => i.term.startsWith('array') || i.term === 'notionalPrincipal');
  if (ok && t.maturityDate === undefined && maturityLAX(t) === undefined)
    issues.push({ term: 'maturityDate', reason: 'required unless the principal redemption arrays redeem the notional' });
}

/** Rate reset code when a variable reset is scheduled, scaling index code when scaling applies. */
function dependenciesLAX(t: ContractTerms, out: Set<string>): void {
  const rr = t.arrayCycleAnchorDateOfRateReset;
  if (t.marketObjectCodeOfRateReset !== undefined && rr !== undefined && rr.length > 0 && (t.arrayFixedVariable === undefined || t.arrayFixedVariable.includes('V')))
    out.add(t.marketObjectCodeOfRateReset);
  if (t.marketObjectCodeOfScalingIndex !== undefined && t.scalingEffect !== undefined && t.scalingEffect !== '000')
    out.add(t.marketObjectCodeOfScalingIndex);
}

export const LAX: ContractType = {
  contractType: 'LAX',
  requiredTerms: [...APPLICABILITY.LAX.required, 'statusDate'],
  validate: validateLAX,
  dependencies: dependenciesLAX,
  schedule: scheduleLAX,
  initialize: initializeLAX,
  payoff: { IED: POF_IED_PAM, PR: POF_PR_LAX, PI: POF_PI_LAX, IP: POF_IP_LAM, MD: POF_MD_PAM, PRD: POF_PRD_LAM, TD: POF_TD_LAM, FP: POF_FP_PAM },
  transition: { ...AMORTIZER_TRANSITIONS, PR: STF_PR_LAX, PI: STF_PI_LAX, IP: STF_IP_PAM, TD: STF_TD_PAM, RR: STF_RR_LAX, RRF: STF_RRF_LAX },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
