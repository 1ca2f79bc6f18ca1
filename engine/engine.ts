// The engine's entry points: validate terms, build the context, generate the schedule, and
// evaluate payoffs and state transitions event by event.
import type { Instant } from './time/date.js';
import { calendarOf, type CalendarName } from './time/calendar.js';
import { BusinessDayAdjuster, type BusinessDayConvention } from './time/businessday.js';
import { yearFractionFor, type YearFraction } from './time/daycount.js';
import { ScheduleTooLongError } from './time/schedule.js';
import { parseTermsInto, checkRequired, type ContractTerms, type RawTerms } from './terms/terms.js';
import { ComputationError, InvalidTermsError, isEngineError, type TermIssue } from './errors.js';
import { emptyObserver, type RiskFactorObserver } from './observer.js';
import { ContractEvent, DEFAULT_EVENT_ORDER, type EventType } from './events.js';
import { StateSpace } from './states.js';
import type {
  ChildEngine, ComputeOptions, ContractContext, ContractResolver, ContractType, PayoffFunction, PreparedContract, StatesAt, StateTransitionFunction,
} from './contract-type.js';
import { contractTypes } from './contracts/registry.js';

export type { ComputeOptions, PreparedContract, StatesAt } from './contract-type.js';

/** R(CNTRL) (spec "Contract Role Sign Convention"). */
export const ROLE_SIGN: Readonly<Record<string, number>> = {
  RPA: 1, RPL: -1, RFL: 1, PFL: -1, RF: 1, PF: -1, BUY: 1, SEL: -1, COL: 1, CNO: 1, UDL: 1, UDLP: 1, UDLM: -1,
};

const orderCache = new Map<ContractType, Readonly<Record<EventType, number>>>();

export function contractTypeOf(code: string): ContractType | undefined {
  return Object.prototype.hasOwnProperty.call(contractTypes, code) ? contractTypes[code] : undefined;
}

/** This engine as composite types see it: how they prepare and compute their children. */
export const childEngine: ChildEngine = { prepare: prepareContract, evaluate, typeOf: contractTypeOf };

/** Generic date consistency checks every type shares. */
function checkDates(t: ContractTerms, issues: TermIssue[]): void {
  if (t.maturityDate !== undefined && t.initialExchangeDate !== undefined && t.maturityDate < t.initialExchangeDate)
    issues.push({ term: 'maturityDate', reason: 'maturity date before initial exchange date' });
  if (t.amortizationDate !== undefined && t.initialExchangeDate !== undefined && t.amortizationDate < t.initialExchangeDate)
    issues.push({ term: 'amortizationDate', reason: 'amortization date before initial exchange date' });
  if (t.terminationDate !== undefined && t.purchaseDate !== undefined && t.terminationDate < t.purchaseDate)
    issues.push({ term: 'terminationDate', reason: 'termination date before purchase date' });
  if (t.contractRole !== undefined && !(t.contractRole in ROLE_SIGN))
    issues.push({ term: 'contractRole', reason: `role ${t.contractRole} has no sign` });
}

/** Parses and validates raw terms; throws InvalidTermsError naming every offending term. */
export function prepareContract(raw: RawTerms): PreparedContract {
  try {
    return prepareUnchecked(raw);
  } catch (e) {
    if (isEngineError(e)) throw e;
    throw new ComputationError(`internal error while validating terms: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function prepareUnchecked(raw: RawTerms): PreparedContract {
  const issues: TermIssue[] = [];
  const terms = parseTermsInto(raw, issues);
  const id = typeof terms.contractID === 'string' ? terms.contractID : undefined;
  const code = terms.contractType;
  if (code === undefined) {
    if (!issues.some((i) => i.term === 'contractType')) issues.push({ term: 'contractType', reason: 'missing required term' });
    throw new InvalidTermsError(issues, id);
  }
  const type = contractTypeOf(code);
  if (!type) {
    issues.push({ term: 'contractType', reason: `unsupported contract type ${code}` });
    throw new InvalidTermsError(issues, id);
  }
  checkRequired(terms, type.requiredTerms, issues);
  checkDates(terms, issues);
  type.validate(terms, issues, childEngine);
  if (issues.length) throw new InvalidTermsError(issues, id);
  let order = orderCache.get(type);
  if (!order) {
    order = { ...DEFAULT_EVENT_ORDER, ...type.eventOrder };
    orderCache.set(type, order);
  }
  return { terms, type, order };
}

/**
 * The computation context of one contract evaluation: a class, so that its methods live on the
 * prototype (no closures per contract) and event creation looks the rank up once per run of dates.
 */
class EvaluationContext implements ContractContext {
  readonly contractId: string;
  readonly currency: string;
  readonly roleSign: number;
  readonly yearFraction: YearFraction;
  readonly businessDay: BusinessDayAdjuster;
  readonly observer: RiskFactorObserver;
  readonly resolver: ContractResolver | undefined;
  readonly engine: ChildEngine = childEngine;
  readonly referenceChain: readonly string[] | undefined;
  readonly to: Instant | undefined;
  readonly order: Readonly<Record<EventType, number>>;
  /** true when the business-day convention never moves a date. */
  private readonly identity: boolean;
  events: readonly ContractEvent[] = [];
  index = 0;
  schedules: Partial<Record<EventType, number[]>> = {};

  constructor(readonly terms: ContractTerms, order: Readonly<Record<EventType, number>>, options: ComputeOptions) {
    const t = terms;
    const calendar = calendarOf((t.calendar ?? 'NC') as CalendarName);
    this.businessDay = new BusinessDayAdjuster((t.businessDayConvention ?? 'NOS') as BusinessDayConvention, calendar);
    this.identity = this.businessDay.isIdentity;
    this.contractId = t.contractID ?? '';
    this.currency = t.currency ?? '';
    this.roleSign = ROLE_SIGN[t.contractRole ?? 'RPA'] ?? 1;
    this.yearFraction = yearFractionFor(t.dayCountConvention ?? 'A365', t.maturityDate, calendar);
    this.observer = options.observer ?? emptyObserver;
    this.resolver = options.resolver;
    this.referenceChain = options.referenceChain;
    this.to = options.to;
    this.order = order;
  }

  event(time: Instant, type: EventType): ContractEvent {
    if (this.identity) return new ContractEvent(time, type, time, time, this.order[type], this.currency);
    const b = this.businessDay;
    return new ContractEvent(b.shiftEventTime(time), type, b.shiftCalcTime(time), time, this.order[type], this.currency);
  }

  pushEvents(out: ContractEvent[], dates: readonly Instant[], type: EventType): void {
    const rank = this.order[type], currency = this.currency;
    if (this.identity) {
      for (let i = 0; i < dates.length; i++) {
        const d = dates[i];
        out.push(new ContractEvent(d, type, d, d, rank, currency));
      }
      return;
    }
    const b = this.businessDay;
    for (let i = 0; i < dates.length; i++) {
      const d = dates[i];
      out.push(new ContractEvent(b.shiftEventTime(d), type, b.shiftCalcTime(d), d, rank, currency));
    }
  }
}

/** Builds the computation context of a prepared contract. */
export function contextOf(p: PreparedContract, options: ComputeOptions = {}): ContractContext {
  return new EvaluationContext(p.terms, p.order, options);
}

/** Evaluates a prepared contract: its events with payoffs and post-event states. */
export function evaluate(p: PreparedContract, options: ComputeOptions = {}, statesAt?: StatesAt): ContractEvent[] {
  const ctx = contextOf(p, options);
  const type = p.type;
  try {
    const events = type.schedule(ctx);
    ctx.events = events;
    const s = new StateSpace();
    type.initialize(ctx, s);
    const pof = type.payoff, stf = type.transition;
    let probe = 0;
    // runs of same-type events (IP, IP, ...) reuse the looked-up functions
    let lastType: EventType | undefined;
    let f: PayoffFunction | undefined, g: StateTransitionFunction | undefined;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      ctx.index = i;
      if (statesAt !== undefined) while (probe < statesAt.times.length && statesAt.times[probe] < ev.time) statesAt.out.push(stateAt(statesAt.times[probe++], s, ctx, type));
      if (ev.type !== lastType) {
        lastType = ev.type;
        f = pof[lastType];
        g = stf[lastType];
      }
      const payoff = f === undefined ? 0 : f(ev, s, ctx);
      if (g !== undefined) g(ev, s, ctx);
      ev.payoff = payoff;
      ev.notionalPrincipal = s.notionalPrincipal;
      ev.nominalInterestRate = s.nominalInterestRate;
      ev.accruedInterest = s.accruedInterest;
      if (s.exerciseDate === s.exerciseDate || s.exerciseAmount !== 0) {
        ev.exerciseDate = s.exerciseDate;
        ev.exerciseAmount = s.exerciseAmount;
      }
      if (!(Number.isFinite(payoff) && Number.isFinite(s.notionalPrincipal) && Number.isFinite(s.nominalInterestRate) && Number.isFinite(s.accruedInterest)))
        throw new ComputationError(`non-finite result at ${ev.type} event ${i}`, ctx.contractId);
    }
    if (statesAt !== undefined) while (probe < statesAt.times.length) statesAt.out.push(stateAt(statesAt.times[probe++], s, ctx, type));
    return p.terms.purchaseDate === undefined ? events : fromPurchase(events);
  } catch (e) {
    if (isEngineError(e)) throw e;
    if (e instanceof ScheduleTooLongError) throw new ComputationError(e.message, ctx.contractId);
    throw new ComputationError(`internal error: ${e instanceof Error ? e.message : String(e)}`, ctx.contractId);
  }
}

/** A copy of the states accrued to t by the type's AD transition (no AD: the states as they are). */
function stateAt(t: Instant, s: StateSpace, ctx: ContractContext, type: ContractType): StateSpace {
  const copy = Object.assign(new StateSpace(), s);
  const ad = type.transition.AD;
  if (ad !== undefined && t >= copy.statusDate) ad(new ContractEvent(t, 'AD', t, t, ctx.order.AD, ctx.currency), copy, ctx);
  return copy;
}

/** Events before the purchase (PRD) are the seller's: evaluated for the states, not output. */
function fromPurchase(events: ContractEvent[]): ContractEvent[] {
  const i = events.findIndex((e) => e.type === 'PRD');
  return i <= 0 ? events : events.slice(i);
}

/** Validates and computes raw terms in one call. */
export function computeEvents(raw: RawTerms, options: ComputeOptions = {}): ContractEvent[] {
  return evaluate(prepareContract(raw), options);
}
