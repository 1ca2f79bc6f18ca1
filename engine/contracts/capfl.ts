// CAPFL: Cap-Floor (spec section "CAPFL: Cap-Floor"): the underlying (role UDL in
// contractStructure) is computed twice as RPA, once without and once with the cap/floor
// (RRLC = lifeCap, RRLF = lifeFloor); every pair of congruent IP events becomes one IP event
// paying R·|x − y|, the difference the cap or floor makes.
import type { ChildEngine, ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms, RawTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { computeChild, referencesOf, validateStructure, type ContractReference } from '../composite.js';
import { finishSchedule } from './common.js';

/** The underlying without cap and floor (CNTRL = RPA). */
const PLAIN = (): RawTerms => ({ contractRole: 'RPA', lifeCap: undefined, lifeFloor: undefined });

/** The underlying with the parent's cap and floor (CNTRL = RPA, RRLC = lifeCap, RRLF = lifeFloor). */
function capped(parent: ContractTerms): RawTerms {
  return { contractRole: 'RPA', lifeCap: parent.lifeCap, lifeFloor: parent.lifeFloor };
}

/** x − y of each merged IP event. */
const difference = new WeakMap<ContractEvent, number>();

// ---- schedule (spec CAPFL schedule table) ----

function scheduleCAPFL(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const ref: ContractReference = referencesOf(t, 'UDL')[0];
  const x = computeChild(ctx, ref, PLAIN()).events;
  const y = computeChild(ctx, ref, capped(t)).events;
  const capIP = new Map<number, ContractEvent>();
  for (const e of y) if (e.type === 'IP') capIP.set(e.time, e);
  const out: ContractEvent[] = [];
  for (const e of x) {
    if (e.type !== 'IP') continue;
    const c = capIP.get(e.time);
    if (c === undefined) continue;
    const z = new ContractEvent(e.time, 'IP', e.calcTime, e.scheduleTime, ctx.order.IP, ctx.currency);
    difference.set(z, e.payoff - c.payoff);
    out.push(z);
  }
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  return finishSchedule(ctx, out);
}

function initializeCAPFL(ctx: ContractContext, s: StateSpace): void {
  s.statusDate = ctx.terms.statusDate!;
}

// ---- payoff functions (spec CAPFL functions table) ----

/** POF_IP_CAPFL (the merged event z): R·|f(x) − f(y)|. */
export const POF_IP_CAPFL = (ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * Math.abs(difference.get(ev) ?? 0);

/** POF_PRD_CAPFL: R·(−1)·PPRD. */
export const POF_PRD_CAPFL = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * -1 * ctx.terms.priceAtPurchaseDate!;

/** POF_TD_CAPFL: R·PTD. */
export const POF_TD_CAPFL = (_ev: ContractEvent, _s: StateSpace, ctx: ContractContext): number => ctx.roleSign * ctx.terms.priceAtTerminationDate!;

/** STF_xx_CAPFL: Ipac = 0, Sd = t. */
export function STF_IP_CAPFL(ev: ContractEvent, s: StateSpace): void {
  s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

// ---- validation ----

function validateCAPFL(t: ContractTerms, issues: TermIssue[], engine: ChildEngine): void {
  validateStructure(t, issues, engine, { roles: ['UDL'], requiredRoles: ['UDL'], overrides: (p) => capped(p) });
  if (t.lifeCap === undefined && t.lifeFloor === undefined) issues.push({ term: 'lifeCap', reason: 'a cap-floor needs lifeCap or lifeFloor' });
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

export const CAPFL: ContractType = {
  contractType: 'CAPFL',
  requiredTerms: [...APPLICABILITY.CAPFL.required, 'statusDate'],
  validate: validateCAPFL,
  // the underlying's id and codes: dependenciesOf adds them for every contractStructure
  dependencies: () => {},
  schedule: scheduleCAPFL,
  initialize: initializeCAPFL,
  payoff: { IP: POF_IP_CAPFL, PRD: POF_PRD_CAPFL, TD: POF_TD_CAPFL },
  transition: { IP: STF_IP_CAPFL, PRD: STF_IP_CAPFL, TD: STF_IP_CAPFL, AD: STF_IP_CAPFL, CE: STF_IP_CAPFL },
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
