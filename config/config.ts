// The one typed configuration of every process, read from the environment (CONTRACTS.md,
// "Environment"). Defaults point at the local stack started by `cashflow stack up`.
import { readFileSync } from 'node:fs';
import { parsePeriod } from '../engine/time/cycle.js';

export type DatabaseDialect = 'postgres' | 'mssql';
export type KafkaSecurityProtocol = 'plaintext' | 'ssl' | 'sasl_plaintext' | 'sasl_ssl';

export interface KafkaConfig {
  bootstrapServers: string;
  securityProtocol: KafkaSecurityProtocol;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  sslCaFile?: string;
}

export interface StackPorts {
  kafka: number;
  kafkaController: number;
  schemaRegistry: number;
  schemaRegistryManagement: number;
  connect: number;
  redis: number;
}

export interface Config {
  kafka: KafkaConfig;
  schemaRegistryUrl: string;
  kafkaConnectUrl: string;
  database: { dialect: DatabaseDialect; url: string; readUrl: string };
  redisUrl: string;
  /** Projection end for contracts without a maturity, as an ISO period after the status date. */
  horizon: string;
  api: {
    port: number;
    /** API_HOST: interface `cashflow serve` listens on. */
    host: string;
    keys: string[];
    syncMaxContracts: number;
    /** Largest request body (bytes): over it, 413. */
    bodyLimitBytes: number;
    /** Most contracts (cases) in one request, sync or job: over it, 413. */
    maxContractsPerRequest: number;
    /** Jobs one client (API key) may have running at once: over it, 429. */
    maxConcurrentJobsPerClient: number;
    /** Seconds a cached result lives (0 = no results cache). */
    cacheTtlSeconds: number;
    /** Contracts per job chunk on the jobs topic. */
    jobChunkSize: number;
    /** Seconds a job's status and results are kept in Redis. */
    jobTtlSeconds: number;
    /** API_JOB_CHUNK_MAX_EVENTS: events one job chunk's results may hold (cases past it get an error). */
    jobChunkMaxEvents: number;
    /** Most events computed for one synchronous request: over it, 422 (api/sync-compute.ts). */
    syncMaxEvents: number;
    /** Most milliseconds computing one synchronous request: over it, 422. */
    syncTimeoutMs: number;
    /** Heap (MB) of each worker thread computing synchronous requests: exhausted, 422. */
    syncHeapMb: number;
    /** Worker threads computing synchronous requests (0: on the main thread, heap not bounded). */
    syncWorkers: number;
  };
  stack: { dir: string; ports: StackPorts };
  /** The pipeline's processes (`cashflow run`, `start`, the API's view of the pipeline). */
  pipeline: PipelineConfig;
  /** Debezium source connector settings (README "Database, topics and connectors"). */
  cdc: CdcConfig;
}

export interface PipelineConfig {
  /** CASHFLOW_TOPIC_PREFIX: prefix of every topic and consumer group ('' = none). */
  topicPrefix: string;
  /** CASHFLOW_REDIS_PREFIX: key prefix of the Redis state (default `cashflow:`). */
  redisPrefix: string;
  /** CASHFLOW_METRICS_PORT: /metrics, /healthz, /readyz of `cashflow run` (0 = any free port). */
  metricsPort: number;
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

export interface CdcConfig {
  /** CDC_CONNECTOR_NAME (default per dialect). */
  connectorName?: string;
  /** CDC_SLOT_NAME (PostgreSQL replication slot). */
  slotName?: string;
  /** CDC_PUBLICATION_NAME (PostgreSQL publication). */
  publicationName?: string;
  /** CDC_DATABASE_URL: the database as Kafka Connect reaches it (default DATABASE_URL). */
  databaseUrl?: string;
  /** CDC_DATABASE_PASSWORD (or _FILE). */
  databasePassword?: string;
  /** CDC_KAFKA_SSL_CA_FILE: the brokers' CA (PEM) as the Connect worker sees it, for the SQL Server connector's schema-history clients (default KAFKA_SSL_CA_FILE). */
  kafkaCaFile?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** A variable's value, or the content of the file named by `<NAME>_FILE` (for secrets). */
function secret(env: Env, name: string): string | undefined {
  if (env[name] !== undefined) return env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`${name}_FILE`, `cannot read ${file}: ${(e as Error).message}`);
  }
}

function int(env: Env, name: string, fallback: number, min = 1, max = 2 ** 31): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.toLowerCase() as T;
  if (!allowed.includes(v)) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  return v;
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] ?? fallback;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(name, `not a URL: "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function nonEmpty(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * CASHFLOW_HORIZON: an ISO 8601 period of whole days, weeks, months, quarters, half-years or
 * years (`P30Y`, `P360M`) after a contract's status date. A value the engine cannot read would
 * drop the projection cap without a word, so it is refused here.
 */
function horizon(env: Env): string {
  const raw = nonEmpty(env, 'CASHFLOW_HORIZON');
  if (raw === undefined) return 'P30Y';
  const period = parsePeriod(raw);
  if (period === undefined || (period.months === 0 && period.days === 0))
    throw new ConfigError('CASHFLOW_HORIZON', `expected an ISO 8601 period such as P30Y (P<n>D|W|M|Q|H|Y, n > 0), got "${raw.slice(0, 40)}"`);
  return period.text;
}

/** The pipeline's settings alone (also for callers that only need a prefix). */
export function loadPipelineConfig(env: Env = process.env): PipelineConfig {
  const redisPrefix = nonEmpty(env, 'CASHFLOW_REDIS_PREFIX') ?? 'cashflow:';
  const topicPrefix = env.CASHFLOW_TOPIC_PREFIX ?? '';
  if (/\s/.test(topicPrefix)) throw new ConfigError('CASHFLOW_TOPIC_PREFIX', `no whitespace allowed, got "${topicPrefix}"`);
  if (/\s/.test(redisPrefix)) throw new ConfigError('CASHFLOW_REDIS_PREFIX', `no whitespace allowed, got "${redisPrefix}"`);
  return {
    topicPrefix,
    redisPrefix,
    metricsPort: int(env, 'CASHFLOW_METRICS_PORT', 9464, 0, 65535),
    metricsBasePort: int(env, 'CASHFLOW_METRICS_BASE_PORT', 9400, 1, 65535),
    processorHeapMb: int(env, 'CASHFLOW_PROCESSOR_HEAP_MB', 320, 64, 65536),
    deadLetterMaxValueBytes: int(env, 'CASHFLOW_DEAD_LETTER_MAX_VALUE_BYTES', 256 * 1024, 0, 64 * 1024 * 1024),
    verifyRate: int(env, 'CASHFLOW_VERIFY_RATE', 2, 1, 100_000),
    verifyGraceSeconds: int(env, 'CASHFLOW_VERIFY_GRACE_SECONDS', 30, 0, 86_400),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const ports: StackPorts = {
    kafka: int(env, 'STACK_KAFKA_PORT', 9092, 1, 65535),
    kafkaController: int(env, 'STACK_KAFKA_CONTROLLER_PORT', 9093, 1, 65535),
    schemaRegistry: int(env, 'STACK_SCHEMA_REGISTRY_PORT', 8081, 1, 65535),
    schemaRegistryManagement: int(env, 'STACK_SCHEMA_REGISTRY_MANAGEMENT_PORT', 9001, 1, 65535),
    connect: int(env, 'STACK_CONNECT_PORT', 8083, 1, 65535),
    redis: int(env, 'STACK_REDIS_PORT', 6379, 1, 65535),
  };
  const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cashflow';
  return {
    kafka: {
      bootstrapServers: env.KAFKA_BOOTSTRAP_SERVERS ?? `127.0.0.1:${ports.kafka}`,
      securityProtocol: oneOf(
        env,
        'KAFKA_SECURITY_PROTOCOL',
        ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const,
        'plaintext',
      ),
      saslMechanism: env.KAFKA_SASL_MECHANISM,
      saslUsername: env.KAFKA_SASL_USERNAME,
      saslPassword: secret(env, 'KAFKA_SASL_PASSWORD'),
      sslCaFile: env.KAFKA_SSL_CA_FILE,
    },
    schemaRegistryUrl: url(
      env,
      'SCHEMA_REGISTRY_URL',
      `http://127.0.0.1:${ports.schemaRegistry}/apis/ccompat/v7`,
    ),
    kafkaConnectUrl: url(env, 'KAFKA_CONNECT_URL', `http://127.0.0.1:${ports.connect}`),
    database: {
      dialect: oneOf(env, 'DATABASE_DIALECT', ['postgres', 'mssql'] as const, 'postgres'),
      url: databaseUrl,
      readUrl: env.DATABASE_READ_URL ?? databaseUrl,
    },
    redisUrl: url(env, 'REDIS_URL', `redis://127.0.0.1:${ports.redis}`),
    horizon: horizon(env),
    api: {
      port: int(env, 'API_PORT', 8090, 1, 65535),
      host: nonEmpty(env, 'API_HOST') ?? '127.0.0.1',
      keys: (secret(env, 'CASHFLOW_API_KEYS') ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
      syncMaxContracts: int(env, 'API_SYNC_MAX_CONTRACTS', 1000),
      bodyLimitBytes: int(env, 'API_BODY_LIMIT_BYTES', 256 * 1024 * 1024),
      maxContractsPerRequest: int(env, 'API_MAX_CONTRACTS_PER_REQUEST', 500_000),
      maxConcurrentJobsPerClient: int(env, 'API_MAX_CONCURRENT_JOBS', 4),
      cacheTtlSeconds: int(env, 'API_CACHE_TTL_SECONDS', 3600, 0),
      jobChunkSize: int(env, 'API_JOB_CHUNK_SIZE', 1000, 1, 100_000),
      jobTtlSeconds: int(env, 'API_JOB_TTL_SECONDS', 24 * 3600),
      jobChunkMaxEvents: int(env, 'API_JOB_CHUNK_MAX_EVENTS', 2_000_000),
      syncMaxEvents: int(env, 'API_SYNC_MAX_EVENTS', 500_000),
      syncTimeoutMs: int(env, 'API_SYNC_TIMEOUT_MS', 10_000, 10),
      syncHeapMb: int(env, 'API_SYNC_HEAP_MB', 256, 32, 65536),
      syncWorkers: int(env, 'API_SYNC_WORKERS', 2, 0, 64),
    },
    stack: { dir: env.CASHFLOW_STACK_DIR ?? '.stack', ports },
    pipeline: loadPipelineConfig(env),
    cdc: {
      connectorName: nonEmpty(env, 'CDC_CONNECTOR_NAME'),
      slotName: nonEmpty(env, 'CDC_SLOT_NAME'),
      publicationName: nonEmpty(env, 'CDC_PUBLICATION_NAME'),
      databaseUrl: nonEmpty(env, 'CDC_DATABASE_URL'),
      databasePassword: secret(env, 'CDC_DATABASE_PASSWORD'),
      kafkaCaFile: nonEmpty(env, 'CDC_KAFKA_SSL_CA_FILE'),
    },
  };
}
