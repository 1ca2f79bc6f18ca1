import { describe, expect, it } from 'vitest';
import { groupLags, lagSeconds, partitionLag } from './lag.js';
import { LagMetrics } from './lag-metrics.js';

const at = { group: 'cashflow-sink', topic: 'cashflow.contract-cashflows', partition: 3 };

describe('partition lag', () => {
  it('counts the records from the committed offset to the end; the oldest is the committed one', () => {
    expect(partitionLag({ ...at, committed: 40n, low: 0n, high: 100n })).toEqual({
      ...at,
      committed: 40n,
      lag: 60n,
      oldest: 40n,
    });
  });
  it('is zero at the end, with no oldest record', () => {
    expect(partitionLag({ ...at, committed: 100n, low: 0n, high: 100n })).toMatchObject({
      lag: 0n,
      oldest: undefined,
    });
  });
  it('a group that never committed reads from the log start (auto.offset.reset=earliest)', () => {
    expect(partitionLag({ ...at, committed: -1n, low: 10n, high: 25n })).toMatchObject({
      lag: 15n,
      oldest: 10n,
    });
    expect(partitionLag({ ...at, committed: -1n, low: 0n, high: 0n })).toMatchObject({
      lag: 0n,
      oldest: undefined,
    });
  });
  it('an offset behind the log start (retention) counts from the log start', () => {
    expect(partitionLag({ ...at, committed: 5n, low: 50n, high: 80n })).toMatchObject({
      lag: 30n,
      oldest: 50n,
    });
  });
});

describe('lag in seconds', () => {
  const behind = partitionLag({ ...at, committed: 40n, low: 0n, high: 100n });
  it('is the age of the oldest unprocessed record', () =>
    expect(lagSeconds(behind, 1_000_000, 1_012_500)).toBe(12.5));
  it('is 0 without lag, whatever the timestamp', () =>
    expect(lagSeconds(partitionLag({ ...at, committed: 100n, low: 0n, high: 100n }), undefined, 5)).toBe(0));
  it('is never negative (a producer clock ahead)', () => expect(lagSeconds(behind, 2_000, 1_000)).toBe(0));
  it('is unknown, not guessed, when the record could not be read', () =>
    expect(lagSeconds(behind, undefined, 1_000)).toBeUndefined());
});

describe('group aggregates', () => {
  it('max and sum over partitions; an unknown age does not count as 0 or as a maximum', () => {
    expect(
      groupLags([
        { group: 'a', lag: 5, lagSeconds: 2 },
        { group: 'a', lag: 7, lagSeconds: undefined },
        { group: 'a', lag: 0, lagSeconds: 0 },
        { group: 'b', lag: 0, lagSeconds: 0 },
      ]),
    ).toEqual([
      { group: 'a', maxLag: 7, maxLagSeconds: 2, sumLag: 12 },
      { group: 'b', maxLag: 0, maxLagSeconds: 0, sumLag: 0 },
    ]);
  });
});

describe('lag metrics', () => {
  it("serve kafka-lag-exporter's names with group, topic and partition, from one read per scrape", async () => {
    let reads = 0;
    const m = new LagMetrics(async () => {
      reads++;
      return {
        partitions: [
          { ...partitionLag({ ...at, committed: 40n, low: 0n, high: 100n }), lagSeconds: 12.5 },
          { ...partitionLag({ ...at, partition: 4, committed: -1n, low: 0n, high: 0n }), lagSeconds: 0 },
        ],
      };
    });
    const text = await m.registry.metrics();
    expect(reads).toBe(1);
    const series = text.split('\n').filter((l) => l.startsWith('kafka_'));
    expect(series).toEqual(
      expect.arrayContaining([
        'kafka_consumergroup_group_offset{group="cashflow-sink",topic="cashflow.contract-cashflows",partition="3"} 40',
        'kafka_consumergroup_group_lag{group="cashflow-sink",topic="cashflow.contract-cashflows",partition="3"} 60',
        'kafka_consumergroup_group_lag{group="cashflow-sink",topic="cashflow.contract-cashflows",partition="4"} 0',
        'kafka_consumergroup_group_lag_seconds{group="cashflow-sink",topic="cashflow.contract-cashflows",partition="3"} 12.5',
        'kafka_consumergroup_group_max_lag{group="cashflow-sink"} 60',
        'kafka_consumergroup_group_max_lag_seconds{group="cashflow-sink"} 12.5',
        'kafka_consumergroup_group_sum_lag{group="cashflow-sink"} 60',
      ]),
    );
    // a partition never committed has no offset series (there is no offset to show)
    expect(
      series.some((l) => l.startsWith('kafka_consumergroup_group_offset') && l.includes('partition="4"')),
    ).toBe(false);
  });

  it('a failed read fails the scrape instead of serving a stale lag', async () => {
    const m = new LagMetrics(() => Promise.reject(new Error('kafka (127.0.0.1:9092): unavailable')));
    await expect(m.registry.metrics()).rejects.toThrow(/unavailable/);
  });
});
