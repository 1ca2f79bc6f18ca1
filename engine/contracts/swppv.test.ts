// SWPPV, FXOUT and CAPFL beyond the test beds: a swap already running at the status date,
// net vs gross interest, FX cash settlement, cap/floor against the underlying, typed errors.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { InvalidTermsError, ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import { resolverOf } from '../composite.js';
import { formatDateTime, parseDateTime } from '../time/date.js';

const at = (s: string): number => parseDateTime(s)!;
const flat = (code: string, value: number) => new TimeSeriesObserver({ [code]: [{ time: at('2010-01-01T00:00:00'), value }] });
const summary = (ev: ReturnType<typeof computeEvents>): string[] => ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${Math.round(e.payoff * 1e4) / 1e4}`);

function issuesOf(raw: Record<string, unknown>): string[] {
  try {
    computeEvents(raw, { observer: flat('LIBOR', 0.03) });
  } catch (e) {
    if (e instanceof InvalidTermsError) return e.issues.map((i) => i.term);
    throw e;
  }
  return [];
}

const swppv: Record<string, unknown> = {
  contractType: 'SWPPV', contractID: 's', contractRole: 'RF', currency: 'USD', statusDate: '2014-12-30T00:00:00', contractDealDate: '2014-12-28T00:00:00',
  initialExchangeDate: '2015-01-01T00:00:00', maturityDate: '2016-01-01T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.05',
  nominalInterestRate2: '0.03', dayCountConvention: 'A365', cycleAnchorDateOfInterestPayment: '2015-07-01T00:00:00', cycleOfInterestPayment: 'P6ML1',
  cycleAnchorDateOfRateReset: '2015-07-01T00:00:00', cycleOfRateReset: 'P6ML1', rateSpread: '0.01', marketObjectCodeOfRateReset: 'LIBOR',
};

describe('SWPPV', () => {
  it('pays the legs gross (IPFX, IPFL) for delivery and net (IP) for cash settlement', () => {
    const gross = computeEvents({ ...swppv, deliverySettlement: 'D' }, { observer: flat('LIBOR', 0.03) });
    const net = computeEvents({ ...swppv, deliverySettlement: 'S' }, { observer: flat('LIBOR', 0.03) });
    // first half year: fixed 5% against the initial 3%; then 5% against 3% + 1% spread
    expect(summary(gross)).toEqual([
      '2015-01-01 IED 0', '2015-07-01 IPFX 24.7945', '2015-07-01 IPFL -14.8767', '2015-07-01 RR 0', '2016-01-01 IPFX 25.2055', '2016-01-01 IPFL -20.1644', '2016-01-01 MD 0',
    ]);
    expect(summary(net)).toEqual(['2015-01-01 IED 0', '2015-07-01 IP 9.9178', '2015-07-01 RR 0', '2016-01-01 IP 5.0411', '2016-01-01 MD 0']);
  });

  it('starts from accrued interest of both legs when it is already running at the status date', () => {
    const running = computeEvents({ ...swppv, statusDate: '2015-04-01T00:00:00', deliverySettlement: 'S' }, { observer: flat('LIBOR', 0.03) });
    expect(summary(running)[0]).toBe('2015-07-01 IP 9.9178');
  });

  it('needs the floating leg and names bad terms', () => {
    expect(issuesOf({ ...swppv, nominalInterestRate2: undefined })).toEqual(['nominalInterestRate2']);
    expect(issuesOf({ ...swppv, cycleOfRateReset: undefined, cycleAnchorDateOfRateReset: undefined })).toEqual(['cycleOfRateReset']);
    expect(issuesOf({ ...swppv, purchaseDate: '2015-03-01T00:00:00' })).toEqual(['priceAtPurchaseDate']);
  });

  it('missing market data is a computation error, and the rate code is a dependency', () => {
    expect(() => computeEvents(swppv)).toThrow(ComputationError);
    expect(dependenciesOf(swppv)).toEqual(new Set(['LIBOR']));
  });
});

const fxout: Record<string, unknown> = {
  contractType: 'FXOUT', contractID: 'fx', contractRole: 'RPA', currency: 'USD', currency2: 'EUR', maturityDate: '2015-01-01T00:00:00',
  notionalPrincipal: '2000', notionalPrincipal2: '1000', statusDate: '2014-01-01T00:00:00', contractDealDate: '2014-01-01T00:00:00',
};

describe('FXOUT', () => {
  it('delivers both currencies at maturity', () => {
    const ev = computeEvents({ ...fxout, settlementPeriod: 'P2D' });
    expect(ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${e.payoff} ${e.currency}`)).toEqual(['2015-01-01 MD 2000 USD', '2015-01-01 MD -1000 EUR']);
  });

  it('settles in cash at the rate EUR/USD observed at maturity', () => {
    const observer = new TimeSeriesObserver({ 'EUR/USD': [{ time: at('2014-06-01T00:00:00'), value: 1.1 }, { time: at('2015-01-01T00:00:00'), value: 1.25 }] });
    const ev = computeEvents({ ...fxout, contractRole: 'RPL', deliverySettlement: 'S', settlementPeriod: 'P2D' }, { observer });
    expect(summary(ev)).toEqual(['2015-01-03 STD -750']);
    expect(dependenciesOf({ ...fxout, deliverySettlement: 'S' })).toEqual(new Set(['EUR/USD']));
    expect(dependenciesOf(fxout)).toEqual(new Set());
    expect(() => computeEvents({ ...fxout, deliverySettlement: 'S' })).toThrow(ComputationError);
  });

  it('names missing and malformed terms', () => {
    expect(issuesOf({ ...fxout, currency2: undefined, notionalPrincipal2: 'x' })).toEqual(['notionalPrincipal2', 'currency2']);
    expect(issuesOf({ ...fxout, terminationDate: '2014-06-01T00:00:00' })).toEqual(['priceAtTerminationDate']);
  });
});

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
