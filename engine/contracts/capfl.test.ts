// CAPFL beyond the test beds: cap and floor against the underlying as RPA, resolver-fed underlying, errors naming the underlying.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { dependenciesOf } from '../dependencies.js';
import { resolverOf } from '../composite.js';
import { flat, termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev, 1e4);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw, { observer: flat('LIBOR', 0.03) });

const underlying: Record<string, unknown> = {
  contractType: 'PAM', contractID: 'u', contractDealDate: '2012-12-28T00:00:00', initialExchangeDate: '2013-01-01T00:00:00', currency: 'USD',
  statusDate: '2012-12-30T00:00:00', notionalPrincipal: '1000', dayCountConvention: 'A365', nominalInterestRate: '0.05', maturityDate: '2014-01-01T00:00:00',
  cycleAnchorDateOfInterestPayment: '2013-07-01T00:00:00', cycleOfInterestPayment: 'P6ML1', cycleAnchorDateOfRateReset: '2013-07-01T00:00:00',
  cycleOfRateReset: 'P6ML1', marketObjectCodeOfRateReset: 'LIBOR', contractRole: 'RPL', lifeCap: '0.5',
};
const capfl = (extra: Record<string, unknown>): Record<string, unknown> => ({
  contractType: 'CAPFL', contractID: 'c', contractRole: 'BUY', currency: 'USD', statusDate: '2012-12-30T00:00:00', contractDealDate: '2012-12-28T00:00:00',
  contractStructure: [{ object: underlying, referenceType: 'CNT', referenceRole: 'UDL' }], ...extra,
});

describe('CAPFL', () => {
  it('pays what the cap saves against the underlying as RPA, whatever its own role and caps', () => {
    const ev = computeEvents(capfl({ lifeCap: '0.06' }), { observer: flat('LIBOR', 0.1) });
    // second half year: 10% capped at 6% on 1000 for 184 days
    expect(summary(ev)).toEqual(['2013-07-01 IP 0', '2014-01-01 IP 20.1644']);
    const seller = computeEvents(capfl({ lifeCap: '0.06', contractRole: 'SEL' }), { observer: flat('LIBOR', 0.1) });
    expect(seller[1].payoff).toBeCloseTo(-20.1644, 4);
  });

  it('takes an underlying referenced by id from the resolver; unknown, it pays nothing', () => {
    const raw = capfl({ lifeCap: '0.06', contractStructure: [{ object: { contractIdentifier: 'u' }, referenceType: 'CID', referenceRole: 'UDL' }] });
    const ev = computeEvents(raw, { observer: flat('LIBOR', 0.1), resolver: resolverOf({ u: underlying }) });
    expect(summary(ev)).toEqual(['2013-07-01 IP 0', '2014-01-01 IP 20.1644']);
    expect(computeEvents(raw)).toEqual([]);
  });

  it('a floor pays when the rate falls below it', () => {
    const ev = computeEvents(capfl({ lifeFloor: '0.04' }), { observer: flat('LIBOR', 0.01) });
    expect(summary(ev)).toEqual(['2013-07-01 IP 0', '2014-01-01 IP 15.1233']);
  });

  it('names the underlying and its term, and needs a cap or a floor', () => {
    expect(issuesOf(capfl({ lifeCap: '0.06', contractStructure: [{ object: { ...underlying, maturityDate: 'soon' }, referenceType: 'CNT', referenceRole: 'UDL' }] }))).toEqual([
      'u.maturityDate',
    ]);
    expect(issuesOf(capfl({}))).toEqual(['lifeCap']);
    expect(dependenciesOf(capfl({ lifeCap: '0.06' }))).toEqual(new Set(['u', 'LIBOR']));
  });
});
