// Computing a request's cases: the exact code path of `cashflow actus FILE`
// (engine/testbed.ts computeTestBedCase), after filling in market data the body lacks from the
// pipeline's store. Shared by the synchronous endpoint and the job worker, so a job's result and
// a sync answer for the same cases are the same bytes. Pure except for the store read.
import { createHash } from 'node:crypto';
import { dependenciesOf, dependenciesOfTerms, caseResultText, type CaseResult, type PreparedCase, type TestBedCase } from '../engine/index.js';
import type { MarketSeries, StateReader } from '../state/model.js';
import { StateLostError } from '../state/readiness.js';

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

/** JSON with object keys sorted at every level: equal inputs, equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * The results cache key of a case: what the computation reads (terms, market data after the
 * store fill-in, observed events, horizon), normalised; not the case id or expected results.
 */
export function caseCacheKey(c: TestBedCase): string {
  const normalised = canonicalJson({
    terms: c.terms,
    dataObserved: c.dataObserved ?? null,
    eventsObserved: c.eventsObserved ?? null,
    to: c.to ?? null,
  });
  return createHash('sha256').update(normalised).digest('base64url');
}

/** Cases keyed between two turns of the event loop in caseCacheKeys (~2 ms: 15-25 µs a case). */
const KEYS_PER_TURN = 100;

/**
 * caseCacheKey of each case, a slice at a time with the event loop let through between slices:
 * 1,000 cases (API_SYNC_MAX_CONTRACTS) are 15-25 ms of canonical JSON and SHA-256, which would
 * otherwise hold up /healthz and every other request on the main thread in one go.
 */
export async function caseCacheKeys(cases: readonly TestBedCase[]): Promise<string[]> {
  const keys: string[] = new Array(cases.length);
  for (let i = 0; i < cases.length; i++) {
    if (i && i % KEYS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    keys[i] = caseCacheKey(cases[i]);
  }
  return keys;
}

/** One case as `cashflow actus` prints it (the engine's events written straight to JSON text). */
export function caseResultJson(c: TestBedCase): string {
  return caseResultText(c);
}

/** Results worth caching: everything the engine decided (not an unexpected internal error). */
export function cacheable(resultJson: string): boolean {
  return !resultJson.startsWith('{"error":"internal error');
}

/**
 * `"<id>":<result>` joined by commas: the inside of the object `cashflow actus` prints.
 * JSON.stringify of an object writes its keys exactly like JSON.stringify of the key string,
 * in the object's own key order, which is the order Object.keys gives here.
 */
export function objectBody(ids: readonly string[], results: readonly string[]): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) s += `${i ? ',' : ''}${JSON.stringify(ids[i])}:${results[i]}`;
  return s;
}

export type { CaseResult, TestBedCase };
