// The one typed configuration of every process, read from the environment (docs/interfaces.md,
// "Environment"). Defaults point at the local stack started by `cashflow stack up`.
//
// Every field is read lazily and checked on its first read (config/lazy.ts): a command checks
// at its start, all at once, the sections it uses (`loadConfig(env, uses)`), and a variable it
// does not use never stops it. Formats are in config/variables.ts; `describeConfig` is what
// `cashflow config` prints.
import { lazyFields, overlay, readAll } from './lazy.js';
import {
  ConfigError,
  hostPorts,
  identifier,
  int,
  networks,
  oneOf,
  optionalUrl,
  period,
  prefix,
  quoted,
  secret,
  text,
  url,
  Variables,
  type ConfigIssue,
  type Env,
  type IpNetwork,
  type Reading,
} from './variables.js';

export { ConfigError, overlay, type ConfigIssue, type Env, type IpNetwork, type Reading };

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
  /** STACK_PROMETHEUS_PORT: Prometheus, when the stack runs it (`stack up --monitoring`). */
  prometheus: number;
  /** STACK_ZIPKIN_PORT: Zipkin, when the stack runs it (`stack up --tracing`). */
  zipkin: number;
}

/** Prometheus run by the stack on request (README "Operating it"). */
export interface MonitoringConfig {
  /** CASHFLOW_STACK_MONITORING=1: `stack up` also starts Prometheus (as `stack up --monitoring`). */
  enabled: boolean;
  /** CASHFLOW_SCRAPE_INTERVAL_SECONDS: how often Prometheus scrapes and evaluates the rules (default 15). */
  scrapeIntervalSeconds: number;
  /** CASHFLOW_LAG_EXPORTER_PORT: `/metrics` of `cashflow lag --serve` (0: any free port). */
  lagExporterPort: number;
  /** CASHFLOW_PROCESS_ID: the process label of this process's scrape target (`cashflow start` sets it). */
  processId?: string;
  /** CASHFLOW_STACK_TRACING=1: `stack up` also starts Zipkin (as `stack up --tracing`). */
  tracing: boolean;
}

export type TraceExporter = 'none' | 'zipkin' | 'console';
export type TraceSampler = (typeof traceSamplers)[number];

/**
 * Tracing (tracing/, docs/monitoring.md "Tracing"). The names are the OpenTelemetry SDK's own
 * (its environment variable specification); the SDK reads the rest (OTEL_BSP_*,
 * OTEL_RESOURCE_ATTRIBUTES) itself.
 */
export interface TracingConfig {
  /**
   * OTEL_TRACES_EXPORTER: zipkin, console or none. Default: zipkin when
   * OTEL_EXPORTER_ZIPKIN_ENDPOINT is set, else none (no spans are made at all);
   * OTEL_SDK_DISABLED=true is none whatever else is set.
   */
  exporter: TraceExporter;
  /** OTEL_EXPORTER_ZIPKIN_ENDPOINT: default the stack's Zipkin (STACK_ZIPKIN_PORT). */
  zipkinEndpoint: string;
  /** OTEL_TRACES_SAMPLER: default parentbased_traceidratio (docs/monitoring.md says why). */
  sampler: TraceSampler;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the ratio samplers, 0 to 1 (default 0.1). */
  samplerRatio: number;
  /** OTEL_SERVICE_NAME: overrides the name each process gives itself (cashflow-<processors>, cashflow-api). */
  serviceName?: string;
}

export interface Config {
  kafka: KafkaConfig;
  schemaRegistryUrl: string;
  kafkaConnectUrl: string;
  database: { dialect: DatabaseDialect; url: string; readUrl: string };
  redisUrl: string;
  /** REDIS_TLS_CA_FILE: the CA (PEM) of a `rediss://` server's certificate, when not a public one. */
  redisCaFile?: string;
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
    /** Requests allowed per window (api/rate-limits.ts); 0 turns a limit off. */
    rateLimit: RateLimitConfig;
    /** Where job callbacks may go and how they are signed (api/callback-address.ts, api/callback-delivery.ts). */
    callbacks: CallbackConfig;
  };
  stack: { dir: string; ports: StackPorts; monitoring: MonitoringConfig };
  /** The pipeline's processes (`cashflow run`, `start`, the API's view of the pipeline). */
  pipeline: PipelineConfig;
  /** Debezium source connector settings (README "Database, topics and connectors"). */
  cdc: CdcConfig;
  /** Tracing with OpenTelemetry (OTEL_* variables). */
  tracing: TracingConfig;
  /** How every process meets its dependencies (clients/). */
  clients: ClientsConfig;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export interface ClientsConfig {
  /**
   * CASHFLOW_CONNECT_TIMEOUT_MS: how long a command waits for a dependency to answer before
   * it stops with a message (processors keep trying with backoff instead). Default 5000.
   */
  connectTimeoutMs: number;
  /**
   * CASHFLOW_LOG_LEVEL: error, warn, info or debug (unset: warn for commands, info for
   * processors and the API); the Kafka client's own lines are debug.
   */
  logLevel?: LogLevel;
  /** CASHFLOW_LOG_FORMAT (or `--log`): json (one object per line, default) or pretty (for people). */
  logFormat: LogFormat;
  /** The circuit breakers around the database, Redis, the registry and job callbacks (clients/breaker.ts). */
  breaker: {
    /** CASHFLOW_BREAKER_FAILURES: consecutive dependency-down failures that open a breaker (default 5). */
    failures: number;
    /** CASHFLOW_BREAKER_HALF_OPEN_MS: how long an open breaker refuses calls before letting one through (default 5000). */
    halfOpenMs: number;
  };
}

export interface RateLimitConfig {
  /** API_RATE_LIMIT_WINDOW_SECONDS: the window every limit below counts in. */
  windowSeconds: number;
  /** API_RATE_LIMIT_PER_KEY: requests per window with one API key. */
  perKey: number;
  /** API_RATE_LIMIT_PER_ADDRESS: requests per window from one client address, whatever their key. */
  perAddress: number;
  /** API_RATE_LIMIT_AUTH_FAILURES: requests without a valid key per window from one address; past it, every request from there that needs a key gets 429. */
  authFailuresPerAddress: number;
}

export interface CallbackConfig {
  /** API_CALLBACK_ALLOWED_NETWORKS: networks callbacks may reach although loopback, private or link-local. */
  allowedNetworks: IpNetwork[];
  /** API_CALLBACK_SECRET (or _FILE): the key callbacks are signed with (HMAC-SHA256); none: no callbacks. */
  secret?: string;
}

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

/** A section of the configuration (a field of Config) or one field of a section (`api.jobTtlSeconds`). */
export type ConfigPath =
  | keyof Config
  | { [K in keyof Config]-?: Config[K] extends object ? `${K}.${keyof Config[K] & string}` : never }[keyof Config];

/** Every section: what `loadConfig()` checks when not told which ones the caller uses. */
export const configSections: readonly (keyof Config)[] = [
  'kafka',
  'schemaRegistryUrl',
  'kafkaConnectUrl',
  'database',
  'redisUrl',
  'redisCaFile',
  'horizon',
  'api',
  'stack',
  'pipeline',
  'cdc',
  'clients',
  'tracing',
];

/** The samplers of the SDK's environment variable specification. */
export const traceSamplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const securityProtocols = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'];
const databaseSchemes: Record<DatabaseDialect, readonly string[]> = {
  postgres: ['postgres', 'postgresql'],
  mssql: ['mssql', 'sqlserver'],
};

/** The configuration as lazy fields; each field's variables go through one `Variables` pass. */
function buildConfig(env: Env, readings?: Map<string, Reading>): Config {
  const field =
    <T>(read: (v: Variables) => T) =>
    (): T => {
      const v = new Variables(env, readings);
      const value = read(v);
      if (v.issues.length > 0) throw ConfigError.of(v.issues);
      return value;
    };
  const port = (name: string, fallback: number) => field((v) => int(v, name, fallback, 1, 65535));
  const ports = lazyFields<StackPorts>({
    kafka: port('STACK_KAFKA_PORT', 9092),
    kafkaController: port('STACK_KAFKA_CONTROLLER_PORT', 9093),
    schemaRegistry: port('STACK_SCHEMA_REGISTRY_PORT', 8081),
    schemaRegistryManagement: port('STACK_SCHEMA_REGISTRY_MANAGEMENT_PORT', 9001),
    connect: port('STACK_CONNECT_PORT', 8083),
    redis: port('STACK_REDIS_PORT', 6379),
    prometheus: port('STACK_PROMETHEUS_PORT', 9090),
    zipkin: port('STACK_ZIPKIN_PORT', 9411),
  });
  const dialect = field((v) => oneOf(v, 'DATABASE_DIALECT', ['postgres', 'mssql'] as const, 'postgres'));
  const databaseUrl = field((v) => {
    // every URL may hold a password: each may come from `<NAME>_FILE`
    if (dialect() === 'postgres') return url(v, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/cashflow', databaseSchemes.postgres, { file: true });
    // No default server for SQL Server: the local stack is PostgreSQL.
    const example = 'mssql://user:password@host:1433/cashflow?encrypt=true';
    const given = optionalUrl(v, 'DATABASE_URL', databaseSchemes.mssql, { example, file: true });
    if (given === undefined && v.issues.length === 0) v.problem('DATABASE_URL', `required with DATABASE_DIALECT=mssql, such as ${example}`);
    return given ?? '';
  });
  const kafka = lazyFields<KafkaConfig>({
    bootstrapServers: field((v) =>
      hostPorts(v, 'KAFKA_BOOTSTRAP_SERVERS', () => `127.0.0.1:${ports.kafka}`, 'STACK_KAFKA_PORT'),
    ),
    securityProtocol: field((v) => {
      const protocol = oneOf(v, 'KAFKA_SECURITY_PROTOCOL', securityProtocols, 'plaintext');
      if (!protocol.startsWith('sasl')) return protocol;
      // The usual mechanisms need a user and a password; OAUTHBEARER and GSSAPI take theirs elsewhere.
      const mechanism = v.read('KAFKA_SASL_MECHANISM', { fallback: 'PLAIN' })!;
      if (/^(OAUTHBEARER|GSSAPI)$/i.test(mechanism)) return protocol;
      for (const needed of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'])
        if (v.read(needed, { secret: needed.endsWith('PASSWORD') }) === undefined)
          v.problem(needed, `required with KAFKA_SECURITY_PROTOCOL=${protocol} and KAFKA_SASL_MECHANISM=${mechanism.toUpperCase()}`);
      return protocol;
    }),
    saslMechanism: field((v) => {
      const raw = text(v, 'KAFKA_SASL_MECHANISM');
      if (raw !== undefined && !saslMechanisms.includes(raw.toUpperCase()))
        v.problem('KAFKA_SASL_MECHANISM', `expected one of ${saslMechanisms.join(', ')}, got "${raw.slice(0, 40)}"`);
      return raw;
    }),
    saslUsername: field((v) => text(v, 'KAFKA_SASL_USERNAME')),
    saslPassword: field((v) => secret(v, 'KAFKA_SASL_PASSWORD')),
    sslCaFile: field((v) => text(v, 'KAFKA_SSL_CA_FILE')),
  });
  const api = lazyFields<Config['api']>({
    port: field((v) => int(v, 'API_PORT', 8090, 1, 65535)),
    host: field((v) => text(v, 'API_HOST', '127.0.0.1')!),
    keys: field((v) =>
      (secret(v, 'CASHFLOW_API_KEYS') ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    ),
    syncMaxContracts: field((v) => int(v, 'API_SYNC_MAX_CONTRACTS', 1000)),
    bodyLimitBytes: field((v) => int(v, 'API_BODY_LIMIT_BYTES', 256 * 1024 * 1024)),
    maxContractsPerRequest: field((v) => int(v, 'API_MAX_CONTRACTS_PER_REQUEST', 500_000)),
    maxConcurrentJobsPerClient: field((v) => int(v, 'API_MAX_CONCURRENT_JOBS', 4)),
    cacheTtlSeconds: field((v) => int(v, 'API_CACHE_TTL_SECONDS', 3600, 0)),
    jobChunkSize: field((v) => int(v, 'API_JOB_CHUNK_SIZE', 1000, 1, 100_000)),
    jobTtlSeconds: field((v) => int(v, 'API_JOB_TTL_SECONDS', 24 * 3600)),
    jobChunkMaxEvents: field((v) => int(v, 'API_JOB_CHUNK_MAX_EVENTS', 2_000_000)),
    syncMaxEvents: field((v) => int(v, 'API_SYNC_MAX_EVENTS', 500_000)),
    syncTimeoutMs: field((v) => int(v, 'API_SYNC_TIMEOUT_MS', 10_000, 10)),
    syncHeapMb: field((v) => int(v, 'API_SYNC_HEAP_MB', 256, 32, 65536)),
    syncWorkers: field((v) => int(v, 'API_SYNC_WORKERS', 2, 0, 64)),
    rateLimit: field((v) => ({
      windowSeconds: int(v, 'API_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      perKey: int(v, 'API_RATE_LIMIT_PER_KEY', 6000, 0),
      perAddress: int(v, 'API_RATE_LIMIT_PER_ADDRESS', 12000, 0),
      authFailuresPerAddress: int(v, 'API_RATE_LIMIT_AUTH_FAILURES', 30, 0),
    })),
    callbacks: field((v) => ({
      allowedNetworks: networks(v, 'API_CALLBACK_ALLOWED_NETWORKS'),
      secret: secret(v, 'API_CALLBACK_SECRET'),
    })),
  });
  return lazyFields<Config>({
    kafka: () => kafka,
    schemaRegistryUrl: field((v) =>
      url(v, 'SCHEMA_REGISTRY_URL', () => `http://127.0.0.1:${ports.schemaRegistry}/apis/ccompat/v7`, ['http', 'https'], {
        fallbackFrom: 'STACK_SCHEMA_REGISTRY_PORT',
        file: true,
      }),
    ),
    kafkaConnectUrl: field((v) =>
      url(v, 'KAFKA_CONNECT_URL', () => `http://127.0.0.1:${ports.connect}`, ['http', 'https'], { fallbackFrom: 'STACK_CONNECT_PORT', file: true }),
    ),
    database: () =>
      lazyFields<Config['database']>({
        dialect,
        url: databaseUrl,
        readUrl: field((v) =>
          url(v, 'DATABASE_READ_URL', databaseUrl, databaseSchemes[dialect()], { fallbackFrom: 'DATABASE_URL', example: 'the form of DATABASE_URL', file: true }),
        ),
      }),
    redisUrl: field((v) =>
      url(v, 'REDIS_URL', () => `redis://127.0.0.1:${ports.redis}`, ['redis', 'rediss'], { fallbackFrom: 'STACK_REDIS_PORT', file: true }),
    ),
    redisCaFile: field((v) => text(v, 'REDIS_TLS_CA_FILE')),
    horizon: field((v) => period(v, 'CASHFLOW_HORIZON', 'P30Y')),
    api: () => api,
    stack: () =>
      lazyFields<Config['stack']>({
        dir: field((v) => text(v, 'CASHFLOW_STACK_DIR', '.stack')!),
        ports: () => ports,
        monitoring: () =>
          lazyFields<MonitoringConfig>({
            enabled: field((v) => oneOf(v, 'CASHFLOW_STACK_MONITORING', ['0', '1'] as const, '0') === '1'),
            scrapeIntervalSeconds: field((v) => int(v, 'CASHFLOW_SCRAPE_INTERVAL_SECONDS', 15, 1, 3600)),
            lagExporterPort: field((v) => int(v, 'CASHFLOW_LAG_EXPORTER_PORT', 9463, 0, 65535)),
            processId: field((v) => text(v, 'CASHFLOW_PROCESS_ID')),
            tracing: field((v) => oneOf(v, 'CASHFLOW_STACK_TRACING', ['0', '1'] as const, '0') === '1'),
          }),
      }),
    pipeline: () => pipelineFields(field),
    cdc: () =>
      lazyFields<CdcConfig>({
        connectorName: field((v) => text(v, 'CDC_CONNECTOR_NAME')),
        slotName: field((v) =>
          identifier(v, 'CDC_SLOT_NAME', /^[a-z0-9_]{1,63}$/, 'a replication slot name: lower-case letters, digits and _ (at most 63)'),
        ),
        publicationName: field((v) =>
          identifier(v, 'CDC_PUBLICATION_NAME', /^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a publication name: letters, digits and _, not starting with a digit (at most 63)'),
        ),
        databaseUrl: field((v) => optionalUrl(v, 'CDC_DATABASE_URL', databaseSchemes[dialect()], { file: true })),
        databasePassword: field((v) => secret(v, 'CDC_DATABASE_PASSWORD')),
        kafkaCaFile: field((v) => text(v, 'CDC_KAFKA_SSL_CA_FILE')),
      }),
    tracing: () => tracingFields(field, () => ports.zipkin),
    clients: () =>
      lazyFields<ClientsConfig>({
        connectTimeoutMs: field((v) => int(v, 'CASHFLOW_CONNECT_TIMEOUT_MS', 5000, 100, 600_000)),
        logLevel: field((v) =>
          text(v, 'CASHFLOW_LOG_LEVEL') === undefined ? undefined : oneOf(v, 'CASHFLOW_LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'warn'),
        ),
        logFormat: field((v) => oneOf(v, 'CASHFLOW_LOG_FORMAT', ['json', 'pretty'] as const, 'json')),
        breaker: field((v) => ({
          failures: int(v, 'CASHFLOW_BREAKER_FAILURES', 5, 1, 1000),
          halfOpenMs: int(v, 'CASHFLOW_BREAKER_HALF_OPEN_MS', 5000, 10, 600_000),
        })),
      }),
  });
}

type FieldOf = <T>(read: (v: Variables) => T) => () => T;

function tracingFields(field: FieldOf, zipkinPort: () => number): TracingConfig {
  const zipkinEndpoint = field((v) =>
    url(v, 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', () => `http://127.0.0.1:${zipkinPort()}/api/v2/spans`, ['http', 'https'], {
      fallbackFrom: 'STACK_ZIPKIN_PORT',
    }),
  );
  return lazyFields<TracingConfig>({
    exporter: field((v) => {
      if (oneOf(v, 'OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true') return 'none';
      zipkinEndpoint(); // first, so that `cashflow config` records the endpoint with its default
      // recorded above with its default: this read only asks whether it was set
      const endpointSet = text(v, 'OTEL_EXPORTER_ZIPKIN_ENDPOINT') !== undefined;
      const fallback = endpointSet ? 'zipkin' : 'none';
      // the SDK's default is otlp, which this project does not ship: name what it does ship
      if (v.read('OTEL_TRACES_EXPORTER', { fallback })!.toLowerCase() === 'otlp') {
        v.problem('OTEL_TRACES_EXPORTER', 'otlp is not bundled: use zipkin (OTEL_EXPORTER_ZIPKIN_ENDPOINT), console or none');
        return 'none';
      }
      return oneOf(v, 'OTEL_TRACES_EXPORTER', ['none', 'zipkin', 'console'] as const, fallback);
    }),
    zipkinEndpoint,
    sampler: field((v) => oneOf(v, 'OTEL_TRACES_SAMPLER', traceSamplers, 'parentbased_traceidratio')),
    samplerRatio: field((v) => {
      const raw = v.read('OTEL_TRACES_SAMPLER_ARG', { fallback: '0.1' })!;
      const ratio = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
        v.problem('OTEL_TRACES_SAMPLER_ARG', `expected a ratio between 0 and 1, got ${quoted(raw)}`);
        return 0.1;
      }
      return ratio;
    }),
    serviceName: field((v) => text(v, 'OTEL_SERVICE_NAME')),
  });
}

function pipelineFields(field: FieldOf): PipelineConfig {
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

/** Reads every field under `paths` of `config`; throws one ConfigError naming every wrong variable. */
export function checkConfig(config: Config, paths: readonly ConfigPath[]): void {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const collect = (e: unknown) => {
    if (!(e instanceof ConfigError)) throw e;
    for (const i of e.issues) {
      const key = `${i.variable}\0${i.reason}`;
      if (seen.has(key)) continue;
      issues.push(i);
      seen.add(key);
    }
  };
  for (const path of paths) {
    const [section, key] = path.split('.') as [keyof Config, string | undefined];
    try {
      const value = config[section] as unknown;
      if (key === undefined) readAll(value, collect);
      else readAll({ [key]: (value as Record<string, unknown>)[key] }, collect);
    } catch (e) {
      collect(e);
    }
  }
  if (issues.length > 0) throw ConfigError.of(issues);
}

/**
 * The configuration from `env`. `uses`: the sections (or single fields) the caller needs,
 * checked now, every wrong variable reported at once; the others are checked when first read.
 */
export function loadConfig(env: Env = process.env, uses: readonly ConfigPath[] = configSections): Config {
  const config = buildConfig(env);
  checkConfig(config, uses);
  return config;
}

/** `config` with Prometheus in the stack (`stack up --monitoring`, `start --monitoring`). */
export function withMonitoring(config: Config): Config {
  return overlay(config, { stack: overlay(config.stack, { monitoring: { ...config.stack.monitoring, enabled: true } }) });
}

/** `config` with Zipkin in the stack (`stack up --tracing`). */
export function withTracing(config: Config): Config {
  return overlay(config, { stack: overlay(config.stack, { monitoring: { ...config.stack.monitoring, tracing: true } }) });
}

/** The pipeline's settings alone (also for callers that only need a prefix). */
export function loadPipelineConfig(env: Env = process.env): PipelineConfig {
  return loadConfig(env, ['pipeline']).pipeline;
}

/** Every variable the configuration reads, with its value and origin, and what is wrong. */
export function describeConfig(env: Env = process.env): { readings: Reading[]; issues: ConfigIssue[] } {
  const readings = new Map<string, Reading>();
  const config = buildConfig(env, readings);
  try {
    checkConfig(config, configSections);
    return { readings: [...readings.values()], issues: [] };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { readings: [...readings.values()], issues: [...e.issues] };
  }
}
