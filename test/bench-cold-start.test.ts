// `bench cold-start` on the shared local stack (an environment of its own, removed at the end):
// a book of a few hundred contracts in the database, then the platform started; every contract
// gets its result.
import { describe, expect, it } from 'vitest';
import { runColdStartBench } from '../bench/cold-start.js';

describe('bench cold-start', () => {
  it('times the first start of a book already in the database until every contract has its result', async () => {
    const lines: string[] = [];
    // a base port of its own: `cashflow start` holds 9400…, a bench pipeline run 9500…
    const r = await runColdStartBench({ contracts: 300, calculators: 1, keep: false, fullSeconds: 10, basePort: 9740, log: (l) => lines.push(l) });
    expect(r.contracts).toBe(300);
    // the contracts and the book's market data
    expect(r.sourceRows).toBeGreaterThan(300);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.snapshotSeconds).toBeLessThanOrEqual(r.seconds);
    expect(r.vsFullRecompute).toBeCloseTo(r.seconds / 10, 1);
    expect(Object.keys(r.peakRssMb)).toEqual(expect.arrayContaining(['contract-ingest', 'impact', 'calculator', 'sink']));
    // every contract's result committed: cashflow_versions held 300 rows
    expect(lines.some((l) => /^cold start: 300 contracts \(/.test(l))).toBe(true);
  }, 300_000);
});
