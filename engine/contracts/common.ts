// Payoff and state-transition building blocks shared by several contract types (spec
// section 7, the PAM functions that LAM, NAM, ANN, LAX and others refer to as "same as PAM"),
// and schedule helpers (status date / purchase / termination / horizon trimming).
import type { Instant } from '../time/date.js';
import { schedule, scratchDates } from '../time/schedule.js';
import { addCycles } from '../time/cycle.js';
import type { ContractContext } from '../contract-type.js';
import { compareEvents, type ContractEvent, type EventType } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import { ComputationError } from '../errors.js';

/** Y(Sd, t) on calculation times: the year fraction since the last status date. */
export function sinceStatus(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  return ctx.yearFraction(s.statusDate, ev.calcTime);
}

/** Ipac + Y(Sd,t)·Ipnr·Nt: accrued interest up to the event (spec PAM, used by most types). */
export function accruedToEvent(ev: ContractEvent, s: StateSpace, ctx: ContractContext): number {
  return s.accruedInterest + ctx.yearFraction(s.statusDate, ev.calcTime) * s.nominalInterestRate * s.notionalPrincipal;
}

/** The fee dates S(FEANX, FECL, MD) with MD (spec PAM FP schedule) as calculation times, computed once per evaluation. */
export function feeDates(ctx: ContractContext): readonly Instant[] {
  let dates = ctx.schedules.FP;
  if (dates === undefined) {
    const t = ctx.terms;
    const anchor = t.initialExchangeDate === undefined ? t.cycleAnchorDateOfFee : anchorOf(t.cycleAnchorDateOfFee, t.cycleOfFee, t.initialExchangeDate);
    const end = t.maturityDate;
    dates = anchor === undefined || end === undefined ? [] : schedule(anchor, t.cycleOfFee, end, t.endOfMonthConvention ?? 'SD', true);
    for (let i = 0; i < dates.length; i++) dates[i] = ctx.businessDay.shiftCalcTime(dates[i]);
    ctx.schedules.FP = dates;
  }
  return dates;
}

/**
 * Feac at t (spec PAM STFs, Feac): basis N adds Y(Sd,t)·Nt·FER; basis A is
 * Y(t^FP−,t)/Y(t^FP−,t^FP+)·R·FER with t^FP∓ the fee dates before and after t (unchanged
 * outside the fee schedule); no fee rate or basis: unchanged.
 */
export function feeAccruedAt(t: Instant, s: StateSpace, ctx: ContractContext, dates: readonly Instant[]): number {
  const terms = ctx.terms;
  const fer = terms.feeRate;
  if (fer === undefined) return s.feeAccrued;
  if (terms.feeBasis === 'N') return s.feeAccrued + ctx.yearFraction(s.statusDate, t) * s.notionalPrincipal * fer;
  if (terms.feeBasis !== 'A') return s.feeAccrued;
  // dates ascend: binary search for the first date ≥ t (schedules can be long)
  let lo = 0, hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  const before = lo > 0 ? dates[lo - 1] : undefined;
  const after = lo < dates.length && dates[lo] === t ? dates[lo + 1] : dates[lo];
  if (before === undefined || after === undefined) return s.feeAccrued;
  return (ctx.yearFraction(before, t) / ctx.yearFraction(before, after)) * ctx.roleSign * fer;
}

/** Fee accrual of the spec's STFs (Feac of STF_IP_PAM, STF_RR_PAM...): basis N on Nt, basis A the elapsed share of the fee period. */
export function accrueFee(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  if (ctx.terms.feeRate !== undefined) s.feeAccrued = feeAccruedAt(ev.calcTime, s, ctx, ctx.terms.feeBasis === 'A' ? feeDates(ctx) : []);
}

/** The common "accrue interest and fees, move the status date" transition (STF_AD_PAM and many others). */
export function accrue(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrueFee(ev, s, ctx);
  s.accruedInterest += ctx.yearFraction(s.statusDate, ev.calcTime) * s.nominalInterestRate * s.notionalPrincipal;
  s.statusDate = ev.calcTime;
}

/** Feac at the status date t0 (spec PAM states, Feac): FEAC if given, else accrued from the last fee date (or the IED) before t0. */
export function initialFeeAccrued(ctx: ContractContext, s: StateSpace, t0: Instant): number {
  const t = ctx.terms;
  if (t.feeRate === undefined) return 0;
  if (t.feeAccrued !== undefined) return t.feeAccrued;
  if (t.initialExchangeDate === undefined || t.initialExchangeDate >= t0) return 0;
  const dates = feeDates(ctx);
  let last = t.initialExchangeDate;
  for (let i = 0; i < dates.length && dates[i] < t0; i++) if (dates[i] > last) last = dates[i];
  const sd = s.statusDate, feac = s.feeAccrued;
  s.statusDate = last;
  s.feeAccrued = 0;
  const v = feeAccruedAt(t0, s, ctx, dates);
  s.statusDate = sd;
  s.feeAccrued = feac;
  return v;
}

/** f(O_ev(CID, type, t)): the amount of the contract's observed events of this event's type at its time (summed if several). */
export function observedAmount(ev: ContractEvent, ctx: ContractContext): number {
  let v = 0;
  for (const e of ctx.observer.eventsObserved(ctx.contractId)) if (e.type === ev.type && e.time === ev.scheduleTime) v += e.value;
  return v;
}

/**
 * PP and PY events (spec PAM schedule, also LAM/NAM/ANN): unless PPEF = 'N', PP at
 * S(OPANX, OPCL, MD) (without MD) and at the contract's observed PP events up to MD; PY at the
 * PP times unless there is no penalty (PYTP 'N', the spec's 'O', or not given).
 */
export function pushPrepayments(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if ((t.prepaymentEffect ?? 'N') === 'N') return;
  const times: Instant[] = [];
  const anchor = t.initialExchangeDate === undefined ? t.cycleAnchorDateOfOptionality : anchorOf(t.cycleAnchorDateOfOptionality, t.cycleOfOptionality, t.initialExchangeDate);
  if (anchor !== undefined && anchor < end) schedule(anchor, t.cycleOfOptionality, end, t.endOfMonthConvention ?? 'SD', false, times);
  for (const e of ctx.observer.eventsObserved(ctx.contractId)) if (e.type === 'PP' && e.time <= end) times.push(e.time);
  times.sort((a, b) => a - b);
  const penalty = t.penaltyType !== undefined && t.penaltyType !== 'N';
  for (let i = 0; i < times.length; i++) {
    if (i > 0 && times[i] === times[i - 1]) continue;
    out.push(ctx.event(times[i], 'PP'));
    if (penalty) out.push(ctx.event(times[i], 'PY'));
  }
}

/** The prepaid amount of a PP event, R·f(O_ev(CID,PP,t)) (signed by the role as UMP's observed PR/PI: the test beds' convention). */
export function prepaidAmount(ev: ContractEvent, ctx: ContractContext): number {
  return ctx.roleSign * observedAmount(ev, ctx);
}

/** Nsc / Isc = O(SCMO,t) / SCIXCDD as the scaling effect says (STF_SC_PAM, STF_SC_LAM after their accrual). */
export function rescale(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const t = ctx.terms;
  const effect = t.scalingEffect ?? '000';
  const ratio = observe(ctx, t.marketObjectCodeOfScalingIndex, ev.scheduleTime) / (t.scalingIndexAtContractDealDate ?? 1);
  if (effect[1] === 'N') s.notionalScalingMultiplier = ratio;
  if (effect[0] === 'I') s.interestScalingMultiplier = ratio;
}

/** O(i, t): a market observation; a missing one is a typed computation error, never NaN. */
export function observe(ctx: ContractContext, code: string | undefined, t: Instant): number {
  const v = code === undefined ? undefined : ctx.observer.valueAt(code, t);
  if (v === undefined || !Number.isFinite(v)) throw new ComputationError(`no market data for ${code ?? '(no market object code)'} at ${new Date(t).toISOString().slice(0, 19)}`, ctx.contractId);
  return v;
}

/**
 * The new rate of a reset: min(max(Ipnr + Δr, RRLF), RRLC), Δr capped/floored by RRPC/RRPF
 * (STF_RR_PAM); `spread` is RRSP, or ARRATE_i for LAX (STF_RR_LAX). The rate is observed at the
 * scheduled reset time itself: the spec's RR functions have no fixing period (RRFIX appears only
 * in the dictionary), and the test beds with fixingDays P2D (lam14, nam13) read the value of the
 * reset date, not of two days before.
 */
export function resetRate(ev: ContractEvent, s: StateSpace, ctx: ContractContext, spread: number = ctx.terms.rateSpread ?? 0): number {
  const t = ctx.terms;
  const o = observe(ctx, t.marketObjectCodeOfRateReset, ev.scheduleTime);
  let dr = o * (t.rateMultiplier ?? 1) + spread - s.nominalInterestRate;
  if (t.periodFloor !== undefined && dr < t.periodFloor) dr = t.periodFloor;
  if (t.periodCap !== undefined && dr > t.periodCap) dr = t.periodCap;
  let r = s.nominalInterestRate + dr;
  if (t.lifeFloor !== undefined && r < t.lifeFloor) r = t.lifeFloor;
  if (t.lifeCap !== undefined && r > t.lifeCap) r = t.lifeCap;
  return r;
}

/** Anchor of a cycle schedule: the anchor term, else IED + cycle (spec schedule tables). */
export function anchorOf(anchor: Instant | undefined, cycle: ContractTerms['cycleOfInterestPayment'], ied: Instant): Instant | undefined {
  if (anchor !== undefined) return anchor;
  if (cycle === undefined) return undefined;
  return addCycles(ied, cycle, 1);
}

/** Pushes one event per date of S(anchor, cycle, end). */
export function pushSchedule(
  ctx: ContractContext,
  out: ContractEvent[],
  type: EventType,
  anchor: Instant,
  cycle: ContractTerms['cycleOfInterestPayment'],
  end: Instant,
  includeEnd: boolean,
): void {
  ctx.pushEvents(out, schedule(anchor, cycle, end, ctx.terms.endOfMonthConvention ?? 'SD', includeEnd, scratchDates()), type);
}

/** One interest date d (spec PAM IP/IPCI schedules): IP after IPCED, IPCI before it, none at it (see below). */
export function pushInterestDate(ctx: ContractContext, out: ContractEvent[], d: Instant): void {
  const ced = ctx.terms.capitalizationEndDate;
  if (ced === undefined || d > ced) out.push(ctx.event(d, 'IP'));
  else if (d < ced) out.push(ctx.event(d, 'IPCI'));
}

/** IP events at `dates`, those up to IPCED as IPCI, plus IPCI at IPCED (spec PAM IPCI schedule). */
export function pushInterestDates(ctx: ContractContext, out: ContractEvent[], dates: readonly Instant[]): void {
  const ced = ctx.terms.capitalizationEndDate;
  if (ced === undefined) return ctx.pushEvents(out, dates, 'IP');
  for (let i = 0; i < dates.length; i++) pushInterestDate(ctx, out, dates[i]);
  out.push(ctx.event(ced, 'IPCI'));
}

/** IPCB events S(IPCBANX, IPCBCL, end) when the interest calculation base is NTL (spec LAM schedule). */
export function pushInterestCalculationBase(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if (t.interestCalculationBase !== 'NTL' || (t.cycleOfInterestCalculationBase === undefined && t.cycleAnchorDateOfInterestCalculationBase === undefined)) return;
  const a = anchorOf(t.cycleAnchorDateOfInterestCalculationBase, t.cycleOfInterestCalculationBase, t.initialExchangeDate!)!;
  pushSchedule(ctx, out, 'IPCB', a, t.cycleOfInterestCalculationBase, end, false);
}

/** Rate reset events: S(RRANX, RRCL, end) as RR, the first after SD as RRF when RRNXT is given. */
export function pushRateResets(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if (t.cycleAnchorDateOfRateReset === undefined && t.cycleOfRateReset === undefined) return;
  const anchor = anchorOf(t.cycleAnchorDateOfRateReset, t.cycleOfRateReset, t.initialExchangeDate!)!;
  const dates = schedule(anchor, t.cycleOfRateReset, end, t.endOfMonthConvention ?? 'SD', false, scratchDates());
  const sd = t.statusDate!;
  let fixed = t.nextResetRate === undefined;
  for (let i = 0; i < dates.length; i++) {
    if (!fixed && dates[i] > sd) {
      out.push(ctx.event(dates[i], 'RRF'));
      fixed = true;
    } else out.push(ctx.event(dates[i], 'RR'));
  }
}

/** Scaling index events: S(SCANX, SCCL, end) unless the scaling effect is 000. */
export function pushScaling(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if (t.scalingEffect === undefined || t.scalingEffect === '000') return;
  if (t.cycleAnchorDateOfScalingIndex === undefined && t.cycleOfScalingIndex === undefined) return;
  const anchor = anchorOf(t.cycleAnchorDateOfScalingIndex, t.cycleOfScalingIndex, t.initialExchangeDate!)!;
  pushSchedule(ctx, out, 'SC', anchor, t.cycleOfScalingIndex, end, false);
}

/** Fee payment events: S(FEANX, FECL, end) when a non-zero fee rate is given. */
export function pushFees(ctx: ContractContext, out: ContractEvent[], end: Instant): void {
  const t = ctx.terms;
  if (t.feeRate === undefined || t.feeRate === 0) return;
  if (t.cycleAnchorDateOfFee === undefined && t.cycleOfFee === undefined) return;
  const anchor = anchorOf(t.cycleAnchorDateOfFee, t.cycleOfFee, t.initialExchangeDate!)!;
  pushSchedule(ctx, out, 'FP', anchor, t.cycleOfFee, end, true);
}

/**
 * Sorts and trims a schedule the way the reference does: with a termination date, events after
 * it go and TD is added; events before the status date go; events after the horizon `to` go.
 * (Events before a purchase are evaluated, then left out of the output: see engine.ts.)
 */
export function finishSchedule(ctx: ContractContext, events: ContractEvent[]): ContractEvent[] {
  const t = ctx.terms;
  const out = events;
  const td = t.terminationDate === undefined ? undefined : ctx.event(t.terminationDate, 'TD');
  const sd = t.statusDate!;
  const to = ctx.to === undefined ? Infinity : ctx.to;
  const tdKey = td === undefined ? Infinity : td.key;
  // compact in place: no intermediate arrays
  let n = 0;
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    if (e.time >= sd && e.time <= to && e.key <= tdKey) out[n++] = e;
  }
  out.length = n;
  if (td !== undefined && td.time >= sd && td.time <= to) out.push(td);
  // schedules are mostly generated in order: sort only when needed
  for (let i = 1; i < out.length; i++) {
    const d = out[i].key - out[i - 1].key;
    if (d < 0 || (d === 0 && out[i].calcTime < out[i - 1].calcTime)) {
      out.sort(compareEvents);
      break;
    }
  }
  return out;
}
