// OPTNS beyond the test beds: early exercise from observed decisions, collars, underlyings by
// reference, validation and dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { dependenciesOf } from '../dependencies.js';
import { resolverOf } from '../composite.js';
import { TimeSeriesObserver, type ObservedEvent } from '../observer.js';
import { formatDateTime } from '../time/date.js';
import { at, termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const base: Record<string, unknown> = {
  contractType: 'OPTNS', contractID: 'opt', contractRole: 'BUY', currency: 'USD', statusDate: '2020-01-01T00:00:00',
  contractDealDate: '2020-01-01T00:00:00', purchaseDate: '2020-01-02T00:00:00', priceAtPurchaseDate: '5', maturityDate: '2020-09-30T00:00:00',
  optionExerciseType: 'E', optionType: 'C', optionStrike1: '100', settlementPeriod: 'P2D',
  contractStructure: [{ object: { marketObjectCode: 'IDX' }, referenceType: 'MOC', referenceRole: 'UDL' }],
};
const prices = (events: ObservedEvent[] = []): TimeSeriesObserver =>
  new TimeSeriesObserver({ IDX: [{ time: at('2020-01-01T00:00:00'), value: 90 }, { time: at('2020-06-15T00:00:00'), value: 130 }, { time: at('2020-09-30T00:00:00'), value: 110 }] }, events);
const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw, { observer: prices() });

describe('OPTNS', () => {
  it('settles a European call at maturity on the underlying price', () => {
    expect(summary(computeEvents(base, { observer: prices() }))).toEqual([
      '2020-01-02 PRD -5', '2020-09-30 MD 0', '2020-09-30 XD 0', '2020-10-02 STD 10',
    ]);
  });

  it('exercises an American option at the first decision observed for it, settles after the settlement period', () => {
    const decision: ObservedEvent = { contractId: 'opt', type: 'XD', time: at('2020-06-20T00:00:00'), value: 0 };
    const ev = computeEvents({ ...base, optionExerciseType: 'A' }, { observer: prices([decision]) });
    expect(summary(ev)).toEqual(['2020-01-02 PRD -5', '2020-06-20 XD 0', '2020-06-22 STD 30', '2020-09-30 MD 0']);
    expect(formatDateTime(ev[1].exerciseDate)).toBe('2020-06-20T00:00:00');
    // a European option ignores the decision
    expect(summary(computeEvents(base, { observer: prices([decision]) }))).toContain('2020-10-02 STD 10');
  });

  it('pays both legs of a collar (CP) and the seller pays', () => {
    const collar = { ...base, contractRole: 'SEL', optionType: 'CP', optionStrike1: '100', optionStrike2: '120' };
    // S = 110: max(110 − 100, 0) + max(120 − 110, 0) = 20
    expect(computeEvents(collar, { observer: prices() }).at(-1)!.payoff).toBe(-20);
  });

  it('prices an underlying referenced by id at the market object code of the resolved terms', () => {
    const byId = { ...base, contractStructure: [{ object: { contractIdentifier: 'stk1' }, referenceType: 'CID', referenceRole: 'UDL' }] };
    const resolver = resolverOf({ stk1: { contractType: 'STK', contractID: 'stk1', marketObjectCode: 'IDX' } });
    expect(computeEvents(byId, { observer: prices(), resolver }).at(-1)!.payoff).toBe(10);
    expect(dependenciesOf(byId)).toEqual(new Set(['stk1']));
  });

  it('prices an inline underlying at its market object code without computing it', () => {
    const inline = { ...base, contractStructure: [{ object: { contractType: 'STK', contractID: 'stk1', marketObjectCode: 'IDX', unit: 'ANY' }, referenceType: 'CNT', referenceRole: 'UDL' }] };
    expect(computeEvents(inline, { observer: prices() }).at(-1)!.payoff).toBe(10);
    expect(dependenciesOf(inline)).toEqual(new Set(['stk1', 'IDX']));
  });

  it('starts from the exercise given in the terms: only the settlement is left', () => {
    const ev = computeEvents({ ...base, statusDate: '2020-09-30T00:00:00', exerciseDate: '2020-09-30T00:00:00', exerciseAmount: '7' }, { observer: prices() });
    expect(summary(ev)).toEqual(['2020-10-02 STD 7']);
  });

  it('names every offending term', () => {
    expect(issuesOf({ ...base, optionStrike1: undefined, optionType: 'CP' })).toEqual(expect.arrayContaining(['optionStrike1', 'optionStrike2']));
    expect(issuesOf({ ...base, contractStructure: [] })).toContain('contractStructure');
    expect(issuesOf({ ...base, optionType: 'X', purchaseDate: '2020-01-02T00:00:00', priceAtPurchaseDate: undefined })).toEqual(
      expect.arrayContaining(['optionType', 'priceAtPurchaseDate']),
    );
    const twice = [...(base.contractStructure as unknown[]), { object: { marketObjectCode: 'IDX2' }, referenceType: 'MOC', referenceRole: 'UDL' }];
    expect(issuesOf({ ...base, contractStructure: twice })).toContain('contractStructure');
  });

  it('depends on the underlying market object code', () => {
    expect(dependenciesOf(base)).toEqual(new Set(['IDX']));
  });
});
