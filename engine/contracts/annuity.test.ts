import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';

describe('annuity amount', () => {
  it('the 100,000 / 5% / 10-year quarterly annuity pays 3,192.36 per quarter, as the closed form says (BENCH.md)', () => {
    const ev = computeEvents(bookContract('ANN', 0));
    const t = ev.filter((e) => e.type === 'PR')[1].time;
    const total = ev.filter((e) => e.time === t && (e.type === 'PR' || e.type === 'IP')).reduce((a, e) => a + e.payoff, 0);
    expect(total).toBeCloseTo(3192.36, 2);
  });
});
