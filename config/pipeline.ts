// The pipeline's processes (`cashflow run`, `start`, the API's view of the pipeline): names,
// metrics servers, heaps, dead letters and the verifier (CASHFLOW_*; docs/interfaces.md).
import { lazyFields } from './lazy.js';
import { int, prefix, text, type FieldOf } from './variables.js';

export interface PipelineConfig {
  /** CASHFLOW_TOPIC_PREFIX: prefix of every topic and consumer group ('' = none). */
  topicPrefix: string;
  /** CASHFLOW_REDIS_PREFIX: key prefix of the Redis state (default `cashflow:`). */
  redisPrefix: string;
  /** CASHFLOW_METRICS_PORT: /metrics, /healthz, /readyz of `cashflow run` (0 = any free port). */
  metricsPort: number;
  /**
   * CASHFLOW_METRICS_HOST: interface of that server and of `cashflow lag --serve` (default
   * 127.0.0.1, for the local stack's Prometheus; 0.0.0.0 in a container, where the kubelet's
   * probes and the scraper come from outside the process's loopback).
   */
  metricsHost: string;
  /** CASHFLOW_METRICS_BASE_PORT: first port of the processes `cashflow start` runs. */
  metricsBasePort: number;
  /**
   * CASHFLOW_PROCESSOR_HEAP_MB: V8 old-space limit of each process `cashflow start` runs
   * (--max-old-space-size). Without it V8 grows the heap lazily on a large machine: the sink
   * reached 613 MB RSS at the 160K full recompute, 278 MB instead of 338 MB at 20K with 256.
   */
  processorHeapMb: number;
  /**
   * CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES: largest original value a dead letter carries whole;
   * beyond it, its length and SHA-256 only (processors/dead-letter.ts).
   */
  deadLetterMaxValueBytes: number;
  /** CASHFLOW_VERIFY_RATE: contracts per second the verifier processor checks (default 2). */
  verifyRate: number;
  /** CASHFLOW_VERIFY_GRACE_SECONDS: how long a contract found wrong may still be in flight before the verifier reports it (default 30). */
  verifyGraceSeconds: number;
}

export function pipelineFields(field: FieldOf): PipelineConfig {
  return lazyFields<PipelineConfig>({
    topicPrefix: field((v) => prefix(v, 'CASHFLOW_TOPIC_PREFIX', '')),
    redisPrefix: field((v) => prefix(v, 'CASHFLOW_REDIS_PREFIX', 'cashflow:')),
    metricsPort: field((v) => int(v, 'CASHFLOW_METRICS_PORT', 9464, 0, 65535)),
    metricsHost: field((v) => text(v, 'CASHFLOW_METRICS_HOST', '127.0.0.1')!),
    metricsBasePort: field((v) => int(v, 'CASHFLOW_METRICS_BASE_PORT', 9400, 1, 65535)),
    processorHeapMb: field((v) => int(v, 'CASHFLOW_PROCESSOR_HEAP_MB', 320, 64, 65536)),
    deadLetterMaxValueBytes: field((v) => int(v, 'CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES', 256 * 1024, 0, 64 * 1024 * 1024)),
    verifyRate: field((v) => int(v, 'CASHFLOW_VERIFY_RATE', 2, 1, 100_000)),
    verifyGraceSeconds: field((v) => int(v, 'CASHFLOW_VERIFY_GRACE_SECONDS', 30, 0, 86_400)),
  });
}
