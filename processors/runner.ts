// The one runner every processor runs in (docs/runner.md; docs/architecture.md, invariants 3, 5 and 6).
//
// Per partition batch (eachBatch, `js.consumer.max.batch.size` messages):
//   decode (Debezium JSON or Avro; undecodable → dead letter)
//   → processor.process(records, ctx)
//   → effects: state writes (before or after outputs, as the processor says), outputs and dead
//     letters produced by the idempotent producer (acks=all) and awaited
//   → commit offset last + 1 (and, off the batch path, read back every round: a commit librdkafka
//     dropped, or an older one stored after it, is made again: processors/commit-ledger.ts).
// Retriable faults (broker, Redis, database unavailable) retry the whole batch with exponential
// backoff, blocking the partition, never skipping; every step is idempotent, so a retry or a
// crash at any point repeats work but loses and duplicates nothing that matters (the sink's
// version rule and the calculator's fingerprint absorb repeats). A batch that fails for a
// non-retriable reason is retried record by record, and the records that still fail are dead
// letters: poison never blocks the records around it.
import { randomBytes } from 'node:crypto';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Config } from '../config/config.js';
import type { Consumer, Producer } from '../clients/kafka.js';
import { ComponentError, isRetriable } from '../clients/errors.js';
import type { AvroCodec, AvroTopicId, TopicValues } from '../clients/schema-registry.js';
import type { Database } from '../db/database.js';
import type { Redis } from '../clients/redis.js';
import type { StateStore } from '../state/model.js';
import { emptyWrites, hasWrites } from '../state/model.js';
import { StateLostError } from '../state/readiness.js';
import type { ProcessorName, TopicId, Topology } from '../topology/topology.js';
import { decodeChangeEvent } from './cdc.js';
import { deadLetterMessage, isMessageTooLarge } from './dead-letter.js';
import type { PipelineMetrics } from './metrics.js';
import type { BatchOutcome, InputRecord, OutputRecord, ProcessorContext, ProcessorDefinition, Rejection } from './processor.js';
import { CommitLedger, partitionKey } from './commit-ledger.js';

import { context, trace, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { activeTracer } from '../tracing/tracer.js';
import { injectSpanContext, spanContextsOfHeaders } from '../tracing/kafka-headers.js';
import { dbSystemName, failSpan, sourceChangeContext, startBatchSpan, startSendSpan } from '../tracing/pipeline-spans.js';
import type { Log } from '../clients/log.js';
import { BreakerOpenError, type Breakers } from '../clients/breaker.js';
import { backoffDelayMs, type BackoffOptions } from '../clients/backoff.js';

export type { Log } from '../clients/log.js';

export type { BackoffOptions } from '../clients/backoff.js';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000 };

/** What one runner needs; shared by the runners of one process. */
export interface RunnerServices {
  config: Config;
  topology: Topology;
  producer: Producer;
  codec: AvroCodec;
  store: StateStore;
  metrics: PipelineMetrics;
  database(): Promise<Database>;
  /** The Redis client under the store (job-worker keeps job results with it). */
  redis?: Redis;
  log: Log;
  now(): number;
  backoff: BackoffOptions;
  /** The process's circuit breakers (clients/breaker.ts): the store, database and codec above call through them. */
  breakers?: Breakers;
  /**
   * Heals lost Redis state (state/healing.ts StateHealer): a batch that meets StateLostError
   * waits for it and is then retried. Without one, StateLostError is retried with backoff.
   */
  healer?: { heal(): Promise<void> };
}

export interface RunnerOptions {
  /** `js.consumer.max.batch.size` (default 1000). */
  maxBatchSize?: number;
  /** Overrides the processor's partition concurrency. */
  partitionConcurrency?: number;
  clientId?: string;
}

/** The Kafka side of a runner: a consumer factory, so tests can count and the CLI can configure. */
export type ConsumerFactory = (groupId: string, options: { maxBatchSize: number; clientId: string }) => Promise<Consumer>;

/** One batch in hand: whether it is still ours, and the fields each of its log lines carries. */
interface BatchScope {
  alive(): boolean;
  fields: { processor: ProcessorName; topic: string; partition: number };
}

/** A consumed message as eachBatch hands it over. */
type KafkaMessage = { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers?: KafkaJS.IHeaders };

class Stopped extends Error {
  constructor() {
    super('runner stopping');
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How often commits handed to librdkafka are checked against what the broker stored. */
const CONFIRM_COMMITS_EVERY_MS = 2_000;
const CONFIRM_COMMITS_TIMEOUT_MS = 10_000;

/** Decodes one message of `topic`; throws (poison) when it cannot be decoded. */
export async function decodeRecord(
  topology: Topology,
  codec: AvroCodec,
  topic: TopicId,
  partition: number,
  message: { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string },
): Promise<InputRecord> {
  const spec = topology.topic(topic);
  const record: InputRecord = {
    topic,
    topicName: spec.name,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    rawKey: message.key,
    rawValue: message.value,
    timestampMs: Number(message.timestamp),
    change: null,
    value: null,
  };
  if (spec.value.format === 'debezium-json') record.change = decodeChangeEvent(message.value);
  else if (message.value && message.value.length > 0) record.value = await codec.decode(topic as AvroTopicId, message.value);
  return record;
}

/** The next offset to consume after `offset` (offsets exceed 2^53 only in theory: use BigInt). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

export function errorType(e: unknown): string {
  return e instanceof Error ? e.name || e.constructor.name : typeof e;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs one processor: one consumer in the processor's group over its input topics. */
export class ProcessorRunner {
  private consumer: Consumer | undefined;
  private stopping = false;
  private running = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The last commit per owned partition, read back every round. */
  private readonly commits = new CommitLedger(CONFIRM_COMMITS_EVERY_MS);
  private confirmTimer: NodeJS.Timeout | undefined;
  private confirming = false;
  readonly clientId: string;

  constructor(
    readonly definition: ProcessorDefinition,
    private readonly services: RunnerServices,
    private readonly createConsumer: ConsumerFactory,
    private readonly options: RunnerOptions = {},
  ) {
    this.clientId = options.clientId ?? `${definition.name}-${randomBytes(3).toString('hex')}`;
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
    this.confirmTimer = setInterval(() => void this.confirmCommits(), CONFIRM_COMMITS_EVERY_MS);
    this.confirmTimer.unref();
    this.services.log('info', 'processor started', { processor: this.name, group: spec.consumerGroup, inputs: spec.inputs });
  }

  /** Finishes the batches in hand (their effects and commits), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.confirmTimer);
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
        records.push(await this.retrying(scope, () => decodeRecord(topology, this.services.codec, spec.id, batch.partition, message), false));
      } catch (e) {
        if (e instanceof Stopped) return; // not resolved: redelivered to whoever owns the partition next
        undecodable.push({
          record: {
            topic: spec.id,
            topicName: spec.name,
            partition: batch.partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            rawKey: message.key,
            rawValue: message.value,
            timestampMs: Number(message.timestamp),
            change: null,
            value: null,
          },
          reason: errorMessage(e),
          errorType: errorType(e),
        });
      }
    }
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    this.phase('decode', started);
    const tracer = activeTracer();
    // tracing off: no header is read and no span made
    const span = tracer && this.batchSpan(tracer, batch.topic, batch.partition, batch.messages as KafkaMessage[], records, started);
    try {
      const work = async () => {
        await this.processAll(records, undecodable, scope);
        const committing = performance.now();
        const offset = nextOffset(lastOffset);
        await this.retrying(scope, async () => {
          // noted before the call: a re-commit of an older offset by confirmCommits is skipped from here on
          this.commits.note(batch.topic, batch.partition, offset, Date.now());
          await this.consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
        });
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

  /**
   * The batch's span (tracing/pipeline-spans.ts): its records' contexts are those their headers
   * carry; a CDC record carries none (Debezium sends none), so its own source span is made first.
   */
  private batchSpan(tracer: Tracer, topicName: string, partition: number, messages: KafkaMessage[], records: InputRecord[], started: number): Span {
    const { topology, config } = this.services;
    const contexts: (SpanContext | undefined)[] = [];
    const cdc = topology.topicNamed(topicName)?.value.format === 'debezium-json';
    if (cdc) {
      const dbSystem = dbSystemName(config.database.dialect);
      for (const r of records)
        if (r.change)
          contexts.push(
            sourceChangeContext(tracer, {
              topicName,
              partition,
              offset: r.offset,
              key: r.key,
              committedAtMs: r.change.committedAtMs,
              timestampMs: r.timestampMs,
              table: r.change.table,
              dbSystem,
            }),
          );
    } else contexts.push(...spanContextsOfHeaders(messages.map((m) => m.headers)));
    return startBatchSpan(
      tracer,
      {
        processor: this.name,
        consumerGroup: topology.processor(this.name).consumerGroup,
        topicName,
        partition,
        messageCount: messages.length,
        startTime: started,
      },
      contexts,
    );
  }

  /**
   * Reads back the offsets the broker stored for every partition this consumer committed and
   * still owns (one request, off the batch path) and makes again each commit the broker lacks
   * (processors/commit-ledger.ts says why librdkafka loses or reorders commits around a
   * coordinator outage). A re-commit racing a newer commit of the same partition can store the
   * older offset for a moment; the next round finds the newer one missing and makes it again.
   */
  private async confirmCommits(): Promise<void> {
    if (this.confirming || this.stopping || this.commits.size === 0 || !this.consumer) return;
    this.confirming = true;
    const consumer = this.consumer;
    try {
      const checked = this.commits.toCheck();
      const stored = await consumer.committed(
        checked.map((c) => ({ topic: c.topic, partition: c.partition })),
        CONFIRM_COMMITS_TIMEOUT_MS,
      );
      const storedOffset = new Map(stored.map((s) => [partitionKey(s.topic, s.partition), BigInt(s.offset)]));
      const owned = new Set(consumer.assignment().map((tp) => partitionKey(tp.topic, tp.partition)));
      const again = this.commits.review(checked, storedOffset, owned, Date.now());
      if (again.length === 0 || this.stopping) return;
      this.services.metrics.retries.inc({ processor: this.name }, again.length);
      this.services.log('warn', 'offset commits not stored by the broker: committing again', {
        processor: this.name,
        commits: again.map((c) => `${c.topic}[${c.partition}]@${c.offset}`),
      });
      await consumer.commitOffsets(again.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (e) {
      this.services.log('warn', 'reading back offset commits failed (tried again shortly)', { processor: this.name, error: errorMessage(e) });
    } finally {
      this.confirming = false;
    }
  }

  /** The batch as a whole; on a non-retriable failure, record by record. */
  private async processAll(records: InputRecord[], undecodable: Rejection[], scope: BatchScope): Promise<void> {
    try {
      await this.retrying(scope, () => this.processAndApply(records, undecodable), false);
      return;
    } catch (e) {
      if (e instanceof Stopped) throw e;
      if (records.length <= 1 && undecodable.length === 0) {
        const r = records[0];
        // topics are keyed by contract id (CONTRACTS.md "Topics"; market observations aside)
        this.services.log('warn', 'poison input', { ...scope.fields, offset: r?.offset, contractId: r?.key ?? undefined, error: errorMessage(e) });
        await this.retrying(scope, () => this.processAndApply([], r ? [{ record: r, reason: errorMessage(e), errorType: errorType(e) }] : []));
        return;
      }
      this.services.log('warn', 'batch failed, retrying record by record', { ...scope.fields, offset: records[0]?.offset, records: records.length, error: errorMessage(e) });
    }
    if (undecodable.length) await this.retrying(scope, () => this.processAndApply([], undecodable));
    for (const r of records) await this.processAll([r], [], scope);
  }

  /** process → effects. Errors of process() keep their class; errors of the effects are retriable unless poison. */
  private async processAndApply(records: InputRecord[], rejected: Rejection[]): Promise<void> {
    const ctx: ProcessorContext = {
      state: this.services.store,
      now: this.services.now,
      horizon: this.services.config.horizon,
      database: this.services.database,
      redis: this.services.redis ? () => this.services.redis! : undefined,
      breakers: this.services.breakers,
    };
    let t = performance.now();
    const outcome: BatchOutcome = records.length
      ? await this.definition.process(records, ctx)
      : { outputs: [], writes: emptyWrites(), deadLetters: [] };
    t = this.phase('process', t);
    const deadLetters = [...rejected, ...outcome.deadLetters];
    try {
      let marker: string | void = undefined;
      if (this.definition.stateOrder === 'before-outputs' && hasWrites(outcome.writes)) {
        marker = await this.services.store.apply(outcome.writes);
        t = this.phase('state', t);
      }
      await this.produce(outcome.outputs, deadLetters);
      t = this.phase('produce', t);
      await this.confirmStateKept(outcome, marker);
      if (this.definition.stateOrder === 'after-outputs' && hasWrites(outcome.writes)) {
        await this.services.store.apply(outcome.writes);
        this.phase('state', t);
      }
    } catch (e) {
      throw effectError(e);
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

  /**
   * The batch met lost state: wait for the process's healer (which rebuilds, or waits for the
   * process rebuilding). True once healed (retry at once); false when the heal failed (the
   * caller backs off and tries again, which asks for a heal again). Throws Stopped when the
   * runner stops meanwhile.
   */
  private async awaitHealedState(scope: BatchScope, e: StateLostError): Promise<boolean> {
    const healer = this.services.healer;
    if (!healer) return false;
    this.services.log('warn', 'state lost: batch held until the state is rebuilt', { ...scope.fields, error: e.message });
    let outcome: boolean | undefined;
    const healing = healer.heal().then(
      () => (outcome = true),
      () => (outcome = false),
    );
    while (outcome === undefined) {
      if (!scope.alive()) throw new Stopped();
      await Promise.race([healing, sleep(200)]);
    }
    return outcome;
  }

  /** Observes the time since `since` as `phase` of a batch; returns now. */
  private phase(phase: 'decode' | 'process' | 'state' | 'produce' | 'commit', since: number): number {
    const now = performance.now();
    this.services.metrics.phaseSeconds.observe({ processor: this.name, phase }, (now - since) / 1000);
    return now;
  }

  /**
   * Outputs and dead letters in one send. Dead letters are bounded (processors/dead-letter.ts);
   * when the broker still refuses the send as too large and dead letters are in it, it is made
   * once more with them in their minimal form (no original value), so that a dead letter never
   * blocks its partition; if that is refused too, the outputs are too large (poison, thrown).
   */
  private async produce(outputs: OutputRecord[], deadLetters: Rejection[]): Promise<void> {
    if (outputs.length === 0 && deadLetters.length === 0) return;
    try {
      await this.send(outputs, deadLetters, false);
    } catch (e) {
      if (deadLetters.length === 0 || !isMessageTooLarge(e)) throw e;
      this.services.log('warn', 'dead letters refused as too large: sent without their original values', {
        processor: this.name,
        deadLetters: deadLetters.length,
        error: errorMessage(e),
      });
      await this.send(outputs, deadLetters, true);
    }
  }

  private async send(outputs: OutputRecord[], deadLetters: Rejection[], minimal: boolean): Promise<void> {
    const { codec, topology } = this.services;
    const byTopic = new Map<AvroTopicId, KafkaJS.Message[]>();
    const push = (topic: AvroTopicId, m: KafkaJS.Message) => {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(m);
    };
    const encoders = new Map<AvroTopicId, (v: never) => Buffer>();
    const encoderOf = async <T extends AvroTopicId>(topic: T): Promise<(v: TopicValues[T]) => Buffer> => {
      let enc = encoders.get(topic);
      if (!enc) encoders.set(topic, (enc = (await codec.encoder(topic)) as (v: never) => Buffer));
      return enc as unknown as (v: TopicValues[T]) => Buffer;
    };
    for (const o of outputs) {
      const enc = await encoderOf(o.topic);
      push(o.topic, { key: o.key, value: (enc as (v: unknown) => Buffer)(o.value) });
    }
    if (deadLetters.length) {
      const enc = await encoderOf('deadLetter');
      const limits = { maxValueBytes: this.services.config.pipeline.deadLetterMaxValueBytes, minimal };
      for (const d of deadLetters) {
        const m = deadLetterMessage(this.name, d, this.services.now(), limits);
        push('deadLetter', { key: m.key, value: enc(m.value), headers: m.headers });
      }
    }
    const topicMessages = [...byTopic.entries()].map(([topic, messages]) => ({ topic: topology.topic(topic).name, messages }));
    const tracer = activeTracer();
    if (!tracer) {
      await this.services.producer.sendBatch({ topicMessages });
      return;
    }
    // every message carries the send's context: the next stage's batch is its child or links to it
    const span = startSendSpan(tracer, topicMessages.map((t) => t.topic), outputs.length + deadLetters.length);
    const traceHeaders = injectSpanContext({}, span.spanContext());
    for (const t of topicMessages) for (const m of t.messages) m.headers = m.headers ? { ...m.headers, ...traceHeaders } : traceHeaders;
    try {
      await this.services.producer.sendBatch({ topicMessages });
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * Runs `step` until it succeeds. Retriable errors wait with exponential backoff (the
   * partition is blocked meanwhile); other errors are retried too when `retryAll`, else thrown.
   * An open circuit breaker (clients/breaker.ts) is retriable: the batch waits at least until
   * the breaker lets a call through again. Throws Stopped as soon as the runner stops or the
   * partition is taken away.
   */
  private async retrying<T>(scope: BatchScope, step: () => Promise<T>, retryAll = true): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (!scope.alive()) throw new Stopped();
      try {
        return await step();
      } catch (e) {
        if (e instanceof Stopped) throw e;
        if (e instanceof StateLostError && (await this.awaitHealedState(scope, e))) continue;
        if (!retryAll && !isRetriable(e)) throw e;
        const open = e instanceof BreakerOpenError;
        this.services.metrics.retries.inc({ processor: this.name });
        this.services.metrics.dependencyErrors.inc({ processor: this.name, component: open ? e.breaker : e instanceof ComponentError ? e.component : 'other' });
        const delay = Math.max(backoffDelayMs(this.services.backoff, attempt), open ? e.halfOpenInMs : 0);
        // the breaker said so once, at warn, when it opened: each held batch's wait is detail
        this.services.log(open ? 'debug' : 'warn', 'retrying after a retriable fault', { ...scope.fields, attempt: attempt + 1, delayMs: Math.round(delay), error: errorMessage(e) });
        const until = Date.now() + delay;
        while (Date.now() < until) {
          if (!scope.alive()) throw new Stopped();
          await sleep(Math.min(200, until - Date.now()));
        }
      }
    }
  }
}

/**
 * Poison errors keep their class; every other failure of an effect (broker, Redis, database)
 * is retriable. An output too large for the broker (a schedule of tens of thousands of
 * events) is poison: no retry can make it fit.
 */
function effectError(e: unknown): unknown {
  if (isRetriable(e)) return e;
  const name = errorType(e);
  if (name === 'AvroEncodeError' || name === 'PoisonInputError') return e;
  if (isMessageTooLarge(e)) return e;
  return Object.assign(e instanceof Error ? e : new Error(String(e)), { retriable: true });
}
