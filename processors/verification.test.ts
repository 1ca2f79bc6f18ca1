// The reconciliation's pure parts: the expectation of a contract from its source rows, and the
// comparison of an expectation with stored rows (every field, every verdict kind).
import { describe, expect, it } from 'vitest';
import type { CashflowRow, CashflowVersion, ContractRow } from '../db/database.js';
import { checkResult, compareResult, expectedResult, mismatchCount, prepareExpectation, seriesOf, storedContractOf, type ExpectedResult, type StoredResult } from './verification.js';

// 1,000 at 5 % on 30E/360, half-yearly interest: IED -1000, two IP of 25, MD +1000 (RPA),
// computed by hand from the spec's POF_IED_PAM, POF_IP_PAM (Y(t-1,t) = 0.5), POF_MD_PAM.
const pam: ContractRow = {
  contractId: 'P1',
  contractType: 'PAM',
  terms: JSON.stringify({
    contractType: 'PAM',
    contractRole: 'RPA',
    currency: 'EUR',
    statusDate: '2019-12-31T00:00:00',
    initialExchangeDate: '2020-01-01T00:00:00',
    maturityDate: '2021-01-01T00:00:00',
    notionalPrincipal: '1000',
    nominalInterestRate: '0.05',
    dayCountConvention: '30E360',
    cycleAnchorDateOfInterestPayment: '2020-07-01T00:00:00',
    cycleOfInterestPayment: 'P6ML0',
  }),
};

function expectationOf(row: ContractRow | undefined, id = row?.contractId ?? 'X'): ExpectedResult {
  return expectedResult(prepareExpectation(id, row), new Map(), new Map(), 'P30Y');
}

function storedOf(e: ExpectedResult, version = 7): StoredResult {
  const v: CashflowVersion = {
    contractId: e.contractId,
    version,
    fingerprint: e.fingerprint,
    eventCount: e.events.length,
    computedAt: '2026-12-01T00:00:00',
    status: e.status === 'computed' || e.status === 'waiting' ? e.status : 'deleted',
    reason: e.reason,
  };
  const rows: CashflowRow[] = e.events.map((ev, seq) => ({
    contractId: e.contractId,
    seq,
    eventDate: ev.eventDate,
    eventType: ev.eventType,
    currency: ev.currency,
    payoff: ev.payoff,
    notionalPrincipal: ev.notionalPrincipal,
    nominalInterestRate: ev.nominalInterestRate,
    accruedInterest: ev.accruedInterest,
    version,
  }));
  return { contractId: e.contractId, version: v, rows };
}

describe('expectedResult (the calculator computation from source rows)', () => {
  it('computes a PAM from its contracts row as hand-computed from the spec', () => {
    const e = expectationOf(pam);
    expect(e.status).toBe('computed');
    expect(e.events.map((x) => [x.eventDate, x.eventType, x.payoff, x.currency])).toEqual([
      ['2020-01-01T00:00:00', 'IED', -1000, 'EUR'],
      ['2020-07-01T00:00:00', 'IP', 25, 'EUR'],
      ['2021-01-01T00:00:00', 'IP', 25, 'EUR'],
      ['2021-01-01T00:00:00', 'MD', 1000, 'EUR'],
    ]);
    expect(e.events[1].notionalPrincipal).toBe(1000);
    expect(e.events[1].nominalInterestRate).toBe(0.05);
    expect(e.fingerprint).toMatch(/\S/);
  });

  it('a contract absent from contracts is expected deleted; terms the ingest refuses are rejected', () => {
    expect(expectationOf(undefined, 'gone').status).toBe('deleted');
    const bad = expectationOf({ contractId: 'B', contractType: 'PAM', terms: '{not json' });
    expect(bad.status).toBe('rejected');
    expect(bad.reason).toContain('not JSON');
  });

  it('a rate reset without its market data is expected waiting with the engine reason; with the data, computed', () => {
    const terms = { ...JSON.parse(pam.terms), cycleOfRateReset: 'P6ML1', cycleAnchorDateOfRateReset: '2020-07-01T00:00:00', marketObjectCodeOfRateReset: 'EUR.X' };
    const row = { ...pam, terms: JSON.stringify(terms) };
    const p = prepareExpectation('P1', row);
    expect(p.deps).toEqual(['EUR.X']);
    const waiting = expectedResult(p, new Map(), new Map(), 'P30Y');
    expect(waiting.status).toBe('waiting');
    expect(waiting.reason).toContain('EUR.X');
    const series = seriesOf([{ marketObjectCode: 'EUR.X', observedAt: '2020-01-01T00:00:00', value: 0.07 }]);
    const computed = expectedResult(p, series, new Map(), 'P30Y');
    expect(computed.status).toBe('computed');
    // the reset at 2020-07-01 sets the rate to 0.07: the second IP is 1000 × 0.07 × 0.5
    expect(computed.events.filter((x) => x.eventType === 'IP').map((x) => x.payoff)).toEqual([25, 35]);
  });

  it('market data rows of NaN or ±Infinity are left out of the series, as market-ingest dead-letters them', () => {
    const terms = { ...JSON.parse(pam.terms), cycleOfRateReset: 'P6ML1', cycleAnchorDateOfRateReset: '2020-07-01T00:00:00', marketObjectCodeOfRateReset: 'EUR.X' };
    const p = prepareExpectation('P1', { ...pam, terms: JSON.stringify(terms) });
    const series = seriesOf([
      { marketObjectCode: 'EUR.X', observedAt: '2020-01-01T00:00:00', value: 0.07 },
      { marketObjectCode: 'EUR.X', observedAt: '2020-03-01T00:00:00', value: NaN },
      { marketObjectCode: 'EUR.X', observedAt: '2020-04-01T00:00:00', value: Infinity },
      { marketObjectCode: 'EUR.X', observedAt: '2020-05-01T00:00:00', value: -Infinity },
    ]);
    expect(series.get('EUR.X')!.points.map((x) => x.value)).toEqual([0.07]);
    // the reset at 2020-07-01 takes the last finite observation, 0.07
    expect(expectedResult(p, series, new Map(), 'P30Y').events.filter((x) => x.eventType === 'IP').map((x) => x.payoff)).toEqual([25, 35]);
  });

  it('an observed event of NaN value is left out (contract-ingest dead-letters it); one without a value is kept', () => {
    const events = [
      { contractId: 'P1', eventType: 'CE', observedAt: '2020-03-01T00:00:00', value: NaN, states: null },
      { contractId: 'P1', eventType: 'CE', observedAt: '2020-04-01T00:00:00', value: null, states: null },
    ];
    const stored = storedContractOf(pam, events);
    expect(Object.values(stored.events).map((x) => [x.observedAt, x.value])).toEqual([['2020-04-01T00:00:00', null]]);
  });
});

describe('compareResult', () => {
  const e = expectationOf(pam);

  it('the stored copy of the expectation is equal', () => {
    expect(compareResult(e, storedOf(e))).toMatchObject({ kind: 'equal', differences: [] });
  });

  it('each stored field altered is a differing contract naming seq, field, expected and found', () => {
    const cases: [keyof CashflowRow, unknown][] = [
      ['eventDate', '2020-07-01T00:00:01'],
      ['eventType', 'PR'],
      ['currency', 'USD'],
      ['payoff', 25.000000000000004], // one ulp: compared to the bit
      ['notionalPrincipal', 999],
      ['nominalInterestRate', 0.0500001],
      ['accruedInterest', 1e-300],
      ['version', 6],
    ];
    for (const [field, value] of cases) {
      const s = storedOf(e);
      (s.rows[1] as unknown as Record<string, unknown>)[field] = value;
      const v = compareResult(e, s);
      expect(v.kind, field).toBe('differing');
      expect(v.differences, field).toEqual([{ contractId: 'P1', seq: 1, field, expected: field === 'version' ? 7 : (e.events[1] as unknown as Record<string, unknown>)[field], found: value }]);
    }
  });

  it('a version row field altered (fingerprint, event count, status) is differing when the rows still equal', () => {
    const s = storedOf(e);
    s.version!.fingerprint = 'other';
    expect(compareResult(e, s)).toMatchObject({ kind: 'differing', differences: [{ seq: null, field: 'fingerprint', found: 'other' }] });
    const c = storedOf(e);
    c.version!.eventCount = 3;
    expect(compareResult(e, c).kind).toBe('differing');
  });

  it('a row deleted or added is differing; all rows gone or no version row is missing', () => {
    const s = storedOf(e);
    s.rows.splice(2, 1);
    expect(compareResult(e, s).kind).toBe('differing');
    const none = storedOf(e);
    none.rows = [];
    expect(compareResult(e, none).kind).toBe('missing');
    expect(compareResult(e, { contractId: 'P1', version: null, rows: [] })).toMatchObject({ kind: 'missing', storedVersion: null });
    const plus = storedOf(e);
    plus.rows.push({ ...plus.rows[3], seq: 4 });
    expect(compareResult(e, plus)).toMatchObject({ kind: 'differing', differences: [{ seq: null, field: 'rows', expected: 4, found: 5 }, { seq: 4, field: 'row', expected: null, found: 'present' }] });
  });

  it('a whole result of other terms is stale', () => {
    const older = expectationOf({ ...pam, terms: pam.terms.replace('"1000"', '"900"') });
    const v = compareResult(e, storedOf(older, 3));
    expect(v.kind).toBe('stale');
    expect(v.storedVersion).toBe(3);
    expect(v.differences[0]).toMatchObject({ field: 'fingerprint' });
    expect(v.differences.some((d) => d.field === 'payoff' && d.seq === 0 && d.expected === -1000 && d.found === -900)).toBe(true);
  });

  it('rows or a live version row of a contract absent from contracts are extra; a deleted marker is equal', () => {
    const gone = expectationOf(undefined, 'P1');
    expect(compareResult(gone, storedOf(e)).kind).toBe('extra');
    expect(compareResult(gone, { contractId: 'P1', version: null, rows: storedOf(e).rows }).kind).toBe('extra');
    expect(compareResult(gone, { contractId: 'P1', version: null, rows: [] }).kind).toBe('equal');
    const marker = storedOf(e);
    marker.version!.status = 'deleted';
    marker.version!.eventCount = 0;
    marker.rows = [];
    expect(compareResult(gone, marker).kind).toBe('equal');
  });

  it('rejected terms are not compared', () => {
    const bad = expectationOf({ contractId: 'P1', contractType: 'PAM', terms: '[]' });
    expect(compareResult(bad, { contractId: 'P1', version: null, rows: [] }).kind).toBe('rejected');
  });

  it('keeps at most maxDifferences per contract', () => {
    const s = storedOf(e);
    for (const r of s.rows) r.payoff += 1;
    expect(compareResult(e, s, 2).differences).toHaveLength(2);
    expect(mismatchCount({ checked: 5, equal: 1, missing: 1, stale: 1, extra: 1, differing: 1, waiting: 0, deleted: 0, rejected: 0, rows: 0 })).toBe(4);
  });
});

describe('checkResult (the equal case decided on the engine events in place)', () => {
  const p = prepareExpectation('P1', pam);
  const e = expectationOf(pam);
  const check = (s: StoredResult) => checkResult(p, new Map(), new Map(), 'P30Y', s);

  it('gives the verdict of compareResult(expectedResult) for the stored copy and for every alteration', () => {
    const alterations: [string, (s: StoredResult) => void][] = [
      ['none', () => {}],
      ...(
        [
          ['eventDate', '2020-07-01T00:00:01'],
          ['eventDate', 'infinity'],
          ['eventDate', '2020-06-31T00:00:00'],
          ['eventDate', '2020-07-01T00:00:00.5'],
          ['eventType', ''],
          ['eventType', 'PR'],
          ['currency', 'USD'],
          ['currency', null],
          ['payoff', 25.000000000000004],
          ['payoff', NaN],
          ['notionalPrincipal', 999],
          ['notionalPrincipal', null],
          ['nominalInterestRate', 0.0500001],
          ['accruedInterest', 1e-300],
          ['version', 6],
          ['seq', 2],
        ] as [keyof CashflowRow, unknown][]
      ).map(([field, value]): [string, (s: StoredResult) => void] => [`${field} ${String(value)}`, (s) => ((s.rows[1] as unknown as Record<string, unknown>)[field] = value)]),
      ['payoff -0 for 0', (s) => (s.rows[0].payoff === 0 ? (s.rows[0].payoff = -0) : undefined)],
      ['fingerprint', (s) => (s.version!.fingerprint = 'other')],
      ['fingerprint null', (s) => (s.version!.fingerprint = null)],
      ['event count', (s) => (s.version!.eventCount = 3)],
      ['status', (s) => (s.version!.status = 'waiting')],
      ['a row deleted', (s) => s.rows.pop()],
      ['no version row', (s) => (s.version = null)],
      ['no rows', (s) => (s.rows = [])],
    ];
    for (const [name, alter] of alterations) {
      const s = storedOf(e);
      alter(s);
      expect(check(s), name).toEqual(compareResult(e, s));
    }
    expect(check(storedOf(e)).kind).toBe('equal');
  });

  it('decided expectations (deleted, rejected) as compareResult', () => {
    const gone = prepareExpectation('P9', undefined);
    expect(checkResult(gone, new Map(), new Map(), 'P30Y', storedOf(e))).toEqual(compareResult(expectationOf(undefined, 'P9'), storedOf(e)));
  });
});
