// Consumer lag per group and partition, in offsets and in seconds, from what the broker says
// (docs/monitoring.md: why one exporter reads the broker rather than each process reporting
// its own). Pure: the exporter (monitoring/lag-exporter.ts) brings the offsets and timestamps.

export interface GroupPartition {
  group: string;
  topic: string;
  partition: number;
}

export interface PartitionOffsets extends GroupPartition {
  /** The group's committed offset (the next record it will process); -1 when it never committed. */
  committed: bigint;
  /** The partition's earliest and next offsets (log start, high watermark). */
  low: bigint;
  high: bigint;
}

export interface PartitionLag extends GroupPartition {
  committed: bigint;
  /** Records not yet processed: from the committed offset (or the log start) to the end. */
  lag: bigint;
  /** The offset of the oldest unprocessed record, when there is one. */
  oldest: bigint | undefined;
}

/**
 * A group that never committed, or whose offset fell behind the log start (retention), reads
 * from the earliest record (the consumers' auto.offset.reset=earliest): its lag starts there.
 */
export function partitionLag(p: PartitionOffsets): PartitionLag {
  const from = p.committed >= p.low ? p.committed : p.low;
  const lag = p.high > from ? p.high - from : 0n;
  return {
    group: p.group,
    topic: p.topic,
    partition: p.partition,
    committed: p.committed,
    lag,
    oldest: lag > 0n ? from : undefined,
  };
}

/**
 * The age of the oldest unprocessed record: now minus its timestamp; 0 without lag. A timestamp
 * in the future (a producer's clock ahead) counts as 0, never negative. Undefined when the
 * record could not be read (the gauge is then left out rather than guessed).
 */
export function lagSeconds(
  p: PartitionLag,
  oldestTimestampMs: number | undefined,
  nowMs: number,
): number | undefined {
  if (p.lag === 0n) return 0;
  if (oldestTimestampMs === undefined) return undefined;
  return Math.max(0, nowMs - oldestTimestampMs) / 1000;
}

export interface GroupLag {
  group: string;
  maxLag: number;
  maxLagSeconds: number;
  sumLag: number;
}

/** kafka-lag-exporter's group aggregates: max and sum over the group's partitions. */
export function groupLags(
  rows: { group: string; lag: number; lagSeconds: number | undefined }[],
): GroupLag[] {
  const by = new Map<string, GroupLag>();
  for (const r of rows) {
    let g = by.get(r.group);
    if (!g) by.set(r.group, (g = { group: r.group, maxLag: 0, maxLagSeconds: 0, sumLag: 0 }));
    g.maxLag = Math.max(g.maxLag, r.lag);
    g.sumLag += r.lag;
    if (r.lagSeconds !== undefined) g.maxLagSeconds = Math.max(g.maxLagSeconds, r.lagSeconds);
  }
  return [...by.values()];
}
