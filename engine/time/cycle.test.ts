import { describe, it, expect } from 'vitest';
import { parseCycle, parsePeriod, addCycles } from './cycle.js';
import { instant, formatDateTime } from './date.js';

describe('cycle', () => {
  it('parses ACTUS cycles with their stub', () => {
    expect(parseCycle('P1ML0')).toMatchObject({ months: 1, days: 0, longStub: true });
    expect(parseCycle('P3ML1')).toMatchObject({ months: 3, longStub: false });
    expect(parseCycle('P27DL1')).toMatchObject({ days: 27, months: 0 });
    expect(parseCycle('P1YL1')).toMatchObject({ months: 12 });
    expect(parseCycle('P2WL0')).toMatchObject({ days: 14 });
  });
  it('rejects malformed or empty cycles', () => {
    for (const s of ['P1M', 'P0ML0', '1ML0', 'P1XL0', 'P1ML2', '']) expect(parseCycle(s)).toBeUndefined();
  });
  it('parses periods such as fixing days', () => {
    expect(parsePeriod('P0D')).toMatchObject({ days: 0 });
    expect(parsePeriod('P2D')).toMatchObject({ days: 2 });
    expect(parsePeriod('P5DL0')).toMatchObject({ days: 5 });
  });
  it('adds k cycles from the anchor', () => {
    expect(formatDateTime(addCycles(instant(2013, 1, 31), parseCycle('P1ML0')!, 2))).toBe('2013-03-31T00:00:00');
  });
});
