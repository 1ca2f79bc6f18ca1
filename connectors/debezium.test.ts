import { mkdtempSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { topologyFromConfig } from '../topology/topology.js';
import {
  connectorSettingsFromEnv,
  postgresConnector,
  printable,
  settingsFromConfig,
  sourceConnector,
  sqlServerConnector,
} from './debezium.js';

describe('Debezium PostgreSQL connector config', () => {
  const config = loadConfig({});
  const topology = topologyFromConfig(config, {}, {});
  const c = postgresConnector(config, topology);

  it("connects over TLS as DATABASE_URL's sslmode and sslrootcert say (the CA as the worker sees it), and without them as before", () => {
    const tls = loadConfig({ DATABASE_URL: 'postgres://cdc@db.local:5432/books?sslmode=verify-full&sslrootcert=/etc/pg/ca.pem' });
    expect(postgresConnector(tls, topologyFromConfig(tls, {}, {})).config).toMatchObject({
      'database.hostname': 'db.local',
      'database.dbname': 'books',
      'database.sslmode': 'verify-full',
      'database.sslrootcert': '/etc/pg/ca.pem',
    });
    expect(Object.keys(c.config).filter((k) => k.includes('ssl'))).toEqual([]);
  });

  it('writes exactly the CDC topics the topology declares (cdc.<database>.<schema>.<table>)', () => {
    for (const id of ['cdcContracts', 'cdcPositions', 'cdcMarketData', 'cdcObservedEvents'] as const) {
      const table = topology.topic(id).name.split('.').pop();
      expect(`${c.config['topic.prefix']}.public.${table}`).toBe(topology.topic(id).name);
    }
    expect(topology.topic('cdcContracts').name).toBe('cdc.cashflow.public.contracts');
    expect(c.config['table.include.list']).toBe(
      'public.contracts,public.positions,public.market_data,public.observed_events,public.cdc_heartbeat',
    );
  });

  it('rewrites its heartbeat row every 10 s, so that the slot moves while only result tables are written', () => {
    expect(c.config['heartbeat.interval.ms']).toBe('10000');
    expect(c.config['heartbeat.action.query']).toBe(
      "INSERT INTO public.cdc_heartbeat (id, beat_at) VALUES (1, now() AT TIME ZONE 'UTC') ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at",
    );
    // under the environment's prefix, so that removing an environment's topics removes them too
    const prefixed = postgresConnector(config, topologyFromConfig(config, { prefix: 'run7.' }, {}));
    expect(prefixed.config['heartbeat.topics.prefix']).toBe('run7.cdc-heartbeat');
  });

  it('uses pgoutput, JSON with schemas, numeric decimals as doubles and a 50 ms poll', () => {
    expect(c.config).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'plugin.name': 'pgoutput',
      'database.hostname': '127.0.0.1',
      'database.port': '5432',
      'database.dbname': 'cashflow',
      'database.user': 'postgres',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
      'decimal.handling.mode': 'double',
      'poll.interval.ms': '50',
      'slot.name': 'cashflow_cdc',
      'publication.name': 'cashflow_cdc',
    });
    expect(c.config['database.password']).toBeUndefined(); // trust auth locally: nothing to pass
  });

  it('takes names, the database as Connect sees it and the password from the environment', () => {
    const dir = mkdtempSync('/tmp/cashflow-connector-test-');
    writeFileSync(`${dir}/pw`, 'from-file\n');
    const settings = connectorSettingsFromEnv({
      CDC_CONNECTOR_NAME: 'src-1',
      CDC_SLOT_NAME: 'slot_1',
      CDC_PUBLICATION_NAME: 'pub_1',
      CDC_DATABASE_URL: 'postgres://debezium@db.internal:6432/books',
      CDC_DATABASE_PASSWORD_FILE: `${dir}/pw`,
    });
    const custom = postgresConnector(config, topology, settings);
    expect(custom.name).toBe('src-1');
    expect(custom.config).toMatchObject({
      'slot.name': 'slot_1',
      'publication.name': 'pub_1',
      'database.hostname': 'db.internal',
      'database.port': '6432',
      'database.user': 'debezium',
      'database.password': 'from-file',
    });
    expect(printable(custom.config)['database.password']).toBe('***');
  });

  it('prefixes topics for isolated runs', () => {
    const t = topologyFromConfig(config, { prefix: 'run7.' }, {});
    expect(`${postgresConnector(config, t).config['topic.prefix']}.public.contracts`).toBe(
      t.topic('cdcContracts').name,
    );
  });
});

describe('Debezium SQL Server connector config', () => {
  const config = loadConfig({
    DATABASE_DIALECT: 'mssql',
    DATABASE_URL: 'mssql://cdc_reader:p%40ss@sql.prod:1433/books?encrypt=true&trustServerCertificate=false',
    KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'connect',
    KAFKA_SASL_PASSWORD: 'kpw',
  });
  const topology = topologyFromConfig(config, {}, {});
  const c = sqlServerConnector(config, topology);

  it('writes cdc.<database>.dbo.<table>: the connector adds the database itself', () => {
    expect(sourceConnector(config, topology, {}).dialect).toBe('mssql');
    for (const id of ['cdcContracts', 'cdcPositions', 'cdcMarketData', 'cdcObservedEvents'] as const) {
      const table = topology.topic(id).name.split('.').pop();
      expect(`${c.config['topic.prefix']}.${c.config['database.names']}.dbo.${table}`).toBe(
        topology.topic(id).name,
      );
    }
    expect(topology.topic('cdcContracts').name).toBe('cdc.books.dbo.contracts');
  });

  it('connects with TLS and the URL credentials, and keeps schema history in Kafka with the same security', () => {
    expect(c.config).toMatchObject({
      'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector',
      'database.hostname': 'sql.prod',
      'database.user': 'cdc_reader',
      'database.password': 'p@ss',
      'driver.encrypt': 'true',
      'driver.trustServerCertificate': 'false',
      'decimal.handling.mode': 'double',
      'schema.history.internal.kafka.bootstrap.servers': '127.0.0.1:9092',
      'schema.history.internal.producer.security.protocol': 'SASL_SSL',
      'schema.history.internal.consumer.sasl.mechanism': 'SCRAM-SHA-512',
    });
    expect(c.config['schema.history.internal.producer.sasl.jaas.config']).toMatch(
      /ScramLoginModule required username="connect"/,
    );
    expect(printable(c.config)['schema.history.internal.producer.sasl.jaas.config']).toBe('***');
    expect(printable(c.config)['database.password']).toBe('***');
  });

  it('snapshots under SNAPSHOT isolation and sends datetime2 as Connect Timestamps (ms), not NanoTimestamp', () => {
    expect(c.config['snapshot.isolation.mode']).toBe('snapshot');
    expect(c.config['time.precision.mode']).toBe('connect');
  });

  it('gives the schema-history producer and consumer the brokers\' CA (a private CA fails the task at start otherwise)', () => {
    // no CA configured: the JVM's default trust store, nothing set
    expect(c.config['schema.history.internal.producer.ssl.truststore.location']).toBeUndefined();
    const withCa = loadConfig({
      DATABASE_DIALECT: 'mssql',
      DATABASE_URL: 'mssql://cdc_reader:p%40ss@sql.prod:1433/books',
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'connect',
      KAFKA_SASL_PASSWORD: 'kpw',
      KAFKA_SSL_CA_FILE: '/etc/cashflow/kafka-ca.pem',
    });
    const ca = sqlServerConnector(withCa, topologyFromConfig(withCa, {}, {}), settingsFromConfig(withCa.cdc)).config;
    for (const side of ['producer', 'consumer']) {
      expect(ca[`schema.history.internal.${side}.ssl.truststore.type`]).toBe('PEM');
      expect(ca[`schema.history.internal.${side}.ssl.truststore.location`]).toBe('/etc/cashflow/kafka-ca.pem');
    }
    // the path as the Connect worker sees it, when it differs
    const onConnect = loadConfig({ ...withCaEnv(), CDC_KAFKA_SSL_CA_FILE: '/opt/connect/secrets/ca.pem' });
    expect(sqlServerConnector(onConnect, topologyFromConfig(onConnect, {}, {}), settingsFromConfig(onConnect.cdc)).config['schema.history.internal.consumer.ssl.truststore.location']).toBe('/opt/connect/secrets/ca.pem');
  });
});

function withCaEnv(): Record<string, string> {
  return {
    DATABASE_DIALECT: 'mssql',
    DATABASE_URL: 'mssql://cdc_reader:p%40ss@sql.prod:1433/books',
    KAFKA_SECURITY_PROTOCOL: 'ssl',
    KAFKA_SSL_CA_FILE: '/etc/cashflow/kafka-ca.pem',
  };
}
