// The composite machinery: contractStructure parsing, the resolver, child computation with
// cycle detection, child issues named `<child>.<term>`, and dependencies of composites.
import { describe, it, expect } from 'vitest';
import { prepareContract, dependenciesOf, ComputationError, InvalidTermsError } from './index.js';
import { childEngine, contextOf } from './engine.js';
import { parseContractStructure, computeChild, resolverOf, validateStructure, structureOf, referencesOf } from './composite.js';
import type { TermIssue } from './errors.js';

const pam = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  contractType: 'PAM', contractID: id, statusDate: '2012-12-30T00:00:00', contractDealDate: '2012-12-28T00:00:00', contractRole: 'RPA',
  currency: 'USD', initialExchangeDate: '2013-01-01T00:00:00', maturityDate: '2014-01-01T00:00:00', notionalPrincipal: '1000',
  nominalInterestRate: '0.05', dayCountConvention: 'A365', cycleOfInterestPayment: 'P6ML1', ...extra,
});

describe('parseContractStructure', () => {
  it('parses inline, by-id and market object references', () => {
    const issues: TermIssue[] = [];
    const refs = parseContractStructure(
      [
        { object: pam('leg1'), referenceType: 'CNT', referenceRole: 'FIL' },
        { object: { contractIdentifier: 'X1' }, referenceType: 'CID', referenceRole: 'COVE' },
        { object: { marketObjectCode: 'AAPL' }, referenceType: 'MOC', referenceRole: 'UDL' },
      ],
      issues,
    );
    expect(issues).toEqual([]);
    expect(refs.map((r) => [r.referenceType, r.referenceRole, r.contractId, r.marketObjectCode, r.terms !== undefined])).toEqual([
      ['CNT', 'FIL', 'leg1', undefined, true],
      ['CID', 'COVE', 'X1', undefined, false],
      ['MOC', 'UDL', undefined, 'AAPL', false],
    ]);
  });

  it('accepts the JSON text of the array', () => {
    const refs = parseContractStructure(JSON.stringify([{ object: { contractIdentifier: 'X1' }, referenceType: 'CID', referenceRole: 'COVE' }]), []);
    expect(refs[0].contractId).toBe('X1');
  });

  it('names each bad entry', () => {
    const issues: TermIssue[] = [];
    parseContractStructure([1, { referenceRole: 'FIL' }, { object: {}, referenceType: 'CID', referenceRole: 'COVE' }], issues);
    expect(issues.map((i) => i.term)).toEqual(['contractStructure[0]', 'contractStructure[1].object', 'contractStructure[2].object.contractIdentifier']);
    const other: TermIssue[] = [];
    parseContractStructure('not json', other);
    expect(other[0].term).toBe('contractStructure');
  });
});

describe('validateStructure', () => {
  it('names the child and the term of bad child terms, and checks roles', () => {
    const p = prepareContract(pam('parent'));
    const terms = { ...p.terms, contractStructure: [
      { object: pam('leg1', { notionalPrincipal: 'abc' }), referenceType: 'CNT', referenceRole: 'FIL' },
      { object: pam('leg2'), referenceType: 'CNT', referenceRole: 'XYZ' },
    ] } as typeof p.terms;
    const issues: TermIssue[] = [];
    validateStructure(terms, issues, childEngine, { roles: ['FIL', 'SEL'], requiredRoles: ['FIL', 'SEL'] });
    const names = issues.map((i) => i.term);
    expect(names).toContain('leg1.notionalPrincipal');
    expect(names).toContain('contractStructure[1].referenceRole');
    expect(names).toContain('contractStructure');
    expect(structureOf(terms)).toHaveLength(2);
    expect(referencesOf(terms, 'FIL').map((r) => r.contractId)).toEqual(['leg1']);
  });
});

describe('computeChild', () => {
  const ref = (id: string) => parseContractStructure([{ object: { contractIdentifier: id }, referenceType: 'CID', referenceRole: 'COVE' }], [])[0];

  it('computes a referenced contract from the resolver, with overrides', () => {
    const ctx = contextOf(prepareContract(pam('parent')), { resolver: resolverOf({ B: pam('B') }) });
    const r = computeChild(ctx, ref('B'), { contractRole: 'RPL' });
    expect(r.prepared?.terms.contractRole).toBe('RPL');
    expect(r.events.find((e) => e.type === 'IED')?.payoff).toBe(1000);
  });

  it('an unknown referenced contract is absent, not an error', () => {
    const ctx = contextOf(prepareContract(pam('parent')));
    expect(computeChild(ctx, ref('nowhere')).events).toEqual([]);
  });

  it('reports a reference cycle as a typed error', () => {
    const ctx = contextOf(prepareContract(pam('A')), { resolver: resolverOf({ B: pam('B') }), referenceChain: ['B'] });
    expect(() => computeChild(ctx, ref('B'))).toThrow(ComputationError);
    expect(() => computeChild(ctx, ref('B'))).toThrow(/reference cycle: B -> A -> B/);
  });

  it('bad resolved terms name the child', () => {
    const ctx = contextOf(prepareContract(pam('A')), { resolver: resolverOf({ B: pam('B', { maturityDate: 'never' }) }) });
    try {
      computeChild(ctx, ref('B'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidTermsError);
      expect((e as InvalidTermsError).issues.map((i) => i.term)).toContain('B.maturityDate');
    }
  });
});

describe('dependenciesOf composites', () => {
  it('lists referenced ids, market objects and the children codes', () => {
    const deps = dependenciesOf({
      contractType: 'SWAPS',
      contractStructure: [
        { object: pam('leg1', { cycleOfRateReset: 'P3ML1', marketObjectCodeOfRateReset: 'LIBOR3M' }), referenceType: 'CNT', referenceRole: 'FIL' },
        { object: { contractIdentifier: 'X1' }, referenceType: 'CID', referenceRole: 'SEL' },
        { object: { marketObjectCode: 'AAPL' }, referenceType: 'MOC', referenceRole: 'UDL' },
      ],
    });
    expect(deps).toEqual(new Set(['leg1', 'LIBOR3M', 'X1', 'AAPL']));
  });
});
