// CEG beyond the test beds: covered contracts from the resolver, exposure modes, fees of basis N,
// reference cycles, validation naming the child, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { resolverOf } from '../composite.js';
import { TimeSeriesObserver, type ObservedEvent } from '../observer.js';
import { formatDateTime } from '../time/date.js';
import { at, termIssues } from './test-support.js';

const loan: Record<string, unknown> = {
  contractType: 'PAM', contractID: 'loan', statusDate: '2020-01-01T00:00:00', contractDealDate: '2020-01-01T00:00:00', currency: 'USD',
  notionalPrincipal: '1000000', initialExchangeDate: '2020-01-02T00:00:00', maturityDate: '2021-01-01T00:00:00', nominalInterestRate: '0.0365',
  cycleAnchorDateOfInterestPayment: '2020-02-01T00:00:00', cycleOfInterestPayment: 'P1ML0', dayCountConvention: 'A365', contractRole: 'RPA',
};
const base: Record<string, unknown> = {
  contractType: 'CEG', contractID: 'g', contractRole: 'BUY', currency: 'USD', statusDate: '2020-01-01T00:00:00', contractDealDate: '2020-01-01T00:00:00',
  guaranteedExposure: 'NI', creditEventTypeCovered: 'DF', settlementPeriod: 'P0D',
  contractStructure: [{ object: { contractIdentifier: 'loan' }, referenceType: 'CID', referenceRole: 'COVE' }],
};
const defaulted = (time: string, performance = 'DF'): ObservedEvent => ({ contractId: 'loan', type: 'CE', time: at(time), value: 0, states: { contractPerformance: performance } });
const summary = (ev: ReturnType<typeof computeEvents>): string[] => ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${e.payoff} ${e.notionalPrincipal}`);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw);

describe('CEG', () => {
  it('takes a covered contract referenced by id from the resolver: maturity, notional and accrued interest', () => {
    const resolver = resolverOf({ loan });
    expect(summary(computeEvents(base, { resolver }))).toEqual(['2021-01-01 MD 0 0']);
    // 1000000 + 10 days of 3.65% on A365 = 1001000
    const ev = computeEvents(base, { resolver, observer: new TimeSeriesObserver({}, [defaulted('2020-03-11T00:00:00')]) });
    expect(summary(ev)).toEqual(['2020-03-11 XD 0 1001000', '2020-03-11 STD 1001000 0']);
    expect(ev[0].exerciseAmount).toBeCloseTo(1001000, 6);
  });

  it('without the covered terms it is still computed from its own terms and the observed events', () => {
    const own = { ...base, notionalPrincipal: '500', maturityDate: '2020-12-31T00:00:00' };
    expect(summary(computeEvents(own))).toEqual(['2020-12-31 MD 0 0']);
    expect(summary(computeEvents(own, { observer: new TimeSeriesObserver({}, [defaulted('2020-05-05T00:00:00')]) }))).toEqual([
      '2020-05-05 XD 0 500', '2020-05-05 STD 500 0',
    ]);
  });

  it('ignores credit events of other types than the covered ones, and after maturity', () => {
    const resolver = resolverOf({ loan });
    const observer = new TimeSeriesObserver({}, [defaulted('2020-03-11T00:00:00', 'DL'), defaulted('2021-06-01T00:00:00')]);
    expect(summary(computeEvents(base, { resolver, observer }))).toEqual(['2021-01-01 MD 0 0']);
    const both = computeEvents({ ...base, creditEventTypeCovered: ['DL', 'DF'] }, { resolver, observer });
    expect(both[0].type).toBe('XD');
  });

  it('covers the market value of the covered contract with guaranteedExposure MV', () => {
    const withCode = { ...loan, marketObjectCode: 'LOAN_PRICE' };
    const observer = new TimeSeriesObserver({ LOAN_PRICE: [{ time: at('2020-01-01T00:00:00'), value: 950000 }] }, [defaulted('2020-03-11T00:00:00')]);
    const ev = computeEvents({ ...base, guaranteedExposure: 'MV', coverageOfCreditEnhancement: '0.5' }, { resolver: resolverOf({ loan: withCode }), observer });
    expect(ev[0].exerciseAmount).toBe(475000);
    expect(dependenciesOf({ ...base, guaranteedExposure: 'MV', contractStructure: [{ object: withCode, referenceType: 'CNT', referenceRole: 'COVE' }] })).toEqual(
      new Set(['loan', 'LOAN_PRICE']),
    );
  });

  it('accrues fees of basis N on the covered notional and pays them with the settlement', () => {
    const fees = { ...base, guaranteedExposure: 'NO', feeRate: '0.0365', feeBasis: 'N', cycleAnchorDateOfFee: '2020-02-01T00:00:00', cycleOfFee: 'P1ML0', dayCountConvention: 'A365' };
    const ev = computeEvents(fees, { resolver: resolverOf({ loan }), observer: new TimeSeriesObserver({}, [defaulted('2020-02-11T00:00:00')]) });
    expect(ev.map((e) => e.type)).toEqual(['FP', 'XD', 'STD']);
    // FP on 2020-02-01: Feac 0 at t0 (notional 0 before the loan's IED), 0 accrued from t0 with Nt = 0
    expect(ev[0].payoff).toBe(0);
    // STD: Xa 1000000 + 10 days of fees on 1000000
    expect(ev[2].payoff).toBeCloseTo(1000000 + 1000, 6);
  });

  it('settles the fee accrued in whole currency units, truncated (the test beds: guarantee14)', () => {
    // 10 days of 3.66% a year on 1,000,000 = 1002.739…: the settlement pays 1,001,002
    const fees = { ...base, guaranteedExposure: 'NO', feeRate: '0.0366', feeBasis: 'N', cycleAnchorDateOfFee: '2020-02-01T00:00:00', cycleOfFee: 'P1ML0', dayCountConvention: 'A365' };
    const ev = computeEvents(fees, { resolver: resolverOf({ loan }), observer: new TimeSeriesObserver({}, [defaulted('2020-02-11T00:00:00')]) });
    expect(ev.map((e) => e.type)).toEqual(['FP', 'XD', 'STD']);
    expect(ev[2].payoff).toBe(1000000 + 1002);
  });

  it('reports a cycle of references as an error, not a hang', () => {
    const self = { ...base, contractID: 'g', contractStructure: [{ object: { contractIdentifier: 'g2' }, referenceType: 'CID', referenceRole: 'COVE' }] };
    const g2 = { ...base, contractID: 'g2', contractStructure: [{ object: { contractIdentifier: 'g' }, referenceType: 'CID', referenceRole: 'COVE' }] };
    expect(() => computeEvents(self, { resolver: resolverOf({ g: self, g2 }) })).toThrow(ComputationError);
    expect(() => computeEvents(self, { resolver: resolverOf({ g: self, g2 }) })).toThrow(/cycle/);
  });

  it('names the child and the term of bad covered terms, and a structure without covered contract', () => {
    const bad = { ...base, contractStructure: [{ object: { ...loan, notionalPrincipal: 'lots' }, referenceType: 'CNT', referenceRole: 'COVE' }] };
    expect(issuesOf(bad)).toContain('loan.notionalPrincipal');
    expect(issuesOf({ ...base, contractStructure: [{ object: { contractIdentifier: 'x' }, referenceType: 'CID', referenceRole: 'COVI' }] })).toEqual(
      expect.arrayContaining(['contractStructure', 'contractStructure[0].referenceRole']),
    );
    expect(issuesOf({ ...base, contractStructure: undefined, feeRate: '0.01' })).toEqual(expect.arrayContaining(['contractStructure', 'feeBasis']));
  });

  it('depends on the covered contract ids and the market data of inline covered contracts', () => {
    expect(dependenciesOf(base)).toEqual(new Set(['loan']));
    const floating = { ...loan, cycleOfRateReset: 'P6ML1', marketObjectCodeOfRateReset: 'EURIBOR' };
    expect(dependenciesOf({ ...base, contractStructure: [{ object: floating, referenceType: 'CNT', referenceRole: 'COVE' }] })).toEqual(new Set(['loan', 'EURIBOR']));
  });
});
