// The shape every processor has (docs/architecture.md "Processors"): a function from a batch of typed
// input records to output records, state writes and dead letters. The shared runner
// (processors/runner.ts) owns everything else: consuming, decoding, retries, dead-lettering,
// producing, commits, metrics and shutdown. A new processor is one file exporting a
// ProcessorDefinition plus one entry in topology/ and in processors/registry.ts.
import type { AvroTopicId, TopicValues } from '../clients/schema-registry.js';
import type { Database } from '../db/database.js';
import type { Breakers } from '../clients/breaker.js';
import type { Redis } from '../clients/redis.js';
import type { StateReader, StateWrites } from '../state/model.js';
import type { ProcessorName, TopicId } from '../topology/topology.js';
import type { ChangeEvent } from './cdc.js';

/** One consumed message, decoded by the runner according to its topic's format. */
export interface InputRecord {
  topic: TopicId;
  topicName: string;
  partition: number;
  /** Kafka offset as a decimal string. */
  offset: string;
  key: string | null;
  rawKey: Buffer | null;
  rawValue: Buffer | null;
  /** Broker timestamp (ms). */
  timestampMs: number;
  /** Debezium topics: the change event; null for a tombstone. */
  change: ChangeEvent | null;
  /** Avro topics: the decoded value; null for a tombstone. */
  value: unknown;
}

/** The decoded value of an Avro input record of `topic` (null for tombstones and other topics). */
export function avroValue<T extends AvroTopicId>(r: InputRecord, topic: T): TopicValues[T] | null {
  return r.topic === topic ? (r.value as TopicValues[T] | null) : null;
}

export type OutputRecord = {
  [T in AvroTopicId]: { topic: T; key: string; value: TopicValues[T] };
}[AvroTopicId];

/** Poison input: nothing later can fix it. The runner sends the record to the dead letter topic. */
export interface Rejection {
  record: InputRecord;
  reason: string;
  /** Error class name (e.g. InvalidTermsError). */
  errorType: string;
}

export interface BatchOutcome {
  outputs: OutputRecord[];
  writes: StateWrites;
  deadLetters: Rejection[];
  /** Contracts that were marked `waiting` in this batch (metric). */
  waiting?: number;
  /** Source-commit-to-now latencies (ms) known in this batch (metric). */
  endToEndMs?: number[];
}

export interface ProcessorContext {
  state: StateReader;
  /** Wall clock (injected so that tests are deterministic). */
  now(): number;
  /** Projection end for contracts without a maturity (ISO period after the status date). */
  horizon: string;
  /** The result database (the sink only); created on first use. */
  database(): Promise<Database>;
  /** The process's Redis client (the state's key prefix), for processors with state of their own (job-worker). */
  redis?: () => Redis;
  /** The process's circuit breakers (clients/breaker.ts), for calls a processor makes itself (job callbacks). */
  breakers?: Breakers;
}

export interface ProcessorDefinition {
  name: ProcessorName;
  /**
   * When the runner applies the batch's state writes relative to its outputs.
   * 'before-outputs': ingest and impact write the data (and the dependency index) before the
   * records that make others read it, so a reader never finds less than the message announced.
   * 'after-outputs': the calculator records "last published" only once the result is durable,
   * otherwise a crash in between would suppress the result forever (invariant 4 vs 6).
   */
  stateOrder: 'before-outputs' | 'after-outputs';
  /** Partitions processed at once by one process (1 where batches read-modify-write shared state). */
  partitionConcurrency?: number;
  /**
   * Messages per batch (`js.consumer.max.batch.size`) unless the runner is given one. With
   * every partition in hand at once, batches × partitions bound what a process holds.
   */
  maxBatchSize?: number;
  /**
   * Bytes one fetch may bring (`fetch.max.bytes`, default 16 MB). librdkafka keeps a fetch
   * response while any of its messages waits in the queue, so a backlog of small messages held
   * several of them: a processor whose input messages are small asks for less (bench/README.md
   * "Ten times the book": a consumer of a 1.6 M backlog of 100-byte messages, 960 MB RSS with
   * 16 MB fetches, 350 MB with 1 MB).
   */
  fetchMaxBytes?: number;
  process(records: readonly InputRecord[], ctx: ProcessorContext): Promise<BatchOutcome>;
  /**
   * Work the process hosts beside the consumer, on a timer of its own (the verifier's rolling
   * checks): started once the runners consume, stopped before they stop; its health() detail
   * goes into /readyz.
   */
  background?: BackgroundTask;
}

export interface BackgroundServices {
  /** The result database (created on first use, closed with the process). */
  database(): Promise<Database>;
  /** The process's metrics registry (prom-client). */
  registry: import('prom-client').Registry;
  horizon: string;
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  now(): number;
}

export interface BackgroundTask {
  start(services: BackgroundServices): void;
  stop(): Promise<void>;
  /** JSON detail for /readyz. */
  health(): Record<string, unknown>;
}

/**
 * What a processor (or its effects) throws for a record that can never be processed: the runner
 * dead-letters the record with the message as the reason (clients/errors.ts).
 */
export { PoisonRecordError } from '../clients/errors.js';
