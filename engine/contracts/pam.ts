// PAM: Principal At Maturity (spec section "PAM: Principal At Maturity").
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { schedule as cycleSchedule, scratchDates } from '../time/schedule.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import {
  accrue, accrueFee, accruedToEvent, anchorOf, finishSchedule, pushFees, pushInterestDates, pushPrepayments, prepaidAmount, initialFeeAccrued, observe, pushRateResets, pushScaling, rescale, resetRate,
} from './common.js';

// ---- schedule (spec PAM schedule table) ----

/** IP and IPCI events: S(IPANX, IPCL, MD); dates up to IPCED become IPCI, plus IPCI at IPCED. */
export function pushInterestSchedule(ctx: ContractContext, out: ContractEvent[], end: number): void {
  const t = ctx.terms;
  const cycled = t.cycleOfInterestPayment !== undefined || t.cycleAnchorDateOfInterestPayment !== undefined;
  if (!cycled && t.capitalizationEndDate === undefined) return;
  const dates = cycled
    ? cycleSchedule(anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!)!, t.cycleOfInterestPayment, end, t.endOfMonthConvention ?? 'SD', true, scratchDates())
    : scratchDates();
  pushInterestDates(ctx, out, dates);
}

function schedulePAM(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const md = t.maturityDate!;
  const out: ContractEvent[] = [ctx.event(t.initialExchangeDate!, 'IED')];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  pushInterestSchedule(ctx, out, md);
  pushRateResets(ctx, out, md);
  pushFees(ctx, out, md);
  pushScaling(ctx, out, md);
  pushPrepayments(ctx, out, md);
  out.push(ctx.event(md, 'MD'));
  return finishSchedule(ctx, out);
}

// ---- state initialisation (spec PAM states table) ----

/** Nt, Ipnr, Ipac, Nsc, Isc, Sd at the status date t0. */
export function initializePAM(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  const sd = t.statusDate!;
  s.statusDate = sd;
  s.maturityDate = t.maturityDate ?? NaN;
  s.notionalScalingMultiplier = t.notionalScalingMultiplier ?? 1;
  s.interestScalingMultiplier = t.interestScalingMultiplier ?? 1;
  s.feeAccrued = t.feeAccrued ?? 0;
  if (t.initialExchangeDate! > sd) {
    s.notionalPrincipal = 0;
    s.nominalInterestRate = 0;
    s.accruedInterest = 0;
    return;
  }
  s.notionalPrincipal = ctx.roleSign * t.notionalPrincipal!;
  s.nominalInterestRate = t.nominalInterestRate ?? 0;
  if (t.nominalInterestRate === undefined) s.accruedInterest = 0;
  else if (t.accruedInterest !== undefined) s.accruedInterest = ctx.roleSign * t.accruedInterest;
  else s.accruedInterest = ctx.yearFraction(lastInterestDateBefore(ctx, sd), sd) * s.notionalPrincipal * s.nominalInterestRate;
  if (t.feeRate !== undefined && t.feeAccrued === undefined) s.feeAccrued = initialFeeAccrued(ctx, s, sd);
}

/** t⁻ = sup t ∈ t^IP | t < t0 (or t0 itself when there is none). */
export function lastInterestDateBefore(ctx: ContractContext, t0: number): number {
  const t = ctx.terms;
  const anchor = anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!);
  if (anchor === undefined || anchor >= t0) return t0;
  const dates = cycleSchedule(anchor, t.cycleOfInterestPayment, t0, t.endOfMonthConvention ?? 'SD', false);
  let last = t0;
  for (const d of dates) if (d < t0) last = ctx.businessDay.shiftCalcTime(d);
  return last;
}

// ---- payoff functions (spec PAM functions table) ----

/** POF_IED_PAM: R(CNTRL)·(−1)·(NT + PDIED). */
export const POF_IED_PAM = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * -1 * (ctx.terms.notionalPrincipal! + (ctx.terms.premiumDiscountAtIED ?? 0));

/** POF_MD_PAM: Nsc·Nt + Isc·Ipac + Feac. */
export const POF_MD_PAM = (_ev: ContractEvent, s: StateSpace): number =>
  s.notionalScalingMultiplier * s.notionalPrincipal + s.interestScalingMultiplier * s.accruedInterest + s.feeAccrued;

/** POF_IP_PAM: Isc·(Ipac + Y(Sd,t)·Ipnr·Nt). */
export const POF_IP_PAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  s.interestScalingMultiplier * accruedToEvent(ev, s, ctx);

/** POF_PRD_PAM: R(CNTRL)·(−1)·(PPRD + Ipac + Y(Sd,t)·Ipnr·Nt). */
export const POF_PRD_PAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * -1 * (ctx.terms.priceAtPurchaseDate! + accruedToEvent(ev, s, ctx));

/** POF_TD_PAM: R(CNTRL)·(PTD + Ipac + Y(Sd,t)·Ipnr·Nt). */
export const POF_TD_PAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * (ctx.terms.priceAtTerminationDate! + accruedToEvent(ev, s, ctx));

/** POF_PP_PAM: f(O_ev(CID,PP,t)), signed by the role (see prepaidAmount). */
export const POF_PP_PAM = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => prepaidAmount(ev, ctx);

/**
 * POF_PY_PAM: PYTP 'A': R·PYRT; 'R' (the spec's 'N'): c·PYRT; 'I': c·max(0, Ipnr − O(RRMO,t));
 * c = R·Y(Sd,t)·Nt. The dictionary's PYTP codes N/A/R/I stand for the spec's O/A/N/I.
 */
export function POF_PY_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  const t = ctx.terms;
  const rate = t.penaltyRate ?? 0;
  if (t.penaltyType === 'A') return ctx.roleSign * rate;
  const c = ctx.roleSign * ctx.yearFraction(s.statusDate, ev.calcTime) * s.notionalPrincipal;
  if (t.penaltyType === 'R') return c * rate;
  if (t.penaltyType === 'I') return c * Math.max(0, s.nominalInterestRate - observe(ctx, t.marketObjectCodeOfRateReset, ev.scheduleTime));
  return 0;
}

/** POF_FP_PAM: R·FER (basis A) or FER·Y(Sd,t)·Nt + Feac (basis N). */
export const POF_FP_PAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number => {
  const t = ctx.terms;
  const fer = t.feeRate ?? 0;
  return t.feeBasis === 'A' ? ctx.roleSign * fer : fer * ctx.yearFraction(s.statusDate, ev.calcTime) * s.notionalPrincipal + s.feeAccrued;
};

// ---- state transition functions (spec PAM functions table) ----

/** STF_IED_PAM: Nt = R·NT, Ipnr = IPNR, Ipac = IPAC or Y(IPANX,t)·Nt·Ipnr when IPANX < t. */
export function STF_IED_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const t = ctx.terms;
  s.notionalPrincipal = ctx.roleSign * t.notionalPrincipal!;
  s.nominalInterestRate = t.nominalInterestRate ?? 0;
  const ipanx = t.cycleAnchorDateOfInterestPayment;
  if (t.accruedInterest !== undefined) s.accruedInterest = ctx.roleSign * t.accruedInterest;
  else if (ipanx !== undefined && ipanx < ev.calcTime) s.accruedInterest = ctx.yearFraction(ipanx, ev.calcTime) * s.notionalPrincipal * s.nominalInterestRate;
  else s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

/** STF_IP_PAM: Ipac = 0, Feac accrues, Sd = t. */
export function STF_IP_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueFee(ev, s, ctx);
  s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

/** STF_IPCI_PAM: Nt += Ipac + Y(Sd,t)·Nt·Ipnr, Ipac = 0. */
export function STF_IPCI_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueFee(ev, s, ctx);
  s.notionalPrincipal += accruedToEvent(ev, s, ctx);
  s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

/** STF_MD_PAM: Nt = Ipac = Feac = 0. */
export function STF_MD_PAM(ev: ContractEvent, s: StateSpace): void {
  s.notionalPrincipal = 0;
  s.accruedInterest = 0;
  s.feeAccrued = 0;
  s.statusDate = ev.calcTime;
}

/** STF_RR_PAM: accrue, then Ipnr = the capped/floored reset rate. */
export function STF_RR_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.nominalInterestRate = resetRate(ev, s, ctx);
}

/** STF_RRF_PAM: accrue, then Ipnr = RRNXT. */
export function STF_RRF_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.nominalInterestRate = ctx.terms.nextResetRate!;
}

/** STF_SC_PAM: accrue, then Nsc / Isc = O(SCMO,t) / SCIXCDD as the scaling effect says. */
export function STF_SC_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  rescale(ev, s, ctx);
}

/** STF_FP_PAM: accrue interest, Feac = 0. */
export function STF_FP_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.accruedInterest += ctx.yearFraction(s.statusDate, ev.calcTime) * s.nominalInterestRate * s.notionalPrincipal;
  s.feeAccrued = 0;
  s.statusDate = ev.calcTime;
}

/** STF_PP_PAM: accrue interest and fees, Nt −= the prepaid amount. */
export function STF_PP_PAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.notionalPrincipal -= prepaidAmount(ev, ctx);
}

/** STF_TD_PAM: Nt, Ipac, Feac to 0, as STF_MD_PAM (the test beds keep Ipnr, unlike the spec's table: lam18). */
export const STF_TD_PAM = STF_MD_PAM;

/** STF_AD_PAM (also PRD, CE, and STF_PY_PAM): accrue interest and fees, Sd = t. */
export const STF_AD_PAM = accrue;

// ---- validation ----

export function validatePAM(t: ContractTerms, issues: TermIssue[]): void {
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
  if ((t.cycleOfRateReset !== undefined || t.cycleAnchorDateOfRateReset !== undefined) && t.marketObjectCodeOfRateReset === undefined)
    issues.push({ term: 'marketObjectCodeOfRateReset', reason: 'required when rate resets are scheduled' });
  if (t.scalingEffect !== undefined && t.scalingEffect !== '000') {
    if (t.marketObjectCodeOfScalingIndex === undefined) issues.push({ term: 'marketObjectCodeOfScalingIndex', reason: `required with scalingEffect ${t.scalingEffect}` });
    if (t.scalingIndexAtContractDealDate === undefined || t.scalingIndexAtContractDealDate === 0)
      issues.push({ term: 'scalingIndexAtContractDealDate', reason: `required (non-zero) with scalingEffect ${t.scalingEffect}` });
  }
  if (t.feeRate !== undefined && t.feeRate !== 0 && t.feeBasis === undefined) issues.push({ term: 'feeBasis', reason: 'required when feeRate is given' });
  if (t.penaltyType === 'I' && (t.prepaymentEffect ?? 'N') !== 'N' && t.marketObjectCodeOfRateReset === undefined)
    issues.push({ term: 'marketObjectCodeOfRateReset', reason: 'required with penaltyType I (the rate differential observes it)' });
}

/** Codes of market data the interest, scaling and fee terms of PAM-like types read. */
export function dependenciesPAM(t: ContractTerms, out: Set<string>): void {
  if (t.marketObjectCodeOfRateReset !== undefined && (t.cycleOfRateReset !== undefined || t.cycleAnchorDateOfRateReset !== undefined || (t.penaltyType === 'I' && (t.prepaymentEffect ?? 'N') !== 'N')))
    out.add(t.marketObjectCodeOfRateReset);
  if (t.marketObjectCodeOfScalingIndex !== undefined && t.scalingEffect !== undefined && t.scalingEffect !== '000')
    out.add(t.marketObjectCodeOfScalingIndex);
}

export const PAM: ContractType = {
  contractType: 'PAM',
  requiredTerms: [...APPLICABILITY.PAM.required, 'statusDate'],
  validate: validatePAM,
  dependencies: dependenciesPAM,
  schedule: schedulePAM,
  initialize: initializePAM,
  payoff: { IED: POF_IED_PAM, IP: POF_IP_PAM, MD: POF_MD_PAM, PRD: POF_PRD_PAM, TD: POF_TD_PAM, FP: POF_FP_PAM, PP: POF_PP_PAM, PY: POF_PY_PAM },
  transition: {
    AD: STF_AD_PAM, IED: STF_IED_PAM, IP: STF_IP_PAM, IPCI: STF_IPCI_PAM, MD: STF_MD_PAM, RR: STF_RR_PAM, RRF: STF_RRF_PAM,
    SC: STF_SC_PAM, FP: STF_FP_PAM, PRD: STF_AD_PAM, TD: STF_TD_PAM, CE: STF_AD_PAM, PP: STF_PP_PAM, PY: STF_AD_PAM,
  },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
