// CLM beyond the test beds: the call (observed XD) and its notice, the horizon of an open-ended
// loan, validation, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { InvalidTermsError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import { formatDateTime, parseDateTime } from '../time/date.js';

const at = (s: string): number => parseDateTime(s)!;
const day = (t: number): string => formatDateTime(t).slice(0, 10);
const base: Record<string, unknown> = {
  contractType: 'CLM', contractID: 'clm', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  initialExchangeDate: '2020-01-02T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.0365', dayCountConvention: 'A365',
  cycleOfInterestPayment: 'P1ML1', xDayNotice: 'P10D',
};
const called = (time: string, id = 'clm') => new TimeSeriesObserver({}, [{ contractId: id, type: 'XD', time: at(time), value: 0 }]);

function issuesOf(raw: Record<string, unknown>): string[] {
  try {
    computeEvents(raw);
  } catch (e) {
    if (e instanceof InvalidTermsError) return e.issues.map((i) => i.term);
    throw e;
  }
  return [];
}

describe('CLM', () => {
  it('settles a call after the notice, with the interest due at the call', () => {
    const ev = computeEvents(base, { observer: called('2020-03-15T00:00:00') });
    expect(ev.map((e) => `${day(e.time)} ${e.type}`)).toEqual([
      '2020-01-02 IED', '2020-02-02 IPCI', '2020-03-02 IPCI', '2020-03-15 XD', '2020-03-25 IP', '2020-03-25 STD',
    ]);
    const ip = ev[4], std = ev[5];
    const nt = ev[2].notionalPrincipal;
    expect(ip.payoff).toBeCloseTo(nt * 0.0365 * 13 / 365, 12);
    expect(std.payoff).toBeCloseTo(nt, 12);
    expect(std.notionalPrincipal).toBe(0);
    // the call fixes the interest due: the XD event shows none accrued (as the reference: clm07)
    expect(ev[3].accruedInterest).toBe(0);
  });

  it('shows the interest accrued to a call settled at once, and pays it the same day', () => {
    const ev = computeEvents({ ...base, xDayNotice: 'P0D' }, { observer: called('2020-03-15T00:00:00') });
    expect(ev.slice(-3).map((e) => `${day(e.time)} ${e.type}`)).toEqual(['2020-03-15 XD', '2020-03-15 IP', '2020-03-15 STD']);
    expect(ev[ev.length - 3].accruedInterest).toBeCloseTo(ev[ev.length - 2].payoff, 12);
    expect(ev[ev.length - 2].payoff).toBeCloseTo(ev[2].notionalPrincipal * 0.0365 * 13 / 365, 12);
  });

  it('keeps the settlement of a call inside the horizon even when it falls after it', () => {
    const ev = computeEvents(base, { observer: called('2020-03-15T00:00:00'), to: at('2020-03-20T00:00:00') });
    expect(ev.slice(-2).map((e) => `${day(e.time)} ${e.type}`)).toEqual(['2020-03-25 IP', '2020-03-25 STD']);
    expect(computeEvents(base, { observer: called('2020-03-25T00:00:00'), to: at('2020-03-20T00:00:00') }).map((e) => e.type)).toEqual(['IED', 'IPCI', 'IPCI']);
  });

  it('ignores calls of other contracts and ends at MD without a call', () => {
    const ev = computeEvents({ ...base, maturityDate: '2020-04-02T00:00:00' }, { observer: called('2020-03-15T00:00:00', 'other') });
    expect(ev.slice(-3).map((e) => `${day(e.time)} ${e.type}`)).toEqual(['2020-03-02 IPCI', '2020-04-02 IP', '2020-04-02 MD']);
  });

  it('capitalises up to the default horizon (30 years) when neither maturity, call nor horizon is given', () => {
    const ev = computeEvents(base);
    expect(day(ev[ev.length - 1].time)).toBe('2049-12-02');
  });

  it('names every missing or inconsistent term', () => {
    expect(issuesOf({ ...base, xDayNotice: undefined, cycleOfRateReset: 'P1ML1', feeRate: '0.01' })).toEqual(
      expect.arrayContaining(['xDayNotice', 'marketObjectCodeOfRateReset', 'feeBasis']),
    );
    expect(issuesOf({ ...base, xDayNotice: 'ten days' })).toEqual(['xDayNotice']);
  });

  it('depends on the rate reset code only', () => {
    expect(dependenciesOf({ ...base, cycleOfRateReset: 'P1ML1', marketObjectCodeOfRateReset: 'IDX' })).toEqual(new Set(['IDX']));
    expect(dependenciesOf({ ...base, marketObjectCodeOfRateReset: 'IDX' })).toEqual(new Set());
  });

});
