// What the result tables should hold for a contract, from the source tables (`cashflow verify`,
// the verifier processor, the fault tests; the comparison is processors/verification.ts).
//
// The expectation is computed exactly as the pipeline does it: the terms as contract-ingest
// reads a contracts row (termsOfRow), observed events merged into the contract as
// contract-ingest merges them, the market data of the contract's dependencies and the terms of
// the contracts it references, then the calculator's own prepareStored / computePrepared
// (processors/calculator.ts), horizon included. So the expected fingerprint is the one the
// calculator publishes for the same inputs.
import type { ContractRow, MarketDataRow, ObservedEventRow } from '../db/database.js';
import type { CashflowEvent } from '../schemas/types.js';
import { observedEventKey, type MarketSeries, type StoredContract, type StoredObservedEvent } from '../state/model.js';
import { computePrepared, preparedStoredOf, prepareStored, type Computation, type PreparedStored } from './calculator.js';
import { TermsRejected, termsOfRow, type RowTerms } from './contract-ingest.js';

/**
 * What the result tables should hold for a contract:
 * - `computed`: a version row with this fingerprint and exactly these events as rows;
 * - `waiting`: the engine cannot compute it (missing market data, a computation error): a
 *   version row with status waiting and this reason, no rows;
 * - `deleted`: absent from `contracts`: no rows, and no version row or one with status deleted;
 * - `rejected`: terms contract-ingest dead-letters (not JSON, invalid, unsupported type): the
 *   pipeline keeps whatever it computed from earlier terms, so nothing is expected of the tables.
 */
export interface ExpectedResult {
  contractId: string;
  status: 'computed' | 'waiting' | 'deleted' | 'rejected';
  reason: string | null;
  fingerprint: string | null;
  events: CashflowEvent[];
}

/**
 * The series of market_data rows (any order), as the store holds them: by code, in time order.
 * A row whose value is not a finite number (double precision holds NaN and ±Infinity) never
 * reaches the store: market-ingest dead-letters it (processors/cdc.ts finiteValue), so it is left out here.
 */
export function seriesOf(rows: readonly MarketDataRow[]): Map<string, MarketSeries> {
  const out = new Map<string, MarketSeries>();
  for (const r of rows) {
    if (!Number.isFinite(r.value)) continue;
    let s = out.get(r.marketObjectCode);
    if (!s) out.set(r.marketObjectCode, (s = { code: r.marketObjectCode, points: [], version: 0 }));
    s.points.push({ observedAt: r.observedAt, timeMs: Date.parse(`${r.observedAt}Z`), value: r.value, version: 0 });
  }
  for (const s of out.values()) s.points.sort((a, b) => a.timeMs - b.timeMs);
  return out;
}

/**
 * A contracts row and its observed_events rows as contract-ingest stores them; a TermsRejected
 * (the ingest's dead letter) when the terms are not accepted. Observed events whose states are
 * not JSON or whose value is NaN or ±Infinity are dead-lettered by the ingest, so they are left
 * out here too (a null value is no value, and kept).
 */
export function storedContractOf(row: ContractRow, events: readonly ObservedEventRow[] = []): StoredContract {
  return readContract(row, events).contract;
}

/** storedContractOf, with the ingest's validation of the terms (termsOfRow's `prepared`). */
function readContract(row: ContractRow, events: readonly ObservedEventRow[]): { contract: StoredContract; terms: RowTerms } {
  const rowTerms = termsOfRow(row.contractId, { terms: row.terms, contract_type: row.contractType });
  const { contractType } = rowTerms;
  const stored: Record<string, StoredObservedEvent> = {};
  for (const e of events) {
    if (e.states !== null) {
      try {
        JSON.parse(e.states);
      } catch {
        continue;
      }
    }
    if (e.value !== null && !Number.isFinite(e.value)) continue;
    const value = e.value;
    stored[observedEventKey(e.eventType, e.observedAt)] = { eventType: e.eventType, observedAt: e.observedAt, value, states: e.states, version: 0, deleted: false };
  }
  const contract = new ContractOfRow(row.contractId, contractType, rowTerms, stored);
  return { contract, terms: rowTerms };
}

/**
 * A contracts row as contract-ingest stores it, its terms' JSON text made only when read: the
 * expectation computes from the ingest's validation (`prepared`) and reads it only when that
 * cannot be reused (prepareStored).
 */
class ContractOfRow implements StoredContract {
  readonly termsVersion = 0;
  readonly deleted = false;
  readonly updatedAt = null;
  readonly sourceTsMs = 0;
  readonly version = 0;
  private text: string | undefined;
  constructor(
    readonly contractId: string,
    readonly contractType: string,
    private readonly rowTerms: RowTerms,
    readonly events: Record<string, StoredObservedEvent>,
  ) {}
  get terms(): string {
    return (this.text ??= this.rowTerms.terms);
  }
  set terms(text: string) {
    this.text = text;
  }
}

/** A contract of the sources prepared for its expectation (or already decided). */
export interface PreparedExpectation {
  contractId: string;
  prepared?: PreparedStored;
  /** Set when no computation is needed: deleted or rejected. */
  decided?: ExpectedResult;
  /** Market object codes and referenced contract ids the computation reads. */
  deps: string[];
}

/** First step: the contract as the pipeline would store it, and what its computation will read. */
export function prepareExpectation(contractId: string, row: ContractRow | undefined, events: readonly ObservedEventRow[] = []): PreparedExpectation {
  if (!row) return { contractId, deps: [], decided: { contractId, status: 'deleted', reason: null, fingerprint: null, events: [] } };
  let read: ReturnType<typeof readContract>;
  try {
    read = readContract(row, events);
  } catch (e) {
    if (e instanceof TermsRejected) return { contractId, deps: [], decided: { contractId, status: 'rejected', reason: e.message, fingerprint: null, events: [] } };
    throw e;
  }
  // the terms parsed once: the ingest's validation is what the calculator would prepare from the stored JSON
  const prepared = read.terms.preparedAsStored ? preparedStoredOf(read.contract, read.terms.prepared) : prepareStored(read.contract);
  return { contractId, prepared, deps: prepared.deps };
}

/**
 * Second step: the calculator's computation with the series of the dependencies and the
 * referenced contracts (absent ones are absent for the calculator too).
 */
export function expectedResult(
  p: PreparedExpectation,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
): ExpectedResult {
  if (p.decided) return p.decided;
  return expectationOf(p, computePrepared(p.prepared!, series, referenced, horizon));
}

/** What the tables should hold after the calculator computed `c` for the contract (as it publishes it). */
export function expectationOf(p: PreparedExpectation, c: Computation): ExpectedResult {
  const fingerprint = c.fingerprint;
  if (c.status === 'deleted') return { contractId: p.contractId, status: 'deleted', reason: null, fingerprint, events: [] };
  return { contractId: p.contractId, status: c.status, reason: c.reason, fingerprint, events: c.status === 'computed' ? c.events : [] };
}
