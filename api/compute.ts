// Computing a request's cases: the exact code path of `cashflow actus FILE`
// (engine/testbed.ts computeTestBedCase), after filling in market data the body lacks from the
// pipeline's store (state/case-market-data.ts, which the job worker shares), and the results
// cache's keys. Pure.
import { createHash } from 'node:crypto';
import { caseResultText, type CaseResult, type TestBedCase } from '../engine/index.js';

// the store fill-in, for the API's modules that import it from here
export {
  codesInBody,
  completeFromStore,
  missingCodes,
  missingCodesOf,
  seriesAsObserved,
  withStoreData,
  type Cases,
} from '../state/case-market-data.js';

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
