import { describe, expect, it } from 'vitest';
import { benchContract, benchMarketData, TICK_CODE, TICK_CONTRACTS } from './pipeline-book.js';
import { verifyBenchContracts, verifyBenchMarketData } from './verify.js';

describe('bench verify: the sources a pipeline run (one tick, one edit) leaves', () => {
  it('holds the pipeline bench book with contract 1,000 edited (notional + 1), nothing else changed', () => {
    const n = TICK_CONTRACTS + 5;
    const rows = verifyBenchContracts(0, n, n);
    expect(rows.map((r) => r.contractId)).toEqual(Array.from({ length: n }, (_, i) => benchContract(i).id));
    const changed = rows.filter((r, i) => r.terms !== JSON.stringify(benchContract(i).terms));
    expect(changed.map((r) => r.contractId)).toEqual([benchContract(TICK_CONTRACTS).id]);
    expect(Number(JSON.parse(changed[0].terms).notionalPrincipal)).toBe(Number(benchContract(TICK_CONTRACTS).terms.notionalPrincipal) + 1);
  });

  it("has the book's market data plus the first tick and the CDC probe", () => {
    const rows = verifyBenchMarketData(2000);
    expect(rows.slice(0, -2)).toEqual(benchMarketData(2000));
    expect(rows.filter((r) => r.marketObjectCode === TICK_CODE).map((r) => r.observedAt)).toEqual(['2010-01-01T00:00:00', '2019-01-01T00:00:00']);
    expect(rows.at(-1)!.marketObjectCode).toBe('BENCH.PROBE');
  });
});
