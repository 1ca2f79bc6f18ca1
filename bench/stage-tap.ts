// Where a tick's latency goes: a consumer of its own (no commits, from the end of each topic)
// records the broker timestamp of every message on the topics a change passes through, so each
// stage can be read off as "first and last message after the commit" without touching the
// processors. Kafka's CreateTime is the producer's clock, the same host clock as the bench's.
import { readdirSync, readFileSync } from 'node:fs';
import type { Consumer } from '../clients/kafka.js';
import { cpuTicksOf } from './process-stats.js';

/** The topics a market tick passes through, in order, with the label printed for each. */
export const TICK_STAGES = [
  ['cdcMarketData', 'cdc'],
  ['marketObservations', 'market-ingest'],
  ['recalcRequests', 'impact'],
  ['contractCashflows', 'calculator'],
] as const;

export interface StageSpan {
  stage: string;
  messages: number;
  /** ms from the commit to the first / last message of the stage. */
  firstMs: number;
  lastMs: number;
}

/** Spans of each stage within [fromMs, toMs] (wall clock), relative to fromMs. Pure. */
export function stageSpans(
  seen: ReadonlyMap<string, readonly number[]>,
  stages: readonly (readonly [topic: string, label: string])[],
  fromMs: number,
  toMs: number,
): StageSpan[] {
  return stages.map(([topic, stage]) => {
    const ts = (seen.get(topic) ?? []).filter((t) => t >= fromMs && t <= toMs);
    return {
      stage,
      messages: ts.length,
      firstMs: ts.length ? Math.min(...ts) - fromMs : NaN,
      lastMs: ts.length ? Math.max(...ts) - fromMs : NaN,
    };
  });
}

/** One line per stage: "cdc 1 msg +42..42 ms; impact 1000 msgs +120..180 ms; …". */
export function formatSpans(spans: readonly StageSpan[], committedMs: number): string {
  const parts = spans.map((s) => `${s.stage} ${s.messages} +${Math.round(s.firstMs)}..${Math.round(s.lastMs)} ms`);
  return `${parts.join('; ')}; committed +${Math.round(committedMs)} ms`;
}

/**
 * Records (topic id → timestamps) of every message consumed until stopped. Paused while the
 * measured work runs (fetching a tick's 5.7 MB of results cost the bench ~0.3 CPU-s per tick,
 * taken from the pipeline it measures) and read afterwards: the timestamps are the producers'.
 */
export class StageTap {
  readonly seen = new Map<string, number[]>();
  /** topic name → partition → next offset to read. */
  private readonly next = new Map<string, Map<number, bigint>>();
  private constructor(
    private readonly consumer: Consumer,
    private readonly topicNames: readonly string[],
  ) {}

  /**
   * `topics`: topic id → topic name; `endsOf`: a topic's end offsets (where a consumer from the
   * latest offsets starts). Resolves once the consumer has its partitions.
   */
  static async start(
    consumer: Consumer,
    topics: ReadonlyMap<string, string>,
    endsOf: (topicName: string) => Promise<ReadonlyMap<number, bigint>>,
  ): Promise<StageTap> {
    const tap = new StageTap(consumer, [...topics.values()]);
    const idOf = new Map([...topics].map(([id, name]) => [name, id]));
    let assigned!: () => void;
    const ready = new Promise<void>((r) => (assigned = r));
    await consumer.subscribe({ topics: [...topics.values()] });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const id = idOf.get(batch.topic);
        if (!id) return;
        let list = tap.seen.get(id);
        if (!list) tap.seen.set(id, (list = []));
        for (const m of batch.messages) list.push(Number(m.timestamp));
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          let parts = tap.next.get(batch.topic);
          if (!parts) tap.next.set(batch.topic, (parts = new Map()));
          const next = BigInt(last.offset) + 1n;
          if (next > (parts.get(batch.partition) ?? 0n)) parts.set(batch.partition, next);
        }
      },
    });
    // the first assignment shows as a non-empty assignment list
    const deadline = Date.now() + 30_000;
    const poll = setInterval(() => {
      if (consumer.assignment().length > 0 || Date.now() > deadline) {
        clearInterval(poll);
        assigned();
      }
    }, 100);
    await ready;
    // partitions that see nothing new count as read up to where the tap started
    for (const name of topics.values()) {
      let parts = tap.next.get(name);
      if (!parts) tap.next.set(name, (parts = new Map()));
      for (const [p, end] of await endsOf(name)) if (end > (parts.get(p) ?? 0n)) parts.set(p, end);
    }
    return tap;
  }

  pause(): void {
    this.consumer.pause(this.topicNames.map((topic) => ({ topic })));
  }

  /** Resumes and waits until every message before `ends` (topic name → partition → end offset) is read. */
  async catchUp(ends: ReadonlyMap<string, ReadonlyMap<number, bigint>>, timeoutMs = 60_000): Promise<void> {
    this.consumer.resume(this.topicNames.map((topic) => ({ topic })));
    const deadline = Date.now() + timeoutMs;
    const behind = () =>
      [...ends].some(([topic, parts]) => [...parts].some(([p, end]) => end > 0n && (this.next.get(topic)?.get(p) ?? 0n) < end));
    while (behind()) {
      if (Date.now() > deadline) throw new Error('stage tap: could not read the ticks back within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** processor → phase → [seconds, batches], from the `cashflow_batch_phase_seconds` sums and counts of a /metrics text. */
export type PhaseTotals = Map<string, Map<string, [seconds: number, batches: number]>>;

export function phaseTotals(metricsText: string, into: PhaseTotals = new Map()): PhaseTotals {
  const re = /^cashflow_batch_phase_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm;
  for (const m of metricsText.matchAll(re)) {
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    let byPhase = into.get(labels.processor);
    if (!byPhase) into.set(labels.processor, (byPhase = new Map()));
    const cur = byPhase.get(labels.phase) ?? [0, 0];
    if (m[1] === 'sum') cur[0] += Number(m[3]);
    else cur[1] += Number(m[3]);
    byPhase.set(labels.phase, cur);
  }
  return into;
}

/** after − before, per processor and phase. */
export function phaseDelta(before: PhaseTotals, after: PhaseTotals): PhaseTotals {
  const out: PhaseTotals = new Map();
  for (const [processor, phases] of after) {
    const o = new Map<string, [number, number]>();
    for (const [phase, [s, n]] of phases) {
      const [s0, n0] = before.get(processor)?.get(phase) ?? [0, 0];
      o.set(phase, [s - s0, n - n0]);
    }
    out.set(processor, o);
  }
  return out;
}

/** "calculator: process 0.41 s, produce 0.12 s … in 36 batches" per processor, divided by `per` (ticks). */
export function formatPhases(totals: PhaseTotals, per: number): string[] {
  return [...totals].map(([processor, phases]) => {
    const batches = Math.max(...[...phases.values()].map(([, n]) => n)) / per;
    const parts = [...phases].map(([phase, [s]]) => `${phase} ${Math.round((s / per) * 1000)} ms`);
    return `${processor}: ${parts.join(', ')} (${batches.toFixed(1)} batches)`;
  });
}

/** CPU seconds (user + system) used so far by every process, grouped by what it is. Linux /proc. */
export function cpuByComponent(): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const ticks = cpuTicksOf(Number(pid));
    if (ticks === undefined) continue; // the process ended meanwhile
    try {
      const seconds = ticks / tick;
      // the bench's own polling and taps are not the pipeline's work
      const component = Number(pid) === process.pid ? 'bench' : componentOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      out.set(component, (out.get(component) ?? 0) + seconds);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU seconds per unit by component between two cpuByComponent readings, largest first. */
export function cpuDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, units: number): [string, number][] {
  return [...after]
    .map(([c, s]): [string, number] => [c, (s - (before.get(c) ?? 0)) / units])
    .filter(([, s]) => s >= 0.005)
    .sort((a, b) => b[1] - a[1]);
}

export function formatCpu(cpu: readonly [string, number][]): string {
  return cpu.map(([c, s]) => `${c} ${s.toFixed(2)} s`).join(', ');
}

/** "calculator", "sink", …, "postgres", "postgres-walsender", "kafka", "connect", "redis", "kernel", or "other". */
export function componentOf(cmdline: readonly string[]): string {
  // kernel threads (I/O writeback, page reclaim) have an empty command line (proc(5))
  if (cmdline.every((a) => a === '')) return 'kernel';
  // `cashflow start` runs processors with node --title=cashflow-processor:<prefix><name>[-n]
  const titled = /^cashflow-processor:.*?(contract-ingest|market-ingest|impact|calculator|sink|job-worker)(-\d+)?$/.exec(cmdline[0] ?? '');
  if (titled) return titled[1];
  const run = cmdline.indexOf('run');
  if (run >= 0 && cmdline.some((a) => a.endsWith('cashflow') || a.endsWith('cashflow.js'))) return cmdline[run + 1] ?? 'other';
  const first = cmdline[0] ?? '';
  if (/postgres/.test(first)) return / walsender /.test(first) ? 'postgres-walsender' : 'postgres';
  if (first.includes('redis-server')) return 'redis';
  const component = cmdline.find((a) => a.startsWith('-Dcashflow.stack.component='));
  if (component) return component.split('=')[1];
  return 'other';
}
