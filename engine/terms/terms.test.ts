import { describe, it, expect } from 'vitest';
import { checkRequired, parseTerms, parseTermsInto } from './terms.js';
import { InvalidTermsError, type TermIssue } from '../errors.js';
import { prepareContract } from '../engine.js';
import { TERM_DEFINITIONS } from './dictionary.js';
import { contractTypes } from '../contracts/registry.js';

const pam = {
  contractType: 'PAM', contractID: 'x', statusDate: '2012-12-30T00:00:00', currency: 'USD', notionalPrincipal: ' 3000',
  initialExchangeDate: '2013-01-01T00:00:00', maturityDate: '2014-01-01T00:00:00', nominalInterestRate: '0.1',
  cycleOfInterestPayment: 'P1ML0', dayCountConvention: 'A365', contractRole: 'RPA',
};

describe('terms', () => {
  it('parses string values into typed fields and applies dictionary defaults', () => {
    const t = parseTerms(pam);
    expect(t.notionalPrincipal).toBe(3000);
    expect(t.cycleOfInterestPayment).toMatchObject({ months: 1, longStub: true });
    expect(t.rateMultiplier).toBe(1);
    expect(t.endOfMonthConvention).toBe('SD');
    expect(t.businessDayConvention).toBe('NOS');
    expect(t.premiumDiscountAtIED).toBe(0);
  });
  it('ignores blank values (any JS whitespace), trims text values and takes numbers as text', () => {
    for (const blank of ['', ' ', '\t\n', '\u00a0', '\ufeff \u3000'])
      expect(parseTerms({ ...pam, notionalPrincipal: '1', creatorID: blank, rateMultiplier: blank, calendar: blank })).toMatchObject({
        creatorID: undefined,
        rateMultiplier: 1,
        calendar: 'NC',
      });
    expect(parseTerms({ ...pam, contractID: ' x1\u00a0', creatorID: 42, rateMultiplier: '\u00a02 ' })).toMatchObject({
      contractID: 'x1',
      creatorID: '42',
      rateMultiplier: 2,
    });
    const issues: TermIssue[] = [];
    parseTermsInto({ ...pam, creatorID: true }, issues);
    expect(issues).toEqual([{ term: 'creatorID', reason: 'not a string: true' }]);
  });
  it('accepts the test beds\' alias fixingDays for fixingPeriod', () => {
    expect(parseTerms({ ...pam, fixingDays: 'P2D' }).fixingPeriod).toMatchObject({ days: 2 });
  });
  it('lists every offending term with its reason', () => {
    const issues: TermIssue[] = [];
    parseTermsInto({ ...pam, dayCountConvention: 'X', maturityDate: '2014-02-30', cycleOfInterestPayment: 'monthly', notionalPrincipal: 'abc' }, issues);
    expect(issues.map((i) => i.term).sort()).toEqual(['cycleOfInterestPayment', 'dayCountConvention', 'maturityDate', 'notionalPrincipal']);
  });
  it('parses each contract on its own: values seen before, defaults given or not, invalid values', () => {
    // date-times and cycles are remembered by their text, and whether a term was given is
    // marked per call: neither may leak from one contract into the next
    const first = parseTerms(pam);
    const again = parseTerms({ ...pam });
    expect(again).toEqual(first);
    expect(again.cycleOfInterestPayment).toBe(first.cycleOfInterestPayment);
    expect(parseTerms({ ...pam, endOfMonthConvention: 'EOM', rateMultiplier: '2' })).toMatchObject({ endOfMonthConvention: 'EOM', rateMultiplier: 2 });
    expect(parseTerms(pam)).toMatchObject({ endOfMonthConvention: 'SD', rateMultiplier: 1 });
    // an invalid value gets no default, and does not keep the next contract from its default
    const issues: TermIssue[] = [];
    const bad = parseTermsInto({ ...pam, endOfMonthConvention: 'X', maturityDate: '2014-02-30', cycleOfInterestPayment: 'monthly' }, issues);
    expect(bad.endOfMonthConvention).toBeUndefined();
    expect(issues.map((i) => i.term)).toEqual(['maturityDate', 'cycleOfInterestPayment', 'endOfMonthConvention']);
    expect(issues[1].reason).toBe('malformed cycle (want e.g. P1ML0): "monthly"');
    expect(parseTerms(pam)).toEqual(first);
    expect(() => parseTerms({ ...pam, cycleOfInterestPayment: 'monthly' })).toThrow(InvalidTermsError);
  });
  it('finds required terms missing from any parsed terms, the last parsed or earlier ones', () => {
    const { notionalPrincipal: _n, ...missing } = pam;
    const without = parseTerms(missing);
    const full = parseTerms(pam);
    const required = ['notionalPrincipal', 'endOfMonthConvention', 'cycleOfInterestPayment', 'notADictionaryTerm'];
    for (const [terms, expected] of [
      [full, ['notADictionaryTerm']], // endOfMonthConvention: its default
      [without, ['notionalPrincipal', 'notADictionaryTerm']],
      [full, ['notADictionaryTerm']],
    ] as const) {
      const issues: TermIssue[] = [];
      checkRequired(terms, required, issues);
      expect(issues.map((i) => i.term)).toEqual(expected);
    }
    const issues: TermIssue[] = [];
    checkRequired(parseTermsInto({ ...pam, notionalPrincipal: 'abc' }, issues), required, issues);
    expect(issues.map((i) => i.term)).toEqual(['notionalPrincipal', 'notADictionaryTerm']); // reported once
  });
  it('reports missing required terms, inconsistent dates and unsupported types', () => {
    const { notionalPrincipal: _n, ...missing } = pam;
    const err = (raw: Record<string, unknown>) => {
      try {
        prepareContract(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidTermsError);
        return (e as InvalidTermsError).issues;
      }
      throw new Error('no error');
    };
    expect(err({ ...missing, maturityDate: '2012-01-01T00:00:00' })).toEqual([
      { term: 'notionalPrincipal', reason: 'missing required term' },
      { term: 'maturityDate', reason: 'maturity date before initial exchange date' },
    ]);
    expect(err({ ...pam, contractType: 'FOO' })[0]).toMatchObject({ term: 'contractType' });
    const unregistered = (TERM_DEFINITIONS.contractType.values ?? []).find((v) => !(v in contractTypes));
    if (unregistered) expect(err({ ...pam, contractType: unregistered })).toEqual([{ term: 'contractType', reason: `unsupported contract type ${unregistered}` }]);
  });
});
