// Positions of real Debezium SQL Server change events: every change of one transaction shares
// its commit_lsn, and LSNs outgrow any packing into 53 bits. The envelopes below are the
// connector's documented shapes (Debezium SQL Server connector documentation, "Change event
// values": create/update/delete examples with source.change_lsn, commit_lsn, event_serial_no;
// field names and types as in SqlServerSourceInfoStructMaker of debezium-connector-sqlserver
// 3.6.1: change_lsn, commit_lsn optional strings, event_serial_no optional int64).
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { changeRecord, context } from '../test/support/processor-fixtures.js';
import { decodeChangeEvent, isLaterChange, mssqlLsn, positionOf, sourceOrderOf, type ChangeEvent } from './cdc.js';
import { contractIngest } from './contract-ingest.js';
import { marketIngest } from './market-ingest.js';

const pam = {
  contractType: 'PAM', statusDate: '2012-12-30T00:00:00', currency: 'USD', notionalPrincipal: '3000',
  initialExchangeDate: '2013-01-01T00:00:00', maturityDate: '2014-01-01T00:00:00', nominalInterestRate: '0.1',
  dayCountConvention: 'A365', contractRole: 'RPA',
};

/** A schemaless SQL Server envelope as the JsonConverter writes it (schemas.enable=false). */
function mssqlEvent(op: 'c' | 'u' | 'd' | 'r', table: string, row: Record<string, unknown>, source: Record<string, unknown>): ChangeEvent {
  return decodeChangeEvent(
    JSON.stringify({
      before: op === 'c' || op === 'r' ? null : row,
      after: op === 'd' ? null : row,
      source: { version: '3.6.1.Final', connector: 'sqlserver', name: 'cdc', ts_ms: 1559729468470, snapshot: op === 'r' ? 'true' : 'false', db: 'cashflow', schema: 'dbo', table, ...source },
      op,
      ts_ms: 1559729471739,
    }),
  )!;
}

describe('SQL Server positions', () => {
  it('reads the documented LSNs exactly: (commit_lsn, change_lsn, event_serial_no) as fixed-width hex', () => {
    // the documentation's create event
    const e = mssqlEvent('c', 'contracts', { contract_id: 'K' }, { change_lsn: '00000027:00000758:0003', commit_lsn: '00000027:00000758:0005', event_serial_no: '1' });
    expect(e.order).toBe('0000002700000758' + '0005' + '0000002700000758' + '0003' + '0000000000000001');
    expect(mssqlLsn('00000027:00000758:0005')).toBe(0x27n * 2n ** 48n + 0x758n * 2n ** 16n + 5n);
    // the number: commit LSN >> 27 = VLF·2^21 + block/2^11
    expect(e.position).toBe(0x27 * 2 ** 21 + Math.floor(0x758 / 2 ** 11));
  });

  it('a delete and re-insert of one key in one transaction: the insert orders after the delete', () => {
    const commit = '0000a1b2:00003f10:0009';
    const d = mssqlEvent('d', 'contracts', { contract_id: 'K' }, { change_lsn: '0000a1b2:00003f10:0002', commit_lsn: commit, event_serial_no: 1 });
    const c = mssqlEvent('c', 'contracts', { contract_id: 'K' }, { change_lsn: '0000a1b2:00003f10:0004', commit_lsn: commit, event_serial_no: 1 });
    expect(d.position).toBe(c.position); // the number cannot tell them apart
    expect(c.order > d.order).toBe(true);
    expect(isLaterChange(c, { version: d.position, order: d.order })).toBe(true);
    expect(isLaterChange(d, { version: c.position, order: c.order })).toBe(false);
    // a replay of the same change is not later
    expect(isLaterChange(c, { version: c.position, order: c.order })).toBe(false);
  });

  it('an update\'s new image (event_serial_no 2) orders after a change with the same change_lsn and serial 1', () => {
    const a = sourceOrderOf({ commit_lsn: '00000027:00000ac0:0007', change_lsn: '00000027:00000ac0:0002', event_serial_no: 1 });
    const b = sourceOrderOf({ commit_lsn: '00000027:00000ac0:0007', change_lsn: '00000027:00000ac0:0002', event_serial_no: 2 });
    expect(b > a).toBe(true);
  });

  it('LSNs at and past the old packing bounds (VLF 2^16, block 2^21) keep their order, exactly and as numbers', () => {
    // pairs (earlier, later) in log order; the old packing vlf·2^37 + block·2^16 + slot sorted
    // the later before (or equal to) the earlier in each
    const pairs: [string, string][] = [
      ['0000ffff:ffffffff:ffff', '00010000:00000001:0001'], // next VLF past 2^16
      ['00000027:001fffff:ffff', '00000027:00200000:0001'], // block at 2^21
      ['00000027:00300000:0001', '00000028:00000001:0001'], // block past 2^21, then the next VLF
      ['fffffffe:ffffffff:ffff', 'ffffffff:00000000:0001'], // the top of the range
    ];
    for (const [earlier, later] of pairs) {
      const a = { commit_lsn: earlier, change_lsn: earlier, event_serial_no: 1 };
      const b = { commit_lsn: later, change_lsn: later, event_serial_no: 1 };
      expect(sourceOrderOf(b) > sourceOrderOf(a), `${earlier} < ${later}`).toBe(true);
      expect(positionOf(b), `${earlier} ≤ ${later}`).toBeGreaterThanOrEqual(positionOf(a));
      expect(Number.isSafeInteger(positionOf(b))).toBe(true);
    }
    // the old packing of the third pair: later (0x28:1:1) < earlier (0x27:2^21:1)
    const old = (vlf: number, block: number, slot: number) => vlf * 2 ** 37 + block * 2 ** 16 + slot;
    expect(old(0x28, 1, 1)).toBeLessThan(old(0x27, 0x300000, 1));
  });

  it('snapshot reads (op r) carry commit_lsn only: change_lsn and event_serial_no null', () => {
    const r = mssqlEvent('r', 'contracts', { contract_id: 'K' }, { change_lsn: null, commit_lsn: '00000034:00000f28:0001', event_serial_no: null, snapshot: 'first' });
    expect(r.order).toBe('0000003400000f280001' + '0'.repeat(20) + '0'.repeat(16));
    const next = mssqlEvent('u', 'contracts', { contract_id: 'K' }, { change_lsn: '00000034:00000f40:0002', commit_lsn: '00000034:00000f40:0004', event_serial_no: 2 });
    expect(next.order > r.order).toBe(true);
  });

  it('the tombstone after a delete (tombstones.on.delete=true: same key, null value) decodes to nothing; the d event carried the change', () => {
    expect(decodeChangeEvent(null)).toBeNull();
    expect(decodeChangeEvent(Buffer.alloc(0))).toBeNull();
  });

  it('rejects an unreadable LSN with the value and the expected form', () => {
    expect(() => mssqlEvent('c', 'contracts', { contract_id: 'K' }, { commit_lsn: '27:758:5' })).toThrow(/unreadable SQL Server LSN "27:758:5".*8:8:4/);
  });

  it('PostgreSQL: the exact LSN comes from source.sequence (strings) past 2^53', () => {
    const lsn = 2n ** 53n + 1n; // not representable as a JS number
    const order = sourceOrderOf({ lsn: Number(lsn), sequence: JSON.stringify([String(lsn - 5n), String(lsn)]) });
    expect(order).toBe(lsn.toString(16).padStart(16, '0'));
    expect(sourceOrderOf({ lsn: 24023928 })).toBe((24023928).toString(16).padStart(16, '0'));
  });
});

describe('ingest of one transaction\'s changes of one key', () => {
  const contract = (op: 'c' | 'd', change_lsn: string) =>
    changeRecord('cdcContracts', mssqlEvent(op, 'contracts', { contract_id: 'K', contract_type: 'PAM', terms: JSON.stringify(pam) }, { change_lsn, commit_lsn: '0000a1b2:00003f10:0009', event_serial_no: 1 }));

  it('contract-ingest: a delete + re-insert in one transaction leaves the contract present (one batch and across batches)', async () => {
    const one = new MemoryStateStore();
    const out = await contractIngest.process([contract('d', '0000a1b2:00003f10:0002'), contract('c', '0000a1b2:00003f10:0004')], context(one));
    await one.apply(out.writes);
    expect(one.contractDocs.get('K')!.deleted).toBe(false);

    const two = new MemoryStateStore();
    for (const r of [contract('c', '0000a1a0:00000010:0002'), contract('d', '0000a1b2:00003f10:0002'), contract('c', '0000a1b2:00003f10:0004')]) {
      const o = await contractIngest.process([r], context(two));
      await two.apply(o.writes);
    }
    expect(two.contractDocs.get('K')!.deleted).toBe(false);
    // a replay of the delete alone (exact order known) changes nothing
    const replay = await contractIngest.process([contract('d', '0000a1b2:00003f10:0002')], context(two));
    expect(replay.outputs).toEqual([]);
  });

  it('market-ingest: a point deleted and re-inserted in one transaction ends with its new value', async () => {
    const store = new MemoryStateStore();
    const point = (op: 'c' | 'd', change_lsn: string, value: number) =>
      changeRecord('cdcMarketData', mssqlEvent(op, 'market_data', { market_object_code: 'USD.SOFR', observed_at: '2024-01-02T00:00:00', value }, { change_lsn, commit_lsn: '0000a1b2:00003f10:0009', event_serial_no: 1 }));
    await store.apply((await marketIngest.process([point('c', '0000a1a0:00000010:0002', 0.01)], context(store))).writes);
    await store.apply((await marketIngest.process([point('d', '0000a1b2:00003f10:0002', 0.01)], context(store))).writes);
    await store.apply((await marketIngest.process([point('c', '0000a1b2:00003f10:0004', 0.05)], context(store))).writes);
    const s = (await store.series(['USD.SOFR'])).get('USD.SOFR')!;
    expect(s.points.map((p) => [p.observedAt, p.value])).toEqual([['2024-01-02T00:00:00', 0.05]]);
  });
});

describe('SQL Server datetime2 in both time.precision.mode settings', () => {
  // Field schemas as the connector writes them (Debezium SQL Server documentation, "Temporal
  // values"): adaptive → datetime2(7) as io.debezium.time.NanoTimestamp (int64 ns);
  // connect → org.apache.kafka.connect.data.Timestamp (int64 ms).
  const envelope = (name: string, observedAt: number) =>
    JSON.stringify({
      schema: {
        type: 'struct',
        fields: [
          { field: 'before', type: 'struct', optional: true, fields: [{ field: 'observed_at', type: 'int64', optional: false, name, version: 1 }] },
          { field: 'after', type: 'struct', optional: true, fields: [{ field: 'observed_at', type: 'int64', optional: false, name, version: 1 }] },
        ],
      },
      payload: {
        before: null,
        after: { market_object_code: 'USD.SOFR', observed_at: observedAt, value: 0.05 },
        source: { connector: 'sqlserver', table: 'market_data', change_lsn: '00000027:00000758:0003', commit_lsn: '00000027:00000758:0005', event_serial_no: 1, ts_ms: 1559729468470 },
        op: 'c',
      },
    });

  it('NanoTimestamp (adaptive mode) and Timestamp (connect mode) decode to the same local date-time', () => {
    const ms = Date.UTC(2024, 0, 2, 23, 59, 59);
    expect(decodeChangeEvent(envelope('io.debezium.time.NanoTimestamp', ms * 1e6))!.after!.observed_at).toBe('2024-01-02T23:59:59');
    expect(decodeChangeEvent(envelope('org.apache.kafka.connect.data.Timestamp', ms))!.after!.observed_at).toBe('2024-01-02T23:59:59');
  });

  it('connect mode carries dates past 2262 (NanoTimestamp\'s int64 ends at 2262-04-11)', () => {
    const ms = Date.UTC(2300, 5, 30, 0, 0, 0);
    expect(ms * 1e6).toBeGreaterThan(2 ** 63); // what adaptive mode could not send
    expect(decodeChangeEvent(envelope('org.apache.kafka.connect.data.Timestamp', ms))!.after!.observed_at).toBe('2300-06-30T00:00:00');
  });
});
