// SWPPV: Plain Vanilla Interest Rate Swap (spec section "SWPPV: Plain Vanilla Interest Rate Swap").
// One notional, a fixed leg at IPNR and a floating leg at Ipnr (IPNR2 until the first reset).
// States: Ipac holds the fixed leg's accrual (Ipac1, what the test beds report as accruedInterest),
// Ipac2 the floating leg's; the net accrual of the spec is Ipac − Ipac2. The test beds' payoffs
// carry no extra role sign on the interest legs (Nt is already signed), and TD pays PTD.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { schedule as cycleSchedule, scratchDates } from '../time/schedule.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { anchorOf, finishSchedule, pushRateResets, resetRate } from './common.js';
import { dependenciesPAM, lastInterestDateBefore, validatePAM } from './pam.js';

// ---- schedule (spec SWPPV schedule table) ----

/** IED, PRD, IP (DS=S) or IPFX + IPFL (DS=D) on S(IPANX, IPCL, Md), RR on S(RRANX, RRCL, Md), MD, TD. */
function scheduleSWPPV(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const md = t.maturityDate!;
  const out: ContractEvent[] = [ctx.event(t.initialExchangeDate!, 'IED')];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  const gross = t.deliverySettlement !== 'S';
  const resets: ContractEvent[] = [];
  pushRateResets(ctx, resets, md);
  const anchor = anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!);
  const dates = anchor === undefined ? [md] : cycleSchedule(anchor, t.cycleOfInterestPayment, md, t.endOfMonthConvention ?? 'SD', true, scratchDates());
  // interest and reset events merged in date order (finishSchedule then need not sort)
  let j = 0;
  for (let i = 0; i < dates.length; i++) {
    const first = ctx.event(dates[i], gross ? 'IPFX' : 'IP');
    while (j < resets.length && resets[j].key < first.key) out.push(resets[j++]);
    out.push(first);
    if (gross) out.push(ctx.event(dates[i], 'IPFL'));
  }
  while (j < resets.length) out.push(resets[j++]);
  out.push(ctx.event(md, 'MD'));
  return finishSchedule(ctx, out);
}

// ---- state initialisation (spec SWPPV states table) ----

/** Nt, Ipnr = IPNR2, Ipac (fixed leg) and Ipac2 (floating leg) accrued since the last IP before t0 (or the IED). */
function initializeSWPPV(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  const sd = t.statusDate!;
  s.statusDate = sd;
  s.maturityDate = t.maturityDate ?? NaN;
  if (t.initialExchangeDate! > sd) return;
  s.notionalPrincipal = ctx.roleSign * t.notionalPrincipal!;
  s.nominalInterestRate = t.nominalInterestRate2!;
  // t⁻: the last IP before t0; before the first IP, the legs accrue from the IED
  const last = lastInterestDateBefore(ctx, sd);
  const y = ctx.yearFraction(last < sd ? last : ctx.businessDay.shiftCalcTime(t.initialExchangeDate!), sd);
  s.accruedInterest2 = y * s.notionalPrincipal * s.nominalInterestRate;
  // IPAC is the net accrual (fixed − floating): the fixed leg's is then IPAC + Ipac2
  s.accruedInterest = t.accruedInterest !== undefined ? ctx.roleSign * t.accruedInterest + s.accruedInterest2 : y * s.notionalPrincipal * t.nominalInterestRate!;
}

/** Both legs accrue to the event: Ipac += Y·IPNR·Nt, Ipac2 += Y·Ipnr·Nt, Sd = t (STF_AD_SWPPV). */
function accrueLegs(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const y = ctx.yearFraction(s.statusDate, ev.calcTime);
  s.accruedInterest += y * ctx.terms.nominalInterestRate! * s.notionalPrincipal;
  s.accruedInterest2 += y * s.nominalInterestRate * s.notionalPrincipal;
  s.statusDate = ev.calcTime;
}

// ---- payoff functions (spec SWPPV functions table) ----

/** POF_PRD_SWPPV (= POF_PRD_STK): R·(−1)·PPRD. */
export const POF_PRD_SWPPV = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * ctx.terms.priceAtPurchaseDate!;

/** POF_TD_SWPPV: PTD (the test beds pay the termination price as given). */
export const POF_TD_SWPPV = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.terms.priceAtTerminationDate!;

/** POF_IP_SWPPV (net, DS=S): (Ipac − Ipac2) + Y(Sd,t)·(IPNR − Ipnr)·Nt. */
export const POF_IP_SWPPV = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  s.accruedInterest - s.accruedInterest2 + ctx.yearFraction(s.statusDate, ev.calcTime) * (ctx.terms.nominalInterestRate! - s.nominalInterestRate) * s.notionalPrincipal;

/** POF_IPFX_SWPPV (fixed leg, DS=D): Ipac + Y(Sd,t)·IPNR·Nt. */
export const POF_IPFX_SWPPV = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  s.accruedInterest + ctx.yearFraction(s.statusDate, ev.calcTime) * ctx.terms.nominalInterestRate! * s.notionalPrincipal;

/** POF_IPFL_SWPPV (floating leg, DS=D): −(Ipac2 + Y(Sd,t)·Ipnr·Nt). */
export const POF_IPFL_SWPPV = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  -(s.accruedInterest2 + ctx.yearFraction(s.statusDate, ev.calcTime) * s.nominalInterestRate * s.notionalPrincipal);

// ---- state transition functions (spec SWPPV functions table) ----

/** STF_AD_SWPPV (also PRD, CE): both legs accrue, Sd = t. */
export const STF_AD_SWPPV = accrueLegs;

/** STF_IED_SWPPV: Nt = R·NT, Ipnr = IPNR2, Ipac = Ipac2 = 0. */
export function STF_IED_SWPPV(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.notionalPrincipal = ctx.roleSign * ctx.terms.notionalPrincipal!;
  s.nominalInterestRate = ctx.terms.nominalInterestRate2!;
  s.accruedInterest = 0;
  s.accruedInterest2 = 0;
  s.statusDate = ev.calcTime;
}

/** STF_IP_SWPPV: Ipac = Ipac2 = 0. */
export function STF_IP_SWPPV(ev: ContractEvent, s: StateSpace): void {
  s.accruedInterest = 0;
  s.accruedInterest2 = 0;
  s.statusDate = ev.calcTime;
}

/** STF_IPFX_SWPPV: the floating leg accrues to t (its IPFL follows), Ipac = 0. */
export function STF_IPFX_SWPPV(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueLegs(ev, s, ctx);
  s.accruedInterest = 0;
}

/** STF_IPFL_SWPPV: Ipac2 = 0 (the fixed leg accrues to t). */
export function STF_IPFL_SWPPV(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueLegs(ev, s, ctx);
  s.accruedInterest2 = 0;
}

/** STF_RR_SWPPV: both legs accrue, Ipnr = RRMLT·O(RRMO,t) + RRSP. */
export function STF_RR_SWPPV(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueLegs(ev, s, ctx);
  s.nominalInterestRate = resetRate(ev, s, ctx);
}

/** STF_RRF_SWPPV: both legs accrue, Ipnr = RRNXT. */
export function STF_RRF_SWPPV(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueLegs(ev, s, ctx);
  s.nominalInterestRate = ctx.terms.nextResetRate!;
}

/** STF_MD_SWPPV / STF_TD_SWPPV: Nt = Ipac = Ipac2 = 0 (the test beds keep Ipnr). */
export function STF_MD_SWPPV(ev: ContractEvent, s: StateSpace): void {
  s.notionalPrincipal = 0;
  s.accruedInterest = 0;
  s.accruedInterest2 = 0;
  s.statusDate = ev.calcTime;
}

// ---- validation ----

function validateSWPPV(t: ContractTerms, issues: TermIssue[]): void {
  validatePAM(t, issues);
  if (t.cycleOfRateReset === undefined && t.cycleAnchorDateOfRateReset === undefined)
    issues.push({ term: 'cycleOfRateReset', reason: 'the floating leg needs rate resets (cycleOfRateReset or cycleAnchorDateOfRateReset)' });
}

export const SWPPV: ContractType = {
  contractType: 'SWPPV',
  requiredTerms: [...APPLICABILITY.SWPPV.required, 'statusDate'],
  validate: validateSWPPV,
  dependencies: dependenciesPAM,
  schedule: scheduleSWPPV,
  initialize: initializeSWPPV,
  payoff: { IP: POF_IP_SWPPV, IPFX: POF_IPFX_SWPPV, IPFL: POF_IPFL_SWPPV, PRD: POF_PRD_SWPPV, TD: POF_TD_SWPPV },
  transition: {
    AD: STF_AD_SWPPV, CE: STF_AD_SWPPV, PRD: STF_AD_SWPPV, IED: STF_IED_SWPPV, IP: STF_IP_SWPPV, IPFX: STF_IPFX_SWPPV, IPFL: STF_IPFL_SWPPV,
    RR: STF_RR_SWPPV, RRF: STF_RRF_SWPPV, MD: STF_MD_SWPPV, TD: STF_MD_SWPPV,
  },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
