// Values SQL Server would refuse in a bulk load (or for a whole batch), named before they are sent.
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { assertWritableResults, UnwritableResultError } from '../database.js';
import { assertBulkValues, BulkValueError } from './bulk.js';
import { ID_LENGTH } from './tsql.js';

describe('values SQL Server would refuse, named before they are sent', () => {
  const ok = { contractId: 'K', version: 1, fingerprint: 'f', status: 'computed' as const, reason: null, computedAt: '2026-01-01T00:00:00', events: [] };

  it('an id over nvarchar(200): UnwritableResultError for results, BulkValueError for the source writers (not Msg 4815)', () => {
    const long = 'x'.repeat(ID_LENGTH + 1);
    expect(() => assertWritableResults([{ ...ok, contractId: long }], { maxIdLength: ID_LENGTH })).toThrow(UnwritableResultError);
    expect(() => assertWritableResults([{ ...ok, contractId: long }], { maxIdLength: ID_LENGTH })).toThrow(/201 characters, the column holds 200/);
    expect(() => assertWritableResults([{ ...ok, contractId: 'x'.repeat(ID_LENGTH) }], { maxIdLength: ID_LENGTH })).not.toThrow();
    const columns: Parameters<typeof assertBulkValues<{ id: string; q: number }>>[1] = [
      ['contract_id', sql.NVarChar(ID_LENGTH), false, (r) => r.id],
      ['quantity', sql.Float, false, (r) => r.q],
    ];
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: long, q: 1 }])).toThrow(BulkValueError);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: long, q: 1 }])).toThrow(/#cf_positions\.contract_id: "x{40}"… has 201 characters, the column holds 200/);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: 'p', q: Number.POSITIVE_INFINITY }])).toThrow(/quantity: Infinity is not a finite number/);
    expect(() => assertBulkValues('#cf_positions', columns, [{ id: 'p', q: 2 }])).not.toThrow();
  });

  it('a NaN amount in any event ("Invalid number." for the whole batch otherwise)', () => {
    const ev = { eventDate: '2026-02-01T00:00:00', eventType: 'IP', currency: 'USD', payoff: 1, notionalPrincipal: 1, nominalInterestRate: Number.NaN, accruedInterest: 0, exerciseDate: null, exerciseAmount: null };
    expect(() => assertWritableResults([{ ...ok, events: [ev] }], { decodeEvents: true })).toThrow(/event 0 \(IP 2026-02-01T00:00:00\) has nominalInterestRate = NaN/);
    // not computed: no rows, nothing to check
    expect(() => assertWritableResults([{ ...ok, status: 'deleted', events: [] }])).not.toThrow();
  });
});
