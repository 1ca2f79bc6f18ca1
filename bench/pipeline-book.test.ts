import { describe, expect, it } from 'vitest';
import { dependenciesOf, prepareContract } from '../engine/index.js';
import { benchContract, percentile, TICK_CODE, TICK_CONTRACTS } from './pipeline-book.js';

describe('bench pipeline book', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('makes exactly the first 1,000 contracts depend on the tick code, all valid', () => {
    for (const i of [0, 1, TICK_CONTRACTS - 1, TICK_CONTRACTS, TICK_CONTRACTS + 7]) {
      const c = benchContract(i);
      expect(() => prepareContract(c.terms)).not.toThrow();
      expect(dependenciesOf(c.terms).has(TICK_CODE), String(i)).toBe(i < TICK_CONTRACTS);
    }
    expect(benchContract(5).id).toBe('bench-0000005');
  });
});
