// docker-compose.kafka.yml cannot run here (no Docker engine): this proves its shape and wiring.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/config.js';
import { connectorSettingsFromEnv, sourceConnector } from '../connectors/debezium.js';
import { topologyFromConfig } from '../topology/topology.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  ports?: string[];
  profiles?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
}

const file = readFileSync(resolve(import.meta.dirname, '../docker-compose.kafka.yml'), 'utf8');
const compose = parse(file) as { services: Record<string, Service> };
const services = compose.services;
const env = (name: string) =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** Compose's `${VAR:?message}` interpolation, with the value a user would export. */
const interpolate = (value: string) => value.replace(/\$\{MSSQL_SA_PASSWORD(:\?[^}]*)?\}/g, 'Test!Passw0rd');

/** host:port of another service, checked against the port that service listens on. */
function expectService(hostPort: string, service: string, port: number) {
  expect(hostPort).toBe(`${service}:${port}`);
  expect(services[service], `service ${service}`).toBeDefined();
}

const kafkaInternal = () => {
  const listeners = env('kafka').KAFKA_ADVERTISED_LISTENERS!.split(',');
  const internal = listeners.find((l) =>
    l.startsWith(`${env('kafka').KAFKA_INTER_BROKER_LISTENER_NAME}://`),
  )!;
  return internal.split('://')[1]!;
};

describe('docker-compose.kafka.yml', () => {
  it('has every part of the stack, the UI and the pipeline', () => {
    for (const s of [
      'kafka',
      'schema-registry',
      'connect',
      'sqlserver',
      'redis',
      'kafka-ui',
      'cashflow-init',
      'processors',
    ]) {
      expect(services[s], s).toBeDefined();
    }
    expect(services['schema-registry']!.image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(services.connect!.image).toMatch(/^quay\.io\/debezium\/connect:3\.6/);
    expect(services.sqlserver!.image).toMatch(/mssql\/server:2022/);
    expect(services['kafka-ui']!.image).toMatch(/^ghcr\.io\/kafbat\/kafka-ui/);
  });

  it('runs Kafka in KRaft mode with a listener for containers and one for the host', () => {
    const k = env('kafka');
    expect(k.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(k.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${k.KAFKA_NODE_ID}@kafka:9093`);
    expect(kafkaInternal()).toBe('kafka:29092');
    expect(k.KAFKA_ADVERTISED_LISTENERS).toContain('EXTERNAL://localhost:9092');
    expect(services.kafka!.ports).toContain('9092:9092');
    expect(k.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
  });

  it('enables SQL Server Agent (CDC capture) and takes the password from the environment only', () => {
    const s = env('sqlserver');
    expect(s.MSSQL_AGENT_ENABLED).toBe('true');
    expect(s.ACCEPT_EULA).toBe('Y');
    expect(s.MSSQL_SA_PASSWORD).toMatch(/^\$\{MSSQL_SA_PASSWORD:\?/);
    // Nothing secret is committed: every password is an interpolation.
    expect(file).not.toMatch(/PASSWORD: (?!\$\{|postgres$)/m);
  });

  it('gives Connect the broker, JSON converters for CDC, and checks both Debezium plugins', () => {
    const c = env('connect');
    expect(c.BOOTSTRAP_SERVERS).toBe(kafkaInternal());
    expect(c.KEY_CONVERTER).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(c.VALUE_CONVERTER).toBe('org.apache.kafka.connect.json.JsonConverter');
    const health = JSON.stringify(services.connect!.healthcheck!.test);
    expect(health).toContain('io.debezium.connector.sqlserver.SqlServerConnector');
    expect(health).toContain('io.debezium.connector.postgresql.PostgresConnector');
  });

  it('wires the registry and Kafka UI to the cluster, the registry and Connect', () => {
    expect(env('schema-registry').SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toBe(
      `PLAINTEXT://${kafkaInternal()}`,
    );
    expect(env('schema-registry').SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL).toBe('backward');
    const ui = env('kafka-ui');
    expect(ui.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS).toBe(kafkaInternal());
    expect(ui.KAFKA_CLUSTERS_0_SCHEMAREGISTRY).toBe('http://schema-registry:8081');
    expect(ui.KAFKA_CLUSTERS_0_KAFKACONNECT_0_ADDRESS).toBe('http://connect:8083');
    expect(env('schema-registry').SCHEMA_REGISTRY_LISTENERS).toBe('http://0.0.0.0:8081');
  });

  it('gives every long-running part a health check and starts things in order', () => {
    for (const s of ['kafka', 'schema-registry', 'connect', 'sqlserver', 'redis', 'postgres']) {
      expect(services[s]!.healthcheck, s).toBeDefined();
    }
    const init = services['cashflow-init']!.depends_on!;
    for (const s of ['kafka', 'schema-registry', 'connect', 'sqlserver'])
      expect(init[s]?.condition, s).toBe('service_healthy');
    expect(services.processors!.depends_on!['cashflow-init']!.condition).toBe(
      'service_completed_successfully',
    );
    expect(services.processors!.depends_on!.redis!.condition).toBe('service_healthy');
    expect(services['kafka-ui']!.depends_on!.connect!.condition).toBe('service_healthy');
  });

  it('runs the processors and the set-up commands from the repository image', () => {
    expect(services['cashflow-init']!.build).toBe('.');
    expect(services.processors!.command).toEqual(['npx', '--no-install', 'cashflow', 'run']);
    const initCommand = JSON.stringify(services['cashflow-init']!.command);
    for (const step of ['db migrate', 'topics apply', 'schemas apply', 'connectors apply'])
      expect(initCommand).toContain(`cashflow ${step}`);
    // Set-up and processors see the same broker, registry, Connect and database.
    expect(env('processors')).toEqual(env('cashflow-init'));
  });

  it('points the pipeline at the services, as its typed configuration reads them', () => {
    const e = Object.fromEntries(Object.entries(env('processors')).map(([k, v]) => [k, interpolate(v)]));
    const config = loadConfig(e);
    expectService(config.kafka.bootstrapServers, 'kafka', 29092);
    expect(config.kafka.bootstrapServers).toBe(kafkaInternal());
    expect(config.schemaRegistryUrl).toBe('http://schema-registry:8081');
    expect(config.kafkaConnectUrl).toBe('http://connect:8083');
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.database.dialect).toBe('mssql');
    const db = new URL(config.database.url);
    expectService(`${db.hostname}:${db.port}`, 'sqlserver', 1433);
    expect(services.sqlserver!.ports).toContain('1433:1433');
  });

  it('reaches every topic of the topology: CDC topics named after the SQL Server database and schema', () => {
    const e = Object.fromEntries(Object.entries(env('processors')).map(([k, v]) => [k, interpolate(v)]));
    const topology = topologyFromConfig(loadConfig(e), {}, {});
    const cdc = topology.topics.filter((t) => t.producedBy.includes('debezium'));
    expect(cdc.length).toBeGreaterThan(0);
    for (const t of cdc) expect(t.name).toMatch(/^cdc\.cashflow\.dbo\.[a-z_]+$/);
    // Our own topics are created by `cashflow topics apply` in cashflow-init, on the broker the
    // processors use (checked above); none of them needs a second cluster.
    for (const p of topology.processors) {
      for (const id of [...p.inputs, ...p.outputs]) expect(topology.topic(id).name).toBeTruthy();
    }
  });

  it('reaches SQL Server from the Debezium connector the project defines, writing exactly the CDC topics', () => {
    const e = Object.fromEntries(Object.entries(env('processors')).map(([k, v]) => [k, interpolate(v)]));
    const config = loadConfig(e);
    const topology = topologyFromConfig(config, {}, {});
    const connector = sourceConnector(config, topology, connectorSettingsFromEnv(e));
    const c = connector.config;
    expect(c['connector.class']).toBe('io.debezium.connector.sqlserver.SqlServerConnector');
    // Connect runs in the compose network: the database and the broker by service name.
    expectService(`${c['database.hostname']}:${c['database.port']}`, 'sqlserver', 1433);
    expect(c['schema.history.internal.kafka.bootstrap.servers']).toBe(kafkaInternal());
    // SQL Server's connector names topics <topic.prefix>.<database>.<schema>.<table>.
    const written = c['table.include.list']!.split(',').map(
      (t) => `${c['topic.prefix']}.${c['database.names']}.${t}`,
    );
    const cdc = topology.topics.filter((t) => t.producedBy.includes('debezium')).map((t) => t.name);
    expect(new Set(written)).toEqual(new Set(cdc));
  });

  it('has a PostgreSQL for the docker test environment, prepared for Debezium, only in the test profile', () => {
    const pg = services.postgres!;
    expect(pg.profiles).toEqual(['test']);
    expect(JSON.stringify(pg.command)).toContain('wal_level=logical');
    expect(pg.ports).toContain('5433:5432');
  });
});
