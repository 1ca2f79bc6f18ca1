import { describe, it, expect } from 'vitest';
import { computeTestBed, computeTestBedCase, isTestBed } from './testbed.js';

const terms = {
  contractType: 'PAM', contractID: 'c', contractRole: 'RPA', currency: 'USD', statusDate: '2015-01-01T00:00:00',
  initialExchangeDate: '2015-01-15T00:00:00', maturityDate: '2016-01-15T00:00:00', notionalPrincipal: '1000',
  nominalInterestRate: '0.05', dayCountConvention: 'A365',
};

describe('test bed cases', () => {
  it('prints events in the test beds\' format (dates to the second, states of the type)', () => {
    const r = computeTestBedCase({ terms });
    expect(Array.isArray(r) && r[0]).toEqual({
      eventDate: '2015-01-15T00:00:00', eventType: 'IED', payoff: -1000, currency: 'USD', notionalPrincipal: 1000, nominalInterestRate: 0.05, accruedInterest: 0,
    });
  });
  it('a case that cannot be computed gives {error}, the others are still computed', () => {
    const out = computeTestBed({ a: { terms }, b: { terms: { ...terms, contractType: 'NOPE' } }, c: { terms: { ...terms, contractType: 'BCS' } } });
    expect(Array.isArray(out.a)).toBe(true);
    expect(out.b).toHaveProperty('error');
    expect(out.c).toHaveProperty('error');
  });
  it('recognises test bed files', () => {
    expect(isTestBed({ a: { terms } })).toBe(true);
    expect(isTestBed([1])).toBe(false);
    expect(isTestBed({ a: 1 })).toBe(false);
  });
  describe('market data in dataObserved', () => {
    // yearly reset on R from 2015-01-15: the reset of 2016-01-15 reads the observation at or before it
    const floating = {
      ...terms, maturityDate: '2017-01-15T00:00:00', cycleOfRateReset: 'P1YL1', cycleAnchorDateOfRateReset: '2016-01-15T00:00:00',
      marketObjectCodeOfRateReset: 'R', rateSpread: '0',
    };
    const series = (values: unknown[]) => ({
      R: { identifier: 'R', data: values.map((value, i) => ({ timestamp: `2015-0${i + 1}-01T00:00:00`, value })) },
    });
    it('a value that is not a number is an error naming the series and the observation, not dropped', () => {
      const r = computeTestBedCase({ terms: floating, dataObserved: series(['0.01', 'abc', 0.03]) });
      expect(r).toEqual({ error: 'market data "R", observation 1 (timestamp "2015-02-01T00:00:00"): value "abc" is not a finite number' });
      // all numeric: the reset of 2016-01-15 reads the last one (0.03)
      const ok = computeTestBedCase({ terms: floating, dataObserved: series(['0.01', '0.02', 0.03]) });
      expect(Array.isArray(ok) && ok.find((e) => e.eventType === 'RR')?.nominalInterestRate).toBe(0.03);
    });
    it('every value bad: the first bad observation is named, not "no market data"', () => {
      const r = computeTestBedCase({ terms: floating, dataObserved: series(['x', 'y']) }) as { error: string };
      expect(r.error).toBe('market data "R", observation 0 (timestamp "2015-01-01T00:00:00"): value "x" is not a finite number');
    });
    it('empty, blank, null, boolean or non-finite values and unreadable timestamps are errors too', () => {
      for (const bad of ['', ' ', null, true, 'NaN', 'Infinity', '1e999'])
        expect((computeTestBedCase({ terms: floating, dataObserved: series([bad]) }) as { error: string }).error).toMatch(/^market data "R", observation 0 .*is not a finite number$/);
      const r = computeTestBedCase({ terms: floating, dataObserved: { R: { data: [{ timestamp: '2015-13-01', value: 0.01 }] } } }) as { error: string };
      expect(r.error).toBe('market data "R", observation 0 (timestamp "2015-13-01"): timestamp "2015-13-01" is not a date-time (want YYYY-MM-DDTHH:MM:SS)');
    });
    it('quotes a short prefix of a huge value', () => {
      const r = computeTestBedCase({ terms: floating, dataObserved: series(['9'.repeat(1000) + 'x']) }) as { error: string };
      expect(r.error).toContain(`value "${'9'.repeat(40)}"… (1001 chars) is not a finite number`);
      expect(r.error.length).toBeLessThan(200);
    });
  });
  describe('observed events in eventsObserved', () => {
    // a CLM without maturity, called on 2015-09-20 with no notice: settled that day
    const clm = {
      contractType: 'CLM', contractID: 'm', contractRole: 'RPA', currency: 'USD', statusDate: '2015-08-05T00:00:00',
      initialExchangeDate: '2015-07-20T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.05', dayCountConvention: 'A365', xDayNotice: 'P0D',
    };
    const call = { time: '2015-09-20T00:00:00', type: 'XD', value: 0 };
    it('a valid call settles the contract on its date', () => {
      const r = computeTestBedCase({ terms: clm, eventsObserved: [call] }) as { eventType: string; eventDate: string }[];
      expect(r.map((e) => e.eventType)).toContain('STD');
      expect(r.at(-1)!.eventDate).toBe('2015-09-20T00:00:00');
    });
    it('an event whose time, type or value cannot be read is an error naming it, never skipped or read as 0', () => {
      const cases: [unknown, string][] = [
        [{ ...call, time: '2015-09-31' }, 'observed event 0 (time "2015-09-31"): time "2015-09-31" is not a date-time (want YYYY-MM-DDTHH:MM:SS)'],
        [{ ...call, time: undefined }, 'observed event 0: time undefined is not a date-time (want YYYY-MM-DDTHH:MM:SS)'],
        [{ ...call, type: '' }, 'observed event 0 (time "2015-09-20T00:00:00"): type "" is not an event type'],
        [{ ...call, value: 'abc' }, 'observed event 0 (time "2015-09-20T00:00:00"): value "abc" is not a finite number'],
        [{ ...call, value: 'NaN' }, 'observed event 0 (time "2015-09-20T00:00:00"): value "NaN" is not a finite number'],
        [{ ...call, states: 'x' }, 'observed event 0 (time "2015-09-20T00:00:00"): states "x" is not an object'],
        ['XD', 'observed event 0: not an object with time, type and value'],
      ];
      for (const [event, error] of cases) expect(computeTestBedCase({ terms: clm, eventsObserved: [event] }), error).toEqual({ error });
      expect(computeTestBedCase({ terms: clm, eventsObserved: { 0: call } })).toEqual({ error: '"eventsObserved" is not an array of observed events' });
    });
  });
  it('a misspelt term is the case\'s error, naming it (the others are computed)', () => {
    const out = computeTestBed({ good: { terms }, bad: { terms: { ...terms, nominalInterestRat: '0.05' } } });
    expect(Array.isArray(out.good)).toBe(true);
    expect(out.bad).toEqual({ error: "invalid terms of c: nominalInterestRat: unknown term 'nominalInterestRat' (did you mean 'nominalInterestRate'?)" });
  });
});
