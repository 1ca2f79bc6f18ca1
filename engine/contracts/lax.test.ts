// LAX beyond the test beds: array term validation, derived maturity, FIX/VAR spellings, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { dependenciesOf } from '../dependencies.js';
import { formatDateTime } from '../time/date.js';
import { termIssues } from './test-support.js';

const base: Record<string, unknown> = {
  contractType: 'LAX', contractID: 'lax', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  initialExchangeDate: '2020-01-02T00:00:00', notionalPrincipal: '100', nominalInterestRate: '0.05', dayCountConvention: '30E360',
  arrayCycleAnchorDateOfInterestPayment: '2021-01-01T00:00:00', arrayCycleOfInterestPayment: 'P1YL1',
  arrayCycleAnchorDateOfPrincipalRedemption: ['2021-01-01T00:00:00', '2023-01-01T00:00:00'], arrayCycleOfPrincipalRedemption: ['P1YL1', 'P6ML1'],
  arrayNextPrincipalRedemptionPayment: [10, 40], arrayIncreaseDecrease: ['INC', 'DEC'],
};

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw);

describe('LAX', () => {
  it('derives the maturity where drawings and redemptions bring the notional to zero', () => {
    // 100 + 10 + 10 = 120, then 40 every six months from 2023-01: 2023-01, 2023-07, 2024-01
    const ev = computeEvents(base);
    const md = ev[ev.length - 1];
    expect(md.type).toBe('MD');
    expect(formatDateTime(md.time)).toBe('2024-01-01T00:00:00');
    expect(ev.filter((e) => e.type === 'PI').map((e) => e.payoff)).toEqual([-10, -10]);
    expect(ev.filter((e) => e.type === 'PR').map((e) => e.payoff)).toEqual([40, 40]);
    expect(md.payoff).toBeCloseTo(40, 12);
  });

  it('accepts FIX / VAR for arrayFixedVariable and fixes or resets per segment', () => {
    const ev = computeEvents({
      ...base, maturityDate: '2024-01-01T00:00:00', arrayCycleAnchorDateOfRateReset: ['2021-01-01T00:00:00', '2022-01-01T00:00:00'],
      arrayRate: [0.06, 0.01], arrayFixedVariable: ['FIX', 'VAR'], marketObjectCodeOfRateReset: 'IDX',
    }, { observer: { valueAt: () => 0.02, eventsObserved: () => [] } });
    expect(ev.filter((e) => e.type === 'RRF').map((e) => e.nominalInterestRate)).toEqual([0.06]);
    expect(ev.filter((e) => e.type === 'RR').map((e) => e.nominalInterestRate)).toEqual([0.03]);
  });

  it('names every inconsistent array term', () => {
    const issues = issuesOf({
      ...base, arrayNextPrincipalRedemptionPayment: [1, 2, 3], arrayIncreaseDecrease: undefined,
      arrayCycleAnchorDateOfRateReset: ['2021-01-01T00:00:00'], arrayFixedVariable: ['XX'],
    });
    expect(issues).toEqual(expect.arrayContaining(['arrayNextPrincipalRedemptionPayment', 'arrayIncreaseDecrease', 'arrayRate', 'arrayFixedVariable']));
  });

  it('requires a maturity date when the arrays never redeem the notional', () => {
    expect(issuesOf({ ...base, arrayIncreaseDecrease: ['INC', 'INC'] })).toContain('maturityDate');
  });

  it('depends on the rate reset code only when a variable reset is scheduled', () => {
    const rr = { ...base, arrayCycleAnchorDateOfRateReset: ['2021-01-01T00:00:00'], arrayRate: [0.01], marketObjectCodeOfRateReset: 'IDX' };
    expect(dependenciesOf({ ...rr, arrayFixedVariable: ['VAR'] })).toEqual(new Set(['IDX']));
    expect(dependenciesOf({ ...rr, arrayFixedVariable: ['FIX'] })).toEqual(new Set());
    expect(dependenciesOf(base)).toEqual(new Set());
  });
});
