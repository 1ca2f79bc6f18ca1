// The one runner every processor runs in (docs/runner.md; docs/architecture.md, invariants 3, 5 and 6).
//
// Per partition batch (eachBatch, `js.consumer.max.batch.size` messages):
//   decode (Debezium JSON or Avro; undecodable → dead letter: processors/runner-records.ts)
//   → processor.process(records, ctx)
//   → effects: state writes (before or after outputs, as the processor says), outputs and dead
//     letters produced by the idempotent producer (acks=all) and awaited (processors/runner-send.ts)
//   → commit offset last + 1 (and, off the batch path, read back every round: a commit librdkafka
//     dropped, or an older one stored after it, is made again: processors/runner-commits.ts).
// Retriable faults (RetriableError: broker, Redis, database unavailable) retry the whole batch
// with exponential backoff, blocking the partition, never skipping (processors/runner-retry.ts);
// every step is idempotent, so a retry or a crash at any point repeats work but loses and
// duplicates nothing that matters (the sink's version rule and the calculator's fingerprint
// absorb repeats). A batch that fails for another reason (a PoisonRecordError, or an error of
// process() that is not retriable) is retried record by record, and the records that still fail
// are dead letters: poison never blocks the records around it.
import { randomBytes } from 'node:crypto';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { context, trace } from '@opentelemetry/api';
import type { Breakers } from '../clients/breaker.js';
import type { BackoffOptions } from '../clients/backoff.js';
import { errorMessage, type FailedComponent } from '../clients/errors.js';
import type { Consumer } from '../clients/kafka.js';
import type { Redis } from '../clients/redis.js';
import type { Database } from '../db/database.js';
import type { StateStore } from '../state/model.js';
import { emptyWrites, hasWrites } from '../state/model.js';
import { StateLostError } from '../state/readiness.js';
import type { ProcessorName } from '../topology/topology.js';
import { failSpan } from '../tracing/pipeline-spans.js';
import { activeTracer } from '../tracing/tracer.js';
import { rejectionOf } from './dead-letter.js';
import type { BatchOutcome, InputRecord, ProcessorContext, ProcessorDefinition, Rejection } from './processor.js';
import { CommitConfirmer } from './runner-commits.js';
import { decodeRecord, nextOffset, rawRecord, type KafkaMessage } from './runner-records.js';
import { effectError, Retrier, Stopped, type BatchScope, type RetryServices } from './runner-retry.js';
import { BatchSender, type SendServices } from './runner-send.js';
import { batchSpan } from './runner-trace.js';

export type { Log } from '../clients/log.js';
export type { BackoffOptions } from '../clients/backoff.js';
export { decodeRecord, nextOffset } from './runner-records.js';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000 };

/**
 * What one runner needs; shared by the runners of one process. Its retry loop's (the metrics,
 * the log, the backoff, the healer of lost state) and its send's (the producer, the codec).
 */
export interface RunnerServices extends RetryServices, SendServices {
  store: StateStore;
  database(): Promise<Database>;
  /** The Redis client under the store (job-worker keeps job results with it). */
  redis?: Redis;
  /** The process's circuit breakers (clients/breaker.ts): the store, database and codec above call through them. */
  breakers?: Breakers;
}

export interface RunnerOptions {
  /** `js.consumer.max.batch.size` (default 1000). */
  maxBatchSize?: number;
  /** Overrides the processor's partition concurrency. */
  partitionConcurrency?: number;
  clientId?: string;
}

/** The Kafka side of a runner: a consumer factory, so tests can count and the CLI can configure. */
export type ConsumerFactory = (groupId: string, options: { maxBatchSize: number; clientId: string; fetchMaxBytes?: number }) => Promise<Consumer>;

/** The outcome of a batch with no records to process (its rejections only). */
const NOTHING: BatchOutcome = { outputs: [], writes: emptyWrites(), deadLetters: [] };

/** Runs one processor: one consumer in the processor's group over its input topics. */
export class ProcessorRunner {
  private consumer: Consumer | undefined;
  private stopping = false;
  private running = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly commits: CommitConfirmer;
  private readonly retry: Retrier;
  private readonly sender: BatchSender;
  readonly clientId: string;

  constructor(
    readonly definition: ProcessorDefinition,
    private readonly services: RunnerServices,
    private readonly createConsumer: ConsumerFactory,
    private readonly options: RunnerOptions = {},
  ) {
    this.clientId = options.clientId ?? `${definition.name}-${randomBytes(3).toString('hex')}`;
    this.commits = new CommitConfirmer(definition.name, services);
    this.retry = new Retrier(definition.name, services);
    this.sender = new BatchSender(definition.name, services);
  }

  get name(): ProcessorName {
    return this.definition.name;
  }

  get isRunning(): boolean {
    return this.running && !this.stopping;
  }

  async start(): Promise<void> {
    const { topology } = this.services;
    const spec = topology.processor(this.name);
    this.consumer = await this.createConsumer(spec.consumerGroup, {
      maxBatchSize: this.options.maxBatchSize ?? this.definition.maxBatchSize ?? 1000,
      clientId: this.clientId,
      fetchMaxBytes: this.definition.fetchMaxBytes,
    });
    await this.consumer.subscribe({ topics: spec.inputs.map((id) => topology.topic(id).name) });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionConcurrency ?? this.definition.partitionConcurrency ?? 4,
      eachBatch: (payload) => {
        const p = this.onBatch(payload);
        this.inFlight.add(p);
        return p.finally(() => this.inFlight.delete(p));
      },
    });
    this.running = true;
    this.commits.start(this.consumer);
    this.services.log('info', 'processor started', { processor: this.name, group: spec.consumerGroup, inputs: spec.inputs });
  }

  /** Finishes the batches in hand (their effects and commits), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.commits.stop();
    await Promise.allSettled([...this.inFlight]);
    try {
      await this.consumer?.disconnect();
    } catch (e) {
      this.services.log('warn', 'consumer disconnect failed', { processor: this.name, error: errorMessage(e) });
    }
    this.running = false;
    this.services.log('info', 'processor stopped', { processor: this.name });
  }

  private async onBatch(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const { topology, metrics } = this.services;
    const spec = topology.topicNamed(batch.topic);
    if (!spec) throw new Error(`${this.name}: message from undeclared topic ${batch.topic}`);
    const started = performance.now();
    const labels = { processor: this.name, topic: spec.id };
    metrics.recordsIn.inc(labels, batch.messages.length);

    const scope: BatchScope = {
      alive: () => !this.stopping && payload.isRunning() && !payload.isStale(),
      fields: { processor: this.name, topic: batch.topic, partition: batch.partition },
    };
    const records: InputRecord[] = [];
    const undecodable: Rejection[] = [];
    for (const m of batch.messages) {
      const message = m as KafkaMessage;
      try {
        records.push(await this.retry.retrying(scope, () => decodeRecord(topology, this.services.codec, spec.id, batch.partition, message), false));
      } catch (e) {
        if (e instanceof Stopped) return; // not resolved: redelivered to whoever owns the partition next
        undecodable.push(rejectionOf(rawRecord(topology, spec.id, batch.partition, message), e));
      }
    }
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    this.phase('decode', started);
    const tracer = activeTracer();
    // tracing off: no header is read and no span made
    const span =
      tracer &&
      batchSpan(
        tracer,
        { processor: this.name, topology, dialect: this.services.config.database.dialect, topicName: batch.topic, partition: batch.partition, started },
        batch.messages as KafkaMessage[],
        records,
      );
    try {
      const work = async () => {
        await this.processAll(records, undecodable, scope);
        const committing = performance.now();
        const offset = nextOffset(lastOffset);
        await this.retry.retrying(scope, () => this.commits.commit(this.consumer!, batch.topic, batch.partition, offset));
        this.phase('commit', committing);
      };
      // the batch's work runs in its span's context: its send, the sink's transaction and the
      // log lines written meanwhile see the batch's trace (trace.getActiveSpan())
      await (span ? context.with(trace.setSpan(context.active(), span), work) : work());
      payload.resolveOffset(lastOffset);
      metrics.recordsCommitted.inc(labels, batch.messages.length);
    } catch (e) {
      if (e instanceof Stopped) return;
      if (span) failSpan(span, e);
      throw e;
    } finally {
      span?.end();
      metrics.batchSeconds.observe({ processor: this.name }, (performance.now() - started) / 1000);
    }
  }

  /** The batch as a whole; on a failure that is not retriable, record by record. */
  private async processAll(records: InputRecord[], undecodable: Rejection[], scope: BatchScope): Promise<void> {
    try {
      // A processor is a pure function over its batch and its state: a retry after its effects
      // failed applies the outcome it computed, whose outputs may be out already (an
      // after-outputs processor's state must then record what was sent: the calculator's next
      // version is "last published + 1", and the sink keeps the first of two schedules under one
      // version). Only lost state makes it compute again: what it read is gone, and the heal
      // brings back what its outputs announced (docs/runner.md "Faults").
      let outcome: BatchOutcome | undefined;
      await this.retry.retrying(
        scope,
        async () => {
          outcome ??= await this.process(records);
          try {
            await this.apply(outcome, undecodable);
          } catch (e) {
            if (e instanceof StateLostError) outcome = undefined;
            throw e;
          }
        },
        false,
      );
      return;
    } catch (e) {
      if (e instanceof Stopped) throw e;
      if (records.length <= 1 && undecodable.length === 0) {
        const r = records[0];
        // topics are keyed by contract id (docs/architecture.md "Data flow"; market observations aside)
        this.services.log('warn', 'poison input', { ...scope.fields, offset: r?.offset, contractId: r?.key ?? undefined, error: errorMessage(e) });
        await this.retry.retrying(scope, () => this.apply(NOTHING, r ? [rejectionOf(r, e)] : []));
        return;
      }
      this.services.log('warn', 'batch failed, retrying record by record', { ...scope.fields, offset: records[0]?.offset, records: records.length, error: errorMessage(e) });
    }
    if (undecodable.length) await this.retry.retrying(scope, () => this.apply(NOTHING, undecodable));
    for (const r of records) await this.processAll([r], [], scope);
  }

  /** The processor's outcome of `records`; its errors keep their class. */
  private async process(records: InputRecord[]): Promise<BatchOutcome> {
    if (records.length === 0) return NOTHING;
    const ctx: ProcessorContext = {
      state: this.services.store,
      now: this.services.now,
      horizon: this.services.config.horizon,
      database: this.services.database,
      redis: this.services.redis ? () => this.services.redis! : undefined,
      breakers: this.services.breakers,
    };
    const t = performance.now();
    const outcome = await this.definition.process(records, ctx);
    this.phase('process', t);
    return outcome;
  }

  /**
   * The outcome's effects, then its metrics. A failure of an effect is retriable, named for
   * the effect (Redis for the state, Kafka for the send), unless it is poison (effectError).
   */
  private async apply(outcome: BatchOutcome, rejected: Rejection[]): Promise<void> {
    const deadLetters = rejected.length ? [...rejected, ...outcome.deadLetters] : outcome.deadLetters;
    const { store } = this.services;
    const effect = async <T>(component: FailedComponent, step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (e) {
        throw effectError(component, e);
      }
    };
    let t = performance.now();
    let marker: string | void = undefined;
    if (this.definition.stateOrder === 'before-outputs' && hasWrites(outcome.writes)) {
      marker = await effect('redis', () => store.apply(outcome.writes));
      t = this.phase('state', t);
    }
    await effect('kafka', () => this.sender.produce(outcome.outputs, deadLetters));
    t = this.phase('produce', t);
    await effect('redis', () => this.confirmStateKept(outcome, marker));
    if (this.definition.stateOrder === 'after-outputs' && hasWrites(outcome.writes)) {
      await effect('redis', () => store.apply(outcome.writes));
      this.phase('state', t);
    }
    const m = this.services.metrics;
    for (const o of outcome.outputs) m.recordsOut.inc({ processor: this.name, topic: o.topic });
    for (const d of deadLetters) m.deadLetters.inc({ processor: this.name, topic: d.record.topic });
    if (outcome.waiting) m.waitingResults.inc({ processor: this.name }, outcome.waiting);
    for (const ms of outcome.endToEndMs ?? []) m.endToEndSeconds.observe({ processor: this.name }, ms / 1000);
  }

  /**
   * State written before the outputs must still be there once they are out: a flush between
   * the two would leave outputs announcing state that is gone, and a rebuild that read the
   * topics before those outputs landed would not bring it back. The same marker after the
   * outputs as after the writes (one GET) proves that no loss came in between; else
   * StateLostError and the batch is done again after the heal (state/readiness.ts).
   */
  private async confirmStateKept(outcome: BatchOutcome, marker: string | void): Promise<void> {
    if (this.definition.stateOrder !== 'before-outputs' || !hasWrites(outcome.writes)) return;
    await this.services.store.confirmReady?.(marker || undefined);
  }

  /** Observes the time since `since` as `phase` of a batch; returns now. */
  private phase(phase: 'decode' | 'process' | 'state' | 'produce' | 'commit', since: number): number {
    const now = performance.now();
    this.services.metrics.phaseSeconds.observe({ processor: this.name, phase }, (now - since) / 1000);
    return now;
  }
}
