import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { cdcRecord, context } from '../test/support/processor-fixtures.js';
import { decodeChangeEvent } from './cdc.js';
import type { InputRecord } from './processor.js';
import { marketIngest } from './market-ingest.js';

/**
 * The message Debezium's PostgreSQL connector sends for an insert into market_data, as Kafka
 * Connect's JsonConverter (Jackson) writes it: a double that is NaN or infinite becomes the JSON
 * string "NaN", "Infinity" or "-Infinity" (QUOTE_NON_NUMERIC_NUMBERS), never a bare token.
 */
function debeziumInsert(valueJson: string, lsn: number): InputRecord {
  const row = `{"market_object_code":"USD.SOFR","observed_at":${Date.UTC(2024, 0, 2) * 1000},"value":${valueJson}}`;
  const field = (f: string) =>
    `{"field":"${f}","type":"struct","optional":true,"fields":[{"field":"market_object_code","type":"string"},{"field":"observed_at","type":"int64","name":"io.debezium.time.MicroTimestamp"},{"field":"value","type":"double"}]}`;
  const text = `{"schema":{"type":"struct","fields":[${field('before')},${field('after')}]},"payload":{"before":null,"after":${row},"source":{"table":"market_data","lsn":${lsn},"ts_ms":1700000000000},"op":"c","ts_ms":1700000000100}}`;
  const r = cdcRecord('cdcMarketData', 'c', {}, lsn);
  return { ...r, rawValue: Buffer.from(text), change: decodeChangeEvent(Buffer.from(text)) };
}

describe('market-ingest', () => {
  it('stores and publishes each observation keyed <code>|<observed at>; a delete is a marker; replays are ignored by the store', async () => {
    const store = new MemoryStateStore();
    const row = { market_object_code: 'USD', observed_at: '2024-01-02T23:59:59', value: 0.05 };
    const out = await marketIngest.process(
      [cdcRecord('cdcMarketData', 'c', row, 10), cdcRecord('cdcMarketData', 'c', { ...row, observed_at: '2024-02-01T00:00:00', value: 0.06 }, 11)],
      context(store),
    );
    await store.apply(out.writes);
    expect(out.outputs.map((o) => o.key)).toEqual(['USD|2024-01-02T23:59:59', 'USD|2024-02-01T00:00:00']);
    expect(out.outputs[0].value).toMatchObject({ marketObjectCode: 'USD', value: 0.05, version: 10, deleted: false });
    const del = await marketIngest.process([cdcRecord('cdcMarketData', 'd', row, 12)], context(store));
    await store.apply(del.writes);
    const replay = await marketIngest.process([cdcRecord('cdcMarketData', 'c', row, 10)], context(store));
    await store.apply(replay.writes);
    const s = (await store.series(['USD'])).get('USD')!;
    expect(s.points.map((p) => [p.observedAt, p.value, p.version])).toEqual([
      ['2024-01-02T23:59:59', null, 12],
      ['2024-02-01T00:00:00', 0.06, 11],
    ]);
    expect(s.version).toBe(12);
  });

  it('dead-letters rows without code, with an unreadable time or a non-numeric value', async () => {
    const out = await marketIngest.process(
      [
        cdcRecord('cdcMarketData', 'c', { observed_at: '2024-01-01T00:00:00', value: 1 }, 1),
        cdcRecord('cdcMarketData', 'c', { market_object_code: 'X', observed_at: 'yesterday', value: 1 }, 2),
        cdcRecord('cdcMarketData', 'c', { market_object_code: 'X', observed_at: '2024-01-01T00:00:00', value: 'high' }, 3),
        cdcRecord('cdcMarketData', 'c', { market_object_code: 'X', observed_at: '2024-01-01T00:00:00', value: 2 }, 4),
      ],
      context(new MemoryStateStore()),
    );
    expect(out.deadLetters.map((d) => d.reason)).toEqual([
      'market_data row without market_object_code',
      'market_data row X with unreadable observed_at "yesterday"',
      'market_data row X|2024-01-01T00:00:00 with non-numeric value "high"',
    ]);
    expect(out.outputs).toHaveLength(1);
  });

  it('dead-letters a NaN or infinite value as Debezium sends it, with the reason, and stores nothing of it', async () => {
    const store = new MemoryStateStore();
    const out = await marketIngest.process(
      [debeziumInsert('"NaN"', 1), debeziumInsert('"Infinity"', 2), debeziumInsert('"-Infinity"', 3), debeziumInsert('null', 4), debeziumInsert('0.031', 5)],
      context(store),
    );
    expect(out.deadLetters.map((d) => [d.reason, d.errorType])).toEqual([
      ['market_data row USD.SOFR|2024-01-02T00:00:00 with value NaN: not a finite number', 'MalformedObservationError'],
      ['market_data row USD.SOFR|2024-01-02T00:00:00 with value Infinity: not a finite number', 'MalformedObservationError'],
      ['market_data row USD.SOFR|2024-01-02T00:00:00 with value -Infinity: not a finite number', 'MalformedObservationError'],
      ['market_data row USD.SOFR|2024-01-02T00:00:00 without a value', 'MalformedObservationError'],
    ]);
    await store.apply(out.writes);
    expect(out.outputs.map((o) => o.value)).toMatchObject([{ marketObjectCode: 'USD.SOFR', observedAt: '2024-01-02T00:00:00', value: 0.031, version: 5 }]);
    expect((await store.series(['USD.SOFR'])).get('USD.SOFR')!.points.map((p) => [p.observedAt, p.value])).toEqual([['2024-01-02T00:00:00', 0.031]]);
  });

  it('quotes a short prefix of a huge value in the reason', async () => {
    const out = await marketIngest.process(
      [cdcRecord('cdcMarketData', 'c', { market_object_code: 'X', observed_at: '2024-01-01T00:00:00', value: 'z'.repeat(100_000) }, 1)],
      context(new MemoryStateStore()),
    );
    expect(out.deadLetters[0].reason).toBe(`market_data row X|2024-01-01T00:00:00 with non-numeric value "${'z'.repeat(40)}"… (100000 chars)`);
  });
});
