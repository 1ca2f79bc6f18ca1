import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import {
  brokerProperties,
  connectProperties,
  jvmMarker,
  launchSpec,
  renderProperties,
} from './config-files.js';
import { certificateFiles } from './certificates.js';
import { stackLayout } from './layout.js';
import { clientVariables, scramFormatArgs, secureClientKafka, type SecureStack } from './secure.js';

const ports = loadConfig({}).stack.ports;
const layout = stackLayout('/tmp/s', '3.0.9');
const registry = {
  version: '3.0.9',
  database: { host: '127.0.0.1', port: 5432, database: 'cashflow_registry', user: 'postgres', password: '' },
};

describe('broker properties', () => {
  it('make a single-node KRaft broker with combined roles on the configured ports', () => {
    const p = brokerProperties({ ...ports, kafka: 19092, kafkaController: 19093 }, layout);
    expect(p['process.roles']).toBe('broker,controller');
    expect(p.listeners).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(p['controller.quorum.bootstrap.servers']).toBe('127.0.0.1:19093');
    expect(p['log.dirs']).toBe('/tmp/s/data/kafka');
    expect(p['offsets.topic.replication.factor']).toBe(1);
    expect(p['transaction.state.log.min.isr']).toBe(1);
  });
  it('render as one key=value per line', () => {
    expect(renderProperties({ a: 1, 'b.c': 'x' })).toBe('a=1\nb.c=x\n');
  });
});

describe('connect properties', () => {
  it('run a distributed worker with both plugins found by ServiceLoader and JSON CDC', () => {
    const p = connectProperties({ ...ports, connect: 18083 }, layout);
    expect(p.listeners).toBe('http://127.0.0.1:18083');
    expect(p['plugin.path']).toBe('/tmp/s/plugins');
    expect(p['plugin.discovery']).toBe('service_load');
    expect(p['value.converter']).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(p['bootstrap.servers']).toBe(`127.0.0.1:${ports.kafka}`);
    for (const k of ['config', 'offset', 'status']) expect(p[`${k}.storage.replication.factor`]).toBe(1);
  });
});

describe('launch specs', () => {
  it('mark every JVM so that down never signals a foreign process', () => {
    for (const c of ['kafka', 'connect', 'schema-registry'] as const) {
      const s = launchSpec(c, ports, layout, registry);
      expect(s.args).toContain(jvmMarker(c));
      expect(s.marker).toBe(jvmMarker(c));
    }
  });
  it('give the registry persistent PostgreSQL storage, its own ports and loopback only', () => {
    const s = launchSpec(
      'schema-registry',
      { ...ports, schemaRegistry: 18081, schemaRegistryManagement: 19001 },
      layout,
      registry,
    );
    expect(s.env.APICURIO_STORAGE_KIND).toBe('sql');
    expect(s.env.APICURIO_DATASOURCE_URL).toBe('jdbc:postgresql://127.0.0.1:5432/cashflow_registry');
    expect(s.args).toEqual(
      expect.arrayContaining([
        '-Dquarkus.http.port=18081',
        '-Dquarkus.management.port=19001',
        '-Dquarkus.http.host=127.0.0.1',
      ]),
    );
    expect(s.cwd).toBe('/tmp/s/apicurio-registry-3.0.9');
  });
  it('keep the classpath wildcard for Java to expand', () => {
    expect(launchSpec('kafka', ports, layout, registry).args).toContain('/tmp/s/artifacts/lib/*');
  });
  it('start redis on loopback with its data in the stack folder', () => {
    const s = launchSpec('redis', { ...ports, redis: 16379 }, layout, registry);
    expect(s.command).toBe('redis-server');
    expect(s.args).toEqual([
      '--bind',
      '127.0.0.1',
      '--port',
      '16379',
      '--dir',
      '/tmp/s/data/redis',
      '--daemonize',
      'no',
    ]);
  });
});

describe('the secure stack (SASL_SSL)', () => {
  const secure: SecureStack = {
    certificates: certificateFiles('/tmp/s/secrets'),
    keystore: '/tmp/s/secrets/broker.p12',
    keystorePassword: 'kspw',
    broker: { username: 'cashflow-broker', password: 'bpw' },
    client: { username: 'cashflow', password: 'cpw', passwordFile: '/tmp/s/secrets/client.password' },
    clientEnvFile: '/tmp/s/secrets/client.env',
  };
  const securePorts = { ...ports, kafka: 19092, kafkaController: 19093 };

  it('gives the broker one SASL_SSL client listener with SCRAM-SHA-512, its key store, and no plaintext listener', () => {
    const p = brokerProperties(securePorts, layout, secure);
    expect(p.listeners).toBe('SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(p['listener.security.protocol.map']).toBe('CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL');
    expect(p['inter.broker.listener.name']).toBe('SASL_SSL');
    expect(p['sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
    expect(p['sasl.mechanism.inter.broker.protocol']).toBe('SCRAM-SHA-512');
    expect(p['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config']).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="cashflow-broker" password="bpw";',
    );
    expect(p).toMatchObject({
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': '/tmp/s/secrets/broker.p12',
      'ssl.keystore.password': 'kspw',
      'ssl.truststore.location': '/tmp/s/secrets/ca.pem',
    });
    expect(Object.values(p).join(' ')).not.toMatch(/PLAINTEXT:\/\/|PLAINTEXT:PLAINTEXT,PLAINTEXT/);
  });

  it('writes the SCRAM users into the storage format command', () => {
    expect(scramFormatArgs(secure)).toEqual([
      '--add-scram', 'SCRAM-SHA-512=[name=cashflow-broker,password=bpw]',
      '--add-scram', 'SCRAM-SHA-512=[name=cashflow,password=cpw]',
    ]);
  });

  it("gives the Connect worker's own clients and its tasks' producers, consumers and admin clients SASL_SSL", () => {
    const p = connectProperties({ ...securePorts, connect: 18083 }, layout, secureClientKafka(secure, securePorts));
    expect(p['bootstrap.servers']).toBe('127.0.0.1:19092');
    for (const prefix of ['', 'producer.', 'consumer.', 'admin.']) {
      expect(p[`${prefix}security.protocol`]).toBe('SASL_SSL');
      expect(p[`${prefix}sasl.mechanism`]).toBe('SCRAM-SHA-512');
      expect(p[`${prefix}sasl.jaas.config`]).toBe(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="cashflow" password="cpw";',
      );
      expect(p[`${prefix}ssl.truststore.type`]).toBe('PEM');
      expect(p[`${prefix}ssl.truststore.location`]).toBe('/tmp/s/secrets/ca.pem');
    }
    // plaintext: none of it
    expect(Object.keys(connectProperties(ports, layout)).filter((k) => /security|sasl|ssl/.test(k))).toEqual([]);
  });

  it('points the clients at the broker with the variables config/config.ts reads (the password by file)', () => {
    expect(clientVariables(secure, securePorts)).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:19092',
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'cashflow',
      KAFKA_SASL_PASSWORD_FILE: '/tmp/s/secrets/client.password',
      KAFKA_SSL_CA_FILE: '/tmp/s/secrets/ca.pem',
    });
  });
});
