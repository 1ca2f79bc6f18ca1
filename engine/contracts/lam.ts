// LAM: Linear Amortizer (spec section "LAM: Linear Amortizer"). Interest accrues on the
// interest calculation base Ipcb; principal is redeemed by Prnxt at each PR event. The
// amortizer machinery here (PR/IPCB schedules, Ipcb accrual, derived maturity) is shared by
// NAM and ANN.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { schedule as cycleSchedule } from '../time/schedule.js';
import { addCycles } from '../time/cycle.js';
import { eomApplies, shiftEndOfMonth } from '../time/eom.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { accrueFee, anchorOf, finishSchedule, pushFees, pushInterestDate, pushPrepayments, prepaidAmount, pushRateResets, pushScaling, rescale, resetRate } from './common.js';
import {
  POF_IED_PAM, POF_MD_PAM, POF_FP_PAM, POF_PP_PAM, POF_PY_PAM, STF_IP_PAM, STF_TD_PAM, initializePAM, pushInterestSchedule, validatePAM, dependenciesPAM,
} from './pam.js';

// ---- accrual on the interest calculation base ----

/** Ipac + Y(Sd,t)·Ipnr·Ipcb. */
export function accruedOnBase(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  return s.accruedInterest + ctx.yearFraction(s.statusDate, ev.calcTime) * s.nominalInterestRate * s.interestCalculationBase;
}

/** Ipac += Y(Sd,t)·Ipnr·Ipcb, fees accrue, Sd = t (STF_AD_LAM-like transitions). */
export function accrueOnBase(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueFee(ev, s, ctx);
  s.accruedInterest = accruedOnBase(ev, s, ctx);
  s.statusDate = ev.calcTime;
}

/** Ipcb follows Nt unless it is fixed by IPCB events (NTL): the test beds do this for NTIED too (lam18). */
function followNotional(s: StateSpace, ctx: ContractContext): void {
  if (ctx.terms.interestCalculationBase !== 'NTL') s.interestCalculationBase = s.notionalPrincipal;
}

// ---- maturity and schedule ----

/** PR anchor: PRANX, else IED + PRCL. */
export function principalAnchor(t: ContractTerms): number {
  return anchorOf(t.cycleAnchorDateOfPrincipalRedemption, t.cycleOfPrincipalRedemption, t.initialExchangeDate!) ?? t.initialExchangeDate!;
}

/** Md(t0) of LAM: MD, else the last of ceil(NT/PRNXT) redemptions from the PR anchor. */
export function maturityLAM(t: ContractTerms): number {
  if (t.maturityDate !== undefined) return t.maturityDate;
  const anchor = principalAnchor(t);
  const n = Math.ceil(t.notionalPrincipal! / t.nextPrincipalRedemptionPayment!);
  const c = t.cycleOfPrincipalRedemption;
  if (!c) return anchor;
  return shiftEndOfMonth(eomApplies(t.endOfMonthConvention ?? 'SD', anchor, c), addCycles(anchor, c, Math.max(0, Math.min(n - 1, 100_000))));
}

/**
 * The amortizer schedule: IED, PR = S(PRANX, PRCL, Md) without Md, MD, IP/IPCI, IPCB, RR/RRF,
 * FP, SC, PRD, TD. NAM and ANN (`variant`) also pay interest at every PR date (spec NAM IP
 * schedule); without PRNXT they fix the payment (PRF) the day before the first redemption when
 * that is after the IED; ANN also fixes it again with each RR (and RRF).
 */
export function amortizerSchedule(ctx: ContractContext, md: number, variant: 'LAM' | 'NAM' | 'ANN'): ContractEvent[] {
  const t = ctx.terms;
  const out: ContractEvent[] = [ctx.event(t.initialExchangeDate!, 'IED')];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  const prAnchor = principalAnchor(t);
  const prDates = cycleSchedule(prAnchor, t.cycleOfPrincipalRedemption, md, t.endOfMonthConvention ?? 'SD', false);
  const prCalc: number[] = [];
  const bd = ctx.businessDay;
  for (let i = 0; i < prDates.length; i++) if (prDates[i] < md) prCalc.push(bd.shiftCalcTime(prDates[i]));
  prCalc.push(bd.shiftCalcTime(md));
  ctx.schedules.PR = prCalc;
  const withPRF = variant === 'ANN';
  const fixing = variant !== 'LAM' && t.nextPrincipalRedemptionPayment === undefined && prAnchor - 86_400_000 > t.initialExchangeDate!;
  if (variant === 'LAM') {
    for (let i = 0; i < prDates.length; i++) if (prDates[i] < md) out.push(ctx.event(prDates[i], 'PR'));
    pushInterestSchedule(ctx, out, md);
  } else {
    const before = out.length;
    pushNAMInterestSchedule(ctx, out, md, prAnchor, prDates);
    if (fixing) out.splice(firstAfter(out, before, prAnchor - 86_400_000), 0, ctx.event(prAnchor - 86_400_000, 'PRF'));
  }
  if (t.interestCalculationBase === 'NTL' && (t.cycleOfInterestCalculationBase !== undefined || t.cycleAnchorDateOfInterestCalculationBase !== undefined)) {
    const a = anchorOf(t.cycleAnchorDateOfInterestCalculationBase, t.cycleOfInterestCalculationBase, t.initialExchangeDate!)!;
    const d = cycleSchedule(a, t.cycleOfInterestCalculationBase, md, t.endOfMonthConvention ?? 'SD', false);
    for (let i = 0; i < d.length; i++) out.push(ctx.event(d[i], 'IPCB'));
  }
  const before = out.length;
  pushRateResets(ctx, out, md);
  // ANN: a fixing (PRF) on every date of the rate reset schedule, the one fixed by RRNXT (RRF) too
  if (withPRF) for (let i = before, n = out.length; i < n; i++) if (out[i].type === 'RR' || out[i].type === 'RRF') out.push(ctx.event(out[i].scheduleTime, 'PRF'));
  pushFees(ctx, out, md);
  pushScaling(ctx, out, md);
  pushPrepayments(ctx, out, md);
  out.push(ctx.event(md, 'MD'));
  return finishSchedule(ctx, out);
}

/**
 * NAM/ANN PR and IP: IP at u = S(r, IPCL, T) with T = PR anchor − PRCL and at v = the PR dates
 * and Md (spec NAM schedule). PR and IP are pushed interleaved, in date order, so that the
 * final sort has almost nothing to do.
 */
function pushNAMInterestSchedule(ctx: ContractContext, out: ContractEvent[], md: number, prAnchor: number, prDates: readonly number[]): void {
  const t = ctx.terms;
  const ced = t.capitalizationEndDate;
  let u: readonly number[] = [];
  if (t.cycleOfInterestPayment !== undefined || t.cycleAnchorDateOfInterestPayment !== undefined) {
    const c = t.cycleOfPrincipalRedemption;
    const end = c ? addCycles(prAnchor, c, -1) : prAnchor;
    const r = anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!)!;
    if (r <= end) u = cycleSchedule(r, t.cycleOfInterestPayment, end, t.endOfMonthConvention ?? 'SD', true);
  }
  // merge the two ascending date lists (u, then the PR dates before Md, then Md), without duplicates
  let i = 0, j = 0, last = -Infinity;
  const nv = prDates.length;
  for (;;) {
    const a = i < u.length ? u[i] : Infinity;
    let b = j < nv ? prDates[j] : Infinity;
    if (b >= md) b = j <= nv ? md : Infinity;
    const d = a <= b ? a : b;
    if (d === Infinity) break;
    if (b === d && d < md) {
      out.push(ctx.event(d, 'PR'));
      j++;
      if (a === d) i++;
    } else if (a <= b) i++;
    else if (b === md) j = nv + 1;
    else j++;
    if (d === last) continue;
    last = d;
    pushInterestDate(ctx, out, d);
  }
  if (ced !== undefined) out.push(ctx.event(ced, 'IPCI'));
}

/** Index of the first event from `from` on with a time after t (where an event at t belongs). */
function firstAfter(out: readonly ContractEvent[], from: number, t: number): number {
  let i = from;
  while (i < out.length && out[i].time <= t) i++;
  return i;
}

// ---- states ----

/** PAM's states plus Prnxt and Ipcb (spec LAM states table). */
export function initializeAmortizer(ctx: ContractContext, s: StateSpace, md: number): void {
  initializePAM(ctx, s);
  const t = ctx.terms;
  s.maturityDate = md;
  if (t.initialExchangeDate! > t.statusDate!) s.interestCalculationBase = 0;
  else if ((t.interestCalculationBase ?? 'NT') === 'NT') s.interestCalculationBase = ctx.roleSign * t.notionalPrincipal!;
  else s.interestCalculationBase = ctx.roleSign * (t.interestCalculationBaseAmount ?? t.notionalPrincipal!);
}

function initializeLAM(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  const md = maturityLAM(t);
  initializeAmortizer(ctx, s, md);
  if (t.nextPrincipalRedemptionPayment !== undefined) s.nextPrincipalRedemptionPayment = t.nextPrincipalRedemptionPayment;
  else {
    // NT / number of redemptions (the PR dates and Md), as the test beds do (lam29, lam31)
    const n = cycleSchedule(principalAnchor(t), t.cycleOfPrincipalRedemption, md, t.endOfMonthConvention ?? 'SD', true).length;
    s.nextPrincipalRedemptionPayment = t.notionalPrincipal! / Math.max(1, n);
  }
}

// ---- payoff functions ----

/** POF_PR_LAM: R·Nsc·Prnxt (at most the outstanding notional). */
export const POF_PR_LAM = (_ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * s.notionalScalingMultiplier * Math.min(s.nextPrincipalRedemptionPayment, Math.abs(s.notionalPrincipal));

/** POF_IP_LAM: Isc·(Ipac + Y(Sd,t)·Ipnr·Ipcb). */
export const POF_IP_LAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number => s.interestScalingMultiplier * accruedOnBase(ev, s, ctx);

/** POF_PRD_LAM: R·(−1)·(PPRD + Ipac + Y(Sd,t)·Ipnr·Ipcb). */
export const POF_PRD_LAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * -1 * (ctx.terms.priceAtPurchaseDate! + accruedOnBase(ev, s, ctx));

/** POF_TD_LAM: R·(PTD + Ipac + Y(Sd,t)·Ipnr·Ipcb). */
export const POF_TD_LAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * (ctx.terms.priceAtTerminationDate! + accruedOnBase(ev, s, ctx));

// ---- state transition functions ----

/** STF_IED_LAM: STF_IED_PAM plus Ipcb = R·NT (NT) or R·IPCBA. */
export function STF_IED_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const t = ctx.terms;
  s.notionalPrincipal = ctx.roleSign * t.notionalPrincipal!;
  s.nominalInterestRate = t.nominalInterestRate ?? 0;
  s.interestCalculationBase =
    (t.interestCalculationBase ?? 'NT') === 'NT' ? s.notionalPrincipal : ctx.roleSign * (t.interestCalculationBaseAmount ?? t.notionalPrincipal!);
  const ipanx = t.cycleAnchorDateOfInterestPayment;
  if (t.accruedInterest !== undefined) s.accruedInterest = ctx.roleSign * t.accruedInterest;
  else if (ipanx !== undefined && ipanx < ev.calcTime) s.accruedInterest = ctx.yearFraction(ipanx, ev.calcTime) * s.interestCalculationBase * s.nominalInterestRate;
  else s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

/** STF_PR_LAM: Nt −= R·Prnxt (at most Nt), Ipac accrues on Ipcb, Ipcb follows Nt for NT. */
export function STF_PR_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.notionalPrincipal -= ctx.roleSign * Math.min(s.nextPrincipalRedemptionPayment, Math.abs(s.notionalPrincipal));
  followNotional(s, ctx);
}

/** STF_PP_LAM (also NAM, ANN): accrue on Ipcb, Nt −= the prepaid amount, Ipcb follows Nt for NT. */
export function STF_PP_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.notionalPrincipal -= prepaidAmount(ev, ctx);
  followNotional(s, ctx);
}

/** STF_MD_LAM: Nt = Ipac = Feac = Ipcb = 0. */
export function STF_MD_LAM(ev: ContractEvent, s: StateSpace): void {
  s.notionalPrincipal = 0;
  s.accruedInterest = 0;
  s.feeAccrued = 0;
  s.interestCalculationBase = 0;
  s.statusDate = ev.calcTime;
}

/** STF_IPCI_LAM: Nt += Ipac + Y(Sd,t)·Ipnr·Ipcb, Ipac = 0, Ipcb follows Nt for NT. */
export function STF_IPCI_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueFee(ev, s, ctx);
  s.notionalPrincipal += accruedOnBase(ev, s, ctx);
  s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
  followNotional(s, ctx);
}

/** STF_IPCB_LAM: accrue, Ipcb = Nt. */
export function STF_IPCB_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.interestCalculationBase = s.notionalPrincipal;
}

/** STF_RR_LAM: accrue on Ipcb, new capped/floored rate. */
export function STF_RR_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.nominalInterestRate = resetRate(ev, s, ctx);
}

/** STF_RRF_LAM: accrue on Ipcb, Ipnr = RRNXT. */
export function STF_RRF_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.nominalInterestRate = ctx.terms.nextResetRate!;
}

/** STF_SC_LAM: accrue on Ipcb, Nsc / Isc = O(SCMO,t) / SCIXCDD per the scaling effect. */
export function STF_SC_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  rescale(ev, s, ctx);
}

/** STF_FP_LAM: accrue interest on Ipcb, Feac = 0. */
export function STF_FP_LAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.accruedInterest = accruedOnBase(ev, s, ctx);
  s.feeAccrued = 0;
  s.statusDate = ev.calcTime;
}

// ---- validation and dependencies ----

export function validateAmortizer(t: ContractTerms, issues: TermIssue[]): void {
  validatePAM(t, issues);
  if (t.interestCalculationBase === 'NTL' && t.cycleOfInterestCalculationBase === undefined && t.cycleAnchorDateOfInterestCalculationBase === undefined)
    issues.push({ term: 'cycleOfInterestCalculationBase', reason: 'required with interestCalculationBase NTL' });
  if (t.interestCalculationBase === 'NTIED' && t.interestCalculationBaseAmount === undefined)
    issues.push({ term: 'interestCalculationBaseAmount', reason: 'required with interestCalculationBase NTIED' });
  if (t.cycleOfPrincipalRedemption === undefined && t.cycleAnchorDateOfPrincipalRedemption === undefined)
    issues.push({ term: 'cycleOfPrincipalRedemption', reason: 'required (or cycleAnchorDateOfPrincipalRedemption)' });
}

function validateLAM(t: ContractTerms, issues: TermIssue[]): void {
  validateAmortizer(t, issues);
  if (t.maturityDate === undefined && (t.nextPrincipalRedemptionPayment === undefined || t.nextPrincipalRedemptionPayment <= 0))
    issues.push({ term: 'maturityDate', reason: 'required unless a positive nextPrincipalRedemptionPayment is given' });
}

export const AMORTIZER_TRANSITIONS = {
  AD: accrueOnBase, IED: STF_IED_LAM, PR: STF_PR_LAM, MD: STF_MD_LAM, IP: STF_IP_PAM, IPCI: STF_IPCI_LAM, IPCB: STF_IPCB_LAM,
  RR: STF_RR_LAM, RRF: STF_RRF_LAM, SC: STF_SC_LAM, FP: STF_FP_LAM, PRD: accrueOnBase, TD: STF_TD_PAM, CE: accrueOnBase,
  PP: STF_PP_LAM, PY: accrueOnBase,
} as const;

export const LAM: ContractType = {
  contractType: 'LAM',
  requiredTerms: [...APPLICABILITY.LAM.required, 'statusDate'],
  validate: validateLAM,
  dependencies: dependenciesPAM,
  schedule: (ctx) => amortizerSchedule(ctx, maturityLAM(ctx.terms), 'LAM'),
  initialize: initializeLAM,
  payoff: { IED: POF_IED_PAM, PR: POF_PR_LAM, IP: POF_IP_LAM, MD: POF_MD_PAM, PRD: POF_PRD_LAM, TD: POF_TD_LAM, FP: POF_FP_PAM, PP: POF_PP_PAM, PY: POF_PY_PAM },
  transition: AMORTIZER_TRANSITIONS,
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
