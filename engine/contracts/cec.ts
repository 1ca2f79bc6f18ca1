// CEC: Credit Enhancement Collateral (spec section "CEC: Credit Enhancement Collateral"). Covered
// contracts (role COVE) as for CEG; the collateral is the covering contracts (role COVI), valued
// at the market price of their market object code.
import type { ChildEngine, ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { Instant } from '../time/date.js';
import type { TermIssue } from '../errors.js';
import { childMarketObjectCode, referencesOf } from '../composite.js';
import { observe } from './common.js';
import {
  COVERED, COVERING, creditEnhancementData, dependenciesCreditEnhancement, exposure, scheduleCreditEnhancement, validateCreditEnhancement,
  STF_MD_CEG,
} from './ceg.js';

/** Σ v_j = Σ O(cldca(J(j), MOC), t): the collateral's value (a covering contract known only by id is priced under its id). */
function collateralValue(ctx: ContractContext, t: Instant): number {
  let v = 0;
  for (const ref of referencesOf(ctx.terms, COVERING)) v += observe(ctx, childMarketObjectCode(ctx, ref) ?? ref.contractId, t);
  return v;
}

/** R·CECV·Σ n_i: the covered exposure at the event. */
function coveredExposure(ev: ContractEvent | Instant, ctx: ContractContext): number {
  return ctx.roleSign * (ctx.terms.coverageOfCreditEnhancement ?? 1) * exposure(ev, ctx);
}

// ---- state initialisation (spec CEC states table) ----

/** Md, Nt, Xd, Xa at t0. */
function initializeCEC(ctx: ContractContext, s: StateSpace): void {
  const t = ctx.terms;
  const sd = t.statusDate!;
  const md = creditEnhancementData(ctx).maturity;
  s.statusDate = sd;
  s.maturityDate = md ?? NaN;
  s.exerciseDate = t.exerciseDate ?? NaN;
  s.exerciseAmount = t.exerciseAmount ?? 0;
  s.notionalPrincipal = md !== undefined && sd >= md ? 0 : coveredExposure(sd, ctx);
}

// ---- payoff functions (spec CEC functions table) ----

/** POF_STD_CEC: Xa, the collateral paid out (the test beds: collateral15 pays the collateral's 100000, not Nt). */
export const POF_STD_CEC = (_ev: ContractEvent, s: StateSpace): number => s.exerciseAmount;

// ---- state transition functions (spec CEC functions table) ----

/** STF_AD_CEC: Nt = 0 after Md, else the covered exposure. */
export function STF_AD_CEC(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const md = creditEnhancementData(ctx).maturity;
  s.notionalPrincipal = md !== undefined && ev.time >= md ? 0 : coveredExposure(ev, ctx);
  s.statusDate = ev.calcTime;
}

/**
 * STF_XD_CEC: Nt = R·CECV·Σ n_i, Xa = R·min(Σ v_j, CECV·Σ n_i), Xd = t (the test beds report the
 * covered exposure as Nt and the capped amount as Xa: collateral15).
 */
export function STF_XD_CEC(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  const covered = (ctx.terms.coverageOfCreditEnhancement ?? 1) * exposure(ev, ctx);
  s.notionalPrincipal = ctx.roleSign * covered;
  s.exerciseAmount = ctx.roleSign * Math.min(collateralValue(ctx, ev.scheduleTime), covered);
  s.exerciseDate = ev.time;
  s.statusDate = ev.calcTime;
}

/** STF_STD_CEC: Nt = 0 (Xa stays, as in the test beds). */
export function STF_STD_CEC(ev: ContractEvent, s: StateSpace): void {
  s.notionalPrincipal = 0;
  s.statusDate = ev.calcTime;
}

// ---- validation ----

function validateCEC(t: ContractTerms, issues: TermIssue[], engine: ChildEngine): void {
  validateCreditEnhancement(t, issues, engine, [COVERED, COVERING]);
}

export const CEC: ContractType = {
  contractType: 'CEC',
  // guaranteedExposure is marked required by the dictionary; the test beds leave it out (NO)
  requiredTerms: ['contractType', 'contractRole', 'contractID', 'contractStructure', 'statusDate'],
  validate: validateCEC,
  dependencies: dependenciesCreditEnhancement,
  schedule: (ctx) => scheduleCreditEnhancement(ctx, false),
  initialize: initializeCEC,
  payoff: { STD: POF_STD_CEC },
  transition: { AD: STF_AD_CEC, XD: STF_XD_CEC, STD: STF_STD_CEC, MD: STF_MD_CEG },
  reportedStates: ['notionalPrincipal', 'exerciseDate', 'exerciseAmount'],
};
