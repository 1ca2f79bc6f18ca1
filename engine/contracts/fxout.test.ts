// FXOUT beyond the test beds: delivery at maturity, cash settlement at the observed rate, typed errors, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import { formatDateTime } from '../time/date.js';
import { at, flat, termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev, 1e4);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw, { observer: flat('LIBOR', 0.03) });

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
