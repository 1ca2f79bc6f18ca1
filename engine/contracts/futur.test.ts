// FUTUR beyond the test beds: settlement of losses, termination, validation and dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { InvalidTermsError, ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { TimeSeriesObserver } from '../observer.js';
import { formatDateTime, parseDateTime } from '../time/date.js';

const at = (s: string): number => parseDateTime(s)!;
const base: Record<string, unknown> = {
  contractType: 'FUTUR', contractID: 'fut', contractRole: 'BUY', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  contractDealDate: '2020-01-01T00:00:00', maturityDate: '2020-06-30T00:00:00', futuresPrice: '100', settlementPeriod: 'P1D',
  contractStructure: [{ object: { marketObjectCode: 'OIL' }, referenceType: 'MOC', referenceRole: 'UDL' }],
};
const observer = new TimeSeriesObserver({ OIL: [{ time: at('2020-06-30T00:00:00'), value: 92.5 }] });
const summary = (ev: ReturnType<typeof computeEvents>): string[] => ev.map((e) => `${formatDateTime(e.time).slice(0, 10)} ${e.type} ${e.payoff} ${e.exerciseAmount}`);

describe('FUTUR', () => {
  it('settles S − PFUT, a loss as much as a gain', () => {
    expect(summary(computeEvents(base, { observer }))).toEqual(['2020-06-30 MD 0 0', '2020-06-30 XD 0 -7.5', '2020-07-01 STD -7.5 0']);
    expect(computeEvents({ ...base, contractRole: 'SEL' }, { observer }).at(-1)!.payoff).toBe(7.5);
  });

  it('ends at a termination before maturity with the termination price', () => {
    const ev = computeEvents({ ...base, terminationDate: '2020-03-31T00:00:00', priceAtTerminationDate: '3' }, { observer });
    expect(summary(ev)).toEqual(['2020-03-31 TD 3 0']);
  });

  it('reports missing market data as a typed error', () => {
    expect(() => computeEvents(base)).toThrow(ComputationError);
  });

  it('names every offending term', () => {
    try {
      computeEvents({ ...base, futuresPrice: undefined, maturityDate: 'soon', contractStructure: [{ object: {}, referenceType: 'MOC', referenceRole: 'UDL' }] });
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidTermsError);
      expect((e as InvalidTermsError).issues.map((i) => i.term)).toEqual(expect.arrayContaining(['futuresPrice', 'maturityDate', 'contractStructure[0].object.marketObjectCode']));
    }
  });

  it('depends on the underlying, inline or by market object code', () => {
    expect(dependenciesOf(base)).toEqual(new Set(['OIL']));
    const inline = { ...base, contractStructure: [{ object: { contractType: 'STK', contractID: 'stk', marketObjectCode: 'SHARE' }, referenceType: 'CNT', referenceRole: 'UDL' }] };
    expect(dependenciesOf(inline).has('SHARE')).toBe(true);
    expect(dependenciesOf(inline).has('stk')).toBe(true);
  });
});
