// The shared case computation: store fill-in (body wins), cache keys, and the output equal to
// `cashflow actus` (computeTestBed) for the same cases.
import { describe, expect, it } from 'vitest';
import { computeTestBed, errorJsonText, evaluateCase, eventsJsonText, prepareCase, type TestBedCase } from '../engine/index.js';
import { emptyWrites } from '../state/model.js';
import { MemoryStateStore } from '../state/memory-store.js';
import {
  cacheable,
  caseCacheKey,
  caseCacheKeys,
  caseResultJson,
  canonicalJson,
  completeFromStore,
  missingCodes,
  objectBody,
  withStoreData,
  type Cases,
} from './compute.js';
import { floatingPamTerms, pamTerms } from '../test/support/pam-terms.js';

const terms = pamTerms;
const floating = floatingPamTerms();

async function storeWith(code: string, points: [string, number][]) {
  const store = new MemoryStateStore();
  const w = emptyWrites();
  points.forEach(([observedAt, value], i) =>
    w.market.push({ marketObjectCode: code, observedAt, value, version: i + 1, deleted: false }),
  );
  await store.apply(w);
  return store;
}

describe('compute', () => {
  it('fills in the store series for a case without it and leaves body data as given', async () => {
    const store = await storeWith('R', [
      ['2015-01-01T00:00:00', 0.02],
      ['2016-01-01T00:00:00', 0.04],
    ]);
    const cases: Cases = {
      a: { terms: floating },
      b: {
        terms: floating,
        dataObserved: { R: { identifier: 'R', data: [{ timestamp: '2015-01-01T00:00:00', value: 0.09 }] } },
      },
    };
    const { cases: full, storeUsed } = await completeFromStore(cases, store);
    expect(storeUsed).toBe(1);
    expect(full.b).toBe(cases.b);
    expect(full.a.dataObserved).toEqual({
      R: {
        identifier: 'R',
        data: [
          { timestamp: '2015-01-01T00:00:00', value: 0.02 },
          { timestamp: '2016-01-01T00:00:00', value: 0.04 },
        ],
      },
    });
    const ids = Object.keys(full);
    const text = `{${objectBody(
      ids,
      ids.map((id) => caseResultJson(full[id])),
    )}}`;
    expect(text).toBe(JSON.stringify(computeTestBed(full)));
    const out = JSON.parse(text);
    const rate = (r: { eventType: string; nominalInterestRate: number }[]) =>
      r.filter((e) => e.eventType === 'RR').map((e) => e.nominalInterestRate);
    expect(rate(out.a)).toEqual([0.02, 0.04, 0.04]); // resets 2015-07, 2016-01, 2016-07
    expect(rate(out.b).every((x: number) => x === 0.09)).toBe(true);
  });

  it("gives the same results with the cases prepared once (the job-worker's path) as computing each after the fill-in", async () => {
    const store = await storeWith('R', [['2015-01-01T00:00:00', 0.02]]);
    const series = await store.series(['R']);
    const cases: Cases = {
      floating: { terms: floating },
      withData: { terms: floating, dataObserved: { R: { identifier: 'R', data: [] } } },
      // rejected terms that still name a code: the store is not read for them, the error is the same
      invalid: { terms: { ...floating, notionalPrincipal: 'lots' } },
      badTo: { terms: floating, to: 'soon' },
      none: {} as TestBedCase,
      fixed: { terms: terms() },
    };
    const ids = Object.keys(cases);
    const before = withStoreData(cases, missingCodes(cases), series).cases;
    expect([...missingCodes(cases).keys()]).toEqual(['floating', 'invalid', 'badTo']);
    const prepared = new Map(ids.map((id) => [id, prepareCase(cases[id])]));
    const missing = missingCodes(cases, prepared);
    expect([...missing.keys()]).toEqual(['floating']);
    const after = withStoreData(cases, missing, series).cases;
    for (const id of ids) {
      const r = evaluateCase(after[id], prepared.get(id)!);
      const text = 'error' in r ? errorJsonText(r.error) : eventsJsonText(r.events, r.reported);
      expect(text, id).toBe(caseResultJson(before[id]));
    }
  });

  it('keys the cache by normalised content: key order does not matter, any value does, the case id does not', () => {
    const a = caseCacheKey({ terms: { b: '1', a: '2' }, to: '' });
    expect(caseCacheKey({ to: '', terms: { a: '2', b: '1' } })).toBe(a);
    expect(caseCacheKey({ terms: { a: '2', b: '1' }, to: '2020-01-01' })).not.toBe(a);
    expect(caseCacheKey({ terms: { a: '2', b: '2' }, to: '' })).not.toBe(a);
    expect(canonicalJson({ z: [1, { b: 1, a: null }], a: undefined })).toBe('{"z":[1,{"a":null,"b":1}]}');
  });

  it('keys many cases in slices, letting the event loop through between them, each key as caseCacheKey gives it', async () => {
    const cases = Array.from({ length: 250 }, (_, i) => ({ terms: { contractID: `c${i}`, b: '1' }, to: '' }));
    let turns = 0;
    const count = () => {
      turns++;
      if (turns < 10) setImmediate(count);
    };
    setImmediate(count);
    const keys = await caseCacheKeys(cases);
    expect(keys).toEqual(cases.map(caseCacheKey));
    expect(new Set(keys).size).toBe(250);
    // 250 cases: two turns between the slices of 100
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  it('writes object keys like JSON.stringify, in the order Object.keys gives (integer-like first)', () => {
    const cases: Cases = {
      b: { terms: terms() },
      '2': { terms: terms() },
      'q"uote': { terms: { contractType: 'X' } },
    };
    const ids = Object.keys(cases);
    expect(
      `{${objectBody(
        ids,
        ids.map((id) => caseResultJson(cases[id])),
      )}}`,
    ).toBe(JSON.stringify(computeTestBed(cases)));
  });

  it('does not cache internal errors', () => {
    expect(cacheable('{"error":"internal error: boom"}')).toBe(false);
    expect(cacheable('{"error":"invalid terms: x"}')).toBe(true);
    expect(cacheable('[]')).toBe(true);
  });
});
