// docker-compose.kafka.yml cannot run here (no Docker engine): this proves its shape and wiring.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeConfig, loadConfig } from '../config/config.js';
import { connectorSettingsFromEnv, sourceConnector } from '../connectors/debezium.js';
import { CONTRACT_PARTITIONS, topologyFromConfig } from '../topology/topology.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
}

const file = readFileSync(resolve(import.meta.dirname, '../docker-compose.kafka.yml'), 'utf8');
// merge keys (`<<: *processor`): the processors and API instances share one definition each
const compose = parse(file, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const env = (name: string) =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** Compose's `${VAR:?message}` interpolation, with the values a user would export. */
const exported: Record<string, string> = {
  MSSQL_SA_PASSWORD: 'Test!Passw0rd',
  CASHFLOW_API_KEYS: 'key-one,key-two',
};
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_, name: string) => {
    if (!(name in exported))
      throw new Error(`compose interpolates \${${name}}, which this test does not know`);
    return exported[name]!;
  });

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

/** The services that run our image (`cashflow …`), with the environment they share. */
const ours = () => Object.entries(services).filter(([, s]) => s.image === 'cashflow-pipeline');
const pipelineEnv = () =>
  Object.fromEntries(Object.entries(env('calculator')).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.kafka.yml', () => {
  it('has every part of the production-like topology', () => {
    for (const s of [
      'kafka',
      'schema-registry',
      'connect',
      'sqlserver',
      'redis',
      'kafka-ui',
      'cashflow-init',
      'api-1',
      'api-2',
      'haproxy',
      'prometheus',
      'zipkin',
      'lag-exporter',
    ]) {
      expect(services[s], s).toBeDefined();
    }
    expect(services.zipkin!.image).toBe('openzipkin/zipkin:3.5');
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
    // our Avro topics shown decoded: string keys, values through the registry
    expect(ui.KAFKA_CLUSTERS_0_DEFAULTKEYSERDE).toBe('String');
    expect(ui.KAFKA_CLUSTERS_0_DEFAULTVALUESERDE).toBe('SchemaRegistry');
    expect(env('schema-registry').SCHEMA_REGISTRY_LISTENERS).toBe('http://0.0.0.0:8081');
  });

  it('gives every long-running part a health check and starts things in order', () => {
    for (const s of ['kafka', 'schema-registry', 'connect', 'sqlserver', 'redis', 'postgres', 'prometheus']) {
      expect(services[s]!.healthcheck, s).toBeDefined();
    }
    const init = services['cashflow-init']!.depends_on!;
    for (const s of ['kafka', 'schema-registry', 'connect', 'sqlserver'])
      expect(init[s]?.condition, s).toBe('service_healthy');
    for (const [name, s] of ours().filter(([n]) => n !== 'cashflow-init')) {
      expect(s.depends_on!['cashflow-init']!.condition, name).toBe('service_completed_successfully');
      expect(s.depends_on!.redis!.condition, name).toBe('service_healthy');
      // each process's own /healthz, on the port it listens on
      const port = name.startsWith('api-')
        ? env(name).API_PORT
        : name === 'lag-exporter'
          ? '9463'
          : (env(name).CASHFLOW_METRICS_PORT ?? '9464');
      expect(JSON.stringify(s.healthcheck?.test), name).toContain(`127.0.0.1:${port}/healthz`);
    }
    expect(services['kafka-ui']!.depends_on!.connect!.condition).toBe('service_healthy');
    expect(services.haproxy!.depends_on!['api-1']!.condition).toBe('service_healthy');
    expect(services.haproxy!.depends_on!['api-2']!.condition).toBe('service_healthy');
  });

  it('runs every processor of the topology in a container of its own, and the set-up commands, from the repository image', () => {
    expect(services['cashflow-init']!.build).toBe('.');
    const initCommand = JSON.stringify(services['cashflow-init']!.command);
    let at = -1;
    for (const step of ['db migrate', 'topics apply', 'schemas apply', 'connectors apply']) {
      const next = initCommand.indexOf(`cashflow.js ${step}`);
      expect(next, step).toBeGreaterThan(at);
      at = next;
    }
    const topology = topologyFromConfig(loadConfig(pipelineEnv()), {}, {});
    const running = ours()
      .filter(([, s]) => Array.isArray(s.command) && s.command[0] === 'run')
      .map(([name, s]) => {
        expect(s.command, name).toEqual(['run', name]);
        return name;
      });
    expect(running.sort()).toEqual(topology.processors.map((p) => p.name).sort());
    // Set-up, processors and API see the same broker, registry, Connect and database.
    for (const [name] of ours()) {
      const { CASHFLOW_API_KEYS, ...shared } = env(name);
      expect(shared, name).toEqual(env('cashflow-init'));
      // the API keys only where the API runs
      expect(CASHFLOW_API_KEYS === undefined, name).toBe(services[name]!.command?.[0] !== 'serve');
    }
  });

  it('sets only variables the configuration reads, none left at a default that points at the host', () => {
    for (const [name] of ours()) {
      const e = Object.fromEntries(Object.entries(env(name)).map(([k, v]) => [k, interpolate(v)]));
      const { readings, issues } = describeConfig(e);
      expect(issues, name).toEqual([]);
      const read = new Set(readings.map((r) => r.variable));
      for (const variable of Object.keys(e)) expect(read.has(variable), `${name}: ${variable}`).toBe(true);
      for (const r of readings)
        if (r.origin === 'default')
          expect(r.value ?? '', `${name}: ${r.variable}`).not.toMatch(/127\.0\.0\.1|localhost/);
    }
  });

  it('serves two API instances behind HAProxy, and scrapes every process of ours with the alert rules loaded', () => {
    for (const api of ['api-1', 'api-2']) {
      expect(services[api]!.command).toEqual(['serve']);
      expect(env(api).API_HOST).toBe('0.0.0.0');
      expect(env(api).CASHFLOW_API_KEYS).toMatch(/^\$\{CASHFLOW_API_KEYS:\?/);
    }
    const mounts = (name: string) => (services[name]!.volumes ?? []).map((v) => v.split(':'));
    for (const [source] of [...mounts('haproxy'), ...mounts('prometheus')]) {
      // the load balancer's file comes with its own change (ops/haproxy/)
      if (source === './ops/haproxy/haproxy.cfg') continue;
      expect(existsSync(resolve(import.meta.dirname, '..', source!)), source).toBe(true);
    }
    const prometheus = parse(
      readFileSync(resolve(import.meta.dirname, '../deploy/compose/prometheus.yml'), 'utf8'),
    ) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    expect(mounts('prometheus').map((m) => m[1])).toEqual(expect.arrayContaining(prometheus.rule_files));
    const scraped = new Map(
      prometheus.scrape_configs.flatMap((j) =>
        j.dns_sd_configs.flatMap((d) => d.names.map((n) => [n, { job: j.job_name, port: d.port }] as const)),
      ),
    );
    for (const [name, s] of ours().filter(([n]) => n !== 'cashflow-init')) {
      const kind = s.command![0];
      const job = { run: 'cashflow-processors', serve: 'cashflow-api', lag: 'cashflow-lag' }[kind!];
      expect(scraped.get(name)?.job, name).toBe(job);
      expect(String(scraped.get(name)?.port), name).toBe(
        kind === 'serve'
          ? env(name).API_PORT
          : kind === 'lag'
            ? '9463'
            : (env(name).CASHFLOW_METRICS_PORT ?? '9464'),
      );
      // the metrics server must listen beyond the container's loopback for Prometheus to reach it
      expect(kind === 'serve' ? env(name).API_HOST : env(name).CASHFLOW_METRICS_HOST, name).toBe('0.0.0.0');
    }
  });

  it('scales a processor no further than its topics have partitions (the documented --scale)', () => {
    expect(file).toMatch(/--scale calculator=\d+/);
    const n = Number(/--scale calculator=(\d+)/.exec(file)![1]);
    expect(n).toBeLessThanOrEqual(CONTRACT_PARTITIONS);
  });

  it('points the pipeline at the services, as its typed configuration reads them', () => {
    const e = pipelineEnv();
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
    const e = pipelineEnv();
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
    const e = pipelineEnv();
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
