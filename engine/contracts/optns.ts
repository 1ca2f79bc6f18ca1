// OPTNS: Option (spec section "OPTNS: Option"). The underlying is the contractStructure reference
// with role UDL: a market object (MOC) or a contract whose marketObjectCode gives the price S_t.
import type { ChildEngine, ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent, type EventType } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { Instant } from '../time/date.js';
import { addCycles } from '../time/cycle.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import type { TermIssue } from '../errors.js';
import { childMarketObjectCode, referencesOf, structureDependencies, validateStructure, type ContractReference } from '../composite.js';
import { finishSchedule, observe } from './common.js';

/** Roles of an underlying in contractStructure (dictionary "referenceRole"). */
export const UNDERLYING_ROLES = ['UDL', 'UDLP', 'UDLM'] as const;

// ---- shared by the types whose functions the spec defines "same as OPTNS" (FUTUR, CEG, CEC) ----

/** An event at an observed time (exercise decisions, credit events): no business-day shift. */
export function observedEvent(ctx: ContractContext, t: Instant, type: EventType): ContractEvent {
  return new ContractEvent(t, type, t, t, ctx.order[type], ctx.currency);
}

/** STD: t^STD = t^XD + STP (the settlement period), shifted by the business-day convention. */
export function settlementEvent(ctx: ContractContext, exercise: Instant): ContractEvent {
  const stp = ctx.terms.settlementPeriod;
  return ctx.event(stp === undefined ? exercise : addCycles(exercise, stp, 1), 'STD');
}

/**
 * Sorts and trims like the other types (finishSchedule), and also drops events at the status
 * date: the reference removes everything ordered before the status date's AD, and AD comes last
 * in the dictionary's same-day sequence (option13, future13: exercised on the status date, only
 * the settlement is left).
 */
export function finishDerivativeSchedule(ctx: ContractContext, events: ContractEvent[]): ContractEvent[] {
  const sd = ctx.terms.statusDate!;
  return finishSchedule(ctx, events).filter((e) => e.time > sd);
}

/** The underlying's reference (role UDL...), if any. */
export function underlyingOf(terms: ContractTerms): ContractReference | undefined {
  return referencesOf(terms, UNDERLYING_ROLES)[0];
}

/** S_t = O(cldca(CTST_Underlying, MOC), t); an underlying referenced by id without terms is priced under its id. */
export function underlyingPrice(ctx: ContractContext, t: Instant): number {
  const ref = underlyingOf(ctx.terms);
  const code = ref === undefined ? ctx.terms.marketObjectCode : (childMarketObjectCode(ctx, ref) ?? ref.contractId);
  return observe(ctx, code, t);
}

/** Market object codes of the underlying and the referenced contract ids (for dependencies). */
export function dependenciesOfUnderlying(t: ContractTerms, out: Set<string>, engine: ChildEngine): void {
  structureDependencies(t, out, engine);
  for (const ref of referencesOf(t, UNDERLYING_ROLES)) {
    const code = ref.terms?.marketObjectCode;
    if (typeof code === 'string' && code.trim() !== '') out.add(code.trim());
  }
  if (t.marketObjectCode !== undefined && underlyingOf(t) === undefined) out.add(t.marketObjectCode);
}

/** Checks shared by OPTNS and FUTUR: one underlying, purchase/termination prices. */
export function validateDerivative(t: ContractTerms, issues: TermIssue[], engine: ChildEngine): void {
  // the underlying is only priced at its market object code: its terms need not be a computable contract
  validateStructure(t, issues, engine, { roles: UNDERLYING_ROLES, readOnlyRoles: UNDERLYING_ROLES });
  if (t.contractStructure !== undefined) {
    const n = referencesOf(t, UNDERLYING_ROLES).length;
    if (n !== 1) issues.push({ term: 'contractStructure', reason: n === 0 ? 'no underlying (role UDL)' : `${n} underlyings (want one)` });
    for (const ref of referencesOf(t, UNDERLYING_ROLES))
      if (ref.terms !== undefined && typeof ref.terms.marketObjectCode !== 'string')
        issues.push({ term: `${ref.label}.marketObjectCode`, reason: 'the underlying needs a market object code for its price' });
  }
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

/** Xd, Xa at t0 (spec OPTNS states table); options and futures have no notional. */
export function initializeOPTNS(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  s.statusDate = t.statusDate!;
  s.maturityDate = t.maturityDate ?? NaN;
  s.notionalPrincipal = 0;
  s.nominalInterestRate = 0;
  s.accruedInterest = 0;
  s.exerciseDate = t.exerciseDate ?? NaN;
  s.exerciseAmount = t.exerciseAmount ?? 0;
}

// ---- schedule (spec OPTNS schedule table) ----

/** t^XD: Xd(t0) if given, else the first exercise decision observed up to MD (not for European options), else MD. */
function exerciseTime(ctx: ContractContext): Instant {
  const t = ctx.terms;
  if (t.exerciseDate !== undefined) return t.exerciseDate;
  const md = t.maturityDate!;
  if (t.optionExerciseType !== undefined && t.optionExerciseType !== 'E') {
    let first = Infinity;
    for (const e of ctx.observer.eventsObserved(ctx.contractId)) if (e.type === 'XD' && e.time <= md && e.time < first) first = e.time;
    if (first !== Infinity) return first;
  }
  return md;
}

/** PRD, TD (as PAM), MD at MD, XD, STD at XD + STP (shared with FUTUR). */
export function scheduleOPTNS(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const out: ContractEvent[] = [];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  const md = t.maturityDate!;
  out.push(ctx.event(md, 'MD'));
  const xd = exerciseTime(ctx);
  out.push(xd === md ? ctx.event(md, 'XD') : observedEvent(ctx, xd, 'XD'));
  out.push(settlementEvent(ctx, xd));
  return finishDerivativeSchedule(ctx, out);
}

// ---- payoff functions (spec OPTNS functions table) ----

/** POF_PRD_OPTNS: R(CNTRL)·(−1)·PPRD. */
export const POF_PRD_OPTNS = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * ctx.terms.priceAtPurchaseDate!;

/** POF_TD_OPTNS: R(CNTRL)·PTD. */
export const POF_TD_OPTNS = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * ctx.terms.priceAtTerminationDate!;

/** POF_STD_OPTNS: R(CNTRL)·Xa. */
export const POF_STD_OPTNS = (_ev: ContractEvent, s: StateSpace, ctx: ContractContext): number => ctx.roleSign * s.exerciseAmount;

// ---- state transition functions (spec OPTNS functions table) ----

/** The option's intrinsic value x at S_t: call max(S−OPS1,0), put max(OPS1−S,0), collar both. */
function intrinsicValue(ev: ContractEvent, ctx: ContractContext): number {
  const t = ctx.terms;
  const st = underlyingPrice(ctx, ev.scheduleTime);
  const k1 = t.optionStrike1!;
  if (t.optionType === 'C') return Math.max(st - k1, 0);
  if (t.optionType === 'P') return Math.max(k1 - st, 0);
  return Math.max(st - k1, 0) + Math.max((t.optionStrike2 ?? k1) - st, 0);
}

/** STF_AD_OPTNS (also PRD and TD as STF_PRD_STK / STF_TD_STK, and CE): Sd = t. */
export function STF_AD_OPTNS(ev: ContractEvent, s: StateSpace): void {
  s.statusDate = ev.calcTime;
}

/** STF_MD_OPTNS: Xd stays if set, else t when the option is in the money (x ≠ 0). */
export function STF_MD_OPTNS(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  if (!Number.isFinite(s.exerciseDate) && intrinsicValue(ev, ctx) !== 0) s.exerciseDate = ev.time;
  s.statusDate = ev.calcTime;
}

/** STF_XD_OPTNS: Xa = x (an early exercise also sets Xd, as MD does at maturity). */
export function STF_XD_OPTNS(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.exerciseAmount = intrinsicValue(ev, ctx);
  if (!Number.isFinite(s.exerciseDate) && s.exerciseAmount !== 0) s.exerciseDate = ev.time;
  s.statusDate = ev.calcTime;
}

/** STF_STD_OPTNS: Xa = 0. */
export function STF_STD_OPTNS(ev: ContractEvent, s: StateSpace): void {
  s.exerciseAmount = 0;
  s.statusDate = ev.calcTime;
}

// ---- validation ----

function validateOPTNS(t: ContractTerms, issues: TermIssue[], engine: ChildEngine): void {
  validateDerivative(t, issues, engine);
  if (t.optionType === 'CP' && t.optionStrike2 === undefined) issues.push({ term: 'optionStrike2', reason: 'required for optionType CP' });
}

export const OPTNS: ContractType = {
  contractType: 'OPTNS',
  // the dictionary also marks optionExerciseEndDate required; the reference test beds (European
  // options) do without it, and nothing here reads it
  requiredTerms: [...APPLICABILITY.OPTNS.required.filter((n) => n !== 'optionExerciseEndDate'), 'statusDate'],
  validate: validateOPTNS,
  dependencies: dependenciesOfUnderlying,
  schedule: scheduleOPTNS,
  initialize: initializeOPTNS,
  payoff: { PRD: POF_PRD_OPTNS, TD: POF_TD_OPTNS, STD: POF_STD_OPTNS },
  transition: { AD: STF_AD_OPTNS, PRD: STF_AD_OPTNS, TD: STF_AD_OPTNS, MD: STF_MD_OPTNS, XD: STF_XD_OPTNS, STD: STF_STD_OPTNS, CE: STF_AD_OPTNS },
  reportedStates: ['notionalPrincipal', 'exerciseDate', 'exerciseAmount'],
};
