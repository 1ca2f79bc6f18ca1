// The local stack's settings (`cashflow stack up`): its folder, its ports and what it runs on
// request (Prometheus, Zipkin; README "Operating it"). The ports are also the defaults of the
// Kafka, registry, Connect, Redis and Zipkin addresses (config/config.ts).
import { lazyFields } from './lazy.js';
import { int, oneOf, text, type FieldOf } from './variables.js';

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

export interface StackConfig {
  dir: string;
  ports: StackPorts;
  monitoring: MonitoringConfig;
}

/** The STACK_*_PORT variables. */
export function stackPortsFields(field: FieldOf): StackPorts {
  const port = (name: string, fallback: number) => field((v) => int(v, name, fallback, 1, 65535));
  return lazyFields<StackPorts>({
    kafka: port('STACK_KAFKA_PORT', 9092),
    kafkaController: port('STACK_KAFKA_CONTROLLER_PORT', 9093),
    schemaRegistry: port('STACK_SCHEMA_REGISTRY_PORT', 8081),
    schemaRegistryManagement: port('STACK_SCHEMA_REGISTRY_MANAGEMENT_PORT', 9001),
    connect: port('STACK_CONNECT_PORT', 8083),
    redis: port('STACK_REDIS_PORT', 6379),
    prometheus: port('STACK_PROMETHEUS_PORT', 9090),
    zipkin: port('STACK_ZIPKIN_PORT', 9411),
  });
}

export function stackFields(field: FieldOf, ports: StackPorts): StackConfig {
  return lazyFields<StackConfig>({
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
  });
}
