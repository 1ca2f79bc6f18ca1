// CSH: Cash (spec section "CSH: Cash"). A cash balance: its only events are analysis dates
// (AD) requested from outside, observed events of type AD.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { finishSchedule } from './common.js';

/** AD at every observed AD event of the contract (spec CSH schedule: AD same as PAM). */
function scheduleCSH(ctx: ContractContext): ContractEvent[] {
  const out: ContractEvent[] = [];
  const seen = new Set<number>();
  for (const e of ctx.observer.eventsObserved(ctx.contractId))
    if (e.type === 'AD' && !seen.has(e.time)) {
      seen.add(e.time);
      out.push(ctx.event(e.time, 'AD'));
    }
  return finishSchedule(ctx, out);
}

/** Nt = R·NT, Sd = SD (spec CSH states table). */
function initializeCSH(ctx: ContractContext, s: StateSpace): void {
  s.statusDate = ctx.terms.statusDate!;
  s.notionalPrincipal = ctx.roleSign * ctx.terms.notionalPrincipal!;
}

/** STF_AD_CSH: Sd = t. */
export function STF_AD_CSH(ev: ContractEvent, s: StateSpace): void {
  s.statusDate = ev.calcTime;
}

export const CSH: ContractType = {
  contractType: 'CSH',
  // the creator's identifier does not enter the computation
  requiredTerms: APPLICABILITY.CSH.required.filter((n) => n !== 'creatorID'),
  validate: () => {},
  dependencies: () => {},
  schedule: scheduleCSH,
  initialize: initializeCSH,
  payoff: {},
  transition: { AD: STF_AD_CSH },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
