// What a contract type provides to the engine (one file per type in contracts/, registered in
// contracts/registry.ts), and the context its schedule, payoff (POF_xx) and state transition
// (STF_xx) functions receive.
import type { Instant } from './time/date.js';
import type { YearFraction } from './time/daycount.js';
import type { BusinessDayAdjuster } from './time/businessday.js';
import type { ContractTerms, RawTerms } from './terms/terms.js';
import type { TermIssue } from './errors.js';
import type { RiskFactorObserver } from './observer.js';
import type { ContractEvent, EventType } from './events.js';
import type { StateSpace } from './states.js';

/** Where the engine gets the terms of contracts referenced by id (the pipeline: its state store). */
export interface ContractResolver {
  /** Raw terms of `contractId`, or undefined when unknown (the child is then computed as absent). */
  termsOf(contractId: string): RawTerms | undefined;
}

export interface ComputeOptions {
  /** Horizon handed to the schedule (not an output filter). */
  to?: Instant;
  observer?: RiskFactorObserver;
  /** Terms of contracts referenced by id from a contractStructure (composite types). */
  resolver?: ContractResolver;
  /** Ids of the composite contracts computing this one (set by engine/composite.ts: cycle detection). */
  referenceChain?: readonly string[];
}

/** A validated contract, ready to compute (terms parsed once). */
export interface PreparedContract {
  readonly terms: ContractTerms;
  readonly type: ContractType;
  readonly order: Readonly<Record<EventType, number>>;
}

/**
 * States of a contract at given times (ascending), for composite parents reading their children
 * (spec "Child Contract Observer"): after every event at or before the time, accrued to it by the
 * type's AD transition on a copy, so the contract's own evaluation is unchanged.
 */
export interface StatesAt {
  readonly times: readonly Instant[];
  readonly out: StateSpace[];
}

/**
 * The engine as a composite type uses it for its children (spec "Contract Composition"): handed
 * to the type's functions by engine.ts, so that no contract type imports the engine back.
 */
export interface ChildEngine {
  /** Parses and validates a child's raw terms (InvalidTermsError naming every offending term). */
  prepare(raw: RawTerms): PreparedContract;
  /** Computes a prepared child, optionally reporting its states at given times. */
  evaluate(p: PreparedContract, options: ComputeOptions, statesAt?: StatesAt): ContractEvent[];
  /** The contract type of a dictionary acronym, undefined when unsupported. */
  typeOf(code: string): ContractType | undefined;
}

export interface ContractContext {
  readonly terms: ContractTerms;
  readonly contractId: string;
  readonly currency: string;
  /** R(CNTRL): +1 or -1 (spec "Contract Role Sign"). */
  readonly roleSign: number;
  /** Y(s, t) of the contract's day count convention. */
  readonly yearFraction: YearFraction;
  readonly businessDay: BusinessDayAdjuster;
  readonly observer: RiskFactorObserver;
  /** Terms of contracts referenced by id (composite types; see composite.ts computeChild). */
  readonly resolver?: ContractResolver;
  /** The engine that computes this contract's children (composite types). */
  readonly engine: ChildEngine;
  /** Ids of the composite contracts this one is computed for (cycle detection). */
  readonly referenceChain?: readonly string[];
  /** Projection horizon (`to`), undefined = the contract's own end. */
  readonly to: Instant | undefined;
  /** The event order of the type (same-day ranks). */
  readonly order: Readonly<Record<EventType, number>>;
  /** Creates an event at scheduled time t (business-day shifted, ranked, in the contract's currency). */
  event(t: Instant, type: EventType): ContractEvent;
  /** Appends ctx.event(dates[i], type) for every date, in the given order (one rank lookup). */
  pushEvents(out: ContractEvent[], dates: readonly Instant[], type: EventType): void;
  /** All events of this computation in order (available to POF/STF, e.g. for annuity amounts). */
  events: readonly ContractEvent[];
  /** Index of the event being evaluated. */
  index: number;
  /**
   * Full (not horizon-trimmed) schedule dates a type keeps for its functions, e.g. the PR dates
   * up to maturity that the annuity amount needs (calculation times, ascending).
   */
  schedules: Partial<Record<EventType, number[]>>;
}

/** POF_xx_TYPE: the payoff of an event, from the states before it. */
export type PayoffFunction = (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => number;
/** STF_xx_TYPE: updates the states in place at an event. */
export type StateTransitionFunction = (ev: ContractEvent, s: StateSpace, ctx: ContractContext) => void;

/** State variables a type reports on its events (the others are left out of the output). */
export type ReportedState = 'notionalPrincipal' | 'nominalInterestRate' | 'accruedInterest' | 'exerciseDate' | 'exerciseAmount';

export interface ContractType {
  /** The dictionary acronym, e.g. `PAM`. */
  readonly contractType: string;
  /** Terms without which the type cannot be computed. */
  readonly requiredTerms: readonly string[];
  /** Type-specific consistency checks: push one issue per offending term (`engine`: for a composite's children). */
  validate(terms: ContractTerms, issues: TermIssue[], engine: ChildEngine): void;
  /** Market object codes and contract ids whose data can change the result (`engine`: for a composite's children). */
  dependencies(terms: ContractTerms, out: Set<string>, engine: ChildEngine): void;
  /** The contract's events in evaluation order (generated in order or sorted with compareEvents). */
  schedule(ctx: ContractContext): ContractEvent[];
  /** States at the status date (spec "State Variables Initialization"). */
  initialize(ctx: ContractContext, s: StateSpace): void;
  /** Payoff functions keyed by event type; missing = payoff 0. */
  readonly payoff: Partial<Record<EventType, PayoffFunction>>;
  /** State transition functions keyed by event type; missing = no state change. */
  readonly transition: Partial<Record<EventType, StateTransitionFunction>>;
  /** Same-day order overrides (merged over DEFAULT_EVENT_ORDER). */
  readonly eventOrder?: Partial<Record<EventType, number>>;
  readonly reportedStates: readonly ReportedState[];
}
