// SWPPV beyond the test beds: net vs gross interest, a swap already running at the status date, typed errors.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { flat, termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev, 1e4);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw, { observer: flat('LIBOR', 0.03) });

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
