// The one typed configuration of every process, read from the environment (docs/interfaces.md,
// "Environment"). Defaults point at the local stack started by `cashflow stack up`.
//
// Every field is read lazily and checked on its first read (config/lazy.ts): a command checks
// at its start, all at once, the sections it uses (`loadConfig(env, uses)`), and a variable it
// does not use never stops it. Each area's variables are read in a module of its own
// (config/kafka.ts, database.ts, api.ts, stack.ts, pipeline.ts, tracing.ts, clients.ts), this
// one composes them; formats are in config/variables.ts; `describeConfig` is what
// `cashflow config` prints.
import { apiFields, type ApiConfig } from './api.js';
import { clientsFields, type ClientsConfig } from './clients.js';
import { cdcFields, databaseFields, databaseSource, type CdcConfig, type DatabaseConfig } from './database.js';
import { kafkaFields, type KafkaConfig } from './kafka.js';
import { lazyFields, overlay, readAll } from './lazy.js';
import { pipelineFields, type PipelineConfig } from './pipeline.js';
import { stackFields, stackPortsFields, type StackConfig } from './stack.js';
import { tracingFields, type TracingConfig } from './tracing.js';
import { ConfigError, fieldMaker, period, text, url, type ConfigIssue, type Env, type Reading } from './variables.js';

export { ConfigError, overlay, type ConfigIssue, type Env, type Reading };
export type { IpNetwork } from './variables.js';
export type { ApiConfig, CallbackConfig, RateLimitConfig } from './api.js';
export type { ClientsConfig, LogFormat, LogLevel } from './clients.js';
export type { CdcConfig, DatabaseConfig, DatabaseDialect } from './database.js';
export type { KafkaConfig, KafkaSecurityProtocol } from './kafka.js';
export type { PipelineConfig } from './pipeline.js';
export type { MonitoringConfig, StackConfig, StackPorts } from './stack.js';
export { traceSamplers, type TraceExporter, type TraceSampler, type TracingConfig } from './tracing.js';

export interface Config {
  kafka: KafkaConfig;
  schemaRegistryUrl: string;
  kafkaConnectUrl: string;
  database: DatabaseConfig;
  redisUrl: string;
  /** REDIS_TLS_CA_FILE: the CA (PEM) of a `rediss://` server's certificate, when not a public one. */
  redisCaFile?: string;
  /** Projection end for contracts without a maturity, as an ISO period after the status date. */
  horizon: string;
  /** The HTTP API (`cashflow serve`). */
  api: ApiConfig;
  stack: StackConfig;
  /** The pipeline's processes (`cashflow run`, `start`, the API's view of the pipeline). */
  pipeline: PipelineConfig;
  /** Debezium source connector settings (README "Database, topics and connectors"). */
  cdc: CdcConfig;
  /** Tracing with OpenTelemetry (OTEL_* variables). */
  tracing: TracingConfig;
  /** How every process meets its dependencies (clients/). */
  clients: ClientsConfig;
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

/** The configuration as lazy fields; each field's variables go through one `Variables` pass. */
function buildConfig(env: Env, readings?: Map<string, Reading>): Config {
  const field = fieldMaker(env, readings);
  const ports = stackPortsFields(field);
  const database = databaseSource(field);
  const kafka = kafkaFields(field, ports);
  const api = apiFields(field);
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
    database: () => databaseFields(field, database),
    redisUrl: field((v) =>
      url(v, 'REDIS_URL', () => `redis://127.0.0.1:${ports.redis}`, ['redis', 'rediss'], { fallbackFrom: 'STACK_REDIS_PORT', file: true }),
    ),
    redisCaFile: field((v) => text(v, 'REDIS_TLS_CA_FILE')),
    horizon: field((v) => period(v, 'CASHFLOW_HORIZON', 'P30Y')),
    api: () => api,
    stack: () => stackFields(field, ports),
    pipeline: () => pipelineFields(field),
    cdc: () => cdcFields(field, database),
    tracing: () => tracingFields(field, () => ports.zipkin),
    clients: () => clientsFields(field),
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
