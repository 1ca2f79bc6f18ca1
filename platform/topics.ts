// `cashflow topics apply` (and its step of `cashflow start`): makes the broker's topics match
// the declaration of topology/. Creates missing topics with their settings and raises partition
// counts; never deletes or shrinks. (The client has no AlterConfigs: settings of an existing
// topic are left as they are.)
import type { Config } from '../config/config.js';
import type { Admin } from '../clients/kafka.js';
import { createPartitions } from '../clients/kafka.js';
import type { TopicSpec, Topology } from '../topology/topology.js';

export type TopicAction = 'created' | 'exists' | 'partitions-raised' | 'has-more-partitions';

export interface TopicOutcome {
  topic: string;
  action: TopicAction;
  partitions: number;
}

/** Topic-level configs of a declared topic. */
export function topicConfigEntries(t: TopicSpec): { name: string; value: string }[] {
  return t.compacted
    ? [
        { name: 'cleanup.policy', value: 'compact' },
        // compact promptly enough that state rebuild reads little superseded data
        { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      ]
    : [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(t.retentionMs) },
      ];
}

export async function applyTopics(
  admin: Admin,
  topology: Topology,
  config: Pick<Config, 'kafka'>,
): Promise<TopicOutcome[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topology.topics.filter((t) => !existing.has(t.name));
  if (missing.length) {
    await admin.createTopics({
      timeout: 30_000,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        configEntries: topicConfigEntries(t),
      })),
    });
    await waitForTopics(
      admin,
      missing.map((t) => t.name),
    );
  }
  const outcomes: TopicOutcome[] = missing.map((t) => ({
    topic: t.name,
    action: 'created',
    partitions: t.partitions,
  }));
  const present = topology.topics.filter((t) => existing.has(t.name));
  if (present.length) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    for (const t of present) {
      const actual = metadata.find((m) => m.name === t.name)?.partitions.length ?? 0;
      if (actual < t.partitions) {
        await createPartitions(config, t.name, t.partitions);
        outcomes.push({ topic: t.name, action: 'partitions-raised', partitions: t.partitions });
      } else {
        outcomes.push({
          topic: t.name,
          action: actual > t.partitions ? 'has-more-partitions' : 'exists',
          partitions: actual,
        });
      }
    }
  }
  const order = new Map(topology.topics.map((t, i) => [t.name, i]));
  return outcomes.sort((a, b) => order.get(a.topic)! - order.get(b.topic)!);
}

/** New topics reach the metadata of every broker a moment after creation: wait for them. */
async function waitForTopics(admin: Admin, names: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const known = new Set(await admin.listTopics());
    const absent = names.filter((n) => !known.has(n));
    if (absent.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`topics not visible ${timeoutMs} ms after creation: ${absent.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
