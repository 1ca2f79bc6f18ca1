// Real health checks: each asks the component a question only the real thing answers.
import pg from 'pg';
import { listTopicsOnce } from '../clients/kafka.js';
import { redisTlsOptions } from '../clients/redis-tls.js';
import type { Config } from '../config/config.js';
import { redactUrl } from '../config/redact.js';
import { decodeMetadataResponse, encodeMetadataRequest, isCompleteResponse } from './kafka-protocol.js';
import type { ComponentName } from './layout.js';
import { httpGet, portOpen, ProbeError, tcpExchange } from './net.js';
import { debeziumPlugins } from './versions.js';

export interface ComponentHealth {
  component: ComponentName;
  healthy: boolean;
  url: string;
  detail: string;
  /** Something accepted a connection on the component's address (healthy or not). */
  answering: boolean;
}

/** Passwords never reach the terminal. */
export { redactUrl };

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

function hostPort(hostAndPort: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostAndPort.trim());
  return { host: m?.[1] ?? '127.0.0.1', port: m?.[2] ? Number(m[2]) : defaultPort };
}

export async function checkKafka(config: Config): Promise<ComponentHealth> {
  const first = config.kafka.bootstrapServers.split(',')[0] ?? '';
  const { host, port } = hostPort(first, 9092);
  const url = `kafka://${host}:${port}`;
  // Our wire probe speaks plaintext only: a secured broker is asked by a real client.
  if (config.kafka.securityProtocol !== 'plaintext') return checkKafkaByClient(config, url);
  const correlationId = Math.floor(Math.random() * 2 ** 30);
  try {
    const reply = await tcpExchange(host, port, encodeMetadataRequest(correlationId), isCompleteResponse);
    const m = decodeMetadataResponse(reply, correlationId);
    if (m.brokers.length === 0)
      return {
        component: 'kafka',
        healthy: false,
        url,
        detail: 'no brokers registered yet',
        answering: true,
      };
    const n = m.brokers.length;
    return {
      component: 'kafka',
      healthy: true,
      url,
      detail: `cluster=${m.clusterId ?? '?'},brokers=${n},controller=${m.controllerId}`,
      answering: true,
    };
  } catch (e) {
    const answering = e instanceof ProbeError ? e.answered : true;
    const detail = answering ? `the port answers but not as a Kafka broker (${reason(e)})` : reason(e);
    return { component: 'kafka', healthy: false, url, detail: detail, answering };
  }
}

/**
 * The broker asked through the real client with the configured security (TLS, SASL): healthy
 * when it lists the topics. A refused handshake or login is unhealthy with the client's reason.
 */
async function checkKafkaByClient(config: Config, url: string): Promise<ComponentHealth> {
  const protocol = config.kafka.securityProtocol;
  const { host, port } = hostPort(config.kafka.bootstrapServers.split(',')[0] ?? '', 9092);
  // nothing listening: say so at once (the client would retry until its timeout)
  if (!(await portOpen(host, port)))
    return { component: 'kafka', healthy: false, url, detail: 'connection refused', answering: false };
  try {
    const topics = await listTopicsOnce(config, 'cashflow-stack-health');
    return { component: 'kafka', healthy: true, url, detail: `${protocol},topics=${topics.length}`, answering: true };
  } catch (e) {
    const answering = !/ECONNREFUSED|Connection refused/i.test(reason(e));
    return { component: 'kafka', healthy: false, url, detail: `${protocol}: ${reason(e)}`, answering };
  }
}

async function httpCheck(
  component: ComponentName,
  url: string,
  path: string,
  judge: (body: unknown) => { healthy: boolean; detail: string },
): Promise<ComponentHealth> {
  try {
    const res = await httpGet(`${url}${path}`);
    if (res.status !== 200)
      return {
        component,
        healthy: false,
        url,
        detail: `GET ${path} answered HTTP ${res.status}`,
        answering: true,
      };
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return {
        component,
        healthy: false,
        url,
        detail: `GET ${path} answered something not JSON`,
        answering: true,
      };
    }
    return { component, url, answering: true, ...judge(body) };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail =
      cause?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.code ?? cause?.message ?? reason(e));
    return { component, healthy: false, url, detail, answering: cause?.code !== 'ECONNREFUSED' };
  }
}

export function checkSchemaRegistry(config: Config): Promise<ComponentHealth> {
  return httpCheck('schema-registry', config.schemaRegistryUrl, '/subjects', (body) =>
    Array.isArray(body)
      ? { healthy: true, detail: `subjects=${body.length}` }
      : { healthy: false, detail: 'GET /subjects answered something not a list' },
  );
}

/** Which of the Debezium plugins a GET /connector-plugins answer lacks. */
export function missingPlugins(plugins: unknown): string[] {
  const classes = new Set(Array.isArray(plugins) ? plugins.map((p: { class?: string }) => p?.class) : []);
  return debeziumPlugins.filter((p) => !classes.has(p.connectorClass)).map((p) => p.connectorClass);
}

export function checkConnect(config: Config): Promise<ComponentHealth> {
  return httpCheck('connect', config.kafkaConnectUrl, '/connector-plugins', (body) => {
    const missing = missingPlugins(body);
    if (missing.length > 0) return { healthy: false, detail: `missing plugin ${missing.join(', ')}` };
    const list = body as { class: string; version?: string }[];
    const versions = debeziumPlugins.map(
      (p) => `${p.name}=${list.find((x) => x.class === p.connectorClass)?.version ?? '?'}`,
    );
    return { healthy: true, detail: `debezium:${versions.join(',')}` };
  });
}

/** The PostgreSQL server the stack prepares for Debezium: DATABASE_URL when the dialect is postgres. */
export function postgresUrl(config: Config): string {
  return config.database.dialect === 'postgres'
    ? config.database.url
    : 'postgres://postgres@127.0.0.1:5432/cashflow';
}

/** The same server and user, on its maintenance database (the project's may not exist yet). */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export async function checkPostgres(config: Config): Promise<ComponentHealth> {
  const url = redactUrl(postgresUrl(config));
  const client = new pg.Client({
    connectionString: maintenanceUrl(postgresUrl(config)),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    const r = await client.query<{ wal_level: string; replication: boolean; version: string; slots: number }>(
      `SELECT current_setting('wal_level') AS wal_level,
              (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replication,
              current_setting('server_version') AS version,
              (SELECT count(*)::int FROM pg_replication_slots) AS slots`,
    );
    const row = r.rows[0]!;
    const problems = [
      ...(row.wal_level === 'logical' ? [] : [`wal_level=${row.wal_level} (Debezium needs logical)`]),
      ...(row.replication ? [] : ['the user lacks REPLICATION']),
    ];
    const detail = `version=${row.version.split(' ')[0]},wal_level=${row.wal_level},replication=${row.replication ? 'yes' : 'no'},slots=${row.slots}`;
    return {
      component: 'postgres',
      healthy: problems.length === 0,
      url,
      detail: problems.length ? problems.join('; ') : detail,
      answering: true,
    };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      component: 'postgres',
      healthy: false,
      url,
      detail: code === 'ECONNREFUSED' ? 'connection refused' : reason(e),
      answering: code !== 'ECONNREFUSED',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const resp = (...words: string[]) =>
  `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

export async function checkRedis(config: Config): Promise<ComponentHealth> {
  const u = new URL(config.redisUrl);
  const url = redactUrl(config.redisUrl);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 6379);
  const auth = u.password
    ? resp('AUTH', ...(u.username ? [decodeURIComponent(u.username)] : []), decodeURIComponent(u.password))
    : '';
  const lines = auth ? 2 : 1;
  try {
    const reply = await tcpExchange(
      host,
      port,
      Buffer.from(auth + resp('PING')),
      (b) => b.toString().split('\r\n').length > lines,
      3000,
      redisTlsOptions(config),
    );
    const last = reply.toString().split('\r\n')[lines - 1] ?? '';
    if (last === '+PONG') return { component: 'redis', healthy: true, url, detail: 'PONG', answering: true };
    return { component: 'redis', healthy: false, url, detail: `PING answered ${last}`, answering: true };
  } catch (e) {
    const answering = e instanceof ProbeError ? e.answered : true;
    return { component: 'redis', healthy: false, url, detail: reason(e), answering };
  }
}

/** Prometheus answers its build information only once its web API is up. */
export function checkPrometheus(config: Config): Promise<ComponentHealth> {
  return httpCheck('prometheus', `http://127.0.0.1:${config.stack.ports.prometheus}`, '/api/v1/status/buildinfo', (body) => {
    const b = body as { status?: string; data?: { version?: string } };
    return b?.status === 'success'
      ? { healthy: true, detail: `version=${b.data?.version ?? '?'}` }
      : { healthy: false, detail: 'GET /api/v1/status/buildinfo answered without status success' };
  });
}

/** Zipkin answers /health with status UP once its storage is ready. */
export function checkZipkin(config: Config): Promise<ComponentHealth> {
  return httpCheck('zipkin', `http://127.0.0.1:${config.stack.ports.zipkin}`, '/health', (body) => {
    const b = body as { status?: string; zipkin?: { status?: string } };
    return b?.status === 'UP'
      ? { healthy: true, detail: `storage=${b.zipkin?.status ?? '?'}` }
      : { healthy: false, detail: `GET /health answered status ${b?.status ?? '?'}` };
  });
}

export function checkComponent(component: ComponentName, config: Config): Promise<ComponentHealth> {
  switch (component) {
    case 'kafka':
      return checkKafka(config);
    case 'schema-registry':
      return checkSchemaRegistry(config);
    case 'connect':
      return checkConnect(config);
    case 'postgres':
      return checkPostgres(config);
    case 'redis':
      return checkRedis(config);
    case 'prometheus':
      return checkPrometheus(config);
    case 'zipkin':
      return checkZipkin(config);
  }
}
