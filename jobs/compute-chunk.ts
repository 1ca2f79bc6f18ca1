// A job chunk's cases computed as a synchronous request computes them (api/compute.ts: the store's
// market data for codes the bodies lack, state/case-market-data.ts, then the `cashflow actus` code
// path, engine/testbed.ts) and packed in columns (wire/packed-results.ts) for the job store. The
// job-worker (processors/job-worker.ts) runs it on each chunk it takes.
import { evaluateCase, prepareCase, type ComputedCase, type PreparedCase } from '../engine/index.js';
import { ResultsPacker } from '../wire/packed-results.js';
import type { MarketSeries } from '../state/model.js';
import { missingCodesOf, withStoreData, type Cases } from '../state/case-market-data.js';

// packers kept between chunks (finish() empties one, its columns stay allocated), one per chunk
// being packed (two partitions are processed at once, and a chunk may await the store midway)
const packers: ResultsPacker[] = [];

/**
 * A chunk's cases computed and packed (wire/packed-results.ts), in the chunk's order, with the
 * market data their bodies lack read from the store (`series`; a fault there is retriable: it
 * propagates). Each case's terms are parsed once, for its dependencies and to compute it. A case
 * that needs nothing from the store is computed and packed at once (its parsed terms and events
 * die young: holding a chunk's 1,000 parsed terms until its end made every scavenge copy them);
 * from the first case that does, the rest wait for one store read. Takes `cases` over: a case
 * computed at once is deleted from it, so that a scavenge meanwhile copies only the cases still
 * to compute, not the whole parsed chunk.
 */
export async function computeChunk(
  cases: Cases,
  series: (codes: string[]) => Promise<ReadonlyMap<string, MarketSeries>>,
  maxEvents = Infinity,
): Promise<{ packed: Uint8Array; count: number }> {
  const packer = packers.pop() ?? new ResultsPacker();
  packer.clear();
  // The chunk's event budget (API_JOB_CHUNK_MAX_EVENTS): a case is bounded by the engine's
  // schedule limit, a chunk of them is not, and a chunk that cannot be packed within the
  // worker's heap would end the worker on every redelivery. Cases past the budget get an error
  // naming it (the same cases on every redelivery: the chunk's order decides).
  let events = 0;
  const add = (id: string, r: ComputedCase) => {
    if ('events' in r) {
      if (events + r.events.length > maxEvents) r = { error: overBudget(maxEvents, r.events.length) };
      else events += r.events.length;
    }
    packer.add(id, r);
  };
  const ids = Object.keys(cases);
  let waiting: { id: string; prepared: PreparedCase }[] | undefined;
  const missing = new Map<string, string[]>();
  for (const id of ids) {
    const c = cases[id];
    const prepared = prepareCase(c);
    const codes = missingCodesOf(c, prepared);
    if (codes) missing.set(id, codes);
    if (waiting || codes) (waiting ??= []).push({ id, prepared });
    else {
      delete cases[id];
      add(id, evaluateCase(c, prepared));
    }
  }
  if (waiting) {
    const found = await series([...new Set([...missing.values()].flat())]);
    const full = withStoreData(cases, missing, found).cases;
    for (const w of waiting) add(w.id, evaluateCase(full[w.id], w.prepared));
  }
  // the engine's events in columns, no JSON (the API renders them when the result is fetched)
  const packed = packer.finish();
  packers.push(packer);
  return { packed, count: ids.length };
}

function overBudget(maxEvents: number, caseEvents: number): string {
  return `not computed: its ${caseEvents} events would take this chunk past ${maxEvents} events (API_JOB_CHUNK_MAX_EVENTS); send such contracts in smaller jobs (API_JOB_CHUNK_SIZE) or with a nearer maturity or "to"`;
}
