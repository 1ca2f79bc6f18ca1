// A case's market data completed from the pipeline's store: the market object codes a test bed
// case depends on (engine/dependencies.ts) that its body does not carry, read from the store and
// added as `dataObserved` (the body's own data is used as given and wins). Shared by the API's
// synchronous endpoint (api/compute.ts) and the job worker (jobs/compute-chunk.ts), so a job's
// result and a sync answer for the same cases are the same bytes. Pure except for the store read.
import { dependenciesOf, dependenciesOfTerms } from '../engine/index.js';
import type { PreparedCase, TestBedCase } from '../engine/index.js';
import type { MarketSeries, StateReader } from './model.js';
import { StateLostError } from './readiness.js';

/** A request body: case id → test bed case (validated against api/schemas.ts). */
export type Cases = Record<string, TestBedCase>;

interface ObservedSeries {
  identifier?: string;
  data?: { timestamp: string; value: number | string }[];
}

/** Market object codes a case's body already carries (key or `identifier`, as the engine reads them). */
export function codesInBody(c: TestBedCase): Set<string> {
  const codes = new Set<string>();
  if (c.dataObserved && typeof c.dataObserved === 'object')
    for (const [key, entry] of Object.entries(c.dataObserved as Record<string, ObservedSeries>))
      codes.add(typeof entry?.identifier === 'string' ? entry.identifier : key);
  return codes;
}

/**
 * Per case, the dependencies (market object codes; referenced contract ids are harmless keys
 * the store has no series for) that its body does not carry. Terms the engine rejects have
 * none: computing them gives their error. With the cases already prepared (prepareCase), their
 * parsed terms are used instead of parsing them again.
 */
export function missingCodes(
  cases: Cases,
  prepared?: ReadonlyMap<string, PreparedCase>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, c] of Object.entries(cases)) {
    const missing = missingCodesOf(c, prepared?.get(id));
    if (missing) out.set(id, missing);
  }
  return out;
}

/** missingCodes of one case (undefined: none), from its prepared terms when given. */
export function missingCodesOf(c: TestBedCase, p?: PreparedCase): string[] | undefined {
  let deps: Set<string>;
  if (p) {
    // terms the engine rejects give their error whatever the market data: none to read
    if ('error' in p) return undefined;
    deps = dependenciesOfTerms(p.contract.terms);
  } else
    try {
      deps = dependenciesOf(c.terms as Parameters<typeof dependenciesOf>[0]);
    } catch {
      return undefined;
    }
  if (deps.size === 0) return undefined;
  const present = codesInBody(c);
  const missing = [...deps].filter((d) => !present.has(d));
  return missing.length ? missing : undefined;
}

/** The store's series in the test beds' `dataObserved` form (deletion markers left out). */
export function seriesAsObserved(s: MarketSeries): ObservedSeries & { identifier: string } {
  const data: { timestamp: string; value: number }[] = [];
  for (const p of s.points) if (p.value !== null) data.push({ timestamp: p.observedAt, value: p.value });
  return { identifier: s.code, data };
}

/**
 * The cases with the store's series added for codes their bodies lack (body data is used as
 * given and wins). Returns the same objects when nothing is added. `storeUsed` counts the
 * codes taken from the store.
 */
export function withStoreData(
  cases: Cases,
  missing: Map<string, string[]>,
  series: ReadonlyMap<string, MarketSeries>,
): { cases: Cases; storeUsed: number } {
  if (missing.size === 0 || series.size === 0) return { cases, storeUsed: 0 };
  const out: Cases = {};
  let storeUsed = 0;
  for (const id of Object.keys(cases)) {
    const c = cases[id];
    const codes = missing.get(id);
    const found = codes
      ?.map((k) => series.get(k))
      .filter((s): s is MarketSeries => !!s && s.points.length > 0);
    if (!found?.length) {
      out[id] = c;
      continue;
    }
    const dataObserved: Record<string, ObservedSeries> = {
      ...((c.dataObserved as Record<string, ObservedSeries>) ?? {}),
    };
    for (const s of found) {
      // keyed by the code itself unless the body already uses that key for another series
      let key = s.code;
      for (let n = 1; key in dataObserved; n++) key = `${s.code}#store${n}`;
      dataObserved[key] = seriesAsObserved(s);
      storeUsed++;
    }
    out[id] = { ...c, dataObserved };
  }
  return { cases: out, storeUsed };
}

/**
 * Fills in store data when a store is given and reachable; without one, the cases as they are.
 * StateLostError (the pipeline's state being rebuilt) propagates: the caller answers 503.
 */
export async function completeFromStore(
  cases: Cases,
  store: StateReader | undefined,
): Promise<{ cases: Cases; storeUsed: number; storeError?: string }> {
  // no store to ask: the terms are not parsed for what they depend on
  if (!store) return { cases, storeUsed: 0 };
  const missing = missingCodes(cases);
  if (missing.size === 0) return { cases, storeUsed: 0 };
  const codes = [...new Set([...missing.values()].flat())];
  let series: Map<string, MarketSeries>;
  try {
    series = await store.series(codes);
  } catch (e) {
    // the state is being rebuilt: answering from it would answer from an empty store, silently
    if (e instanceof StateLostError) throw e;
    return { cases, storeUsed: 0, storeError: (e as Error).message };
  }
  return withStoreData(cases, missing, series);
}
