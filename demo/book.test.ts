import { describe, expect, it } from 'vitest';
import { computeEvents, contractTypes, dependenciesOf, parseDateTime, TimeSeriesObserver } from '../engine/index.js';
import { PORTFOLIOS, RATE_CODES, demoContracts, demoMarketData, demoPositions, demoTypes } from './book.js';

describe('the demo book', () => {
  const book = demoContracts(300);

  it('mixes every registered type it has a builder for, round robin', () => {
    const types = demoTypes();
    expect(types.length).toBeGreaterThanOrEqual(1);
    for (const t of types) expect(contractTypes[t]).toBeDefined();
    expect(new Set(book.map((c) => c.row.contractType))).toEqual(new Set(types));
  });

  it('is deterministic and has unique ids', () => {
    expect(demoContracts(300)).toEqual(book);
    expect(new Set(book.map((c) => c.row.contractId)).size).toBe(book.length);
  });

  it('resets every third contract on one of the rate codes, which the engine sees as a dependency', () => {
    const resetting = book.filter((c) => c.rateCode !== null);
    expect(resetting.length).toBe(100);
    for (const c of resetting) expect(dependenciesOf(JSON.parse(c.row.terms))).toContain(c.rateCode);
    expect(new Set(resetting.map((c) => c.rateCode))).toEqual(new Set(RATE_CODES));
  });

  it('has market data for every code it depends on, and every contract computes with it', () => {
    const market = demoMarketData(book);
    const series = new Map<string, { time: number; value: number }[]>();
    for (const m of market) series.set(m.marketObjectCode, [...(series.get(m.marketObjectCode) ?? []), { time: parseDateTime(m.observedAt)!, value: m.value }]);
    const observer = new TimeSeriesObserver(series);
    for (const c of book) {
      const terms = JSON.parse(c.row.terms);
      for (const d of dependenciesOf(terms)) expect(series.has(d), `${c.row.contractId} needs ${d}`).toBe(true);
      expect(computeEvents(terms, { observer }).length, c.row.contractId).toBeGreaterThan(2);
    }
  });

  it('puts every contract in a portfolio, some in two', () => {
    const positions = demoPositions(book);
    expect(new Set(positions.map((p) => p.contractId)).size).toBe(book.length);
    expect(positions.length).toBe(book.length + book.length / 5);
    expect(new Set(positions.map((p) => p.portfolioId))).toEqual(new Set(PORTFOLIOS));
    expect(new Set(positions.map((p) => p.positionId)).size).toBe(positions.length);
  });
});
