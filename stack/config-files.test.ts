import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import {
  brokerProperties,
  connectProperties,
  jvmMarker,
  launchSpec,
  renderProperties,
} from './config-files.js';
import { stackLayout } from './layout.js';

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
