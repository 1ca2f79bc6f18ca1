// CLM: Call Money (spec section "CLM: Call Money"). A loan without a fixed term: interest is
// capitalised (IPCI) on the interest cycle up to the maturity Md(t0) and paid (IP) there. Md is
// MD when given, else fixed by a call (an observed XD event), settled XDN (x-day notice) after
// it with IP and STD, else XDN after the status date (see callMoneyEnd).
// The schedule machinery for open-ended loans here (interest capitalisation up to an end,
// observed events, horizon) is shared by UMP.
import type { ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent, compareEvents } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { ComputationError } from '../errors.js';
import type { Instant } from '../time/date.js';
import { formatDateTime, plusMonths } from '../time/date.js';
import { addCycles } from '../time/cycle.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { accrue, accruedToEvent, anchorOf, pushFees, pushRateResets, pushSchedule } from './common.js';
import {
  POF_FP_PAM, POF_MD_PAM, STF_FP_PAM, STF_IED_PAM, STF_IPCI_PAM, STF_IP_PAM, STF_MD_PAM, STF_RRF_PAM, STF_RR_PAM, initializePAM,
} from './pam.js';

// ---- horizon and observed events ----

/** t_max for contracts without a natural end when no horizon `to` is given: 30 years after the status date. */
export const DEFAULT_HORIZON_MONTHS = 360;

/** The end of an open-ended contract's schedule: the horizon `to`, else t_max. */
export function horizonOf(ctx: ContractContext): Instant {
  return ctx.to ?? plusMonths(ctx.terms.statusDate!, DEFAULT_HORIZON_MONTHS);
}

/** The first observed event of one of `types` for this contract after the status date (within the horizon): UMP's call. */
export function observedEvent(ctx: ContractContext, types: readonly string[]): { time: Instant; value: number } | undefined {
  const sd = ctx.terms.statusDate!;
  let first: { time: Instant; value: number } | undefined;
  for (const e of ctx.observer.eventsObserved(ctx.contractId))
    if (types.includes(e.type) && e.time >= sd && (ctx.to === undefined || e.time <= ctx.to) && (first === undefined || e.time < first.time)) first = e;
  return first;
}

// ---- schedule (spec CLM schedule table) ----

/**
 * IPCI = S(IPANX or IED + IPCL, IPCL, end) without the end, when IPNR is given (spec CLM and UMP
 * schedule tables; unlike PAM's, no IPCED: every interest date before the end capitalises).
 */
export function pushCapitalization(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if (t.nominalInterestRate === undefined || (t.cycleOfInterestPayment === undefined && t.cycleAnchorDateOfInterestPayment === undefined)) return;
  const anchor = anchorOf(t.cycleAnchorDateOfInterestPayment, t.cycleOfInterestPayment, t.initialExchangeDate!)!;
  const from = out.length;
  pushSchedule(ctx, out, 'IPCI', anchor, t.cycleOfInterestPayment, end, false);
  // without a cycle the anchor alone is the schedule: keep it only before the end
  for (let i = out.length - 1; i >= from; i--) if (out[i].scheduleTime >= end) out.splice(i, 1);
}

/** The IED unless it is at or before the status date (then the initial states already hold it). */
export function pushInitialExchange(ctx: ContractContext, out: ContractEvent[]): void {
  const ied = ctx.terms.initialExchangeDate!;
  if (ied > ctx.terms.statusDate!) out.push(ctx.event(ied, 'IED'));
}

/**
 * IP / MD / STD of the contract's end at `time`, computed at `at` (calculation-time shifted):
 * the reference does not shift these event dates by the business-day convention (clm10). For a
 * call, `at` is the call time: the call fixes the amounts due, the notice only delays payment.
 */
function endEvent(ctx: ContractContext, time: Instant, at: Instant, type: 'IP' | 'MD' | 'STD'): ContractEvent {
  return new ContractEvent(time, type, ctx.businessDay.shiftCalcTime(at), at, ctx.order[type], ctx.currency);
}

/** RR / RRF = S(RRANX, RRCL, end) strictly before the end (spec PAM schedule, to Md). */
export function pushRateResetsBefore(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const from = out.length;
  pushRateResets(ctx, out, end);
  for (let i = out.length - 1; i >= from; i--) if (out[i].scheduleTime >= end) out.splice(i, 1);
}

/**
 * UMP's settlement of a call kept in the schedule (its XD last): IP and STD XDN after it, computed
 * at the call. They may fall after the horizon: they follow from an event inside it (clm07).
 */
export function settleCall(ctx: ContractContext, events: ContractEvent[], call: Instant): ContractEvent[] {
  if (events.length === 0 || events[events.length - 1].type !== 'XD') return events;
  const notice = ctx.terms.xDayNotice;
  const settle = notice === undefined ? call : addCycles(call, notice, 1);
  events.push(endEvent(ctx, settle, call, 'IP'), endEvent(ctx, settle, call, 'STD'));
  return events;
}

/**
 * How a call money loan ends, as of the status date t0: Md(t0) ends the IPCI, RR and FP
 * schedules; a call is settled XDN after it.
 */
export interface CallMoneyEnd {
  /** Md(t0) (spec CLM states table). */
  readonly maturity: Instant;
  /** The observed call (XD) that fixes Md, when MD is not given. */
  readonly call?: Instant;
  /** When a called loan is repaid: call + XDN (IP and STD), as the test beds (clm07, clm13). */
  readonly settlement?: Instant;
}

/**
 * Md(t0) (spec CLM states table, Md; dictionary term xDayNotice):
 * - MD when given: the spec lets MD take precedence over observed events, so a call is then
 *   not part of the schedule;
 * - else the first observed call c: Md = c (the IPCI before it and no later: clm07, clm14), and
 *   the loan is settled at c + XDN. The spec writes Md = sup of the observed event times and
 *   puts IP there; the test beds settle XDN after the call (clm07: XD 2015-09-20, P31D, IP and
 *   STD 2015-10-21) and the dictionary says a CLM is settled "X_Day_Notice after" the call;
 * - else XDN after t0: the dictionary's xDayNotice is a rolling term ("as long as MD or TD is not
 *   set, the client postpones his right to call to the future"), so the loan is projected as if
 *   called at t0, the earliest repayment the lender can demand. The spec's t^max would leave the
 *   loan without IP and MD in any horizon. A loan not yet lent cannot be repaid before its IED:
 *   Md is then the IED (a derived Md before the IED would fail the MD ≥ IED rule of a given MD).
 * Periods are added as ISO 8601 durations (days, weeks or months, month ends clamped): XDN is a
 * Period, not a Cycle, so no end-of-month convention applies to it.
 */
export function callMoneyEnd(t: ContractTerms, calls: readonly Instant[]): CallMoneyEnd {
  if (t.maturityDate !== undefined) return { maturity: t.maturityDate };
  const notice = t.xDayNotice;
  const afterNotice = (from: Instant): Instant => (notice === undefined ? from : addCycles(from, notice, 1));
  let call: Instant | undefined;
  for (const c of calls) if (call === undefined || c < call) call = c;
  if (call !== undefined) return { maturity: call, call, settlement: afterNotice(call) };
  const noticeEnd = afterNotice(t.statusDate!), ied = t.initialExchangeDate!;
  return { maturity: noticeEnd < ied ? ied : noticeEnd };
}

/** The times of the contract's observed calls (XD), wherever they fall: the horizon trims the events, not the facts. */
function observedCalls(ctx: ContractContext): Instant[] {
  const calls: Instant[] = [];
  for (const e of ctx.observer.eventsObserved(ctx.contractId)) if (e.type === 'XD') calls.push(e.time);
  return calls;
}

/** FP = S(FEANX or IED + FECL, FECL, Md) with Md (spec CLM schedule: same as PAM with T^MD = Md(t0)). */
function pushFeesToMaturity(ctx: ContractContext, out: ContractEvent[], md: Instant): void {
  const from = out.length;
  pushFees(ctx, out, md);
  // the fee dates basis A accrues between (feeDates), to Md rather than to the MD term CLM may lack
  const dates: Instant[] = [];
  for (let i = from; i < out.length; i++) dates.push(out[i].calcTime);
  ctx.schedules.FP = dates;
}

/**
 * The spec's CLM schedule table: IED (same as PAM), IPCI = S(IPANX or IED + IPCL, IPCL, Md)
 * without Md when IPNR is given, RR / RRF / FP same as PAM up to Md, IP at Md and MD at Md (the
 * PR of PAM). A call adds XD at the call and settles at call + XDN with IP and STD, computed at
 * the call (see STF_XD_CLM). IPCED is not applicable to CLM (dictionary applicability): every
 * interest date up to Md capitalises.
 */
function scheduleCLM(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const end = callMoneyEnd(t, observedCalls(ctx));
  const md = end.maturity;
  if (end.call !== undefined && end.call < t.initialExchangeDate!)
    throw new ComputationError(
      `observed call (XD) at ${formatDateTime(end.call)} before the initial exchange date ${formatDateTime(t.initialExchangeDate!)}: nothing lent to call`,
      ctx.contractId,
    );
  const out: ContractEvent[] = [];
  pushInitialExchange(ctx, out);
  pushCapitalization(ctx, out, md);
  pushRateResetsBefore(ctx, out, md);
  pushFeesToMaturity(ctx, out, md);
  if (end.call === undefined) {
    // the event dates of IP and MD are not shifted by the business-day convention, their calculation is (clm10)
    out.push(endEvent(ctx, md, md, 'IP'), endEvent(ctx, md, md, 'MD'));
    return finishCLM(ctx, out);
  }
  out.push(ctx.event(end.call, 'XD'));
  const events = finishCLM(ctx, out);
  return settleCallMoney(ctx, events, end.call, end.settlement!);
}

/**
 * IP and STD at the settlement of a call inside the horizon, kept even when the settlement falls
 * after the horizon (clm07). A call at or before the status date whose settlement is after it is
 * still owed: settled with the states of t0.
 */
function settleCallMoney(ctx: ContractContext, events: ContractEvent[], call: Instant, settlement: Instant): ContractEvent[] {
  const t = ctx.terms, sd = t.statusDate!;
  const inForce = ctx.to === undefined || call <= ctx.to;
  if (!inForce || settlement <= sd) return events;
  const ip = endEvent(ctx, settlement, call, 'IP'), std = endEvent(ctx, settlement, call, 'STD');
  if (ip.calcTime >= sd) events.push(ip, std);
  // called before t0: the states start at t0, so the amounts are those of t0 (Ipac(t0), Nt(t0))
  else events.push(new ContractEvent(settlement, 'IP', sd, call, ctx.order.IP, ctx.currency), new ContractEvent(settlement, 'STD', sd, call, ctx.order.STD, ctx.currency));
  return events;
}

/**
 * Sorts the schedule and keeps the events after the status date and up to the horizon. Events at
 * the status date go: the states at t0 already hold them (the IED at t0 is not an event: clm01,
 * clm02), as the reference removes every event ordered before the status date's AD, which comes
 * last on its day in the dictionary's event sequence (see finishDerivativeSchedule). Unlike
 * finishSchedule, no termination: TD is not applicable to CLM (dictionary applicability; the
 * spec's CLM tables have no TD), so terminationDate plays no part, like capitalizationEndDate.
 */
function finishCLM(ctx: ContractContext, events: ContractEvent[]): ContractEvent[] {
  const sd = ctx.terms.statusDate!, to = ctx.to ?? Infinity;
  let n = 0;
  for (let i = 0; i < events.length; i++) if (events[i].time > sd && events[i].time <= to) events[n++] = events[i];
  events.length = n;
  return events.sort(compareEvents);
}

// ---- states (spec CLM states table) ----

/**
 * PAM's states (spec CLM states table: "same as PAM"), where Ipac(t0) = IPAC, else
 * Y(t⁻, t0)·Nt·Ipnr with t⁻ the last IP before t0: CLM's only IP is at Md (UMP has none), so
 * there is none and Ipac(t0) = 0 (clm03: the first IPCI after t0 holds interest from t0 only).
 */
export function initializeOpenEnded(ctx: ContractContext, s: StateSpace): void {
  initializePAM(ctx, s);
  const t = ctx.terms;
  s.accruedInterest = t.initialExchangeDate! <= t.statusDate! && t.accruedInterest !== undefined ? ctx.roleSign * t.accruedInterest : 0;
}

/** The CLM states at t0 (spec CLM states table): as PAM, Ipac as above, and Md(t0) as callMoneyEnd. */
export function initializeCLM(ctx: ContractContext, s: StateSpace): void {
  initializeOpenEnded(ctx, s);
  s.maturityDate = callMoneyEnd(ctx.terms, observedCalls(ctx)).maturity;
}

// ---- payoff functions (spec CLM functions table) ----

/** POF_IED_CLM: R·(−1)·NT. */
export const POF_IED_CLM = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * ctx.terms.notionalPrincipal!;

/** POF_IP_CLM: Ipac + Y(Sd,t)·Ipnr·Nt, plus the interest a call fixed (Xa, see STF_XD_CLM). */
export const POF_IP_CLM = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number => s.exerciseAmount + accruedToEvent(ev, s, ctx);

// ---- state transition functions ----

/** STF_IP_CLM: STF_IP_PAM, the fixed interest is paid (Xa = 0). */
export function STF_IP_CLM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  STF_IP_PAM(ev, s, ctx);
  s.exerciseAmount = 0;
}

/**
 * STF_XD_CLM (the call, not in the spec's table): interest accrues to the call, Xd = t. Settled
 * later (XDN > 0), the call fixes the interest due at settlement (Xa) and the XD event shows no
 * accrued interest, as the reference evaluates the settlement's interest at the call before the
 * XD event (clm07); settled at once, XD shows the interest accrued to it (clm13).
 */
export function STF_XD_CLM(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.exerciseDate = ev.time;
  const notice = ctx.terms.xDayNotice;
  if (notice !== undefined && addCycles(ev.scheduleTime, notice, 1) > ev.scheduleTime) {
    s.exerciseAmount = s.accruedInterest;
    s.accruedInterest = 0;
  }
}

// ---- validation and dependencies ----

/** A rate reset needs its market object code, a fee rate its basis (dictionary applicability groups 9 and 1). */
export function validateCLM(t: ContractTerms, issues: TermIssue[]): void {
  if ((t.cycleOfRateReset !== undefined || t.cycleAnchorDateOfRateReset !== undefined) && t.marketObjectCodeOfRateReset === undefined)
    issues.push({ term: 'marketObjectCodeOfRateReset', reason: 'required when rate resets are scheduled' });
  if (t.feeRate !== undefined && t.feeRate !== 0 && t.feeBasis === undefined) issues.push({ term: 'feeBasis', reason: 'required when feeRate is given' });
}

/** CLM's checks, and for UMP's termination its price. */
export function validateOpenEnded(t: ContractTerms, issues: TermIssue[]): void {
  validateCLM(t, issues);
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

/** The rate reset code when resets are scheduled (observed events are the contract's own, keyed by its id). */
export function dependenciesOpenEnded(t: ContractTerms, out: Set<string>): void {
  if (t.marketObjectCodeOfRateReset !== undefined && (t.cycleOfRateReset !== undefined || t.cycleAnchorDateOfRateReset !== undefined))
    out.add(t.marketObjectCodeOfRateReset);
}

/** XD (the call) before the interest paid on the same day, as in the test beds. */
export const OPEN_ENDED_EVENT_ORDER = { FP: 6, XD: 7 } as const;

export const CLM: ContractType = {
  contractType: 'CLM',
  requiredTerms: [...APPLICABILITY.CLM.required, 'statusDate'],
  validate: validateCLM,
  dependencies: dependenciesOpenEnded,
  schedule: scheduleCLM,
  initialize: initializeCLM,
  payoff: { IED: POF_IED_CLM, IP: POF_IP_CLM, MD: POF_MD_PAM, STD: POF_MD_PAM, FP: POF_FP_PAM },
  transition: {
    AD: accrue, IED: STF_IED_PAM, IP: STF_IP_CLM, IPCI: STF_IPCI_PAM, RR: STF_RR_PAM, RRF: STF_RRF_PAM, FP: STF_FP_PAM, MD: STF_MD_PAM,
    STD: STF_MD_PAM, XD: STF_XD_CLM, CE: accrue,
  },
  eventOrder: OPEN_ENDED_EVENT_ORDER,
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
