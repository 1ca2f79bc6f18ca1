import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';
import { annuityAmount, firstPaidAfter } from './annuity.js';

describe('annuity amount', () => {
  it('the 100,000 / 5% / 10-year quarterly annuity pays 3,192.36 per quarter, as the closed form says (bench/README.md)', () => {
    const ev = computeEvents(bookContract('ANN', 0));
    const t = ev.filter((e) => e.type === 'PR')[1].time;
    const total = ev.filter((e) => e.time === t && (e.type === 'PR' || e.type === 'IP')).reduce((a, e) => a + e.payoff, 0);
    expect(total).toBeCloseTo(3192.36, 2);
  });

  it('equal periods: the textbook annuity N·i / (1 − (1 + i)^−m) when the first payment carries one period of interest', () => {
    const times = Array.from({ length: 40 }, (_, k) => k);
    const quarter = (a: number, b: number): number => (b - a) * 0.25;
    const i = 0.05 * 0.25;
    const expected = (100_000 * i) / (1 - (1 + i) ** -40);
    expect(annuityAmount(times, 0, 100_000, 100_000 * i, 0.05, quarter)).toBeCloseTo(expected, 8);
  });

  it('irregular periods: equals the spec formula (n + a)·Π(1 + r·Y) / (1 + Σ Π) evaluated literally', () => {
    // year fractions of a long first stub, regular months, a short last stub, and a week
    const fractions = [0.37, 1 / 12, 1 / 12, 0.0411, 7 / 365];
    const times = [0, ...fractions.map((_, k) => k + 1)];
    const yf = (a: number, b: number): number => fractions.slice(a, b).reduce((x, y) => x + y, 0);
    const n = 25_000, a = 312.5, r = 0.071;
    // t_1..t_m = times[0..5]: m − 1 = 5 periods
    const m = times.length;
    const growth = (j: number): number => 1 + r * yf(times[j], times[j + 1]);
    let product = 1;
    for (let j = 0; j < m - 1; j++) product *= growth(j);
    let sum = 0;
    for (let i = 0; i < m - 1; i++) {
      let p = 1;
      for (let j = i; j < m - 1; j++) p *= growth(j);
      sum += p;
    }
    const spec = ((n + a) * product) / (1 + sum);
    expect(Math.abs(annuityAmount(times, 0, n, a, r, yf) - spec)).toBeLessThan(1e-9 * spec);
    // starting later in the list: only the remaining times count
    expect(annuityAmount(times, 5, n, a, r, yf)).toBe(n + a);
  });

  it('nothing left to pay over: everything is due; a non-finite amount is 0, never NaN', () => {
    expect(annuityAmount([1, 2], 2, 100, 5, 0.1, () => 1)).toBe(105);
    expect(annuityAmount([], 0, 100, 0, 0.1, () => 1)).toBe(100);
    expect(annuityAmount([0, 1, 2], 0, 100, 0, Infinity, () => 1)).toBe(100);
    expect(annuityAmount([0, 1], 0, Infinity, 0, 0.1, () => 1)).toBe(0);
  });

  it('the PR times still to come are those paid after the event (or at it, when the PR comes later that day)', () => {
    const times = [10, 20, 30, 40];
    const same = (t: number): number => t;
    expect(firstPaidAfter(times, same, 20, false)).toBe(2);
    expect(firstPaidAfter(times, same, 20, true)).toBe(1);
    expect(firstPaidAfter(times, same, 5, false)).toBe(0);
    expect(firstPaidAfter(times, same, 45, true)).toBe(4);
    // calculated at 20 but paid at 19 (a preceding shift): already paid when an event at 19 that ranks after PR runs
    const preceding = (t: number): number => (t === 20 ? 19 : t);
    expect(firstPaidAfter(times, preceding, 19, false)).toBe(2);
    expect(firstPaidAfter(times, same, 19, false)).toBe(1);
  });
});
