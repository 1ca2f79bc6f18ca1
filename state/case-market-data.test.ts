// The store fill-in: only what a body lacks is read, the store's faults (and a state being
// rebuilt) as the API answers them. Its results equal to `cashflow actus`: api/compute.test.ts.
import { describe, expect, it } from 'vitest';
import { floatingPamTerms, pamTerms } from '../test/support/pam-terms.js';
import { completeFromStore, missingCodes, type Cases } from './case-market-data.js';
import { MemoryStateStore } from './memory-store.js';
import { StateLostError } from './readiness.js';

const terms = pamTerms;
const floating = floatingPamTerms();

describe('case market data from the store', () => {
  it('lists only the dependencies a case body lacks', () => {
    const cases: Cases = {
      a: { terms: floating },
      b: { terms: floating, dataObserved: { R: { identifier: 'R', data: [] } } },
      c: { terms: floating, dataObserved: { other: { identifier: 'R', data: [] } } },
      d: { terms: terms() },
      e: { terms: { contractType: 'NOPE' } },
    };
    expect([...missingCodes(cases)]).toEqual([['a', ['R']]]);
  });

  it('computes without the store when it fails, and says why', async () => {
    const broken = {
      series: async () => Promise.reject(new Error('redis down')),
    } as unknown as MemoryStateStore;
    const r = await completeFromStore({ a: { terms: floating } }, broken);
    expect(r.storeError).toMatch(/redis down/);
    expect(r.storeUsed).toBe(0);
  });

  it('refuses to answer from a store whose state is being rebuilt (StateLostError propagates: 503)', async () => {
    const rebuilding = {
      series: async () => Promise.reject(new StateLostError()),
    } as unknown as MemoryStateStore;
    await expect(completeFromStore({ a: { terms: floating } }, rebuilding)).rejects.toBeInstanceOf(StateLostError);
    // a case that needs nothing from the store never asks it
    expect((await completeFromStore({ a: { terms: pamTerms() } }, rebuilding)).storeUsed).toBe(0);
  });
});
