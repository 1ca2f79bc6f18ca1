// Where the local stack keeps everything: one folder (config.stack.dir, `.stack` by default).
import { join, resolve } from 'node:path';
import { targetsDir } from '../monitoring/targets.js';

export const components = ['kafka', 'schema-registry', 'connect', 'postgres', 'redis'] as const;
/** Started and reported only on request (`stack up --monitoring`, CASHFLOW_STACK_MONITORING=1). */
export const monitoringComponents = ['prometheus'] as const;
/** Started and reported only on request (`stack up --tracing`, CASHFLOW_STACK_TRACING=1). */
export const tracingComponents = ['zipkin'] as const;
export type ComponentName = (typeof components)[number] | (typeof monitoringComponents)[number] | (typeof tracingComponents)[number];

/** The components that `stack up` may start as processes of its own (PostgreSQL is only configured). */
export const processComponents = ['kafka', 'schema-registry', 'connect', 'redis'] as const;
export type ProcessComponent =
  | (typeof processComponents)[number]
  | (typeof monitoringComponents)[number]
  | (typeof tracingComponents)[number];

/** The process components this configuration runs. */
export function wantedProcessComponents(monitoring: boolean, tracing = false): ProcessComponent[] {
  return [...processComponents, ...(monitoring ? monitoringComponents : []), ...(tracing ? tracingComponents : [])];
}

/** The components `stack status` reports for this configuration. */
export function reportedComponents(monitoring: boolean, tracing = false): ComponentName[] {
  return [...components, ...(monitoring ? monitoringComponents : []), ...(tracing ? tracingComponents : [])];
}

export interface StackLayout {
  root: string;
  /** Generated pom and the jars copied from it (Kafka broker, tools and Connect share one classpath). */
  artifacts: string;
  lib: string;
  archives: string;
  /** Connect's plugin.path: one folder per Debezium plugin. */
  plugins: string;
  registryHome: string;
  conf: string;
  kafkaData: string;
  redisData: string;
  prometheusData: string;
  /** Zipkin's server jar (`stack up --tracing`). */
  zipkinHome: string;
  /** Prometheus's file-based service discovery: one file per process serving /metrics. */
  prometheusTargets: string;
  /** The secure stack's CA, certificates, key store and passwords (stack/secure.ts). */
  secrets: string;
  run: string;
  logs: string;
  pidFile(component: ProcessComponent): string;
  logFile(component: ProcessComponent): string;
}

export function stackLayout(dir: string, registryVersion: string): StackLayout {
  const root = resolve(dir);
  const run = join(root, 'run');
  const logs = join(root, 'logs');
  return {
    root,
    artifacts: join(root, 'artifacts'),
    lib: join(root, 'artifacts', 'lib'),
    archives: join(root, 'artifacts', 'archives'),
    plugins: join(root, 'plugins'),
    registryHome: join(root, `apicurio-registry-${registryVersion}`),
    conf: join(root, 'conf'),
    kafkaData: join(root, 'data', 'kafka'),
    redisData: join(root, 'data', 'redis'),
    prometheusData: join(root, 'data', 'prometheus'),
    zipkinHome: join(root, 'zipkin'),
    prometheusTargets: targetsDir(root),
    secrets: join(root, 'secrets'),
    run,
    logs,
    pidFile: (c) => join(run, `${c}.pid`),
    logFile: (c) => join(logs, `${c}.log`),
  };
}
