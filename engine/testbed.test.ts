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
});
