// SWAPS: Swap (spec section "SWAPS: Swap"): two legs given in contractStructure (roles FIL and
// SEL), computed as ordinary contracts with CNTRL r(1) = RPA, r(2) = RPL for RFL (the reverse
// for PFL). Delivery (DS=D): the union of the legs' events with their payoffs and states;
// cash settlement (DS=S): congruent events (same time and type) of both legs are netted into one
// (the spec names IED, IP and PR; the test beds net MD too, as the reference nets every
// congruent pair).
// Same-day events follow this type's order (PR, IP, RR, PRF: the test beds), the first leg's
// event first where the legs tie.
import type { ChildEngine, ContractContext, ContractType } from '../contract-type.js';
import { ContractEvent, DEFAULT_EVENT_ORDER, type EventType } from '../events.js';
import type { StateSpace } from '../states.js';
import type { ContractTerms, RawTerms } from '../terms/terms.js';
import type { TermIssue } from '../errors.js';
import { APPLICABILITY } from '../terms/dictionary.js';
import { computeChild, referencesOf, validateStructure, type ContractReference } from '../composite.js';
import { finishSchedule } from './common.js';

// ---- child events in the parent's schedule ----

/** Parent events that carry a child's payoff and states (set when they are adopted). */
const adopted = new WeakSet<ContractEvent>();

/** A child's event as a parent event: same times and type, the parent's same-day rank, the child's payoff and states. */
export function adoptEvent(ctx: ContractContext, e: ContractEvent): ContractEvent {
  const a = new ContractEvent(e.time, e.type, e.calcTime, e.scheduleTime, ctx.order[e.type], e.currency);
  a.payoff = e.payoff;
  a.notionalPrincipal = e.notionalPrincipal;
  a.nominalInterestRate = e.nominalInterestRate;
  a.accruedInterest = e.accruedInterest;
  a.exerciseDate = e.exerciseDate;
  a.exerciseAmount = e.exerciseAmount;
  adopted.add(a);
  return a;
}

/** True for events adopted from a child. */
export function isAdopted(e: ContractEvent): boolean {
  return adopted.has(e);
}

/** POF of an adopted event: the child's payoff (spec: f(x) of the child's event). */
export const POF_CHILD = (ev: ContractEvent): number => ev.payoff;

/** STF of an adopted event: the parent reports the child's states after it. */
export function STF_CHILD(ev: ContractEvent, s: StateSpace): void {
  s.notionalPrincipal = ev.notionalPrincipal;
  s.nominalInterestRate = ev.nominalInterestRate;
  s.accruedInterest = ev.accruedInterest;
  s.exerciseDate = ev.exerciseDate;
  s.exerciseAmount = ev.exerciseAmount;
}

// ---- legs ----

/** r(1), r(2): the CNTRL the parent imposes on its first and second leg (a swap that is itself a leg is RPA or RPL). */
export function legOverrides(parent: ContractTerms, ref: ContractReference): RawTerms {
  const receiveFirst = parent.contractRole === 'RFL' || parent.contractRole === 'RPA';
  return { contractRole: (ref.referenceRole === 'FIL') === receiveFirst ? 'RPA' : 'RPL' };
}

/** z = x + y: a netted event with the summed payoff, notional and accrued interest (rate 0, as the test beds). */
function netEvents(x: ContractEvent, y: ContractEvent): ContractEvent {
  const z = new ContractEvent(x.time, x.type, x.calcTime, x.scheduleTime, x.rank, x.currency);
  z.payoff = x.payoff + y.payoff;
  z.notionalPrincipal = x.notionalPrincipal + y.notionalPrincipal;
  z.accruedInterest = x.accruedInterest + y.accruedInterest;
  adopted.add(z);
  return z;
}

// ---- schedule (spec SWAPS schedule table) ----

function scheduleSWAPS(ctx: ContractContext): ContractEvent[] {
  const t = ctx.terms;
  const legs = (['FIL', 'SEL'] as const).map((role) => {
    const ref = referencesOf(t, role)[0];
    return computeChild(ctx, ref, legOverrides(t, ref)).events.map((e) => adoptEvent(ctx, e));
  });
  let out: ContractEvent[];
  if (t.deliverySettlement === 'S') {
    const byKey = new Map<string, number>();
    out = [...legs[0]];
    for (let i = 0; i < out.length; i++) byKey.set(`${out[i].time}|${out[i].type}`, i);
    for (const y of legs[1]) {
      const i = byKey.get(`${y.time}|${y.type}`);
      if (i === undefined) out.push(y);
      else {
        out[i] = netEvents(out[i], y);
        byKey.delete(`${y.time}|${y.type}`);
      }
    }
  } else out = [...legs[0], ...legs[1]];
  if (t.purchaseDate !== undefined) out.push(ctx.event(t.purchaseDate, 'PRD'));
  return finishSchedule(ctx, out);
}

/** Sd = t0; the parent's own states start at zero (the legs report theirs on their events). */
function initializeSWAPS(ctx: ContractContext, s: StateSpace): void {
  s.statusDate = ctx.terms.statusDate!;
}

// ---- payoff and state transition functions (spec SWAPS functions table) ----

/** POF_PRD_SWAPS: R·PPRD (the sign the test beds give). */
export const POF_PRD_SWAPS = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  isAdopted(ev) ? ev.payoff : ctx.roleSign * ctx.terms.priceAtPurchaseDate!;

/** POF_TD_SWAPS: PTD. */
export const POF_TD_SWAPS = (ev: ContractEvent, s: StateSpace, ctx: ContractContext): number =>
  isAdopted(ev) ? ev.payoff : ctx.terms.priceAtTerminationDate!;

/** STF_PRD_SWAPS / STF_TD_SWAPS: the parent's own events report the parent's states (zero), Sd = t. */
export function STF_OWN_SWAPS(ev: ContractEvent, s: StateSpace): void {
  if (isAdopted(ev)) return STF_CHILD(ev, s);
  s.notionalPrincipal = 0;
  s.nominalInterestRate = 0;
  s.accruedInterest = 0;
  s.statusDate = ev.calcTime;
}

const EVENT_TYPES = Object.keys(DEFAULT_EVENT_ORDER) as EventType[];

/** Payoff table of a parent whose events are its children's, except `own`. */
export function childPayoffs(own: Partial<Record<EventType, (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => number>>) {
  const out: Partial<Record<EventType, (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => number>> = {};
  for (const k of EVENT_TYPES) out[k] = own[k] ?? POF_CHILD;
  return out;
}

/** State transition table of a parent whose events are its children's, except `own`. */
export function childTransitions(own: Partial<Record<EventType, (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => void>>) {
  const out: Partial<Record<EventType, (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => void>> = {};
  for (const k of EVENT_TYPES) out[k] = own[k] ?? STF_CHILD;
  return out;
}

// ---- validation ----

function validateSWAPS(t: ContractTerms, issues: TermIssue[], engine: ChildEngine): void {
  validateStructure(t, issues, engine, { roles: ['FIL', 'SEL'], requiredRoles: ['FIL', 'SEL'], overrides: legOverrides });
  if (t.contractRole !== undefined && !['RFL', 'PFL', 'RPA', 'RPL'].includes(t.contractRole))
    issues.push({ term: 'contractRole', reason: `a swap is RFL or PFL (RPA or RPL as a leg), not ${t.contractRole}` });
  if (t.purchaseDate !== undefined && t.priceAtPurchaseDate === undefined)
    issues.push({ term: 'priceAtPurchaseDate', reason: 'required when purchaseDate is given' });
  if (t.terminationDate !== undefined && t.priceAtTerminationDate === undefined)
    issues.push({ term: 'priceAtTerminationDate', reason: 'required when terminationDate is given' });
}

export const SWAPS: ContractType = {
  contractType: 'SWAPS',
  requiredTerms: [...APPLICABILITY.SWAPS.required, 'statusDate'],
  validate: validateSWAPS,
  // referenced ids and the legs' codes: dependenciesOf adds them for every contractStructure
  dependencies: () => {},
  schedule: scheduleSWAPS,
  initialize: initializeSWAPS,
  payoff: childPayoffs({ PRD: POF_PRD_SWAPS, TD: POF_TD_SWAPS }),
  transition: childTransitions({ PRD: STF_OWN_SWAPS, TD: STF_OWN_SWAPS }),
  reportedStates: ['notionalPrincipal', 'nominalInterestRate', 'accruedInterest'],
};
