import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';

describe('ANN', () => {
  it('derives the payment at a fixing (PRF) the day before the first redemption and amortizes to zero', () => {
    const ev = computeEvents(bookContract('ANN', 3));
    expect(ev).toHaveLength(83);
    expect(ev.filter((e) => e.type === 'PRF')).toHaveLength(1);
    expect(ev.at(-1)).toMatchObject({ type: 'MD', notionalPrincipal: 0 });
    const pr = ev.filter((e) => e.type === 'PR');
    expect(pr.every((e) => e.payoff > 0)).toBe(true);
  });
  it('orders same-day PR before IP (test beds)', () => {
    const ev = computeEvents(bookContract('ANN', 3));
    const i = ev.findIndex((e) => e.type === 'PR');
    expect(ev[i + 1].type).toBe('IP');
    expect(ev[i + 1].time).toBe(ev[i].time);
  });
});
