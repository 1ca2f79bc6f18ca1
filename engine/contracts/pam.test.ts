import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { TimeSeriesObserver } from '../observer.js';
import { parseDateTime, formatDateTime } from '../time/date.js';
import { ComputationError } from '../errors.js';

const pam = {
  contractType: 'PAM', contractID: 'p', contractRole: 'RPA', currency: 'USD', statusDate: '2015-01-01T00:00:00',
  initialExchangeDate: '2015-01-15T00:00:00', maturityDate: '2025-01-15T00:00:00', notionalPrincipal: '100000',
  nominalInterestRate: '0.05', dayCountConvention: 'A365', cycleAnchorDateOfInterestPayment: '2015-01-15T00:00:00', cycleOfInterestPayment: 'P3ML0',
};

describe('PAM', () => {
  it('a 10-year quarterly PAM anchored at the IED has 43 events: IED, IP 0 at the IED, 40 IP, MD (BENCH.md)', () => {
    const ev = computeEvents(pam);
    expect(ev).toHaveLength(43);
    expect(ev.slice(0, 2).map((e) => [e.type, e.payoff])).toEqual([['IED', -100000], ['IP', 0]]);
    expect(ev.at(-1)).toMatchObject({ type: 'MD', payoff: 100000, notionalPrincipal: 0 });
  });
  it('the payer role (RPL) flips every sign', () => {
    const a = computeEvents(pam), b = computeEvents({ ...pam, contractRole: 'RPL' });
    expect(b.map((e) => e.payoff)).toEqual(a.map((e) => -e.payoff || 0));
  });
  it('a rate reset applies spread, multiplier and caps to the observed rate', () => {
    const observer = new TimeSeriesObserver({ R: [{ time: parseDateTime('2015-01-01')!, value: 0.1 }] });
    const ev = computeEvents({ ...pam, cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'R', rateSpread: '0.01', rateMultiplier: '2', lifeCap: '0.15' }, { observer });
    const rr = ev.find((e) => e.type === 'RR')!;
    expect(formatDateTime(rr.time)).toBe('2016-01-15T00:00:00');
    expect(rr.nominalInterestRate).toBeCloseTo(0.15, 12);
  });
  it('missing market data for a reset is a typed ComputationError', () => {
    expect(() => computeEvents({ ...pam, cycleOfRateReset: 'P1YL1', marketObjectCodeOfRateReset: 'R' })).toThrow(ComputationError);
  });
  it('`to` is the schedule horizon', () => {
    expect(computeEvents(pam, { to: parseDateTime('2016-01-15T00:00:00') })).toHaveLength(6);
  });
});
