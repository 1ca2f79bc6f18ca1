import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';

describe('NAM', () => {
  it('with a given payment, the principal part is the payment less the interest', () => {
    const ev = computeEvents({ ...bookContract('NAM', 0), nextPrincipalRedemptionPayment: '3000' });
    const pr = ev.find((e) => e.type === 'PR')!;
    const ip = ev.find((e) => e.type === 'IP' && e.time === pr.time)!;
    expect(pr.payoff + ip.payoff).toBeCloseTo(3000, 9);
  });
  it('without a payment, derives it as the annuity amount (the bench book: 83 events)', () => {
    expect(computeEvents(bookContract('NAM', 0))).toHaveLength(83);
  });
});
