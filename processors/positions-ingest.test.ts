import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { heldContracts } from '../state/model.js';
import { cdcRecord, changeRecord, context } from '../test/support/processor-fixtures.js';
import { decodeChangeEvent, type ChangeEvent, type Row } from './cdc.js';
import type { InputRecord } from './processor.js';
import { positionsIngest } from './positions-ingest.js';

const row = (position_id: string, portfolio_id: string, contract_id: string, quantity: unknown): Row => ({ position_id, portfolio_id, contract_id, quantity });

/** An update whose before and after images differ (cdcRecord's update repeats one image). */
function update(before: Row, after: Row, lsn: number): InputRecord {
  const change: ChangeEvent = { op: 'u', before, after, position: lsn, order: lsn.toString(16).padStart(16, '0'), committedAtMs: 1_700_000_000_000, table: 'positions' };
  return changeRecord('cdcPositions', change);
}

async function run(store: MemoryStateStore, records: InputRecord[]) {
  const out = await positionsIngest.process(records, context(store));
  await store.apply(out.writes);
  return out;
}

async function holdingsOf(store: MemoryStateStore, portfolio: string): Promise<[string, string, number][]> {
  const h = (await store.holdings([portfolio])).get(portfolio)!;
  return h.map((x) => [x.positionId, x.contractId, x.quantity] as [string, string, number]).sort((a, b) => a[0].localeCompare(b[0]));
}

describe('positions-ingest', () => {
  it('puts each position in its portfolio with its contract and quantity, and publishes it keyed by position id', async () => {
    const store = new MemoryStateStore();
    const out = await run(store, [
      cdcRecord('cdcPositions', 'r', row('p1', 'ALPHA', 'c1', 10), 100),
      cdcRecord('cdcPositions', 'c', row('p2', 'ALPHA', 'c2', -2.5), 101),
      cdcRecord('cdcPositions', 'c', row('p3', 'ALPHA', 'c1', 5), 102),
      cdcRecord('cdcPositions', 'c', row('p4', 'BETA', 'c3', 1), 103),
    ]);
    expect(out.deadLetters).toEqual([]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([['p1', 'c1', 10], ['p2', 'c2', -2.5], ['p3', 'c1', 5]]);
    expect(await holdingsOf(store, 'BETA')).toEqual([['p4', 'c3', 1]]);
    expect(heldContracts((await store.holdings(['ALPHA'])).get('ALPHA')!)).toEqual(['c1', 'c2']);
    expect(out.outputs.map((o) => [o.topic, o.key])).toEqual([['positions', 'p1'], ['positions', 'p2'], ['positions', 'p3'], ['positions', 'p4']]);
    expect(out.outputs[1].value).toEqual({ positionId: 'p2', portfolioId: 'ALPHA', contractId: 'c2', quantity: -2.5, version: 101, sourceTsMs: 1_700_000_000_000, deleted: false });
    expect((await store.holdings(['NONE'])).get('NONE')).toEqual([]);
  });

  it('moves a position between portfolios, changes its quantity, and removes it on delete', async () => {
    const store = new MemoryStateStore();
    await run(store, [cdcRecord('cdcPositions', 'c', row('p1', 'ALPHA', 'c1', 10), 100), cdcRecord('cdcPositions', 'c', row('p2', 'ALPHA', 'c2', 1), 101)]);
    await run(store, [update(row('p1', 'ALPHA', 'c1', 10), row('p1', 'BETA', 'c1', 7), 110)]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([['p2', 'c2', 1]]);
    expect(await holdingsOf(store, 'BETA')).toEqual([['p1', 'c1', 7]]);
    const del = await run(store, [cdcRecord('cdcPositions', 'd', row('p1', 'BETA', 'c1', 7), 120)]);
    expect(await holdingsOf(store, 'BETA')).toEqual([]);
    expect(del.outputs.map((o) => o.value)).toEqual([{ positionId: 'p1', portfolioId: 'BETA', contractId: 'c1', quantity: 7, version: 120, sourceTsMs: 1_700_000_000_000, deleted: true }]);
    // moved twice within one batch: it leaves the portfolio it was stored in, lands in the last
    await run(store, [update(row('p2', 'ALPHA', 'c2', 1), row('p2', 'BETA', 'c2', 1), 130), update(row('p2', 'BETA', 'c2', 1), row('p2', 'GAMMA', 'c2', 3), 131)]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([]);
    expect(await holdingsOf(store, 'BETA')).toEqual([]);
    expect(await holdingsOf(store, 'GAMMA')).toEqual([['p2', 'c2', 3]]);
  });

  it('replays change nothing: an older insert after the delete stays deleted; the last change is announced again', async () => {
    const store = new MemoryStateStore();
    const insert = row('p1', 'ALPHA', 'c1', 10);
    await run(store, [cdcRecord('cdcPositions', 'c', insert, 100)]);
    await run(store, [cdcRecord('cdcPositions', 'd', insert, 120)]);
    const older = await run(store, [cdcRecord('cdcPositions', 'c', insert, 100)]);
    expect(older.outputs).toEqual([]);
    expect(older.writes.positions).toEqual([]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([]);
    // the delete itself again: its message again (its outputs may have been lost), no write
    const same = await run(store, [cdcRecord('cdcPositions', 'd', insert, 120)]);
    expect(same.writes.positions).toEqual([]);
    expect(same.outputs.map((o) => [o.key, (o.value as { deleted: boolean }).deleted])).toEqual([['p1', true]]);
  });

  it('dead-letters rows without ids, with ids longer than the id columns, or a quantity that is not a finite number, and keeps the rest', async () => {
    const store = new MemoryStateStore();
    const out = await run(store, [
      cdcRecord('cdcPositions', 'c', row('p1', 'ALPHA', 'c1', 'NaN'), 1),
      cdcRecord('cdcPositions', 'c', row('p2', 'ALPHA', 'c1', 'Infinity'), 2),
      cdcRecord('cdcPositions', 'c', row('p3', 'ALPHA', 'c1', '-Infinity'), 3),
      cdcRecord('cdcPositions', 'c', row('p4', 'ALPHA', 'c1', 'lots'), 4),
      cdcRecord('cdcPositions', 'c', { portfolio_id: 'ALPHA', contract_id: 'c1', quantity: 1 }, 5),
      cdcRecord('cdcPositions', 'c', row('p6', '', 'c1', 1), 6),
      cdcRecord('cdcPositions', 'c', row('p7', 'ALPHA', 'k'.repeat(201), 1), 7),
      cdcRecord('cdcPositions', 'c', row('q'.repeat(100_000), 'ALPHA', 'c1', 1), 8),
      cdcRecord('cdcPositions', 'c', row('p9', 'ALPHA', 'k'.repeat(200), 4), 9),
    ]);
    expect(out.deadLetters.map((d) => [d.reason, d.errorType])).toEqual([
      ['positions row p1 with quantity NaN: not a finite number', 'MalformedPositionError'],
      ['positions row p2 with quantity Infinity: not a finite number', 'MalformedPositionError'],
      ['positions row p3 with quantity -Infinity: not a finite number', 'MalformedPositionError'],
      ['positions row p4 with non-numeric value "lots"', 'MalformedPositionError'],
      ['positions row without position_id', 'MalformedPositionError'],
      ['positions row p6 without portfolio_id', 'MalformedPositionError'],
      [`positions row p7 with contract_id "${'k'.repeat(40)}"… (201 chars): longer than the 200 characters of an id`, 'MalformedPositionError'],
      [`positions row with position_id "${'q'.repeat(40)}"… (100000 chars): longer than the 200 characters of an id`, 'MalformedPositionError'],
    ]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([['p9', 'k'.repeat(200), 4]]);
    expect(out.outputs.map((o) => o.key)).toEqual(['p9']);
  });

  it('a delete whose before image holds the key alone removes the position from the portfolio it was stored in', async () => {
    const store = new MemoryStateStore();
    await run(store, [cdcRecord('cdcPositions', 'c', row('p1', 'ALPHA', 'c1', 2), 10)]);
    const del = await run(store, [cdcRecord('cdcPositions', 'd', { position_id: 'p1' }, 11)]);
    expect(del.deadLetters).toEqual([]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([]);
    expect(del.outputs.map((o) => o.value)).toMatchObject([{ positionId: 'p1', portfolioId: 'ALPHA', contractId: 'c1', deleted: true, version: 11 }]);
    // without a position_id even a delete is poison: nothing says which position left
    const bad = await run(store, [cdcRecord('cdcPositions', 'd', { portfolio_id: 'ALPHA' }, 12)]);
    expect(bad.deadLetters.map((d) => d.reason)).toEqual(['positions row without position_id']);
  });

  it('a bad quantity on an update keeps the position as it was; the delete of a row with a bad quantity applies', async () => {
    const store = new MemoryStateStore();
    await run(store, [cdcRecord('cdcPositions', 'c', row('p1', 'ALPHA', 'c1', 2), 10)]);
    const bad = await run(store, [update(row('p1', 'ALPHA', 'c1', 2), row('p1', 'ALPHA', 'c1', 'NaN'), 11)]);
    expect(bad.deadLetters.map((d) => d.reason)).toEqual(['positions row p1 with quantity NaN: not a finite number']);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([['p1', 'c1', 2]]);
    const del = await run(store, [cdcRecord('cdcPositions', 'd', row('p1', 'ALPHA', 'c1', 'NaN'), 12)]);
    expect(del.deadLetters).toEqual([]);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([]);
  });

  it('reads both databases\' change events: PostgreSQL with its schema, SQL Server schemaless with LSNs', async () => {
    const store = new MemoryStateStore();
    // PostgreSQL connector, JsonConverter with schemas: a NaN quantity arrives as the string "NaN"
    const pg = (lsn: number, after: string) =>
      changeRecord(
        'cdcPositions',
        decodeChangeEvent(
          `{"schema":{"type":"struct","fields":[{"field":"before","type":"struct","optional":true,"fields":[]},{"field":"after","type":"struct","optional":true,"fields":[{"field":"position_id","type":"string"},{"field":"portfolio_id","type":"string"},{"field":"contract_id","type":"string"},{"field":"quantity","type":"double"}]}]},` +
            `"payload":{"before":null,"after":${after},"source":{"connector":"postgresql","table":"positions","lsn":${lsn},"ts_ms":1700000000000},"op":"c","ts_ms":1700000000100}}`,
        )!,
      );
    // SQL Server connector, schemaless (Debezium SQL Server documentation, "Change event values")
    const mssql = (op: 'c' | 'd', r: Row, change_lsn: string) =>
      changeRecord(
        'cdcPositions',
        decodeChangeEvent(
          JSON.stringify({
            before: op === 'd' ? r : null,
            after: op === 'd' ? null : r,
            source: { connector: 'sqlserver', db: 'cashflow', schema: 'dbo', table: 'positions', ts_ms: 1559729468470, change_lsn, commit_lsn: change_lsn, event_serial_no: 1 },
            op,
          }),
        )!,
      );
    const out = await run(store, [
      pg(500, '{"position_id":"pg-1","portfolio_id":"ALPHA","contract_id":"c1","quantity":1.5}'),
      pg(501, '{"position_id":"pg-2","portfolio_id":"ALPHA","contract_id":"c2","quantity":"NaN"}'),
      mssql('c', row('ms-1', 'ALPHA', 'c3', 2), '00000027:00000758:0003'),
      mssql('d', row('ms-1', 'ALPHA', 'c3', 2), '00000027:00000760:0003'),
      mssql('c', row('ms-2', 'ALPHA', 'c4', 3), '00000027:00000770:0003'),
    ]);
    expect(out.deadLetters.map((d) => d.reason)).toEqual(['positions row pg-2 with quantity NaN: not a finite number']);
    expect(await holdingsOf(store, 'ALPHA')).toEqual([['ms-2', 'c4', 3], ['pg-1', 'c1', 1.5]]);
  });
});
