// COM: Commodity (spec section "COM: Commodity"). A quantity QT bought at PRD and sold at TD at
// unit prices PPRD / PTD.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import { POSITION_REQUIRED, STF_AD_STK, initializeSTK, pushPurchaseAndTermination, validatePosition } from './stk.js';

/** POF_PRD_COM: R·(−1)·PPRD·QT (the test beds price per unit: com01). */
export const POF_PRD_COM = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * -1 * ctx.terms.priceAtPurchaseDate! * (ctx.terms.quantity ?? 1);

/** POF_TD_COM: R·PTD·QT (the spec's table names POF_PRD_STK here; the test beds pay the sale: com02). */
export const POF_TD_COM = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number =>
  ctx.roleSign * ctx.terms.priceAtTerminationDate! * (ctx.terms.quantity ?? 1);

export const COM: ContractType = {
  contractType: 'COM',
  // the unit (BRL, TON...) names what is held, it does not enter the cash flows
  requiredTerms: POSITION_REQUIRED,
  validate: validatePosition,
  // prices are terms: no market data enters a commodity's cash flows
  dependencies: () => {},
  schedule: (ctx) => pushPurchaseAndTermination(ctx, []),
  initialize: initializeSTK,
  payoff: { PRD: POF_PRD_COM, TD: POF_TD_COM },
  transition: { AD: STF_AD_STK, PRD: STF_AD_STK, TD: STF_AD_STK },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
