// calculator: recalc requests → the contract's whole schedule from the ACTUS engine, with the
// terms and market data of the store.
//   version     = the highest source position among the inputs used (terms, observed events,
//                 the series of every dependency, referenced contracts): a replay of the same
//                 inputs yields the same version (invariant 2). Only when the inputs' positions
//                 do not exceed the last published version while the schedule differs (a terms
//                 change that dropped the dependency carrying the highest position) is it the
//                 last published version + 1, so the sink still takes the newer schedule.
//   fingerprint = a hash of status, reason and events; equal to the last published one →
//                 nothing is published (invariant 4).
//   missing data the engine cannot compute without → status `waiting` with the engine's
//                 reason; the dependency index recomputes it when the data arrives.
import {
  ComputationError,
  type ContractEvent,
  evaluate,
  InvalidTermsError,
  prepareContract,
  childEngine,
  type ComputeOptions,
  type PreparedContract,
} from '../engine/index.js';
import { addCycles, parsePeriod } from '../engine/index.js';
import type { CashflowEvent, CashflowStatus, RecalcRequest } from '../schemas/types.js';
import { emptyWrites, type MarketSeries, type StoredContract } from '../state/model.js';
import { dependencyKeys, observerFor } from '../state/observer.js';
import { isoLocal } from './cdc.js';
import { cashflowEvents } from '../wire/cashflow-events.js';
import { fingerprintOfEvents, fingerprintOfOutcome } from '../wire/fingerprint.js';
import type { Schedule } from '../wire/schedule.js';
import { encodeSchedule, scheduleFingerprint, type EncodedSchedule } from '../wire/schedule-encoder.js';
import type { BatchOutcome, OutputRecord, ProcessorDefinition } from './processor.js';
import { avroValue } from './processor.js';

/** Projection end for a contract without a maturity date: status date + CASHFLOW_HORIZON. */
export function horizonOf(p: PreparedContract, horizon: string): number | undefined {
  const t = p.terms as { maturityDate?: number; statusDate?: number };
  if (t.maturityDate !== undefined || t.statusDate === undefined) return undefined;
  const period = parsePeriod(horizon);
  return period ? addCycles(t.statusDate, period, 1) : undefined;
}

export interface Computation {
  status: CashflowStatus;
  reason: string | null;
  contractType: string | null;
  events: CashflowEvent[];
  /** wire/fingerprint.ts: of the engine's events when computed, of status and reason otherwise. */
  fingerprint: string;
}

/** A computed schedule as the calculator publishes it: encoded straight from the engine's events. */
export interface EncodedComputation {
  status: 'computed';
  reason: null;
  contractType: string | null;
  encoded: EncodedSchedule;
}

/** A result without events (deleted, or waiting with the engine's reason), with its fingerprint. */
function outcomeOf(status: 'deleted' | 'waiting', reason: string | null, contractType: string | null): Computation {
  return { status, reason, contractType, events: [], fingerprint: fingerprintOfOutcome(status, reason) };
}

/** A stored contract parsed and validated once per calculation, with its dependency keys. */
export interface PreparedStored {
  contract: StoredContract;
  prepared?: PreparedContract;
  /** Market object codes and referenced contract ids (from the prepared terms: no second parse). */
  deps: string[];
  /** Set when the contract cannot be computed: deleted, or terms the engine refuses. */
  outcome?: Computation;
}

export function prepareStored(contract: StoredContract, asOf: string | null = null): PreparedStored {
  if (contract.deleted || contract.terms === '') {
    return { contract, deps: [], outcome: outcomeOf('deleted', null, contract.contractType || null) };
  }
  const raw = JSON.parse(contract.terms) as Record<string, unknown>;
  if (asOf) raw.statusDate = asOf; // a recalculation "as of" another status date (recalc --as-of)
  try {
    return preparedStoredOf(contract, prepareContract(raw as Parameters<typeof prepareContract>[0]));
  } catch (e) {
    if (e instanceof ComputationError || e instanceof InvalidTermsError) {
      // terms the engine refuses now (validated at ingest by an older engine?): wait for new terms
      return { contract, deps: dependencyKeys(contract.terms, false), outcome: outcomeOf('waiting', e.message, contract.contractType) };
    }
    throw e;
  }
}

/** A stored contract whose terms are already prepared (exactly as prepareStored would prepare them), with its dependency keys. */
export function preparedStoredOf(contract: StoredContract, prepared: PreparedContract): PreparedStored {
  const deps = new Set<string>();
  prepared.type.dependencies(prepared.terms, deps, childEngine);
  return { contract, prepared, deps: [...deps].sort() };
}

/**
 * Computes a prepared contract with the given series (and referenced contracts): the same
 * computation a direct engine call with the same terms and market data does.
 */
export function computePrepared(
  p: PreparedStored,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
): Computation {
  const s = computeSchedule(p, series, referenced, horizon);
  return 'engineEvents' in s ? computationOf(s) : s;
}

/** A computed schedule as the engine gives it, with its fingerprint: what computePrepared publishes before the events are shaped. */
export interface ComputedSchedule {
  stored: PreparedStored;
  prepared: PreparedContract;
  engineEvents: ContractEvent[];
  fingerprint: string;
}

/** computePrepared without shaping the events (a reader that compares them in place: verify). */
export function computeSchedule(
  p: PreparedStored,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
): ComputedSchedule | Computation {
  const events = evaluateStored(p, series, referenced, horizon);
  if (!Array.isArray(events)) return events;
  const prepared = p.prepared!;
  // the encoder's pass without its bytes: the same fingerprint, a fraction of the hashing
  return { stored: p, prepared, engineEvents: events, fingerprint: scheduleFingerprint(prepared, events) ?? fingerprintOfEvents(prepared, events) };
}

/** The computed outcome of a schedule: its events as CashflowEvents, with its fingerprint. */
export function computationOf(s: ComputedSchedule): Computation {
  return { status: 'computed', reason: null, contractType: s.stored.contract.contractType, events: cashflowEvents(s.prepared, s.engineEvents), fingerprint: s.fingerprint };
}

/**
 * computePrepared with a computed schedule encoded straight from the engine's events (the same
 * bytes and fingerprint: wire/schedule-encoder.ts), the reference path for what the
 * encoder leaves to it.
 */
export function computeEncoded(
  p: PreparedStored,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
): Computation | EncodedComputation {
  const events = evaluateStored(p, series, referenced, horizon);
  if (!Array.isArray(events)) return events;
  const prepared = p.prepared!;
  const encoded = encodeSchedule(prepared, events);
  return encoded
    ? { status: 'computed', reason: null, contractType: p.contract.contractType, encoded }
    : computationOf({ stored: p, prepared, engineEvents: events, fingerprint: fingerprintOfEvents(prepared, events) });
}

/** The engine's events of a prepared contract, or the outcome when it cannot be computed. */
function evaluateStored(
  p: PreparedStored,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
): ContractEvent[] | Computation {
  if (p.outcome || !p.prepared) return p.outcome!;
  const { contract, prepared } = p;
  try {
    const resolver = {
      termsOf: (id: string) => {
        const c = referenced.get(id);
        return c && !c.deleted && c.terms !== '' ? (JSON.parse(c.terms) as Parameters<typeof prepareContract>[0]) : undefined;
      },
    };
    // `resolver` reaches composite types where the engine has them (ComputeOptions.resolver)
    const options: ComputeOptions & { resolver?: unknown } = { observer: observerFor(contract, series, p.deps), to: horizonOf(prepared, horizon), resolver };
    return evaluate(prepared, options);
  } catch (e) {
    if (e instanceof ComputationError || e instanceof InvalidTermsError) {
      return outcomeOf('waiting', e.message, contract.contractType);
    }
    throw e;
  }
}

/** prepareStored + computePrepared. */
export function computeContract(
  contract: StoredContract,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
  asOf: string | null = null,
): Computation {
  return computePrepared(prepareStored(contract, asOf), series, referenced, horizon);
}

/** Highest source position among the inputs of a contract's computation. */
export function inputVersion(
  contract: StoredContract,
  deps: readonly string[],
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
): number {
  let v = contract.version;
  for (const k of deps) {
    v = Math.max(v, series.get(k)?.version ?? 0, referenced.get(k)?.version ?? 0);
  }
  return v;
}

/** Contracts computed between two yields to the event loop (~5–20 ms of engine time). */
const YIELD_EVERY = 64;

export const calculator: ProcessorDefinition = {
  name: 'calculator',
  // every partition at once (a tick's 1,000 requests spread over all 12), 250 requests per
  // batch: 3,000 schedules in hand at most (1,000 per batch held 810 MB at 160K)
  partitionConcurrency: 12,
  maxBatchSize: 250,
  // recalc requests are ~100 bytes: 1 MB is 10,000 of them, seconds of the fastest recompute
  fetchMaxBytes: 1024 * 1024,
  stateOrder: 'after-outputs',
  async process(records, ctx): Promise<BatchOutcome> {
    const requests = new Map<string, RecalcRequest>();
    for (const r of records) {
      const req = avroValue(r, 'recalcRequests');
      if (!req) continue;
      const cur = requests.get(req.contractId);
      if (!cur || (cur.requestedAtMs ?? 0) > req.requestedAtMs) requests.set(req.contractId, { ...req, jobId: req.jobId ?? cur?.jobId ?? null });
    }
    const ids = [...requests.keys()];
    const [contracts, published] = await Promise.all([ctx.state.contracts(ids), ctx.state.published(ids)]);
    const preparedOf = new Map<string, PreparedStored>();
    const allDeps = new Set<string>();
    for (const [id, c] of contracts) {
      const p = prepareStored(c, requests.get(id)!.asOf);
      preparedOf.set(id, p);
      for (const d of p.deps) allDeps.add(d);
    }
    const [series, referenced] = await Promise.all([ctx.state.series([...allDeps]), ctx.state.contracts([...allDeps])]);

    const outputs: OutputRecord[] = [];
    const writes = emptyWrites();
    let waiting = 0;
    const computedAt = isoLocal(ctx.now()).slice(0, 19);
    let sinceYield = 0;
    for (const [id, req] of requests) {
      // The engine is synchronous: let the other processors of this process (and the broker
      // client's callbacks) run between slices of a large batch.
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const p = preparedOf.get(id);
      const last = published.get(id);
      if (!p) continue; // a request for a contract the pipeline has never seen
      const { contract, deps } = p;
      const result = computeEncoded(p, series, referenced, ctx.horizon);
      const fingerprint = 'encoded' in result ? result.encoded.fingerprint : result.fingerprint;
      if (last && last.fingerprint === fingerprint) continue; // same schedule: nothing to publish
      let version = inputVersion(contract, deps, series, referenced);
      if (last && version <= last.version) version = last.version + 1;
      const value: Schedule = {
        contractId: id,
        contractType: result.contractType,
        version,
        fingerprint,
        status: result.status,
        reason: result.reason,
        computedAt,
        events: 'encoded' in result ? { bytes: result.encoded.bytes, count: result.encoded.count } : result.events,
        jobId: req.jobId,
        requestedAtMs: req.requestedAtMs || null,
      };
      if (result.status === 'waiting') waiting++;
      outputs.push({ topic: 'contractCashflows', key: id, value });
      writes.published.push({ contractId: id, fingerprint, version, status: result.status });
    }
    return { outputs, writes, deadLetters: [], waiting };
  },
};
