import { describe, expect, it } from 'vitest';
import { NULL_ACCRUED, NULL_NOTIONAL, NULL_RATE } from '../cashflow-columns.js';
import { CopyFormatError, decodeCashflowCopy, secondOfPgTimestamp } from './copy-read.js';
import { literalSelectionWhere } from './verification-reads.js';

// COPY binary bytes written by hand from PostgreSQL's documented format (COPY, "Binary Format"):
// signature, int32 flags, int32 header extension length; per tuple int16 field count, then per
// field int32 length (-1 for NULL) and the value in network order; int16 -1 ends the stream.
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}
function field(value: Buffer | null): Buffer {
  if (value === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(value.length);
  return Buffer.concat([len, value]);
}
const int4 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const int8 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
};
const float8 = (v: number | null) => {
  if (v === null) return null;
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
};
const text = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));

interface Row {
  id: string;
  seq: number;
  us: bigint;
  type: string;
  currency: string | null;
  payoff: number;
  np: number | null;
  ipnr: number | null;
  ipac: number | null;
  version: bigint;
}
function copyBytes(rows: Row[], extension: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from(SIGNATURE), int4(0), int4(extension.length), extension];
  for (const r of rows) {
    parts.push(int16(10));
    for (const f of [text(r.id), int4(r.seq), int8(r.us), text(r.type), text(r.currency), float8(r.payoff), float8(r.np), float8(r.ipnr), float8(r.ipac), int8(r.version)]) parts.push(field(f));
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

// µs since 2000-01-01 worked out by hand: 2027-01-01 is 27 years of 365 days + 7 leap days
// (2000, 2004, …, 2024) = 9,862 days after; 23:59:59 is 86,399 s into the day.
const US_2027_01_01_235959 = (9862n * 86400n + 86399n) * 1_000_000n;
// 9999-12-31T23:59:59: 8,000 years less one day = 2,921,940 days, minus one second
const US_9999_12_31_235959 = (2_921_940n * 86400n - 1n) * 1_000_000n + 999_999n;

const row = (over: Partial<Row>): Row => ({ id: 'c-1', seq: 0, us: US_2027_01_01_235959, type: 'IP', currency: 'USD', payoff: 1, np: null, ipnr: null, ipac: null, version: 1n, ...over });

describe('COPY binary read of contract_cashflows', () => {
  it('decodes every field as the text read gives it: doubles to the bit, nulls, dates cut to seconds, big versions', () => {
    const awkward = [0.1 + 0.2, 5e-324, -0, NaN, -Infinity, 1.7976931348623157e308];
    const rows: Row[] = awkward.map((x, i) => row({ id: i < 3 ? 'ä-€' : 'c-2', seq: i, payoff: x, np: i % 2 ? null : x / 3, ipnr: i % 3 ? x : null, ipac: -x, currency: i % 2 ? null : 'EUR', type: i % 2 ? 'PR' : 'IP', version: 2n ** 52n + 3n }));
    rows.push(row({ id: 'c-3', us: -1n, version: -5n })); // one µs before 2000: 1999-12-31T23:59:59.999999
    rows.push(row({ id: 'c-3', seq: 1, us: US_9999_12_31_235959, version: 2n ** 40n * 1000n + 7n }));
    const got = decodeCashflowCopy(copyBytes(rows, Buffer.from('ext')))!.toRows();
    expect(got.length).toBe(8);
    for (let i = 0; i < awkward.length; i++) {
      const x = awkward[i];
      expect(got[i].contractId).toBe(i < 3 ? 'ä-€' : 'c-2');
      expect(got[i].seq).toBe(i);
      expect(Object.is(got[i].payoff, x), `payoff ${x}`).toBe(true);
      expect(Object.is(got[i].notionalPrincipal, i % 2 ? null : x / 3)).toBe(true);
      expect(Object.is(got[i].nominalInterestRate, i % 3 ? x : null)).toBe(true);
      expect(Object.is(got[i].accruedInterest, -x)).toBe(true);
      expect(got[i].currency).toBe(i % 2 ? null : 'EUR');
      expect(got[i].eventType).toBe(i % 2 ? 'PR' : 'IP');
      expect(got[i].eventDate).toBe('2027-01-01T23:59:59');
      expect(got[i].version).toBe(4503599627370499);
    }
    expect(got[6]).toMatchObject({ contractId: 'c-3', eventDate: '1999-12-31T23:59:59', version: -5 });
    expect(got[7]).toMatchObject({ seq: 1, eventDate: '9999-12-31T23:59:59', version: 1099511627776007 });
  });

  it('gives up (undefined: the caller reads the text) on timestamps whose text has another form', () => {
    // infinity is int64's maximum; year 10000 and BC years print differently as text
    expect(decodeCashflowCopy(copyBytes([row({ us: 2n ** 63n - 1n })]))).toBeUndefined();
    expect(decodeCashflowCopy(copyBytes([row({ us: -(2n ** 63n) })]))).toBeUndefined();
    expect(decodeCashflowCopy(copyBytes([row({ us: US_9999_12_31_235959 + 1n })]))).toBeUndefined();
    expect(secondOfPgTimestamp(0, 0)).toBe(946_684_800); // 2000-01-01T00:00:00Z, 10,957 days after 1970
  });

  it('an empty result is no rows', () => {
    const none = decodeCashflowCopy(copyBytes([]))!;
    expect([none.length, none.runIds]).toEqual([0, []]);
  });

  it('holds the rows as columns: a run per contract, texts as codes, null bits, dates as seconds since 1970', () => {
    const got = decodeCashflowCopy(
      copyBytes([
        row({ id: 'a', seq: 0, type: 'IED', currency: 'USD', np: 5, ipnr: null, ipac: 0.5 }),
        row({ id: 'a', seq: 1, type: 'IP', currency: null, np: null, ipnr: 0.25, ipac: null }),
        row({ id: 'b', seq: 0, us: 0n, type: 'IP', currency: 'USD', np: null, ipnr: null, ipac: null }),
      ]),
    )!;
    expect(got.length).toBe(3);
    expect(got.runIds).toEqual(['a', 'b']);
    expect([got.runStarts, got.runEnd(0), got.runEnd(1)]).toEqual([[0, 2], 2, 3]);
    // codes into texts, 0 = NULL currency; a repeated text keeps its code
    expect([...got.eventType.subarray(0, 3)].map((c) => got.texts[c])).toEqual(['IED', 'IP', 'IP']);
    expect([...got.currency.subarray(0, 3)].map((c) => got.texts[c])).toEqual(['USD', null, 'USD']);
    expect(got.eventType[1]).toBe(got.eventType[2]);
    expect([...got.nulls.subarray(0, 3)]).toEqual([NULL_RATE, NULL_NOTIONAL | NULL_ACCRUED, NULL_NOTIONAL | NULL_RATE | NULL_ACCRUED]);
    expect([got.notionalPrincipal[0], got.accruedInterest[0], got.nominalInterestRate[1]]).toEqual([5, 0.5, 0.25]);
    // 2027-01-01T23:59:59Z: 20,819 days after 1970 (1970–2026: 57 years, 14 leap days), 86,399 s into the day
    expect(got.second[0]).toBe(20_819 * 86_400 + 86_399);
    expect(got.second[2]).toBe(946_684_800);
    expect([...got.seq.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect(got.version[0]).toBe(1);
  });

  it('refuses bytes that are not these columns, with the reason', () => {
    const good = copyBytes([row({})]);
    expect(() => decodeCashflowCopy(Buffer.from('COPY'))).toThrow(CopyFormatError);
    expect(() => decodeCashflowCopy(good.subarray(0, good.length - 5))).toThrow(/truncated/);
    expect(() => decodeCashflowCopy(Buffer.concat([good, Buffer.from([0])]))).toThrow(/after the trailer/);
    const nullPayoff = copyBytes([row({})]);
    // payoff is the 6th field: its NULL is refused (the column is NOT NULL; a NULL here is a wrong query)
    const bad = Buffer.concat([nullPayoff.subarray(0, 19 + 2), field(text('c-1')), field(int4(0)), field(int8(0n)), field(text('IP')), field(null), field(null), field(null), field(null), field(null), field(int8(1n)), int16(-1)]);
    expect(() => decodeCashflowCopy(bad)).toThrow(/payoff: field length -1/);
    const fewer = Buffer.concat([good.subarray(0, 19), int16(3)]);
    expect(() => decodeCashflowCopy(fewer)).toThrow(/3 fields/);
  });

  it('writes the selection as literals through the quoting function', () => {
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    expect(literalSelectionWhere({ ids: ["a'b", 'c'] }, q)).toBe(`contract_id = ANY(ARRAY['a''b','c']::text[])`);
    expect(literalSelectionWhere({ ids: [] }, q)).toBe('false');
    expect(literalSelectionWhere({ after: 'x', through: 'y' }, q)).toBe(`contract_id > 'x' AND contract_id <= 'y'`);
    expect(literalSelectionWhere({ after: null, through: null }, q)).toBe('true');
  });
});
