import { describe, expect, it } from 'vitest';
import { hrTimeOfPerformance, sourceKeyOf } from './pipeline-spans.js';

describe('pipeline spans', () => {
  it('a performance.now() reading becomes whole epoch microseconds (Zipkin refuses fractions)', () => {
    const t = 1234.5678;
    const [s, ns] = hrTimeOfPerformance(t);
    expect(ns % 1000).toBe(0);
    expect(Number.isInteger(s)).toBe(true);
    expect(Math.abs(s * 1e3 + ns / 1e6 - (performance.timeOrigin + t))).toBeLessThan(0.001);
  });

  it("Debezium's JSON key becomes the row's key values", () => {
    const key = JSON.stringify({ schema: { type: 'struct' }, payload: { contract_id: 'C1' } });
    expect(sourceKeyOf(key)).toBe('C1');
    expect(sourceKeyOf(JSON.stringify({ market_object_code: 'USD', observed_at: 1 }))).toBe('USD|1');
    expect(sourceKeyOf('plain')).toBe('plain');
  });
});
