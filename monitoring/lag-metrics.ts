// The lag exporter's metrics, under kafka-lag-exporter's names (docs/monitoring.md), in their
// own registry. No Kafka client here: the exporter (monitoring/lag-exporter.ts) brings the reads.
import client from 'prom-client';
import { groupLags, type PartitionLag } from './lag.js';

export interface LagSnapshot {
  partitions: (PartitionLag & { lagSeconds: number | undefined })[];
}

/**
 * The exporter's metrics in their own registry. Each scrape reads the broker once (the gauges'
 * collect functions share one read); a failed read fails the scrape, so Prometheus sees the
 * exporter as down rather than a stale lag.
 */
export class LagMetrics {
  readonly registry = new client.Registry();
  private reading: Promise<LagSnapshot> | undefined;

  constructor(read: () => Promise<LagSnapshot>) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'cashflow_lag_exporter_' });
    const labelNames = ['group', 'topic', 'partition'] as const;
    const snapshot = () => {
      // the gauges of one scrape share one read; the next scrape reads again
      this.reading ??= read().finally(() => setTimeout(() => (this.reading = undefined), 500).unref());
      return this.reading;
    };
    const partitionGauge = (
      name: string,
      help: string,
      value: (p: LagSnapshot['partitions'][number]) => number | undefined,
    ) =>
      new client.Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          for (const p of s.partitions) {
            const v = value(p);
            if (v !== undefined)
              this.set({ group: p.group, topic: p.topic, partition: String(p.partition) }, v);
          }
        },
      });
    partitionGauge(
      'kafka_consumergroup_group_offset',
      'Last group consumed offset of a partition (the committed offset)',
      (p) => (p.committed >= 0n ? Number(p.committed) : undefined),
    );
    partitionGauge(
      'kafka_consumergroup_group_lag',
      'Group offset lag of a partition (records not yet processed)',
      (p) => Number(p.lag),
    );
    partitionGauge(
      'kafka_consumergroup_group_lag_seconds',
      'Group time lag of a partition: age of the oldest unprocessed record',
      (p) => p.lagSeconds,
    );
    const groupGauge = (
      name: string,
      help: string,
      value: (g: ReturnType<typeof groupLags>[number]) => number,
    ) =>
      new client.Gauge({
        name,
        help,
        labelNames: ['group'],
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          for (const g of groupLags(
            s.partitions.map((p) => ({ group: p.group, lag: Number(p.lag), lagSeconds: p.lagSeconds })),
          ))
            this.set({ group: g.group }, value(g));
        },
      });
    groupGauge('kafka_consumergroup_group_max_lag', 'Max group offset lag', (g) => g.maxLag);
    groupGauge('kafka_consumergroup_group_max_lag_seconds', 'Max group time lag', (g) => g.maxLagSeconds);
    groupGauge('kafka_consumergroup_group_sum_lag', 'Sum of group offset lag', (g) => g.sumLag);
  }
}
