// What `stack up` does with each process component, decided from what it finds. Pure.
import type { ComponentHealth } from './health.js';
import type { ProcessComponent } from './layout.js';

export type Action =
  /** Ours and healthy: nothing to do. */
  | 'running'
  /** Healthy but not started by this stack: used as it is, never stopped by `down`. */
  | 'external'
  /** Ours but not healthy yet: wait for it. */
  | 'wait'
  /** Nothing answers: start it. */
  | 'start'
  /** Something else answers on its port: refuse, naming the port. */
  | 'conflict';

export function decide(health: ComponentHealth, ownedPid: number | undefined): Action {
  if (health.healthy) return ownedPid === undefined ? 'external' : 'running';
  if (ownedPid !== undefined) return 'wait';
  return health.answering ? 'conflict' : 'start';
}

/** Which components need the broker up before they start. */
export const needsKafka: Record<ProcessComponent, boolean> = {
  kafka: false,
  'schema-registry': false,
  connect: true,
  redis: false,
  prometheus: false,
  zipkin: false,
};

/** The environment variable that moves a component to another port. */
export const portVariable: Record<ProcessComponent, string> = {
  kafka: 'STACK_KAFKA_PORT',
  'schema-registry': 'STACK_SCHEMA_REGISTRY_PORT',
  connect: 'STACK_CONNECT_PORT',
  redis: 'STACK_REDIS_PORT',
  prometheus: 'STACK_PROMETHEUS_PORT',
  zipkin: 'STACK_ZIPKIN_PORT',
};

export function conflictMessage(health: ComponentHealth, port: number): string {
  return (
    `${health.component}: port ${port} (${health.url}) is taken by another program that does not answer as ` +
    `${health.component} (${health.detail}). Stop that program, or move ${health.component} with ` +
    `${portVariable[health.component as ProcessComponent]}=<free port>.`
  );
}
