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
import { createHash } from 'node:crypto';
import {
  ComputationError,
  eventsToJson,
  evaluate,
  InvalidTermsError,
  prepareContract,
  type ComputeOptions,
  type PreparedContract,
} from '../engine/index.js';
import { addCycles, parsePeriod } from '../engine/time/cycle.js';
import type { CashflowEvent, CashflowStatus, ContractCashflows, RecalcRequest } from '../schemas/types.js';
import { emptyWrites, type MarketSeries, type StoredContract } from '../state/model.js';
import { dependencyKeys, observerFor } from '../state/observer.js';
import { isoLocal } from './cdc.js';
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
}

/** The engine's events in the shape of cashflow.contract-cashflows (states a type lacks → null). */
export function cashflowEvents(p: PreparedContract, events: Parameters<typeof eventsToJson>[0]): CashflowEvent[] {
  return eventsToJson(events, p.type.reportedStates).map((e) => ({
    eventDate: e.eventDate,
    eventType: e.eventType,
    currency: e.currency ?? null,
    payoff: e.payoff,
    notionalPrincipal: e.notionalPrincipal ?? null,
    nominalInterestRate: e.nominalInterestRate ?? null,
    accruedInterest: e.accruedInterest ?? null,
    exerciseDate: e.exerciseDate ?? null,
    exerciseAmount: e.exerciseAmount ?? null,
  }));
}

/**
 * Computes a stored contract with the given series (and referenced contracts): the same
 * computation a direct engine call with the same terms and market data does.
 */
export function computeContract(
  contract: StoredContract,
  series: ReadonlyMap<string, MarketSeries>,
  referenced: ReadonlyMap<string, StoredContract>,
  horizon: string,
  asOf: string | null = null,
): Computation {
  if (contract.deleted || contract.terms === '') return { status: 'deleted', reason: null, contractType: contract.contractType || null, events: [] };
  const raw = JSON.parse(contract.terms) as Record<string, unknown>;
  if (asOf) raw.statusDate = asOf; // a recalculation "as of" another status date (recalc --as-of)
  try {
    const prepared = prepareContract(raw as Parameters<typeof prepareContract>[0]);
    const deps = dependencyKeys(contract.terms, false);
    const resolver = {
      termsOf: (id: string) => {
        const c = referenced.get(id);
        return c && !c.deleted && c.terms !== '' ? (JSON.parse(c.terms) as Parameters<typeof prepareContract>[0]) : undefined;
      },
    };
    // `resolver` reaches composite types where the engine has them (ComputeOptions.resolver)
    const options: ComputeOptions & { resolver?: unknown } = { observer: observerFor(contract, series, deps), to: horizonOf(prepared, horizon), resolver };
    const events = evaluate(prepared, options);
    return { status: 'computed', reason: null, contractType: contract.contractType, events: cashflowEvents(prepared, events) };
  } catch (e) {
    if (e instanceof ComputationError || e instanceof InvalidTermsError) {
      return { status: 'waiting', reason: e.message, contractType: contract.contractType, events: [] };
    }
    throw e;
  }
}

export function fingerprintOf(c: Computation): string {
  const h = createHash('sha256');
  h.update(c.status);
  h.update('\u0000');
  h.update(c.reason ?? '');
  h.update('\u0000');
  h.update(JSON.stringify(c.events));
  return h.digest('base64url').slice(0, 32);
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

export const calculator: ProcessorDefinition = {
  name: 'calculator',
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
    const depsOf = new Map<string, string[]>();
    const allDeps = new Set<string>();
    for (const [id, c] of contracts) {
      let deps: string[] = [];
      try {
        deps = dependencyKeys(c.terms, c.deleted);
      } catch {
        deps = []; // unparsable terms never reach the store (contract-ingest validates them)
      }
      depsOf.set(id, deps);
      for (const d of deps) allDeps.add(d);
    }
    const [series, referenced] = await Promise.all([ctx.state.series([...allDeps]), ctx.state.contracts([...allDeps])]);

    const outputs: OutputRecord[] = [];
    const writes = emptyWrites();
    let waiting = 0;
    const computedAt = isoLocal(ctx.now()).slice(0, 19);
    for (const [id, req] of requests) {
      const contract = contracts.get(id);
      const last = published.get(id);
      if (!contract) continue; // a request for a contract the pipeline has never seen
      const deps = depsOf.get(id) ?? [];
      const result = computeContract(contract, series, referenced, ctx.horizon, req.asOf);
      const fingerprint = fingerprintOf(result);
      if (last && last.fingerprint === fingerprint) continue; // same schedule: nothing to publish
      let version = inputVersion(contract, deps, series, referenced);
      if (last && version <= last.version) version = last.version + 1;
      const value: ContractCashflows = {
        contractId: id,
        contractType: result.contractType,
        version,
        fingerprint,
        status: result.status,
        reason: result.reason,
        computedAt,
        events: result.events,
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
