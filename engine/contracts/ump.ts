// UMP: Undefined Maturity Profile (spec section "UMP: Undefined Maturity Profile"). A position
// without a redemption schedule (savings or current accounts): interest is capitalised up to
// the horizon, principal moves only through observed PR (decrease) and PI (increase) events.
import type { ContractContext, ContractType } from '../contract-type.js';
import type { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { accrue, finishSchedule, observedAmount, pushFees } from './common.js';
import { POF_FP_PAM, POF_MD_PAM, POF_TD_PAM, STF_FP_PAM, STF_IED_PAM, STF_IPCI_PAM, STF_MD_PAM, STF_RRF_PAM, STF_RR_PAM, STF_TD_PAM } from './pam.js';
import {
  OPEN_ENDED_EVENT_ORDER, POF_IED_CLM, POF_IP_CLM, STF_IP_CLM, STF_XD_CLM, dependenciesOpenEnded, horizonOf, initializeOpenEnded, observedEvent,
  pushCapitalization, pushInitialExchange, pushRateResetsBefore, settleCall, validateOpenEnded,
} from './clm.js';

// ---- schedule (spec UMP schedule table) ----

/**
 * IED, PR / PI at the observed events, IPCI up to the horizon, RR, FP, TD. An observed call (XD,
 * UMP has an x-day notice) ends the position as for CLM: IP and STD after the notice.
 */
function scheduleUMP(ctx: ContractContext): ContractEvent[] {
  const call = observedEvent(ctx, ['XD']);
  const end = call !== undefined ? call.time : horizonOf(ctx);
  const out: ContractEvent[] = [];
  pushInitialExchange(ctx, out);
  const seen = new Set<string>();
  for (const e of ctx.observer.eventsObserved(ctx.contractId)) {
    if ((e.type !== 'PR' && e.type !== 'PI') || e.time > end || seen.has(`${e.type}@${e.time}`)) continue;
    seen.add(`${e.type}@${e.time}`);
    out.push(ctx.event(e.time, e.type));
  }
  pushCapitalization(ctx, out, end);
  pushRateResetsBefore(ctx, out, end);
  pushFees(ctx, out, end);
  if (call !== undefined) out.push(ctx.event(call.time, 'XD'));
  const events = finishSchedule(ctx, out);
  return call !== undefined ? settleCall(ctx, events, call.time) : events;
}

// ---- payoff functions (spec UMP functions table) ----

/** POF_PR_UMP: f(e) with the contract's role sign: R·amount repaid. */
export const POF_PR_UMP = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * observedAmount(ev, ctx);

/** POF_PI_UMP: the increase paid out: R·(−1)·amount. */
export const POF_PI_UMP = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * observedAmount(ev, ctx);

// ---- state transition functions (spec UMP functions table) ----

/** STF_PR_UMP: accrue interest and fees, Nt −= R·amount. */
export function STF_PR_UMP(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.notionalPrincipal -= ctx.roleSign * observedAmount(ev, ctx);
}

/** STF_PI_UMP: accrue interest and fees, Nt += R·amount. */
export function STF_PI_UMP(ev: ContractEvent, s: StateSpace, ctx: ContractContext): void {
  accrue(ev, s, ctx);
  s.notionalPrincipal += ctx.roleSign * observedAmount(ev, ctx);
}

// ---- validation ----

function validateUMP(t: ContractTerms, issues: TermIssue[]): void {
  validateOpenEnded(t, issues);
}

export const UMP: ContractType = {
  contractType: 'UMP',
  // identifiers of the creator and counterparty do not enter the computation; the rate defaults to 0 (ump01)
  requiredTerms: [...APPLICABILITY.UMP.required.filter((n) => n !== 'creatorID' && n !== 'counterpartyID' && n !== 'nominalInterestRate'), 'statusDate'],
  validate: validateUMP,
  dependencies: dependenciesOpenEnded,
  schedule: scheduleUMP,
  initialize: initializeOpenEnded,
  payoff: { IED: POF_IED_CLM, PR: POF_PR_UMP, PI: POF_PI_UMP, FP: POF_FP_PAM, TD: POF_TD_PAM, IP: POF_IP_CLM, STD: POF_MD_PAM },
  transition: {
    AD: accrue, IED: STF_IED_PAM, PR: STF_PR_UMP, PI: STF_PI_UMP, IPCI: STF_IPCI_PAM, RR: STF_RR_PAM, RRF: STF_RRF_PAM, FP: STF_FP_PAM,
    TD: STF_TD_PAM, CE: accrue, XD: STF_XD_CLM, IP: STF_IP_CLM, STD: STF_MD_PAM,
  },
  eventOrder: OPEN_ENDED_EVENT_ORDER,
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
