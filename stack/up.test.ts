import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config/config.js';
import { stackLayout } from './layout.js';
import { ensureSecureStack } from './secure.js';
import { kafkaClusterId, portOf, registryDatabaseOf, stackTargets } from './up.js';

describe('stack up targets', () => {
  it('checks the stack on its own ports, whatever the clients are pointed at', () => {
    const config = loadConfig({
      KAFKA_BOOTSTRAP_SERVERS: 'remote:9092',
      STACK_KAFKA_PORT: '19092',
      STACK_CONNECT_PORT: '18083',
    });
    const t = stackTargets(config);
    expect(t.kafka.bootstrapServers).toBe('127.0.0.1:19092');
    expect(t.kafkaConnectUrl).toBe('http://127.0.0.1:18083');
    expect(t.schemaRegistryUrl).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(portOf('connect', config.stack.ports)).toBe(18083);
  });
  it("checks a secure stack's broker over SASL_SSL with the stack's own client user and CA", () => {
    const config = loadConfig({ STACK_KAFKA_PORT: '19092' });
    const dir = mkdtempSync(join(tmpdir(), 'cashflow-up-test-'));
    const secure = ensureSecureStack(stackLayout(join(dir, 's'), '3.0.9'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(stackTargets(config, secure).kafka).toEqual({
      bootstrapServers: '127.0.0.1:19092',
      securityProtocol: 'sasl_ssl',
      saslMechanism: 'SCRAM-SHA-512',
      saslUsername: 'cashflow',
      saslPassword: secure.client.password,
      sslCaFile: join(dir, 's', 'secrets', 'ca.pem'),
    });
    expect(stackTargets(config).kafka.securityProtocol).toBe('plaintext');
  });
  it('keeps the registry in its own database on the same PostgreSQL server and user', () => {
    expect(registryDatabaseOf('postgres://app:s%40cret@db.local:5433/cashflow')).toEqual({
      host: 'db.local',
      port: 5433,
      database: 'cashflow_registry',
      user: 'app',
      password: 's@cret',
    });
  });
});

describe('kafkaClusterId', () => {
  it('is 22 URL-safe base64 characters and never starts with "-" (the storage tool would read it as an option)', () => {
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)]; // 0xf8… encodes as "-…"
    const id = kafkaClusterId(() => draws.shift()!);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(kafkaClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
