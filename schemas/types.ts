// TypeScript shapes of the Avro records in schemas/avro/*.avsc (schemas/types.test.ts fails
// when they drift). Avro `long` is a JS number (avsc refuses unsafe integers); a nullable
// union is `T | null`; dates are strings `YYYY-MM-DDTHH:MM:SS`.

export interface ObservedEvent {
  eventType: string;
  observedAt: string;
  value: number | null;
  /** JSON text. */
  states: string | null;
}

/** cashflow.contract-terms, key = contract id. */
export interface ContractTerms {
  contractId: string;
  contractType: string;
  /** The ACTUS terms object as JSON text (dictionary names, string values). */
  terms: string;
  observedEvents: ObservedEvent[];
  version: number;
  updatedAt: string | null;
  sourceTsMs: number;
  deleted: boolean;
}

/** cashflow.market-observations, key = `<market object code>|<observed at>`. */
export interface MarketObservation {
  marketObjectCode: string;
  observedAt: string;
  value: number;
  version: number;
  sourceTsMs: number;
  deleted: boolean;
}

/** cashflow.positions, key = position id: a portfolio's holding of a contract. */
export interface Position {
  positionId: string;
  portfolioId: string;
  contractId: string;
  quantity: number;
  version: number;
  sourceTsMs: number;
  deleted: boolean;
}

export type RecalcCause = 'terms' | 'market' | 'observed_event' | 'manual' | 'job' | 'dependency';

/** cashflow.recalc-requests, key = contract id. */
export interface RecalcRequest {
  contractId: string;
  cause: RecalcCause;
  version: number;
  marketObjectCode: string | null;
  asOf: string | null;
  jobId: string | null;
  requestedAtMs: number;
}

export interface CashflowEvent {
  eventDate: string;
  eventType: string;
  currency: string | null;
  payoff: number;
  notionalPrincipal: number | null;
  nominalInterestRate: number | null;
  accruedInterest: number | null;
  exerciseDate: string | null;
  exerciseAmount: number | null;
}

export type CashflowStatus = 'computed' | 'waiting' | 'deleted';

/** cashflow.contract-cashflows, key = contract id: the whole schedule at one version. */
export interface ContractCashflows {
  contractId: string;
  contractType: string | null;
  version: number;
  fingerprint: string | null;
  status: CashflowStatus;
  reason: string | null;
  computedAt: string;
  /** In schedule order: index = contract_cashflows.seq. */
  events: CashflowEvent[];
  jobId: string | null;
  requestedAtMs: number | null;
}

/** cashflow.dead-letter, key = the original key. */
export interface DeadLetter {
  processor: string;
  reason: string;
  errorType: string;
  originalTopic: string;
  originalPartition: number;
  /** Kafka offset as a decimal string. */
  originalOffset: string;
  originalKey: Buffer | null;
  /** Whole up to CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES, else null (length and hash below). */
  originalValue: Buffer | null;
  failedAtMs: number;
  /** Length of the original value in bytes (null: it had none). */
  originalValueBytes: number | null;
  /** SHA-256 of the original value, hex (null: it had none). */
  originalValueSha256: string | null;
}

/** cashflow.jobs (recalculation jobs: contract ids) and cashflow.api-jobs (the API's: cases), key = `<job id>|<chunk>` (chunks spread over partitions). */
export interface JobChunk {
  jobId: string;
  chunk: number;
  chunks: number;
  contractIds: string[];
  asOf: string | null;
  requestedAtMs: number;
  /** JSON text of the chunk's contracts when the job brought them (API); null: from the store. */
  cases: string | null;
}

export type JobEventType = 'queued' | 'started' | 'progress' | 'completed' | 'failed';

/** cashflow.job-events, key = job id. */
export interface JobEvent {
  jobId: string;
  type: JobEventType;
  contractsTotal: number | null;
  contractsDone: number | null;
  message: string | null;
  atMs: number;
}

/** Record type name (as in topology value schemas) → TypeScript type. */
export interface RecordTypes {
  ContractTerms: ContractTerms;
  MarketObservation: MarketObservation;
  Position: Position;
  RecalcRequest: RecalcRequest;
  ContractCashflows: ContractCashflows;
  DeadLetter: DeadLetter;
  JobChunk: JobChunk;
  JobEvent: JobEvent;
}
export type RecordName = keyof RecordTypes;
