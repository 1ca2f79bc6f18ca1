// Public API of the ACTUS engine: pure, deterministic, no I/O.
export { computeEvents, prepareContract, evaluate, contractTypeOf, childEngine, ROLE_SIGN, type ComputeOptions, type PreparedContract } from './engine.js';
export { dependenciesOf } from './dependencies.js';
export {
  emptyResolver, resolverOf, parseContractStructure, structureOf, referencesOf, computeChild, validateStructure, structureDependencies,
  type ContractResolver, type ContractReference, type ChildResult, type ChildOverrides, type StructureRules,
} from './composite.js';
export { InvalidTermsError, InvalidMarketDataError, ComputationError, isEngineError, quoteValue, boundedText, type TermIssue, type EngineError } from './errors.js';
export { ContractEvent, type EventType } from './events.js';
export { StateSpace } from './states.js';
export { TimeSeriesObserver, emptyObserver, observerFromTestBed, type RiskFactorObserver, type ObservedEvent, type TimeSeriesPoint } from './observer.js';
export { parseTerms, type ContractTerms, type RawTerms } from './terms/terms.js';
export { parseDateTime, formatDateTime, type Instant } from './time/date.js';
export { contractTypes } from './contracts/registry.js';
export type { ChildEngine, ContractType, ContractContext, PayoffFunction, StateTransitionFunction } from './contract-type.js';
export { computeTestBedCase, computeTestBed, eventsToJson, caseResultText, eventsJsonText, testBedResultText } from './testbed.js';
