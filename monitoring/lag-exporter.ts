// The lag exporter: consumer lag of every processor's group on every partition of its inputs,
// read from the broker at each scrape, under kafka-lag-exporter's metric names
// (docs/monitoring.md). Offsets come from the admin client; the age of the oldest unprocessed
// record from that record's own timestamp, fetched once per (partition, committed offset) by a
// consumer that only assigns partitions (it joins no group and commits nothing).
import kafkaJavascript from '@confluentinc/kafka-javascript';
import type { RdKafka } from '@confluentinc/kafka-javascript';
import type { Config } from '../config/config.js';
import { createAdmin, librdkafkaConnection, type Admin } from '../clients/kafka.js';
import { ServiceUnavailableError } from '../clients/errors.js';
import type { Topology } from '../topology/topology.js';
import { lagSeconds, partitionLag, type PartitionOffsets } from './lag.js';
import { LagMetrics, type LagSnapshot } from './lag-metrics.js';

/** What the exporter reads: for each processor's group, the topics it consumes. */
export function watchedGroups(topology: Topology): { group: string; topics: string[] }[] {
  return topology.processors.map((p) => ({
    group: p.consumerGroup,
    topics: p.inputs.map((id) => topology.topic(id).name),
  }));
}

/** Offsets of every watched (group, topic, partition), as the broker has them now. */
export async function readOffsets(
  admin: Admin,
  groups: { group: string; topics: string[] }[],
): Promise<PartitionOffsets[]> {
  // topics not created yet (`cashflow topics apply`) have no partitions to lag on
  const existing = new Set(await admin.listTopics());
  const topics = [...new Set(groups.flatMap((g) => g.topics))].filter((t) => existing.has(t));
  const ends = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
  await Promise.all(
    topics.map(async (t) =>
      ends.set(
        t,
        (await admin.fetchTopicOffsets(t)).map((o) => ({
          partition: o.partition,
          low: BigInt(o.low),
          high: BigInt(o.high),
        })),
      ),
    ),
  );
  const out: PartitionOffsets[] = [];
  await Promise.all(
    groups.map(async ({ group, topics: all }) => {
      const groupTopics = all.filter((t) => existing.has(t));
      if (groupTopics.length === 0) return;
      const committed = new Map<string, bigint>();
      for (const t of await admin.fetchOffsets({ groupId: group, topics: groupTopics }))
        for (const p of t.partitions) committed.set(`${t.topic}|${p.partition}`, BigInt(p.offset));
      for (const topic of groupTopics)
        for (const e of ends.get(topic) ?? [])
          out.push({
            group,
            topic,
            partition: e.partition,
            committed: committed.get(`${topic}|${e.partition}`) ?? -1n,
            low: e.low,
            high: e.high,
          });
    }),
  );
  return out;
}

const key = (topic: string, partition: number, offset: bigint) => `${topic}|${partition}|${offset}`;

/** Reads the timestamp of the first record at or after each given offset. */
export class RecordTimestamps {
  private consumer: RdKafka.KafkaConsumer | undefined;
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly config: Pick<Config, 'kafka'>,
    private readonly timeoutMs = 5_000,
  ) {}

  private async connected(): Promise<RdKafka.KafkaConsumer> {
    if (this.consumer?.isConnected()) return this.consumer;
    const consumer = new kafkaJavascript.KafkaConsumer({
      ...librdkafkaConnection(this.config.kafka, 'cashflow-lag-exporter'),
      // required by librdkafka for a consumer; never joined (assign only) and never committed
      'group.id': 'cashflow-lag-exporter',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
    } as RdKafka.ConsumerGlobalConfig);
    consumer.setDefaultConsumeTimeout(200);
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: this.timeoutMs }, (e) =>
        e
          ? reject(
              new ServiceUnavailableError(
                'kafka',
                this.config.kafka.bootstrapServers,
                `lag exporter: ${e.message}`,
                { cause: e },
              ),
            )
          : resolve(),
      ),
    );
    this.consumer = consumer;
    return consumer;
  }

  /** Timestamps (ms) by `topic|partition|offset` for the wanted offsets; those not read in time are missing. */
  async of(wanted: { topic: string; partition: number; offset: bigint }[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    let missing: { topic: string; partition: number; offset: bigint }[] = [];
    for (const w of wanted) {
      const cached = this.cache.get(key(w.topic, w.partition, w.offset));
      if (cached !== undefined) found.set(key(w.topic, w.partition, w.offset), cached);
      else missing.push(w);
    }
    // a partition is assigned at one offset at a time: groups waiting at different offsets of
    // the same partition are read in successive rounds
    const deadline = Date.now() + this.timeoutMs;
    while (missing.length > 0 && Date.now() < deadline) {
      const round = new Map<string, { topic: string; partition: number; offset: bigint }>();
      for (const w of missing)
        if (!round.has(`${w.topic}|${w.partition}`)) round.set(`${w.topic}|${w.partition}`, w);
      for (const [k, ts] of await this.readRound(round, deadline)) {
        found.set(k, ts);
        this.cache.set(k, ts);
      }
      const roundKeys = new Set([...round.values()].map((w) => key(w.topic, w.partition, w.offset)));
      missing = missing.filter((w) => !roundKeys.has(key(w.topic, w.partition, w.offset)));
    }
    // only the offsets still waiting are worth keeping
    const keep = new Set(wanted.map((w) => key(w.topic, w.partition, w.offset)));
    for (const k of this.cache.keys()) if (!keep.has(k)) this.cache.delete(k);
    return found;
  }

  /** One offset per partition: the timestamp of the first record at or after it. */
  private async readRound(
    round: Map<string, { topic: string; partition: number; offset: bigint }>,
    deadline: number,
  ): Promise<Map<string, number>> {
    const consumer = await this.connected();
    const out = new Map<string, number>();
    const waiting = new Map(round);
    consumer.assign(
      [...round.values()].map((w) => ({ topic: w.topic, partition: w.partition, offset: Number(w.offset) })),
    );
    try {
      while (waiting.size > 0 && Date.now() < deadline) {
        const messages = await new Promise<RdKafka.Message[]>((resolve, reject) =>
          consumer.consume(500, (e, m) => (e ? reject(e) : resolve(m))),
        );
        for (const m of messages) {
          const w = waiting.get(`${m.topic}|${m.partition}`);
          if (!w || BigInt(m.offset) < w.offset || m.timestamp === undefined) continue;
          // the record at the offset, or the first after it when compaction removed that one
          out.set(key(w.topic, w.partition, w.offset), m.timestamp);
          waiting.delete(`${m.topic}|${m.partition}`);
        }
      }
    } finally {
      consumer.unassign();
    }
    return out;
  }

  async close(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c?.isConnected()) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}

export interface LagExporter {
  metrics: LagMetrics;
  /** One reading, as a scrape makes it. */
  read(): Promise<LagSnapshot>;
  close(): Promise<void>;
}

export async function createLagExporter(
  config: Config,
  topology: Topology,
  now: () => number = Date.now,
): Promise<LagExporter> {
  const admin = await createAdmin(config, 'cashflow-lag-exporter');
  const timestamps = new RecordTimestamps(config);
  const groups = watchedGroups(topology);
  const read = async (): Promise<LagSnapshot> => {
    const lags = (await readOffsets(admin, groups)).map(partitionLag);
    const behind = lags.filter((l) => l.oldest !== undefined);
    // one read per partition, though several groups may wait on the same record
    const wanted = new Map(
      behind.map((l) => [
        key(l.topic, l.partition, l.oldest!),
        { topic: l.topic, partition: l.partition, offset: l.oldest! },
      ]),
    );
    const ts = await timestamps.of([...wanted.values()]);
    const t = now();
    return {
      partitions: lags.map((l) => ({
        ...l,
        lagSeconds: lagSeconds(
          l,
          l.oldest === undefined ? undefined : ts.get(key(l.topic, l.partition, l.oldest)),
          t,
        ),
      })),
    };
  };
  return {
    metrics: new LagMetrics(read),
    read,
    async close() {
      await timestamps.close();
      await admin.disconnect();
    },
  };
}
