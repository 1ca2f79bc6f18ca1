// CLM: Call Money (spec section "CLM: Call Money"). A loan without a fixed term: interest is
// capitalised (IPCI) until the maturity, which is MD when given, else fixed by a call: an
// observed XD (exercise) event. The call is settled XDN (x-day notice) after it: IP and STD.
// The schedule machinery for open-ended loans here (interest capitalisation up to an end,
// observed events, horizon) is shared by UMP.
import type { ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import type { Instant } from '../time/date.js';
import { plusMonths } from '../time/date.js';
import { addCycles } from '../time/cycle.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { accrue, accruedToEvent, anchorOf, finishSchedule, pushFees, pushRateResets, pushSchedule } from './common.js';
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

/** The first observed event of one of `types` for this contract after the status date (within the horizon). */
export function observedEvent(ctx: ContractContext, types: readonly string[]): { time: Instant; value: number } | undefined {
  const sd = ctx.terms.statusDate!;
  let first: { time: Instant; value: number } | undefined;
  for (const e of ctx.observer.eventsObserved(ctx.contractId))
    if (types.includes(e.type) && e.time >= sd && (ctx.to === undefined || e.time <= ctx.to) && (first === undefined || e.time < first.time)) first = e;
  return first;
}

// ---- schedule (spec CLM schedule table) ----

/** IPCI = S(IPANX or IED + IPCL, IPCL, end) without the end, when IPNR is given (spec CLM / UMP). */
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
 * The settlement of a call kept in the schedule (its XD last): IP and STD XDN after it, computed
 * at the call. They may fall after the horizon: they follow from an event inside it (clm07).
 */
export function settleCall(ctx: ContractContext, events: ContractEvent[], call: Instant): ContractEvent[] {
  if (events.length === 0 || events[events.length - 1].type !== 'XD') return events;
  const notice = ctx.terms.xDayNotice;
  const settle = notice === undefined ? call : addCycles(call, notice, 1);
  events.push(endEvent(ctx, settle, call, 'IP'), endEvent(ctx, settle, call, 'STD'));
  return events;
}

function scheduleCLM(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const call = observedEvent(ctx, ['XD']);
  // Md(t0): MD, else the call (spec CLM states), an earlier call ends the contract before MD
  const md = t.maturityDate;
  const callEnds = call !== undefined && (md === undefined || call.time < md);
  const end = callEnds ? call.time : md ?? horizonOf(ctx);
  const out: ContractEvent[] = [];
  pushInitialExchange(ctx, out);
  pushCapitalization(ctx, out, end);
  pushRateResetsBefore(ctx, out, end);
  pushFees(ctx, out, end);
  if (callEnds) out.push(ctx.event(call.time, 'XD'));
  else if (md !== undefined) out.push(endEvent(ctx, md, md, 'IP'), endEvent(ctx, md, md, 'MD'));
  const events = finishSchedule(ctx, out);
  return callEnds ? settleCall(ctx, events, call.time) : events;
}

// ---- states (spec CLM states table) ----

/** PAM's states, with Ipac = IPAC (not accrued from a last interest date: interest is capitalised). */
export function initializeOpenEnded(ctx: ContractContext, s: StateSpace): void {
  initializePAM(ctx, s);
  const t = ctx.terms;
  s.accruedInterest = t.initialExchangeDate! <= t.statusDate! && t.accruedInterest !== undefined ? ctx.roleSign * t.accruedInterest : 0;
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

export function validateOpenEnded(t: ContractTerms, issues: TermIssue[]): void {
  if ((t.cycleOfRateReset !== undefined || t.cycleAnchorDateOfRateReset !== undefined) && t.marketObjectCodeOfRateReset === undefined)
    issues.push({ term: 'marketObjectCodeOfRateReset', reason: 'required when rate resets are scheduled' });
  if (t.feeRate !== undefined && t.feeRate !== 0 && t.feeBasis === undefined) issues.push({ term: 'feeBasis', reason: 'required when feeRate is given' });
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
  validate: validateOpenEnded,
  dependencies: dependenciesOpenEnded,
  schedule: scheduleCLM,
  initialize: initializeOpenEnded,
  payoff: { IED: POF_IED_CLM, IP: POF_IP_CLM, MD: POF_MD_PAM, STD: POF_MD_PAM, FP: POF_FP_PAM },
  transition: {
    AD: accrue, IED: STF_IED_PAM, IP: STF_IP_CLM, IPCI: STF_IPCI_PAM, RR: STF_RR_PAM, RRF: STF_RRF_PAM, FP: STF_FP_PAM, MD: STF_MD_PAM,
    STD: STF_MD_PAM, XD: STF_XD_CLM, CE: accrue,
  },
  eventOrder: OPEN_ENDED_EVENT_ORDER,
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
