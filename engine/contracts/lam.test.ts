import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';
import { formatDateTime } from '../time/date.js';

describe('LAM', () => {
  it('redeems the fixed amount at every PR and the rest at maturity', () => {
    const ev = computeEvents(bookContract('LAM', 0));
    expect(ev).toHaveLength(83);
    const pr = ev.filter((e) => e.type === 'PR');
    expect(pr.every((e) => e.payoff === 2500)).toBe(true);
    expect(ev.at(-1)!.type).toBe('MD');
  });
  it('derives the maturity from the payment when none is given', () => {
    const { maturityDate: _m, ...t } = bookContract('LAM', 0);
    const ev = computeEvents({ ...t, nextPrincipalRedemptionPayment: '25000' });
    // PR at the anchor (the IED) and two more quarters, the last quarter at maturity
    expect(formatDateTime(ev.at(-1)!.time)).toBe('2015-10-15T00:00:00');
    expect(ev.at(-1)!.payoff).toBeCloseTo(25000, 6);
  });
});
