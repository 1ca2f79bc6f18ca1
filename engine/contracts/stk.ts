// STK: Stock (spec section "STK: Stock"). A position bought at PRD and sold at TD, paying
// dividends: a fixed first one (DVNP at DVANX) and then observed ones every DVCL.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { schedule as cycleSchedule } from '../time/schedule.js';
import { addCycles } from '../time/cycle.js';
import { eomApplies, shiftEndOfMonth } from '../time/eom.js';
import { finishSchedule, observe } from './common.js';
import { horizonOf } from './clm.js';

// ---- schedule (spec STK schedule table) ----

/** The market object code of the dividends: DVMO, else the spec's concat(CID, "-DV"). */
export function dividendCode(t: ContractTerms): string {
  return t.marketObjectCodeOfDividends ?? `${t.contractID ?? ''}-DV`;
}

/** DVNP counts as given when it is not zero (the dictionary defaults it to 0). */
function fixedDividend(t: ContractTerms): number | undefined {
  return t.nextDividendPaymentAmount !== undefined && t.nextDividendPaymentAmount !== 0 ? t.nextDividendPaymentAmount : undefined;
}

/** PRD and TD (spec STK / COM schedule): the position's purchase and termination. */
export function pushPurchaseAndTermination(ctx: ContractContext, out: ContractEvent[]): ContractEvent[] {
  if (ctx.terms.purchaseDate !== undefined) out.push(ctx.event(ctx.terms.purchaseDate, 'PRD'));
  return finishSchedule(ctx, out);
}

/** DV(fix) at DVANX when DVNP is given; DV = S(s, DVCL, t_max) with s = DVANX, or DVANX + DVCL after a fixed one. */
function scheduleSTK(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const out: ContractEvent[] = [];
  const anchor = t.cycleAnchorDateOfDividend;
  if (anchor !== undefined) {
    const fixed = fixedDividend(t) !== undefined;
    if (fixed) out.push(ctx.event(anchor, 'DV'));
    const c = t.cycleOfDividend;
    if (c !== undefined) {
      const end = horizonOf(ctx);
      const applies = eomApplies(t.endOfMonthConvention ?? 'SD', anchor, c);
      const start = fixed ? shiftEndOfMonth(applies, addCycles(anchor, c, 1)) : anchor;
      // open-ended: every date up to and including t_max, no stub
      const dates = cycleSchedule(start, { ...c, longStub: false }, end + 1, t.endOfMonthConvention ?? 'SD', false);
      for (const d of dates) out.push(ctx.event(d, 'DV'));
    } else if (!fixed) out.push(ctx.event(anchor, 'DV'));
  }
  return pushPurchaseAndTermination(ctx, out);
}

// ---- states (spec STK states table: Prf and Sd only) ----

export function initializeSTK(ctx: ContractContext, s: StateSpace): void {
  s.statusDate = ctx.terms.statusDate!;
}

// ---- payoff functions (spec STK functions table) ----

/** POF_PRD_STK: R·(−1)·PPRD. */
export const POF_PRD_STK = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * ctx.terms.priceAtPurchaseDate!;

/** POF_TD_STK: R·PTD. */
export const POF_TD_STK = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * ctx.terms.priceAtTerminationDate!;

/** POF_DV_STK: R·DVNP for the fixed dividend at DVANX, else R·O(DVMO, t). */
export const POF_DV_STK = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => {
  const t = ctx.terms;
  const fixed = fixedDividend(t);
  if (fixed !== undefined && ev.scheduleTime === t.cycleAnchorDateOfDividend) return ctx.roleSign * fixed;
  return ctx.roleSign * observe(ctx, dividendCode(t), ev.scheduleTime);
};

// ---- state transition functions ----

/** STF_AD_STK (also PRD, TD, DV): Sd = t. */
export function STF_AD_STK(ev: ContractEvent, s: StateSpace): void {
  s.statusDate = ev.calcTime;
}

// ---- validation and dependencies ----

export function validatePosition(t: ContractTerms, issues: TermIssue[]): void {
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

function validateSTK(t: ContractTerms, issues: TermIssue[]): void {
  validatePosition(t, issues);
  if (t.cycleOfDividend !== undefined && t.cycleAnchorDateOfDividend === undefined)
    issues.push({ term: 'cycleAnchorDateOfDividend', reason: 'required when cycleOfDividend is given' });
}

/** The dividend code when observed dividends are scheduled (a cycle, or an anchor without DVNP). */
function dependenciesSTK(t: ContractTerms, out: Set<string>): void {
  if (t.cycleAnchorDateOfDividend !== undefined && (t.cycleOfDividend !== undefined || fixedDividend(t) === undefined)) out.add(dividendCode(t));
}

/** Terms a position needs: who holds it, in which currency, as of when (prices only with their dates). */
export const POSITION_REQUIRED = ['contractType', 'contractRole', 'contractID', 'currency', 'statusDate'] as const;

export const STK: ContractType = {
  contractType: 'STK',
  // PRD / PPRD are optional: a position held since before the status date has no purchase (stk09)
  requiredTerms: POSITION_REQUIRED,
  validate: validateSTK,
  dependencies: dependenciesSTK,
  schedule: scheduleSTK,
  initialize: initializeSTK,
  payoff: { PRD: POF_PRD_STK, TD: POF_TD_STK, DV: POF_DV_STK },
  transition: { AD: STF_AD_STK, PRD: STF_AD_STK, TD: STF_AD_STK, DV: STF_AD_STK, CE: STF_AD_STK },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};

