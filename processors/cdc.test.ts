import { describe, expect, it } from 'vitest';
import { CdcDecodeError, decodeChangeEvent, positionOf } from './cdc.js';

// a market_data row's schema, as Debezium sends it for `before` and `after` alike
const marketDataRow = (field: 'before' | 'after') => ({
  field,
  type: 'struct',
  fields: [
    { field: 'market_object_code', type: 'string' },
    { field: 'observed_at', type: 'int64', name: 'io.debezium.time.MicroTimestamp' },
    { field: 'value', type: 'double' },
  ],
});
const pgInsert = {
  schema: { type: 'struct', fields: [marketDataRow('before'), marketDataRow('after')] },
  payload: {
    before: null,
    after: { market_object_code: 'USD.SOFR', observed_at: Date.UTC(2024, 0, 2, 23, 59, 59) * 1000, value: 0.05 },
    source: { table: 'market_data', lsn: 123456, ts_ms: 1700000000000 },
    op: 'c',
    ts_ms: 1700000000100,
  },
};

describe('decodeChangeEvent', () => {
  it('decodes a PostgreSQL insert with schema and turns micro timestamps into local date-times', () => {
    const e = decodeChangeEvent(Buffer.from(JSON.stringify(pgInsert)))!;
    expect(e.op).toBe('c');
    expect(e.after).toEqual({ market_object_code: 'USD.SOFR', observed_at: '2024-01-02T23:59:59', value: 0.05 });
    expect(e.position).toBe(123456);
    expect(e.committedAtMs).toBe(1700000000000);
    expect(e.table).toBe('market_data');
  });

  it('decodes a schemaless envelope and a SQL Server delete', () => {
    const e = decodeChangeEvent(
      JSON.stringify({
        before: { contract_id: 'c1' },
        after: null,
        source: { table: 'contracts', change_lsn: '00000027:00000758:0003', commit_lsn: '00000027:00000758:0005' },
        op: 'd',
      }),
    )!;
    expect(e.op).toBe('d');
    expect(e.after).toBeNull();
    expect(e.position).toBe(0x27 * 2 ** 21); // commit LSN >> 27 (processors/cdc.ts positionOf)
    expect(e.order).toBe('00000027000007580005' + '00000027000007580003' + '0'.repeat(16));
  });

  it('treats tombstones as nothing', () => {
    expect(decodeChangeEvent(null)).toBeNull();
    expect(decodeChangeEvent(Buffer.alloc(0))).toBeNull();
  });

  it('rejects what is not a change event, saying why', () => {
    expect(() => decodeChangeEvent('{oops')).toThrow(CdcDecodeError);
    expect(() => decodeChangeEvent('{"op":"x","source":{"lsn":1}}')).toThrow(/unknown op/);
    expect(() => decodeChangeEvent('{"op":"c","after":{},"source":{}}')).toThrow(/no commit position/);
  });

  it('orders SQL Server LSNs like the log', () => {
    const a = positionOf({ commit_lsn: '00000027:00000758:0003' });
    const b = positionOf({ commit_lsn: '00000027:00000759:0001' });
    const c = positionOf({ commit_lsn: '00000028:00000001:0001' });
    // never decreasing; changes within the same 1 MB of log share the number
    expect(a).toBeLessThanOrEqual(b);
    expect(b).toBeLessThan(c);
  });
});
