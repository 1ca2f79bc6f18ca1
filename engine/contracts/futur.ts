// FUTUR: Future (spec section "FUTUR: Future"). Schedule and most functions are "same as OPTNS";
// the exercise amount is the underlying's price minus the futures price.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import {
  dependenciesOfUnderlying, initializeOPTNS, scheduleOPTNS, underlyingPrice, validateDerivative,
  POF_PRD_OPTNS, POF_STD_OPTNS, POF_TD_OPTNS, STF_AD_OPTNS, STF_STD_OPTNS,
} from './optns.js';

/** x = S_t − PFUT. */
function gain(ev: ContractEvent, ctx: ContractContext): number {
  return underlyingPrice(ctx, ev.scheduleTime) - ctx.terms.futuresPrice!;
}

/** STF_MD_FUTUR: Xd = t unless x = 0. */
export function STF_MD_FUTUR(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.exerciseDate = gain(ev, ctx) === 0 ? NaN : ev.time;
  s.statusDate = ev.calcTime;
}

/** STF_XD_FUTUR: Xa = S_t − PFUT. */
export function STF_XD_FUTUR(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  s.exerciseAmount = gain(ev, ctx);
  s.statusDate = ev.calcTime;
}

export const FUTUR: ContractType = {
  contractType: 'FUTUR',
  requiredTerms: [...APPLICABILITY.FUTUR.required, 'statusDate'],
  validate: validateDerivative,
  dependencies: dependenciesOfUnderlying,
  schedule: scheduleOPTNS,
  initialize: initializeOPTNS,
  payoff: { PRD: POF_PRD_OPTNS, TD: POF_TD_OPTNS, STD: POF_STD_OPTNS },
  transition: { AD: STF_AD_OPTNS, PRD: STF_AD_OPTNS, TD: STF_AD_OPTNS, MD: STF_MD_FUTUR, XD: STF_XD_FUTUR, STD: STF_STD_OPTNS, CE: STF_AD_OPTNS },
  reportedStates: ['notionalPrincipal', 'exerciseDate', 'exerciseAmount'],
};
