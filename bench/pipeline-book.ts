// The pipeline benchmark's book (bench/pipeline.ts) and its market data: the engine benchmark's
// synthetic book round robin over its types, the first 1,000 contracts resetting on BENCH.TICK.
// Pure (the engine only): `bench verify`, the chaos run and tests build the same book from it.
import type { MarketDataRow } from '../db/database.js';
import { BENCH_TYPES, bookContract } from '../demo/synthetic-book.js';
import { dependenciesOf, evaluate, prepareContract, TimeSeriesObserver } from '../engine/index.js';

export const TICK_CODE = 'BENCH.TICK';
export const BENCH_PORTFOLIO = 'BENCH-PORTFOLIO';
export const TICK_CONTRACTS = 1000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Contract i of the bench book: the engine book round robin over its types; the first 1,000 reset on BENCH.TICK. */
export function benchContract(i: number, tickContracts = TICK_CONTRACTS): { id: string; type: string; terms: Record<string, string> } {
  const type = BENCH_TYPES[i % BENCH_TYPES.length];
  const t = bookContract(type, i);
  const id = `bench-${String(i).padStart(7, '0')}`;
  t.contractID = id;
  if (i < tickContracts) {
    t.cycleOfRateReset = 'P1YL1';
    t.cycleAnchorDateOfRateReset = `${Number(t.initialExchangeDate.slice(0, 4)) + 1}${t.initialExchangeDate.slice(4)}`;
    t.marketObjectCodeOfRateReset = TICK_CODE;
    t.rateSpread = '0.01';
  }
  return { id, type, terms: t };
}

/**
 * The book's market data: every market object code the book depends on a flat 3% from 2000
 * (types such as SWPPV need their floating leg's rate), BENCH.TICK 2% from 2010.
 */
export function benchMarketData(contracts: number): MarketDataRow[] {
  const codes = new Set<string>();
  for (let j = 0; j < Math.min(contracts, 1000 + BENCH_TYPES.length); j++) for (const d of dependenciesOf(benchContract(j, 0).terms)) codes.add(d);
  const flat = [...codes].map((code) => ({ marketObjectCode: code, observedAt: '2000-01-01T00:00:00', value: 0.03 }));
  return [...flat, { marketObjectCode: TICK_CODE, observedAt: '2010-01-01T00:00:00', value: 0.02 }];
}

/** The engine's observer of the book's flat series (not BENCH.TICK: the engine-alone pass computes the book without it). */
export function flatObserver(marketData: readonly MarketDataRow[]): TimeSeriesObserver {
  return new TimeSeriesObserver(
    Object.fromEntries(marketData.filter((m) => m.marketObjectCode !== TICK_CODE).map((m) => [m.marketObjectCode, [{ time: Date.parse(`${m.observedAt}Z`), value: m.value }]])),
  );
}

/** The engine alone on the book (terms parsed, schedules computed, nothing read or compared), in seconds: verify's yardstick. */
export function engineAloneSeconds(contracts: number, observer: TimeSeriesObserver): number {
  const e0 = performance.now();
  for (let i = 0; i < contracts; i++) evaluate(prepareContract(benchContract(i, 0).terms), { observer }); // the same shapes; the observer has no BENCH.TICK
  return (performance.now() - e0) / 1000;
}
