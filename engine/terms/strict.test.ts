// Strict terms: unknown names, the dictionary's allowed ranges, date-times the databases can
// store, bounded messages. Each expectation is written from the dictionary
// (../shared/actus/dictionary/actus-dictionary-terms.json) or the spec, not from the parser.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { nearestTermName, parseTerms, parseTermsInto } from './terms.js';
import { InvalidTermsError, MAX_TERMS_MESSAGE, type TermIssue } from '../errors.js';
import { TERM_DEFINITIONS } from './dictionary.js';
import { computeEvents, prepareContract } from '../engine.js';
import { parseContractStructure } from '../composite.js';

const pam = {
  contractType: 'PAM', contractID: 'loan-1', contractRole: 'RPA', currency: 'USD', statusDate: '2015-01-01T00:00:00',
  initialExchangeDate: '2015-01-15T00:00:00', maturityDate: '2016-01-15T00:00:00', notionalPrincipal: '1000',
  nominalInterestRate: '0.05', dayCountConvention: 'A365', cycleOfInterestPayment: 'P1ML0',
  cycleAnchorDateOfInterestPayment: '2015-02-15T00:00:00',
};

function issuesOf(raw: Record<string, unknown>): TermIssue[] {
  try {
    prepareContract(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTermsError);
    return [...(e as InvalidTermsError).issues];
  }
  return [];
}

function messageOf(raw: Record<string, unknown>): string {
  try {
    prepareContract(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTermsError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('unknown term names', () => {
  it('a misspelt term is an issue naming it and the dictionary name meant', () => {
    const { cycleOfInterestPayment, ...rest } = pam;
    const raw = { ...rest, cycleOfInterestPaymnt: cycleOfInterestPayment };
    expect(issuesOf(raw)).toEqual([
      { term: 'cycleOfInterestPaymnt', reason: "unknown term 'cycleOfInterestPaymnt' (did you mean 'cycleOfInterestPayment'?)" },
    ]);
    expect(messageOf(raw)).toContain("unknown term 'cycleOfInterestPaymnt' (did you mean 'cycleOfInterestPayment'?)");
    // spelt right: IED, 12 monthly IP (Feb 2015 .. Jan 2016, the last with MD), MD
    expect(computeEvents(pam).filter((e) => e.type === 'IP')).toHaveLength(12);
  });
  it('suggests the name equal ignoring case first, then the nearest', () => {
    expect(nearestTermName('NotionalPrincipal')).toBe('notionalPrincipal');
    expect(nearestTermName('CONTRACTID')).toBe('contractID');
    expect(nearestTermName('nominalIntrestRate')).toBe('nominalInterestRate');
    expect(nearestTermName('statsuDate')).toBe('statusDate'); // a transposition
    expect(nearestTermName('somethingElseEntirely')).toBeUndefined();
    expect(issuesOf({ ...pam, Currency: 'EUR' })[0].reason).toBe("unknown term 'Currency' (did you mean 'currency'?)");
  });
  it('keeps the aliases the test beds use, and ignores an unknown name without a value', () => {
    expect(parseTerms({ ...pam, fixingDays: 'P2D' }).fixingPeriod).toMatchObject({ days: 2 });
    expect(parseTerms({ ...pam, creatorId: 'bank' }).creatorID).toBe('bank');
    expect(issuesOf({ ...pam, notATerm: '', otherUnknown: null })).toEqual([]);
  });
  it('any terms with one name misspelt (edit distance 1-2) are rejected with that name named', () => {
    const names = Object.keys(pam);
    const known = new Set([...Object.keys(TERM_DEFINITIONS), 'fixingDays', 'cycleAnchorDateOfDividendPayment', 'cycleOfDividendPayment', 'creatorId'].map((n) => n.toLowerCase()));
    const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
    const edit = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), c: letter }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), c: letter }),
      fc.record({ op: fc.constant('replace' as const), at: fc.nat(), c: letter }),
      fc.record({ op: fc.constant('swap' as const), at: fc.nat(), c: letter }),
    );
    const apply = (s: string, e: { op: string; at: number; c: string }) => {
      const i = e.at % s.length;
      if (e.op === 'delete') return s.slice(0, i) + s.slice(i + 1);
      if (e.op === 'insert') return s.slice(0, i) + e.c + s.slice(i);
      if (e.op === 'replace') return s.slice(0, i) + e.c + s.slice(i + 1);
      return i + 1 < s.length ? s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2) : s.slice(0, i) + e.c;
    };
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(edit, { minLength: 1, maxLength: 2 }), (name, edits) => {
        const wrong = edits.reduce(apply, name);
        fc.pre(wrong !== '' && !known.has(wrong.toLowerCase()) && wrong.trim() === wrong);
        const raw: Record<string, unknown> = { ...pam };
        const value = raw[name];
        delete raw[name];
        raw[wrong] = value;
        const issues: TermIssue[] = [];
        parseTermsInto(raw, issues);
        const issue = issues.find((i) => i.term === wrong);
        expect(issue?.reason).toMatch(new RegExp(`^unknown term '${wrong.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
      }),
      { numRuns: 500 },
    );
  });
  it('every case of every visible test bed parses, inline children in contractStructure included', () => {
    const dir = join(import.meta.dirname, '..', '..', '..', 'shared', 'actus', 'tests');
    if (!existsSync(dir)) return;
    const files = readdirSync(dir).filter((f) => /^actus-tests-.*\.json$/.test(f));
    expect(files).toHaveLength(18);
    let children = 0;
    const check = (id: string, terms: Record<string, unknown>, onlyRead = false) => {
      let issues: TermIssue[] = [];
      parseTermsInto(terms, issues);
      // a CEC's collateral (role COVI) is only read for its market object code, never computed
      // or validated as a contract (engine/composite.ts): its `unit` "ONC" is no dictionary
      // value, but no name of it may be unknown and no value out of range
      if (onlyRead) issues = issues.filter((i) => !(i.term === 'unit' && i.reason.startsWith('unknown value "ONC"')));
      expect([id, issues]).toEqual([id, []]);
      if (terms.contractStructure !== undefined)
        for (const ref of parseContractStructure(terms.contractStructure, []))
          if (ref.terms) {
            children++;
            check(`${id}.${ref.label}`, ref.terms as Record<string, unknown>, ref.referenceRole === 'COVI');
          }
    };
    for (const f of files)
      for (const [id, c] of Object.entries(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, { terms: Record<string, unknown> }>))
        check(id, c.terms);
    expect(children).toBeGreaterThan(40); // SWAPS, CAPFL, OPTNS, FUTUR, CEG, CEC children were checked
  });
});

describe("the dictionary's allowed values", () => {
  it('"Positive" terms must not be negative; zero is allowed', () => {
    expect(issuesOf({ ...pam, notionalPrincipal: '-1000' })).toEqual([{ term: 'notionalPrincipal', reason: 'must not be negative: -1000' }]);
    expect(issuesOf({ ...pam, notionalPrincipal: '0' })).toEqual([]);
    expect(issuesOf({ ...pam, penaltyRate: '-0.01' })).toEqual([{ term: 'penaltyRate', reason: 'must not be negative: -0.01' }]);
    // signed terms stay signed (dictionary: no allowed values)
    expect(issuesOf({ ...pam, rateSpread: '-0.01', nominalInterestRate: '-0.005' })).toEqual([]);
  });
  it('coverageOfCreditEnhancement is in (0,1]', () => {
    const ceg = { contractType: 'CEG' };
    for (const bad of ['0', '-0.5', '1.5'])
      expect(parseIssues({ ...ceg, coverageOfCreditEnhancement: bad })).toEqual([{ term: 'coverageOfCreditEnhancement', reason: `must be in (0,1]: ${Number(bad)}` }]);
    for (const good of ['1', '1.0', '0.5']) expect(parseIssues({ ...ceg, coverageOfCreditEnhancement: good })).toEqual([]);
  });
  it('currencies are ISO 4217 codes', () => {
    expect(issuesOf({ ...pam, currency: 'DOLLARS' })).toEqual([{ term: 'currency', reason: 'not an ISO 4217 currency code: "DOLLARS"' }]);
    expect(issuesOf({ ...pam, currency: 'usd' })).toEqual([{ term: 'currency', reason: 'not an ISO 4217 currency code: "usd"' }]);
    expect(issuesOf({ ...pam, currency: 'x'.repeat(21) })[0].term).toBe('currency'); // over nvarchar(20)
    for (const c of ['EUR', 'CHF', 'JPY', ' GBP ', 'XAU', 'CLF', 'XXX']) expect(issuesOf({ ...pam, currency: c })).toEqual([]);
    expect(issuesOf({ ...pam, currency: 'CNH' })[0].reason).toBe('not an ISO 4217 currency code: "CNH"'); // offshore yuan: a market convention, not in ISO 4217
    expect(parseIssues({ contractType: 'FXOUT', currency2: 'EURO', settlementCurrency: 'US$' }).map((i) => i.term)).toEqual(['currency2', 'settlementCurrency']);
  });
  it('date-times are within SQL Server datetime2: 0001-01-01T00:00:00 to 9999-12-31T23:59:59', () => {
    expect(issuesOf({ ...pam, statusDate: '0000-12-31T00:00:00' })).toEqual([
      { term: 'statusDate', reason: 'date-time "0000-12-31T00:00:00" outside 0001-01-01T00:00:00 to 9999-12-31T23:59:59 (SQL Server datetime2)' },
    ]);
    expect(parseIssues({ statusDate: '0001-01-01T00:00:00', maturityDate: '9999-12-31T23:59:59' })).toEqual([]);
    expect(parseIssues({ arrayCycleAnchorDateOfInterestPayment: ['2015-01-01T00:00:00', '0000-06-01T00:00:00'] })[0].term).toBe('arrayCycleAnchorDateOfInterestPayment');
    // remembered date-times do not let an out-of-range text through the second time
    expect(parseIssues({ statusDate: '0000-01-01T00:00:00' })).toHaveLength(1);
    expect(parseIssues({ statusDate: '0000-01-01T00:00:00' })).toHaveLength(1);
  });
  // every acronym the dictionary allows for the schedule conventions, read from the dictionary
  // itself, is accepted by ANN and CLM terms (a legal but rare value must not be refused)
  it("every dictionary acronym of businessDayConvention, calendar, endOfMonthConvention and dayCountConvention is accepted (ANN, CLM)", () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'shared', 'actus', 'dictionary', 'actus-dictionary-terms.json');
    if (!existsSync(file)) return;
    const terms = (JSON.parse(readFileSync(file, 'utf8')) as { terms: Record<string, { allowedValues: { acronym: string }[] }> }).terms;
    const ann = { ...pam, contractType: 'ANN', cycleOfPrincipalRedemption: 'P1ML1' };
    const clm = { contractType: 'CLM', contractID: 'c', contractRole: 'RPA', currency: 'USD', statusDate: '2015-01-01T00:00:00', initialExchangeDate: '2015-01-15T00:00:00', notionalPrincipal: '1000', nominalInterestRate: '0.05', dayCountConvention: 'A365', xDayNotice: 'P1M' };
    let checked = 0;
    for (const name of ['businessDayConvention', 'calendar', 'endOfMonthConvention', 'dayCountConvention'])
      for (const { acronym } of terms[name].allowedValues) {
        expect(issuesOf({ ...ann, [name]: acronym }), `${name} ${acronym}`).toEqual([]);
        expect(issuesOf({ ...clm, [name]: acronym }), `${name} ${acronym}`).toEqual([]);
        checked++;
      }
    expect(checked).toBeGreaterThanOrEqual(9 + 2 + 2 + 6);
  });
  // the dictionary names every enumeration value by acronym and identifier, and writes its own
  // defaults in either, in any case (endOfMonthConvention "sd", businessDayConvention "nos",
  // calendar "noCalendar"): each such spelling is that value; anything else is still refused
  it('enumeration values spelt as the dictionary names them (acronym or identifier, any case) are their acronyms', () => {
    const parsed = (raw: Record<string, unknown>) => parseTerms({ ...pam, ...raw });
    expect(parsed({ endOfMonthConvention: 'sd' }).endOfMonthConvention).toBe('SD');
    expect(parsed({ endOfMonthConvention: 'endOfMonth' }).endOfMonthConvention).toBe('EOM');
    expect(parsed({ businessDayConvention: 'nos' }).businessDayConvention).toBe('NOS');
    expect(parsed({ businessDayConvention: 'shiftCalculateModifiedFollowing' }).businessDayConvention).toBe('SCMF');
    // option 8 is listed with the acronym SCMP by mistake: its identifier is CSMP's
    expect(parsed({ businessDayConvention: 'calculateShiftModifiedPreceding' }).businessDayConvention).toBe('CSMP');
    expect(parsed({ calendar: 'noCalendar' }).calendar).toBe('NC');
    expect(parsed({ calendar: 'MondayToFriday' }).calendar).toBe('MF');
    expect(parsed({ dayCountConvention: 'actualThreeSixtyFive' }).dayCountConvention).toBe('A365');
    expect(parsed({ contractRole: 'rpa' }).contractRole).toBe('RPA');
    expect(parsed({ arrayFixedVariable: 'fixedRate,V' }).arrayFixedVariable).toEqual(['F', 'V']);
    for (const [term, bad] of [['businessDayConvention', 'NULL'], ['calendar', 'NoHoliday'], ['endOfMonthConvention', 'end of month'], ['dayCountConvention', 'ACT/365']])
      expect(issuesOf({ ...pam, [term]: bad }), bad).toEqual([{ term, reason: expect.stringMatching(/^unknown value/) }]);
    // the contract type routes a contract before its terms are parsed: its acronym only
    expect(() => computeEvents({ ...pam, contractType: 'principalAtMaturity' })).toThrow(InvalidTermsError);
    // the same contract with either spelling gives the same events
    expect(computeEvents({ ...pam, businessDayConvention: 'shiftCalculateFollowing', calendar: 'mondayToFriday' })).toEqual(computeEvents({ ...pam, businessDayConvention: 'SCF', calendar: 'MF' }));
  });
  // dictionary "Cycle": "[ISO8601 Duration]L[s={0,1}]"; spec "Schedule": NPS with S '+' or '-';
  // dictionary "Period" (xDayNotice): "ISO8601 Duration"
  it('cycles as ISO 8601 durations (combined units too) with L0/L1, or in the spec form 1W-, and periods as ISO 8601 durations are accepted', () => {
    for (const c of ['P1ML0', 'P1ML1', 'P1WL1', 'P10DL0', 'P1QL1', 'P1HL0', 'P1YL1', 'P1Y6ML1', 'P1M15DL0', 'P2W3DL1', '1M-', '1Q+', '1W-', '10D+']) {
      expect(issuesOf({ ...pam, contractType: 'ANN', cycleOfPrincipalRedemption: c, cycleOfInterestPayment: c }), c).toEqual([]);
      expect(issuesOf({ ...pam, contractType: 'CLM', maturityDate: undefined, xDayNotice: 'P1M', cycleOfInterestPayment: c, cycleAnchorDateOfInterestPayment: undefined }), c).toEqual([]);
    }
    for (const p of ['P0D', 'P31D', 'P3W', 'P1M', 'P1Y2M', 'P1M15D']) expect(issuesOf({ ...pam, contractType: 'CLM', maturityDate: undefined, xDayNotice: p }), p).toEqual([]);
    for (const bad of ['P1M', '1M', 'P0ML1', 'monthly', 'P1ML2']) expect(issuesOf({ ...pam, cycleOfInterestPayment: bad }).map((i) => i.term), bad).toEqual(['cycleOfInterestPayment']);
  });
  it('a negative notional of an RPA contract is refused, not paid out with the wrong sign', () => {
    // spec POF_IED_PAM = X^CNTRL_t · (−1) · (NT + PDIED): with NT < 0 the lender would receive at IED
    expect(() => computeEvents({ ...pam, notionalPrincipal: '-1000' })).toThrow(/notionalPrincipal: must not be negative/);
    expect(computeEvents(pam)[0]).toMatchObject({ type: 'IED', payoff: -1000 });
  });
});

function parseIssues(raw: Record<string, unknown>): TermIssue[] {
  const issues: TermIssue[] = [];
  parseTermsInto(raw, issues);
  return issues;
}

describe('bounded messages', () => {
  it('quote a short prefix of a huge value, with its length', () => {
    const huge = 'x'.repeat(5_000_000);
    const issues = issuesOf({ ...pam, notionalPrincipal: huge });
    expect(issues).toEqual([{ term: 'notionalPrincipal', reason: `not a finite number: "${'x'.repeat(40)}"… (5000000 chars)` }]);
    expect(messageOf({ ...pam, notionalPrincipal: huge }).length).toBeLessThan(200);
    expect(messageOf({ ...pam, [huge]: '1' }).length).toBeLessThan(MAX_TERMS_MESSAGE + 50);
    expect(messageOf({ ...pam, contractID: huge, notionalPrincipal: 'abc' }).length).toBeLessThan(MAX_TERMS_MESSAGE + 50);
  });
  it('an InvalidTermsError lists the first issues and how many more; `issues` keeps them all', () => {
    const raw: Record<string, unknown> = { ...pam };
    for (let i = 0; i < 100; i++) raw[`unknownTermNumber${i}`] = 'v';
    let err: InvalidTermsError | undefined;
    try {
      prepareContract(raw);
    } catch (e) {
      err = e as InvalidTermsError;
    }
    expect(err).toBeInstanceOf(InvalidTermsError);
    expect(err!.issues).toHaveLength(100);
    expect(err!.message.length).toBeLessThanOrEqual(MAX_TERMS_MESSAGE);
    expect(err!.message).toMatch(/^invalid terms of loan-1: unknownTermNumber0: unknown term 'unknownTermNumber0'/);
    const shown = err!.message.split('; ').length - 1;
    expect(err!.message).toMatch(new RegExp(`; and ${100 - shown} more$`));
  });
});

describe('children of composite contracts', () => {
  const coverage = {
    contractType: 'PAM', contractID: 'loan', contractRole: 'RPA', currency: 'USD', statusDate: '2020-01-01T00:00:00',
    initialExchangeDate: '2020-01-02T00:00:00', maturityDate: '2020-12-31T00:00:00', notionalPrincipal: '1000000',
    nominalInterestRate: '0.03', dayCountConvention: 'A365',
  };
  const collateral = { contractType: 'COM', contractID: 'gold', currency: 'USD', contractRole: 'RPA', marketObjectCode: 'GOLD', quantity: '1' };
  const cec = (child: Record<string, unknown>, covi: Record<string, unknown>) => ({
    contractType: 'CEC', contractID: 'cec', contractRole: 'BUY', statusDate: '2020-01-01T00:00:00', maturityDate: '2020-12-31T00:00:00',
    coverageOfCreditEnhancement: '1.0', creditEventTypeCovered: ['DF'], currency: 'USD',
    contractStructure: [
      { object: child, referenceType: 'CNT', referenceRole: 'COVE' },
      { object: covi, referenceType: 'CNT', referenceRole: 'COVI' },
    ],
  });
  it('a misspelt term of a computed child is named <child>.<term>', () => {
    const issues = issuesOf(cec({ ...coverage, notionalPrincipl: '1' }, collateral));
    expect(issues).toContainEqual({ term: 'loan.notionalPrincipl', reason: "unknown term 'notionalPrincipl' (did you mean 'notionalPrincipal'?)" });
  });
  it('a misspelt term of a child only read (CEC collateral) is named too', () => {
    expect(issuesOf(cec(coverage, collateral))).toEqual([]);
    // the quantity of collateral held: misspelt, its default 1 would be used unseen
    const { quantity, ...rest } = collateral;
    expect(issuesOf(cec(coverage, { ...rest, quantty: quantity }))).toEqual([
      { term: 'gold.quantty', reason: "unknown term 'quantty' (did you mean 'quantity'?)" },
    ]);
  });
});
