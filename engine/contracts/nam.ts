// NAM: Negative Amortizer (spec section "NAM: Negative Amortizer"). Prnxt is the total
// payment; the principal part is what remains after the interest accrued since the last event.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { addCycles } from '../time/cycle.js';
import { eomApplies, shiftEndOfMonth } from '../time/eom.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { annuityAt, reannuitize, STF_PRF_ANN } from './annuity.js';
import { dependenciesPAM, POF_IED_PAM, POF_MD_PAM, POF_FP_PAM, POF_PP_PAM, POF_PY_PAM } from './pam.js';
import {
  AMORTIZER_TRANSITIONS, POF_IP_LAM, POF_PRD_LAM, POF_TD_LAM, accruedOnBase, amortizerSchedule, initializeAmortizer, principalAnchor, validateAmortizer,
} from './lam.js';

/** Md(t0) of NAM/ANN: MD, else AMD (ANN), else the last of n = ceil(NT / (PRNXT − NT·Y(t⁻, t⁻+PRCL)·IPNR)) redemptions. */
export function maturityNAM(t: ContractTerms, yearFraction: (a: number, b: number) => number): number {
  if (t.maturityDate !== undefined) return t.maturityDate;
  if (t.amortizationDate !== undefined) return t.amortizationDate;
  const anchor = principalAnchor(t);
  const c = t.cycleOfPrincipalRedemption;
  if (!c || t.nextPrincipalRedemptionPayment === undefined) return anchor;
  const nt = t.notionalPrincipal!;
  const perPeriod = t.nextPrincipalRedemptionPayment - nt * yearFraction(anchor, addCycles(anchor, c, 1)) * (t.nominalInterestRate ?? 0);
  const n = perPeriod > 0 ? Math.ceil(nt / perPeriod) : 100_000;
  return shiftEndOfMonth(eomApplies(t.endOfMonthConvention ?? 'SD', anchor, c), addCycles(anchor, c, Math.max(0, Math.min(n - 1, 100_000))));
}

/** The principal part of a NAM/ANN redemption: Prnxt − accrued interest, at most the outstanding notional. */
export function namRedemption(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  const r = s.nextPrincipalRedemptionPayment - accruedOnBase(ev, s, ctx);
  return Math.abs(r) > Math.abs(s.notionalPrincipal) ? s.notionalPrincipal : r;
}

/** POF_PR_NAM: Nsc·(Prnxt − Ipac − Y(Sd,t)·Ipnr·Ipcb). */
export const POF_PR_NAM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number => s.notionalScalingMultiplier * namRedemption(ev, s, ctx);

/** STF_PR_NAM: Ipac accrues on Ipcb, Nt −= Prnxt − Ipac, Ipcb follows Nt (unless NTL). */
export function STF_PR_NAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const r = namRedemption(ev, s, ctx);
  AMORTIZER_TRANSITIONS.AD(ev, s, ctx);
  s.notionalPrincipal -= r;
  if (ctx.terms.interestCalculationBase !== 'NTL') s.interestCalculationBase = s.notionalPrincipal;
}

function validateNAM(t: ContractTerms, issues: TermIssue[]): void {
  validateAmortizer(t, issues);
  if (t.maturityDate === undefined && t.nextPrincipalRedemptionPayment === undefined)
    issues.push({ term: 'nextPrincipalRedemptionPayment', reason: 'required when maturityDate is not given' });
}

/** STF_IED_NAM: STF_IED_LAM; without PRNXT the payment is derived as the annuity amount from the IED (as ANN). */
function STF_IED_NAM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  AMORTIZER_TRANSITIONS.IED(ev, s, ctx);
  if (ctx.terms.nextPrincipalRedemptionPayment === undefined) reannuitize(ev, s, ctx);
}

export const NAM: ContractType = {
  contractType: 'NAM',
  // the dictionary also marks rateSpread / marketObjectCodeOfRateReset "NN": they are only needed with
  // rate resets; nextPrincipalRedemptionPayment can be derived (annuity amount) when a maturity is given
  requiredTerms: [
    ...APPLICABILITY.NAM.required.filter((n) => n !== 'rateSpread' && n !== 'marketObjectCodeOfRateReset' && n !== 'nextPrincipalRedemptionPayment'),
    'statusDate',
  ],
  validate: validateNAM,
  dependencies: dependenciesPAM,
  schedule: (ctx) => amortizerSchedule(ctx, maturityNAM(ctx.terms, ctx.yearFraction), 'NAM'),
  initialize: (ctx, s) => {
    initializeAmortizer(ctx, s, maturityNAM(ctx.terms, ctx.yearFraction));
    const t = ctx.terms;
    if (t.nextPrincipalRedemptionPayment !== undefined) s.nextPrincipalRedemptionPayment = ctx.roleSign * t.nextPrincipalRedemptionPayment;
    else if (t.initialExchangeDate! <= t.statusDate!) s.nextPrincipalRedemptionPayment = annuityAt(ctx, s, s.statusDate, true, 0);
  },
  payoff: { IED: POF_IED_PAM, PR: POF_PR_NAM, IP: POF_IP_LAM, MD: POF_MD_PAM, PRD: POF_PRD_LAM, TD: POF_TD_LAM, FP: POF_FP_PAM, PP: POF_PP_PAM, PY: POF_PY_PAM },
  transition: { ...AMORTIZER_TRANSITIONS, IED: STF_IED_NAM, PR: STF_PR_NAM, PRF: STF_PRF_ANN },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
