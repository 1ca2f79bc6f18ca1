// Public API of the ACTUS engine: pure, deterministic, no I/O.
export { computeEvents, prepareContract, evaluate, contractTypeOf, childEngine, ROLE_SIGN, type ComputeOptions, type PreparedContract } from './engine.js';
export { dependenciesOf, dependenciesOfTerms } from './dependencies.js';
export {
  emptyResolver, resolverOf, parseContractStructure, structureOf, referencesOf, computeChild, validateStructure, structureDependencies,
  type ContractResolver, type ContractReference, type ChildResult, type ChildOverrides, type StructureRules,
} from './composite.js';
export { InvalidTermsError, InvalidMarketDataError, ComputationError, isEngineError, quoteValue, boundedText, type TermIssue, type EngineError } from './errors.js';
export { ContractEvent, type EventType } from './events.js';
export { StateSpace } from './states.js';
export { TimeSeriesObserver, emptyObserver, observerFromTestBed, type RiskFactorObserver, type ObservedEvent, type TimeSeriesPoint } from './observer.js';
export { parseTerms, type ContractTerms, type RawTerms } from './terms/terms.js';
export { parseDateTime, formatDateTime, MS_PER_DAY, type Instant } from './time/date.js';
export { addCycles, parsePeriod } from './time/cycle.js';
export { JsonBytes, utf8 } from './json-bytes.js';
export { contractTypes } from './contracts/registry.js';
export type { ChildEngine, ContractType, ContractContext, PayoffFunction, ReportedState, StateTransitionFunction } from './contract-type.js';
export {
  computeTestBedCase, computeTestBed, computeCase, prepareCase, evaluateCase, isTestBed, eventsToJson, caseResultText, eventsJsonText, errorJsonText,
  testBedResultText, reportedMask, writeEventJson, writeEventsJson, writeErrorJson,
  type TestBedCase, type PreparedCase, type ComputedCase, type CaseResult, type EventJson,
} from './testbed.js';
