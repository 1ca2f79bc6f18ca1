// prom-client metrics of the processors of one process (one registry per process, labelled
// by processor, so `cashflow run` with several processors serves them on one /metrics).
import client from 'prom-client';
import { BREAKER_NAMES, BREAKER_STATES, type BreakerName, type BreakerState } from '../clients/breaker.js';

export class PipelineMetrics {
  readonly registry = new client.Registry();
  readonly recordsIn: client.Counter<'processor' | 'topic'>;
  readonly recordsOut: client.Counter<'processor' | 'topic'>;
  readonly recordsCommitted: client.Counter<'processor' | 'topic'>;
  readonly deadLetters: client.Counter<'processor' | 'topic'>;
  readonly retries: client.Counter<'processor'>;
  readonly dependencyErrors: client.Counter<'processor' | 'component'>;
  readonly batchSeconds: client.Histogram<'processor'>;
  readonly phaseSeconds: client.Histogram<'processor' | 'phase'>;
  readonly endToEndSeconds: client.Histogram<'processor'>;
  readonly waitingResults: client.Counter<'processor'>;
  readonly waitingContracts: client.Gauge;
  readonly stateRebuilds: client.Counter<'outcome'>;
  readonly stateRebuildSeconds: client.Histogram;
  readonly stateReady: client.Gauge;
  readonly breakerState: client.Gauge<'breaker' | 'state'>;
  readonly breakerOpens: client.Counter<'breaker'>;
  /** The breakers' states, read at each scrape (the process's Breakers, once made). */
  breakerStates: () => Partial<Record<BreakerName, BreakerState>> = () => ({});

  constructor(waitingCount?: () => Promise<number>) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'cashflow_process_' });
    this.recordsIn = new client.Counter({ name: 'cashflow_records_in_total', help: 'records consumed', labelNames: ['processor', 'topic'], registers });
    this.recordsCommitted = new client.Counter({
      name: 'cashflow_records_committed_total',
      help: 'records whose batch is done: effects durable, offset committed',
      labelNames: ['processor', 'topic'],
      registers,
    });
    this.recordsOut = new client.Counter({ name: 'cashflow_records_out_total', help: 'records produced', labelNames: ['processor', 'topic'], registers });
    this.deadLetters = new client.Counter({ name: 'cashflow_dead_letters_total', help: 'poison records sent to the dead letter topic', labelNames: ['processor', 'topic'], registers });
    this.retries = new client.Counter({ name: 'cashflow_retries_total', help: 'retries after retriable faults (broker, Redis, database)', labelNames: ['processor'], registers });
    this.dependencyErrors = new client.Counter({
      name: 'cashflow_dependency_errors_total',
      help: 'retriable faults by the component that failed (kafka, schema-registry, database, redis; other when the error names none): the batch waits and is retried',
      labelNames: ['processor', 'component'],
      registers,
    });
    this.batchSeconds = new client.Histogram({
      name: 'cashflow_batch_seconds',
      help: 'time from receiving a batch to its offsets committed',
      labelNames: ['processor'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.phaseSeconds = new client.Histogram({
      name: 'cashflow_batch_phase_seconds',
      help: 'time of each phase of a batch: decode, process, state (Redis writes), produce (until acknowledged), commit',
      labelNames: ['processor', 'phase'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.endToEndSeconds = new client.Histogram({
      name: 'cashflow_end_to_end_seconds',
      help: 'source commit to result rows committed (sink), where the source commit time is known',
      labelNames: ['processor'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.waitingResults = new client.Counter({ name: 'cashflow_waiting_results_total', help: 'results published with status waiting (data missing)', labelNames: ['processor'], registers });
    this.stateRebuilds = new client.Counter({
      name: 'cashflow_state_rebuilds_total',
      help: 'rebuilds of the Redis state by this process after its marker went missing (state/healing.ts), by outcome: completed, interrupted (state lost again meanwhile), failed',
      labelNames: ['outcome'],
      registers,
    });
    this.stateRebuildSeconds = new client.Histogram({
      name: 'cashflow_state_rebuild_seconds',
      help: 'duration of the rebuilds of the Redis state by this process, lock to marker',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.stateReady = new client.Gauge({
      name: 'cashflow_state_ready',
      help: '1 while the Redis state marker is there (state complete), 0 while it is missing and batches wait for the rebuild',
      registers,
    });
    const states = () => this.breakerStates();
    this.breakerState = new client.Gauge({
      name: 'cashflow_circuit_breaker_state',
      help: 'state of each circuit breaker (database, redis, schema-registry, callbacks): 1 for its current state (closed, open, half-open), 0 for the others; open: calls refused, batches held and retried',
      labelNames: ['breaker', 'state'],
      registers,
      collect() {
        const now = states();
        for (const breaker of BREAKER_NAMES) for (const state of BREAKER_STATES) this.set({ breaker, state }, (now[breaker] ?? 'closed') === state ? 1 : 0);
      },
    });
    this.breakerOpens = new client.Counter({
      name: 'cashflow_circuit_breaker_opens_total',
      help: 'times each circuit breaker opened: after consecutive dependency-down failures, or again after a failed half-open try',
      labelNames: ['breaker'],
      registers,
    });
    for (const breaker of BREAKER_NAMES) this.breakerOpens.inc({ breaker }, 0);
    this.waitingContracts = new client.Gauge({
      name: 'cashflow_waiting_contracts',
      help: 'contracts whose last result is waiting for data',
      registers,
      async collect() {
        if (!waitingCount) return;
        try {
          this.set(await waitingCount());
        } catch {
          // Redis down: keep the last value; /readyz reports it
        }
      },
    });
  }
}

/** What the process's breakers report to the metrics as each changes state (their states are read at each scrape). */
export function breakerChanges(m: PipelineMetrics): (name: BreakerName, state: BreakerState) => void {
  return (name, state) => {
    if (state === 'open') m.breakerOpens.inc({ breaker: name });
  };
}

/** The healer's view of the metrics (state/healing.ts HealMetrics). */
export function healMetrics(m: PipelineMetrics): { rebuildEnded(outcome: 'completed' | 'interrupted' | 'failed', seconds: number): void; stateReady(ready: boolean): void } {
  return {
    rebuildEnded(outcome, seconds) {
      m.stateRebuilds.inc({ outcome });
      m.stateRebuildSeconds.observe(seconds);
    },
    stateReady(ready) {
      m.stateReady.set(ready ? 1 : 0);
    },
  };
}
