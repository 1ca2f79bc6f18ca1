import { describe, expect, it } from 'vitest';
import { CashflowColumns, isoOfSecond, isPlainSecond, NULL_ACCRUED, NULL_NOTIONAL, NULL_RATE } from './cashflow-columns.js';
import type { CashflowRow } from './database.js';

const row = (over: Partial<CashflowRow>): CashflowRow => ({
  contractId: 'c-1',
  seq: 0,
  eventDate: '2027-01-01T23:59:59',
  eventType: 'IP',
  currency: 'USD',
  payoff: 1,
  notionalPrincipal: null,
  nominalInterestRate: null,
  accruedInterest: null,
  version: 1,
  ...over,
});

describe('CashflowColumns', () => {
  it('gives back the rows it was built from, field for field, doubles to the bit', () => {
    const rows = [
      row({ seq: 0, payoff: -0, notionalPrincipal: 0.1 + 0.2, accruedInterest: 5e-324, currency: null }),
      row({ seq: 1, eventType: 'PR', payoff: NaN, nominalInterestRate: -Infinity, version: 2 ** 53 }),
      row({ contractId: 'c-2', eventDate: '0001-01-01T00:00:00', eventType: 'MD', currency: 'EUR' }),
    ];
    const got = CashflowColumns.of(rows).toRows();
    expect(got).toHaveLength(3);
    for (let i = 0; i < rows.length; i++) {
      for (const k of Object.keys(rows[i]) as (keyof CashflowRow)[]) expect(Object.is(got[i][k], rows[i][k]), `row ${i} ${k}`).toBe(true);
    }
  });

  it('keeps a date that is not a plain second as its text, with NaN as its second', () => {
    // infinity (PostgreSQL's text), a day that does not exist, a fraction, years outside 1-9999
    const odd = ['infinity', '2027-02-30T00:00:00', '2027-01-01T00:00:00.5', '0000-12-31T23:59:59', '10000-01-01T00:00:00'];
    const c = CashflowColumns.of(odd.map((eventDate, seq) => row({ seq, eventDate })));
    for (let i = 0; i < odd.length; i++) {
      expect(c.second[i], odd[i]).toBeNaN();
      expect(c.row(i, 'c-1').eventDate).toBe(odd[i]);
    }
  });

  it('holds dates as seconds since 1970, types and currencies as codes, nulls as bits, and one run per contract in a row', () => {
    const c = CashflowColumns.of([
      row({ contractId: 'a', seq: 0, eventDate: '1970-01-02T00:00:01', notionalPrincipal: 3 }),
      row({ contractId: 'a', seq: 1, currency: null, nominalInterestRate: 0.5 }),
      row({ contractId: 'b', seq: 0, eventType: 'IED', accruedInterest: 2 }),
      row({ contractId: 'a', seq: 2 }), // a second run of the same contract: the readers' order is kept
    ]);
    expect(c.second[0]).toBe(86_401);
    expect(c.runIds).toEqual(['a', 'b', 'a']);
    expect([0, 1, 2].map((k) => [c.runStarts[k], c.runEnd(k)])).toEqual([[0, 2], [2, 3], [3, 4]]);
    expect([...c.eventType].map((code) => c.texts[code])).toEqual(['IP', 'IP', 'IED', 'IP']);
    expect([...c.currency].map((code) => c.texts[code])).toEqual(['USD', null, 'USD', 'USD']);
    expect([...c.nulls]).toEqual([NULL_RATE | NULL_ACCRUED, NULL_NOTIONAL | NULL_ACCRUED, NULL_NOTIONAL | NULL_RATE, NULL_NOTIONAL | NULL_RATE | NULL_ACCRUED]);
    expect(c.rowsOf(3, 4, 'a')).toEqual([row({ contractId: 'a', seq: 2 })]);
  });

  it('grows past its first capacity', () => {
    const c = new CashflowColumns(1);
    for (let seq = 0; seq < 100; seq++) c.push(row({ seq, payoff: seq / 7 }));
    expect(c.length).toBe(100);
    expect(c.capacity).toBeGreaterThanOrEqual(100);
    expect(c.toRows().map((r) => r.payoff)).toEqual(Array.from({ length: 100 }, (_, s) => s / 7));
  });

  it('plain seconds: years 1 to 9999, whole seconds', () => {
    expect(isoOfSecond(0)).toBe('1970-01-01T00:00:00');
    expect(isPlainSecond(-62_135_596_800)).toBe(true); // 0001-01-01T00:00:00Z
    expect(isPlainSecond(-62_135_596_801)).toBe(false);
    expect(isPlainSecond(253_402_300_799)).toBe(true); // 9999-12-31T23:59:59Z
    expect(isPlainSecond(253_402_300_800)).toBe(false);
    expect(isPlainSecond(0.5)).toBe(false);
  });
});
