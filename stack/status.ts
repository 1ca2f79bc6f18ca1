// `cashflow stack status` output (docs/interfaces.md): one line per component,
// `<component> <healthy|unhealthy> <url> <detail>`, the detail one word; hints start with `#`.
import type { Config } from '../config/config.js';
import type { ComponentHealth } from './health.js';
import type { ComponentName } from './layout.js';

export function statusDetail(detail: string): string {
  const word = detail.trim().replace(/\s+/g, '-');
  return word.length > 0 ? word : '-';
}

export function formatStatusLine(h: ComponentHealth): string {
  return `${h.component} ${h.healthy ? 'healthy' : 'unhealthy'} ${h.url} ${statusDetail(h.detail)}`;
}

export function formatStatus(all: ComponentHealth[], hints: string[] = []): string {
  return [...all.map(formatStatusLine), ...hints.map((h) => `# ${h}`)].join('\n') + '\n';
}

/** The variable that points the clients at each component, and the one that moves the stack's own. */
const variables: Record<ComponentName, { client: string; stack?: string }> = {
  kafka: { client: 'KAFKA_BOOTSTRAP_SERVERS', stack: 'STACK_KAFKA_PORT' },
  'schema-registry': { client: 'SCHEMA_REGISTRY_URL', stack: 'STACK_SCHEMA_REGISTRY_PORT' },
  connect: { client: 'KAFKA_CONNECT_URL', stack: 'STACK_CONNECT_PORT' },
  postgres: { client: 'DATABASE_URL' },
  redis: { client: 'REDIS_URL', stack: 'STACK_REDIS_PORT' },
  // only the stack runs it: nothing but its port points at it
  prometheus: { client: 'STACK_PROMETHEUS_PORT', stack: 'STACK_PROMETHEUS_PORT' },
  zipkin: { client: 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', stack: 'STACK_ZIPKIN_PORT' },
};

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether the clients are pointed where `cashflow stack up` runs the component (its host and port). */
export function pointsAtStack(component: ComponentName, config: Config): boolean {
  const ports = config.stack.ports;
  const at = (address: string, port: number) => {
    try {
      const u = new URL(address.includes('://') ? address : `tcp://${address}`);
      return loopback.has(u.hostname) && Number(u.port) === port;
    } catch {
      return false;
    }
  };
  switch (component) {
    case 'kafka':
      return config.kafka.bootstrapServers.split(',').some((b) => at(b.trim(), ports.kafka));
    case 'schema-registry':
      return at(config.schemaRegistryUrl, ports.schemaRegistry);
    case 'connect':
      return at(config.kafkaConnectUrl, ports.connect);
    case 'redis':
      return at(config.redisUrl, ports.redis);
    case 'zipkin':
      return at(config.tracing.zipkinEndpoint, ports.zipkin);
    case 'postgres':
    case 'prometheus':
      return true;
  }
}

/**
 * What to do next, from what the checks found: `stack up` only for parts it can start or fix;
 * a variable to check when the clients point somewhere else or another program holds the port.
 */
export function statusHints(all: ComponentHealth[], config: Config): string[] {
  const bad = all.filter((h) => !h.healthy);
  if (bad.length === 0) return ['stop with: cashflow stack down'];
  const hints: string[] = [];
  const startable: string[] = [];
  for (const h of bad) {
    const v = variables[h.component];
    const own = pointsAtStack(h.component, config);
    if (h.component === 'postgres') {
      if (!h.answering)
        hints.push(`postgres: the machine's PostgreSQL does not answer at ${h.url}: start it (pg_ctlcluster 15 main start) or check DATABASE_URL`);
      else if (/wal_level|REPLICATION/.test(h.detail)) startable.push('postgres');
      else hints.push(`postgres: ${h.detail}: check the user, password and host in DATABASE_URL`);
    } else if (h.component === 'kafka' && config.kafka.securityProtocol !== 'plaintext') {
      // probed by the real client with the configured security (stack/health.ts): its reason says what refused
      hints.push(`kafka: the ${config.kafka.securityProtocol} client got no answer it accepts: check KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL and the KAFKA_SASL_* / KAFKA_SSL_CA_FILE variables (a secure local stack's are in <stack dir>/secrets/client.env)`);
    } else if (!own) {
      hints.push(`${h.component}: nothing healthy at ${h.url}, which ${v.client} names (not the local stack's): check ${v.client}, or unset it to use \`cashflow stack up\`'s`);
    } else if (!h.answering) {
      startable.push(h.component);
    } else if (h.component === 'kafka' && /not as a Kafka broker/.test(h.detail)) {
      hints.push(`kafka: another program holds ${h.url}: stop it, or move the stack with ${v.stack} (and unset ${v.client})`);
    } else {
      hints.push(`${h.component}: answers at ${h.url} but is not ready (${h.detail}): wait, or read \`cashflow stack logs ${h.component}\``);
    }
  }
  const up = ['cashflow stack up', ...(config.stack.monitoring.enabled ? ['--monitoring'] : []), ...(config.stack.monitoring.tracing ? ['--tracing'] : [])].join(' ');
  if (startable.length > 0) hints.unshift(`start with: ${up} (${startable.join(', ')}); logs: cashflow stack logs`);
  return hints;
}
