// ANN: Annuity (spec section "ANN: Annuity"). Like NAM, with the payment Prnxt derived as the
// annuity amount A(s, T, n, a, r) (spec "Annuity Amount Function", annuity.ts) over the actual
// remaining PR schedule, recomputed at rate resets (RR, RRF) and fixings (PRF).
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { anchorOf, resetRate } from './common.js';
import { dependenciesPAM, lastInterestDateBefore, POF_IED_PAM, POF_MD_PAM, POF_FP_PAM, POF_PP_PAM, POF_PY_PAM } from './pam.js';
import {
  AMORTIZER_TRANSITIONS, POF_IP_LAM, POF_PRD_LAM, POF_TD_LAM, STF_IED_LAM, accrueOnBase, amortizerSchedule, initializeAmortizer, principalAnchor, validateAmortizer,
} from './lam.js';
import { POF_PR_NAM, STF_PR_NAM, maturityNAM } from './nam.js';
import { annuityAt, reannuitize, STF_PRF_ANN } from './annuity.js';
import { addCycles } from '../time/cycle.js';
import { schedule as cycleSchedule } from '../time/schedule.js';

/** STF_IED_ANN: STF_IED_LAM, then without PRNXT Prnxt = A(IED, Md, Nt, Ipac, Ipnr) (spec ANN states, Prnxt). */
function STF_IED_ANN(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  STF_IED_LAM(ev, s, ctx);
  if (ctx.terms.nextPrincipalRedemptionPayment === undefined) reannuitize(ev, s, ctx);
}

/**
 * STF_RR_ANN (spec ANN functions, RR): accrue on Ipcb, Ipnr = the capped/floored reset rate, then
 * Prnxt = A(t, Md, Nt(t+), Ipac(t+), Ipnr(t+)) from the state at t, also when the reset falls
 * between two redemptions (the interest accrued so far is carried by the next payment).
 */
function STF_RR_ANN(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.nominalInterestRate = resetRate(ev, s, ctx);
  reannuitize(ev, s, ctx);
}

/** STF_RRF_ANN (spec ANN functions, RRF): accrue on Ipcb, Ipnr = RRNXT, Prnxt = A(t, Md, Nt(t+), Ipac(t+), Ipnr(t+)). */
function STF_RRF_ANN(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueOnBase(ev, s, ctx);
  s.nominalInterestRate = ctx.terms.nextResetRate!;
  reannuitize(ev, s, ctx);
}

/**
 * t⁻ = sup t ∈ t^IP | t < t0 (spec PAM states, Ipac) over the ANN interest schedule, which is
 * NAM's (u, v): u = S(r, IPCL, PRANX − PRCL), v = the PR times and Md. Without an interest date
 * before t0, interest has run since the IED.
 */
function lastInterestDateBeforeANN(ctx: ContractContext, t0: number): number {
  const t = ctx.terms;
  const pr = ctx.schedules.PR ?? [];
  let last = -Infinity;
  for (let i = 0; i < pr.length && pr[i] < t0; i++) last = pr[i];
  const r = anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!);
  const c = t.cycleOfPrincipalRedemption, prAnchor = principalAnchor(t);
  const end = c ? addCycles(prAnchor, c, -1) : prAnchor;
  if (r !== undefined && r <= end) {
    // u ends with T = PRANX − PRCL itself (an IP or IPCI date, as the schedule builds it)
    const u = t0 > end ? ctx.businessDay.shiftCalcTime(end) : lastInterestDateBefore(ctx, t0);
    if (u < t0 && u > last) last = u;
  }
  return last === -Infinity ? ctx.businessDay.shiftCalcTime(t.initialExchangeDate!) : last;
}

/**
 * ANN states at t0 (spec ANN states): Md as NAM; Ipac accrued since the last interest date, which
 * for ANN includes the PR dates; Prnxt = R·PRNXT, else A(t0, Md, Nt, Ipac, Ipnr) once the IED is past.
 */
function initializeANN(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  initializeAmortizer(ctx, s, maturityNAM(t, ctx.yearFraction));
  if (t.initialExchangeDate! <= t.statusDate! && t.nominalInterestRate !== undefined && t.accruedInterest === undefined)
    s.accruedInterest = ctx.yearFraction(lastInterestDateBeforeANN(ctx, s.statusDate), s.statusDate) * s.notionalPrincipal * s.nominalInterestRate;
  if (t.nextPrincipalRedemptionPayment !== undefined) s.nextPrincipalRedemptionPayment = ctx.roleSign * t.nextPrincipalRedemptionPayment;
  // a PR on the status date itself is still evaluated (the schedule keeps events at t0)
  else if (t.initialExchangeDate! <= t.statusDate!) s.nextPrincipalRedemptionPayment = annuityAt(ctx, s, s.statusDate, true, 0);
}

/**
 * The ANN schedule (spec ANN schedule: as NAM, PR as LAM). With an amortization date after the
 * maturity (dictionary amortizationDate: "used to calculate the annuity amounts ... in case the
 * contract balloons at MD and MD is less than AMD") the annuity runs over the PR schedule up to
 * AMD, S(PRANX, PRCL, AMD) with AMD, while the events stop at MD, where the rest is repaid.
 */
function scheduleANN(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const events = amortizerSchedule(ctx, maturityNAM(t, ctx.yearFraction), 'ANN');
  const amd = t.amortizationDate;
  if (amd !== undefined && t.maturityDate !== undefined && amd > t.maturityDate) {
    const dates = cycleSchedule(principalAnchor(t), t.cycleOfPrincipalRedemption, amd, t.endOfMonthConvention ?? 'SD', false);
    const times: number[] = [];
    for (let i = 0; i < dates.length; i++) if (dates[i] < amd) times.push(ctx.businessDay.shiftCalcTime(dates[i]));
    times.push(ctx.businessDay.shiftCalcTime(amd));
    ctx.schedules.PR = times;
  }
  return events;
}

function validateANN(t: ContractTerms, issues: TermIssue[]): void {
  validateAmortizer(t, issues);
  if (t.maturityDate === undefined && t.amortizationDate === undefined && t.nextPrincipalRedemptionPayment === undefined)
    issues.push({ term: 'maturityDate', reason: 'required unless amortizationDate or nextPrincipalRedemptionPayment is given' });
}

export const ANN: ContractType = {
  contractType: 'ANN',
  requiredTerms: [...APPLICABILITY.ANN.required, 'statusDate'],
  validate: validateANN,
  dependencies: dependenciesPAM,
  schedule: scheduleANN,
  initialize: initializeANN,
  payoff: { IED: POF_IED_PAM, PR: POF_PR_NAM, IP: POF_IP_LAM, MD: POF_MD_PAM, PRD: POF_PRD_LAM, TD: POF_TD_LAM, FP: POF_FP_PAM, PP: POF_PP_PAM, PY: POF_PY_PAM },
  transition: { ...AMORTIZER_TRANSITIONS, IED: STF_IED_ANN, PR: STF_PR_NAM, PRF: STF_PRF_ANN, RR: STF_RR_ANN, RRF: STF_RRF_ANN },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
