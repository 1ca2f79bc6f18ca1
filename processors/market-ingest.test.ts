import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { cdcRecord, context } from '../test/support/processor-fixtures.js';
import { marketIngest } from './market-ingest.js';

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
});
