// CEC beyond the test beds: collateral capped by the exposure and vice versa, collateral by id,
// validation and dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { InvalidTermsError, ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver, type ObservedEvent } from '../observer.js';
import { parseDateTime } from '../time/date.js';

const at = (s: string): number => parseDateTime(s)!;
const loan: Record<string, unknown> = {
  contractType: 'PAM', contractID: 'loan', statusDate: '2020-01-01T00:00:00', contractDealDate: '2020-01-01T00:00:00', currency: 'USD',
  notionalPrincipal: '1000', initialExchangeDate: '2020-01-02T00:00:00', maturityDate: '2021-01-01T00:00:00', nominalInterestRate: '0.05',
  cycleOfInterestPayment: 'P1YL0', dayCountConvention: 'A365', contractRole: 'RPA',
};
const gold = { contractType: 'COM', contractID: 'gold', marketObjectCode: 'GOLD', quantity: '1', unit: 'ONC' };
const base: Record<string, unknown> = {
  contractType: 'CEC', contractID: 'c', contractRole: 'BUY', currency: 'USD', statusDate: '2020-01-01T00:00:00', contractDealDate: '2020-01-01T00:00:00',
  guaranteedExposure: 'NO', settlementPeriod: 'P0D',
  contractStructure: [
    { object: loan, referenceType: 'CNT', referenceRole: 'COVE' },
    { object: gold, referenceType: 'CNT', referenceRole: 'COVI' },
  ],
};
const defaulted: ObservedEvent = { contractId: 'loan', type: 'CE', time: at('2020-06-01T00:00:00'), value: 0, states: { contractPerformance: 'DF' } };
const goldAt = (value: number): TimeSeriesObserver => new TimeSeriesObserver({ GOLD: [{ time: at('2020-01-01T00:00:00'), value }] }, [defaulted]);

describe('CEC', () => {
  it('pays the collateral up to the covered exposure', () => {
    const cheap = computeEvents(base, { observer: goldAt(400) });
    expect(cheap.map((e) => [e.type, e.payoff, e.notionalPrincipal, e.exerciseAmount])).toEqual([['XD', 0, 1000, 400], ['STD', 400, 0, 400]]);
    const rich = computeEvents({ ...base, contractRole: 'SEL', coverageOfCreditEnhancement: '0.5' }, { observer: goldAt(4000) });
    expect(rich.map((e) => e.payoff)).toEqual([0, -500]);
  });

  it('matures with the covered contracts when no credit event is observed', () => {
    const ev = computeEvents(base, { observer: new TimeSeriesObserver({ GOLD: [{ time: 0, value: 1 }] }) });
    expect(ev.map((e) => e.type)).toEqual(['MD']);
  });

  it('values collateral referenced by id under its id, and says so when there is no price', () => {
    const byId = { ...base, contractStructure: [(base.contractStructure as unknown[])[0], { object: { contractIdentifier: 'VAULT1' }, referenceType: 'CID', referenceRole: 'COVI' }] };
    const observer = new TimeSeriesObserver({ VAULT1: [{ time: 0, value: 250 }] }, [defaulted]);
    expect(computeEvents(byId, { observer }).at(-1)!.payoff).toBe(250);
    expect(() => computeEvents(byId, { observer: new TimeSeriesObserver({}, [defaulted]) })).toThrow(ComputationError);
  });

  it('names a collateral without market object code and a missing covering contract', () => {
    const issues = (raw: Record<string, unknown>): string[] => {
      try {
        computeEvents(raw);
        return [];
      } catch (e) {
        return e instanceof InvalidTermsError ? e.issues.map((i) => i.term) : ['(other)'];
      }
    };
    const noCode = { ...gold, marketObjectCode: undefined };
    expect(issues({ ...base, contractStructure: [(base.contractStructure as unknown[])[0], { object: noCode, referenceType: 'CNT', referenceRole: 'COVI' }] })).toContain('gold.marketObjectCode');
    expect(issues({ ...base, contractStructure: [(base.contractStructure as unknown[])[0]] })).toContain('contractStructure');
  });

  it('depends on the covered and covering ids and the collateral price', () => {
    expect(dependenciesOf(base)).toEqual(new Set(['loan', 'gold', 'GOLD']));
  });
});
