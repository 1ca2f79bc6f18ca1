import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { bookContract } from '../../bench/engine.js';
import { formatDateTime, parseDateTime } from '../time/date.js';
import { TimeSeriesObserver } from '../observer.js';

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

describe('LAM, NAM, ANN: prepayment (spec PP/PY: POF_PP_PAM, STF_PP_LAM)', () => {
  const observer = (id: string) => new TimeSeriesObserver({}, [{ contractId: id, type: 'PP', time: parseDateTime('2016-03-01T00:00:00')!, value: 10000 }]);
  for (const type of ['LAM', 'NAM', 'ANN'] as const) {
    it(`${type}: an observed PP pays the amount, lowers Nt and the interest calculation base; PY (A) on the same day`, () => {
      const t: Record<string, string> = { ...bookContract(type, 0), prepaymentEffect: 'A', penaltyType: 'A', penaltyRate: '100' };
      const ev = computeEvents(t, { observer: observer(t.contractID) });
      const i = ev.findIndex((e) => e.type === 'PP');
      expect(ev[i - 1]).toMatchObject({ type: 'PY', payoff: 100 });
      expect(ev[i].payoff).toBe(10000);
      expect(ev[i].notionalPrincipal).toBeCloseTo(ev[i - 1].notionalPrincipal - 10000, 6);
      // interest after the prepayment is on the lower notional: the next IP accrues on it from the PP on
      const ip = ev.slice(i).find((e) => e.type === 'IP')!;
      const days = (ip.time - ev[i].time) / 86_400_000;
      const before = ev.slice(0, i).filter((e) => e.type === 'IP' || e.type === 'PR').at(-1)!;
      const daysBefore = (ev[i].time - before.time) / 86_400_000;
      expect(ip.payoff).toBeCloseTo(((daysBefore * ev[i - 1].notionalPrincipal + days * ev[i].notionalPrincipal) / 365) * 0.05, 6);
      expect(ev.at(-1)).toMatchObject({ type: 'MD', notionalPrincipal: 0 });
    });
  }
});
