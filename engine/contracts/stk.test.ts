// STK, COM and CSH beyond the test beds: fixed then observed dividends, the default dividend code,
// quantities, observed analysis dates, validation, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import { formatDateTime } from '../time/date.js';
import { at, termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev);
const stock: Record<string, unknown> = {
  contractType: 'STK', contractID: 'S1', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', notionalPrincipal: '100',
  purchaseDate: '2020-01-02T00:00:00', priceAtPurchaseDate: '1000', cycleAnchorDateOfDividend: '2020-06-30T00:00:00', cycleOfDividend: 'P6ML1',
};

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw);

describe('STK', () => {
  it('pays a fixed first dividend, then the observed ones under the code CID-DV', () => {
    const observer = new TimeSeriesObserver({ 'S1-DV': [{ time: at('2020-01-01T00:00:00'), value: 7 }] });
    const ev = computeEvents({ ...stock, nextDividendPaymentAmount: '5', endOfMonthConvention: 'EOM' }, { observer, to: at('2021-06-30T00:00:00') });
    expect(summary(ev)).toEqual(['2020-01-02 PRD -1000', '2020-06-30 DV 5', '2020-12-31 DV 7', '2021-06-30 DV 7']);
  });

  it('sells at the termination date and stops paying dividends', () => {
    const observer = new TimeSeriesObserver({ 'S1-DV': [{ time: at('2020-01-01T00:00:00'), value: 7 }] });
    const ev = computeEvents({ ...stock, contractRole: 'RPL', terminationDate: '2020-09-01T00:00:00', priceAtTerminationDate: '1100' }, { observer });
    expect(summary(ev)).toEqual(['2020-01-02 PRD 1000', '2020-06-30 DV -7', '2020-09-01 TD -1100']);
  });

  it('names every missing term', () => {
    expect(issuesOf({ ...stock, priceAtPurchaseDate: undefined, cycleAnchorDateOfDividend: undefined, terminationDate: '2021-01-01T00:00:00' })).toEqual(
      expect.arrayContaining(['priceAtPurchaseDate', 'cycleAnchorDateOfDividend', 'priceAtTerminationDate']),
    );
  });

  it('depends on the dividend code when dividends are observed', () => {
    expect(dependenciesOf(stock)).toEqual(new Set(['S1-DV']));
    expect(dependenciesOf({ ...stock, marketObjectCodeOfDividends: 'DIV' })).toEqual(new Set(['DIV']));
    expect(dependenciesOf({ ...stock, cycleOfDividend: undefined, nextDividendPaymentAmount: '5' })).toEqual(new Set());
  });
});

describe('COM', () => {
  const commodity = { contractType: 'COM', contractID: 'C1', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00', quantity: '4', unit: 'TON' };
  it('buys and sells the quantity at unit prices', () => {
    const ev = computeEvents({ ...commodity, purchaseDate: '2020-02-01T00:00:00', priceAtPurchaseDate: '10', terminationDate: '2020-03-01T00:00:00', priceAtTerminationDate: '12' });
    expect(summary(ev)).toEqual(['2020-02-01 PRD -40', '2020-03-01 TD 48']);
  });
  it('rejects an unknown unit and a purchase without price', () => {
    expect(issuesOf({ ...commodity, unit: 'KG', purchaseDate: '2020-02-01T00:00:00' })).toEqual(expect.arrayContaining(['unit', 'priceAtPurchaseDate']));
    expect(dependenciesOf(commodity)).toEqual(new Set());
  });
});

describe('CSH', () => {
  const cash = { contractType: 'CSH', contractID: 'K1', contractRole: 'RPL', currency: 'CHF', statusDate: '2020-01-01T00:00:00', notionalPrincipal: '250' };
  it('reports the balance at observed analysis dates of the contract within the horizon', () => {
    const observer = new TimeSeriesObserver({}, [
      { contractId: 'K1', type: 'AD', time: at('2020-02-01T00:00:00'), value: 0 },
      { contractId: 'K2', type: 'AD', time: at('2020-03-01T00:00:00'), value: 0 },
      { contractId: 'K1', type: 'AD', time: at('2021-02-01T00:00:00'), value: 0 },
    ]);
    const ev = computeEvents(cash, { observer, to: at('2020-12-31T00:00:00') });
    expect(ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${e.payoff} ${e.notionalPrincipal}`)).toEqual(['2020-02-01 AD 0 -250']);
  });
  it('needs the notional', () => {
    expect(issuesOf({ ...cash, notionalPrincipal: undefined })).toEqual(['notionalPrincipal']);
  });
});
