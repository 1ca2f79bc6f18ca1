// A job chunk's cases computed and packed as a synchronous request computes them.
import { beforeAll, describe, expect, it } from 'vitest';
import { packResults } from '../wire/packed-results.js';
import { computeCase, type TestBedCase } from '../engine/index.js';
import { missingCodes, withStoreData, type Cases } from '../state/case-market-data.js';
import { emptyWrites } from '../state/model.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { floatingPamTerms, pamTerms } from '../test/support/pam-terms.js';
import { computeChunk } from './compute-chunk.js';

describe('job chunks computed', () => {
  const floating = floatingPamTerms();
  const cases: Cases = {
    fixed: { terms: pamTerms() },
    invalid: { terms: { ...floating, notionalPrincipal: 'lots' } },
    floating: { terms: floating },
    after: { terms: pamTerms({ notionalPrincipal: '2000' }) },
    withData: { terms: floating, dataObserved: { R: { identifier: 'R', data: [] } } },
    none: {} as TestBedCase,
  };
  const store = new MemoryStateStore();
  const w = emptyWrites();
  w.market.push({ marketObjectCode: 'R', observedAt: '2015-01-01T00:00:00', value: 0.02, version: 1, deleted: false });
  beforeAll(() => store.apply(w));
  const expected = async (c: Cases) => {
    const ids = Object.keys(c);
    const full = withStoreData(c, missingCodes(c), await store.series(['R'])).cases;
    return Buffer.from(packResults(ids, ids.map((id) => computeCase(full[id]))));
  };

  it('packs every case in the chunk order, market data the bodies lack read once from the store', async () => {
    const reads: string[][] = [];
    const series = (codes: string[]) => (reads.push(codes), store.series(codes));
    for (let n = 0; n < 2; n++) {
      const r = await computeChunk({ ...cases }, series);
      expect(r.count).toBe(6);
      expect(Buffer.from(r.packed)).toEqual(await expected(cases));
    }
    expect(reads).toEqual([['R'], ['R']]);
    const fixed = { a: cases.fixed, b: cases.after };
    const taken = { ...fixed };
    expect(Buffer.from((await computeChunk(taken, series)).packed)).toEqual(await expected(fixed));
    expect(reads).toHaveLength(2); // nothing to read
    expect(taken).toEqual({}); // each case released once computed
  });

  it('holds a chunk to its event budget: cases past it get an error naming the limit, the same on every delivery', async () => {
    const one = computeCase({ terms: pamTerms() });
    if ('error' in one) throw new Error(one.error);
    const n = one.events.length;
    const chunk: Cases = { a: { terms: pamTerms() }, bad: cases.invalid, b: { terms: pamTerms({ notionalPrincipal: '2000' }) }, c: { terms: pamTerms() } };
    const budgetError = { error: `not computed: its ${n} events would take this chunk past ${2 * n} events (API_JOB_CHUNK_MAX_EVENTS); send such contracts in smaller jobs (API_JOB_CHUNK_SIZE) or with a nearer maturity or "to"` };
    const want = Buffer.from(packResults(['a', 'bad', 'b', 'c'], [computeCase(chunk.a), computeCase(chunk.bad), computeCase(chunk.b), budgetError]));
    for (let delivery = 0; delivery < 2; delivery++) expect(Buffer.from((await computeChunk({ ...chunk }, async () => new Map(), 2 * n)).packed)).toEqual(want);
    // without a budget, every case is computed
    expect(Buffer.from((await computeChunk({ ...chunk }, async () => new Map())).packed)).toEqual(Buffer.from(packResults(['a', 'bad', 'b', 'c'], Object.values(chunk).map((c) => computeCase(c)))));
  });

  it('lets a store fault through (retriable) and packs the next chunk cleanly', async () => {
    await expect(computeChunk({ ...cases }, () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(Buffer.from((await computeChunk({ ...cases }, (codes) => store.series(codes))).packed)).toEqual(await expected(cases));
  });
});
