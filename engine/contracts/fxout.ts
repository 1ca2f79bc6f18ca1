// FXOUT: Foreign Exchange Outright (spec section "FXOUT: Foreign Exchange Outright").
// Delivery (DS=D): the two notionals are exchanged at maturity (two MD events, one per
// currency); cash settlement (DS=S): one STD event nets them at the observed rate CUR2/CUR.
// Cash settles at Md + settlementPeriod (the test beds), delivery at Md (the spec); the test
// beds pay TD as PTD.
import type { ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { addCycles } from '../time/cycle.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { finishSchedule, observe } from './common.js';
import { POF_PRD_SWPPV, POF_TD_SWPPV } from './swppv.js';

/** Events paying the second currency's notional (DS=D). */
const secondCurrency = new WeakSet<ContractEvent>();

/** The FX rate's market object code: CUR2/CUR (spec POF_STD_FXOUT). */
export function fxRateCode(t: ContractTerms): string {
  return `${t.currency2}/${t.currency}`;
}

// ---- schedule (spec FXOUT schedule table) ----

/** PRD, TD, and STD at Md + settlement period (DS=S) or MD in CUR then MD in CUR2 at Md (DS=D). */
function scheduleFXOUT(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const out: ContractEvent[] = [];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  const md = t.maturityDate!;
  if (t.deliverySettlement === 'S') out.push(ctx.event(t.settlementPeriod === undefined ? md : addCycles(md, t.settlementPeriod, 1), 'STD'));
  else {
    const first = ctx.event(md, 'MD');
    const second = new ContractEvent(first.time, 'MD', first.calcTime, first.scheduleTime, first.rank, t.currency2!);
    secondCurrency.add(second);
    out.push(first, second);
  }
  return finishSchedule(ctx, out);
}

/** Sd = t0 (spec FXOUT states table: Md, Prf, Sd only). */
function initializeFXOUT(ctx: ContractContext, s: StateSpace): void {
  s.statusDate = ctx.terms.statusDate!;
  s.maturityDate = ctx.terms.maturityDate!;
}

// ---- payoff functions (spec FXOUT functions table) ----

/** POF_PRD_FXOUT (= POF_PRD_STK): R·(−1)·PPRD. */
export const POF_PRD_FXOUT = POF_PRD_SWPPV;

/** POF_TD_FXOUT: PTD (as the test beds pay it). */
export const POF_TD_FXOUT = POF_TD_SWPPV;

/** POF_MD_FXOUT (STD⁽¹⁾ / STD⁽²⁾ of the spec): R·NT in CUR, R·(−1)·NT2 in CUR2. */
export const POF_MD_FXOUT = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number =>
  secondCurrency.has(ev) ? ctx.roleSign * -1 * ctx.terms.notionalPrincipal2! : ctx.roleSign * ctx.terms.notionalPrincipal!;

/** POF_STD_FXOUT: R·(NT − O(CUR2/CUR, Md)·NT2). */
export const POF_STD_FXOUT = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => {
  const t = ctx.terms;
  return ctx.roleSign * (t.notionalPrincipal! - observe(ctx, fxRateCode(t), t.maturityDate!) * t.notionalPrincipal2!);
};

/** STF_xx_FXOUT (all events): Sd = t. */
export function STF_SD_FXOUT(ev: ContractEvent, s: StateSpace): void {
  s.statusDate = ev.calcTime;
}

// ---- validation ----

function validateFXOUT(t: ContractTerms, issues: TermIssue[]): void {
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

/** Cash settlement observes the rate CUR2/CUR. */
function dependenciesFXOUT(t: ContractTerms, out: Set<string>): void {
  if (t.deliverySettlement === 'S' && t.currency !== undefined && t.currency2 !== undefined) out.add(fxRateCode(t));
}

export const FXOUT: ContractType = {
  contractType: 'FXOUT',
  requiredTerms: [...APPLICABILITY.FXOUT.required, 'statusDate'],
  validate: validateFXOUT,
  dependencies: dependenciesFXOUT,
  schedule: scheduleFXOUT,
  initialize: initializeFXOUT,
  payoff: { PRD: POF_PRD_FXOUT, TD: POF_TD_FXOUT, MD: POF_MD_FXOUT, STD: POF_STD_FXOUT },
  transition: { AD: STF_SD_FXOUT, PRD: STF_SD_FXOUT, TD: STF_SD_FXOUT, MD: STF_SD_FXOUT, STD: STF_SD_FXOUT, CE: STF_SD_FXOUT },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
