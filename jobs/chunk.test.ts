// A job's chunks as Kafka messages: spread evenly over the partitions.
import { describe, expect, it } from 'vitest';
import { buildTopology } from '../topology/topology.js';
import { jobChunkMessage } from './chunk.js';

describe('jobChunkMessage', () => {
  it('deals the chunks of a job round robin over the jobs topic, so the workers get equal shares', () => {
    const topology = buildTopology({ database: 'cashflow', schema: 'public', partitions: 12 });
    const perPartition = new Array<number>(12).fill(0);
    for (let i = 0; i < 160; i++) {
      const m = jobChunkMessage(topology, 'job_x', i, Buffer.alloc(0));
      expect(m.key).toBe(`job_x|${i}`);
      perPartition[m.partition]++;
    }
    // 160 = 12 × 13 + 4: four partitions carry one chunk more, none two
    expect(perPartition.filter((n) => n === 14)).toHaveLength(4);
    expect(perPartition.filter((n) => n === 13)).toHaveLength(8);
  });
});
