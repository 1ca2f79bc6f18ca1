// SWAPS beyond the test beds: legs from the resolver, netting under cash settlement, leg roles
// for PFL, reference cycles, validation naming the leg, dependencies.
import { describe, it, expect } from 'vitest';
import { computeEvents } from '../engine.js';
import { ComputationError } from '../errors.js';
import { dependenciesOf } from '../dependencies.js';
import { resolverOf } from '../composite.js';
import { termIssues, eventLines } from './test-support.js';
import type { ContractEvent } from '../events.js';

const leg = (id: string, notional: string, cycle: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  contractType: 'PAM', contractID: id, contractDealDate: '2012-12-28T00:00:00', initialExchangeDate: '2013-01-01T00:00:00', currency: 'USD',
  statusDate: '2012-12-30T00:00:00', notionalPrincipal: notional, dayCountConvention: 'A365', nominalInterestRate: '0.1',
  maturityDate: '2014-01-01T00:00:00', cycleAnchorDateOfInterestPayment: '2013-01-01T00:00:00', cycleOfInterestPayment: cycle, ...extra,
});
const swap = (legs: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  contractType: 'SWAPS', contractID: 'sw', contractRole: 'RFL', currency: 'USD', contractDealDate: '2012-12-28T00:00:00',
  statusDate: '2012-12-30T00:00:00', deliverySettlement: 'D', contractStructure: legs, ...extra,
});
const inline = (terms: Record<string, unknown>, role: string) => ({ object: terms, referenceType: 'CNT', referenceRole: role });
const byId = (id: string, role: string) => ({ object: { contractIdentifier: id }, referenceType: 'CID', referenceRole: role });
const summary = (ev: readonly ContractEvent[]): string[] => eventLines(ev, 100);

const issuesOf = (raw: Record<string, unknown>): string[] => termIssues(raw);

describe('SWAPS', () => {
  it('receives the first leg and pays the second for RFL, the reverse for PFL', () => {
    const legs = [inline(leg('a', '1000', 'P6ML1'), 'FIL'), inline(leg('b', '1000', 'P6ML1'), 'SEL')];
    const rfl = computeEvents(swap(legs));
    expect(summary(rfl).slice(0, 2)).toEqual(['2013-01-01 IED -1000', '2013-01-01 IED 1000']);
    const pfl = computeEvents(swap(legs, { contractRole: 'PFL' }));
    expect(summary(pfl).slice(0, 2)).toEqual(['2013-01-01 IED 1000', '2013-01-01 IED -1000']);
  });

  it('nets congruent events under cash settlement and keeps the others', () => {
    const legs = [inline(leg('a', '1000', 'P6ML1'), 'FIL'), inline(leg('b', '1200', 'P3ML1', { nominalInterestRate: '0.05' }), 'SEL')];
    const ev = computeEvents(swap(legs, { deliverySettlement: 'S' }));
    // IED nets to +200; 2013-04-01 is the second leg's alone; 2013-07-01 nets 49.59 − 14.96
    expect(summary(ev)).toEqual([
      '2013-01-01 IED 200', '2013-01-01 IP 0', '2013-04-01 IP -14.79', '2013-07-01 IP 34.63', '2013-10-01 IP -15.12', '2014-01-01 IP 35.29', '2014-01-01 MD -200',
    ]);
    expect(ev[0].notionalPrincipal).toBe(-200);
  });

  it('takes legs referenced by id from the resolver; an unknown leg is absent', () => {
    const resolver = resolverOf({ a: leg('a', '1000', 'P6ML1') });
    const ev = computeEvents(swap([byId('a', 'FIL'), byId('b', 'SEL')]), { resolver });
    expect(summary(ev)).toEqual(['2013-01-01 IED -1000', '2013-01-01 IP 0', '2013-07-01 IP 49.59', '2014-01-01 IP 50.41', '2014-01-01 MD 1000']);
  });

  it('reports a cycle of references as a typed error, not a hang', () => {
    const resolver = resolverOf({
      x: swap([byId('y', 'FIL'), inline(leg('b', '1000', 'P6ML1'), 'SEL')], { contractID: 'x' }),
      y: swap([byId('x', 'FIL'), inline(leg('c', '1000', 'P6ML1'), 'SEL')], { contractID: 'y' }),
    });
    expect(() => computeEvents(swap([byId('x', 'FIL'), byId('y', 'SEL')]), { resolver })).toThrow(ComputationError);
    expect(() => computeEvents(swap([byId('x', 'FIL'), byId('y', 'SEL')]), { resolver })).toThrow(/reference cycle: sw -> x -> y -> x/);
  });

  it('names the leg and the term of bad leg terms, and checks the structure', () => {
    expect(issuesOf(swap([inline(leg('a', 'lots', 'P6ML1'), 'FIL'), inline(leg('b', '1000', 'P6ML1'), 'SEL')]))).toEqual(['a.notionalPrincipal']);
    expect(issuesOf(swap([inline(leg('a', '1000', 'P6ML1'), 'FIL')]))).toEqual(['contractStructure']);
    expect(issuesOf(swap([inline(leg('a', '1000', 'P6ML1'), 'FIL'), inline(leg('b', '1000', 'P6ML1'), 'UDL')]))).toContain('contractStructure[1].referenceRole');
    expect(issuesOf(swap([inline(leg('a', '1000', 'P6ML1'), 'FIL'), inline(leg('b', '1000', 'P6ML1'), 'SEL')], { contractRole: 'BUY' }))).toEqual(['contractRole']);
    expect(issuesOf({ ...swap([]), contractStructure: undefined })).toContain('contractStructure');
  });

  it('depends on the legs ids and their market object codes', () => {
    const raw = swap([inline(leg('a', '1000', 'P6ML1', { cycleOfRateReset: 'P6ML1', marketObjectCodeOfRateReset: 'LIBOR' }), 'FIL'), byId('b', 'SEL')]);
    expect(dependenciesOf(raw)).toEqual(new Set(['a', 'LIBOR', 'b']));
  });
});
