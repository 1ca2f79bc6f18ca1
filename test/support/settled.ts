// The end state the fault tests demand of the pipeline itself, beside the result tables
// (expected-results.ts): every consumer group committed up to the end of each of its inputs
// (nothing skipped, nothing left), the processors still running and ready, and nothing
// dead-lettered (a fault is retried, never taken for poison).
import { expect } from 'vitest';
import type { Admin } from '../../clients/kafka.js';
import { committedOffsets, topicEnds } from '../../demo/ops.js';
import type { RunningPipeline } from '../../processors/pipeline.js';
import type { Topology } from '../../topology/topology.js';

interface PartitionProgress {
  where: string;
  committed: bigint;
  end: bigint;
}

async function progress(admin: Admin, topology: Topology, pipeline: RunningPipeline): Promise<PartitionProgress[]> {
  const out: PartitionProgress[] = [];
  for (const p of topology.processors.filter((p) => pipeline.processors.includes(p.name))) {
    for (const input of p.inputs) {
      const topic = topology.topic(input).name;
      const committed = await committedOffsets(admin, p.consumerGroup, topic);
      for (const [partition, end] of await topicEnds(admin, topic)) {
        if (end > 0n) out.push({ where: `${p.name} ${input}[${partition}]`, committed: committed.get(partition) ?? -1n, end });
      }
    }
  }
  return out;
}

/** The partitions whose group is behind: `processor input[partition] committed/end`. */
export async function laggingPartitions(admin: Admin, topology: Topology, pipeline: RunningPipeline): Promise<string[]> {
  return (await progress(admin, topology, pipeline)).filter((p) => p.committed < p.end).map((p) => `${p.where} ${p.committed}/${p.end}`);
}

export async function expectPipelineSettled(admin: Admin, topology: Topology, pipeline: RunningPipeline): Promise<void> {
  for (const p of await progress(admin, topology, pipeline)) expect(p.committed, p.where).toBe(p.end);
  expect(pipeline.ready()).toBe(true);
  const ready = await fetch(`http://127.0.0.1:${pipeline.port}/readyz`);
  expect(ready.status, await ready.text()).toBe(200);
  const deadLetters = [...(await topicEnds(admin, topology.topic('deadLetter').name)).values()].reduce((a, b) => a + b, 0n);
  expect(deadLetters).toBe(0n);
  expect((await pipeline.metrics.deadLetters.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
}

/** Retries counted by the pipeline's runners so far (cashflow_retries_total). */
export async function retriesSoFar(pipeline: RunningPipeline): Promise<number> {
  return (await pipeline.metrics.retries.get()).values.reduce((n, v) => n + v.value, 0);
}
