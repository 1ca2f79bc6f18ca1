import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { ComponentError, TransportSecurityError } from './errors.js';
import { consumerProperties, librdkafkaConnection, PRODUCER_PROPERTIES, securityFailure } from './kafka.js';

describe('Kafka client settings', () => {
  it('maps plaintext defaults to bootstrap servers and security protocol only', () => {
    expect(librdkafkaConnection(loadConfig({}).kafka, 'x')).toEqual({
      'bootstrap.servers': '127.0.0.1:9092',
      'client.id': 'x',
      'security.protocol': 'plaintext',
    });
  });

  it('maps SASL_SSL with a password file and a CA file to librdkafka properties', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/cashflow-kafka-test-');
    writeFileSync(`${dir}/pw`, 's3cret\n');
    const config = loadConfig({
      KAFKA_BOOTSTRAP_SERVERS: 'b1:9093,b2:9093',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: `${dir}/pw`,
      KAFKA_SSL_CA_FILE: '/etc/ca.pem',
    });
    expect(librdkafkaConnection(config.kafka, 'c')).toEqual({
      'bootstrap.servers': 'b1:9093,b2:9093',
      'client.id': 'c',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'svc',
      'sasl.password': 's3cret',
      'ssl.ca.location': '/etc/ca.pem',
    });
  });

  it('refuses SASL without credentials, naming the missing variables (the configuration first, the client for a config built by hand)', () => {
    expect(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_MECHANISM: 'PLAIN' })).toThrow(
      /KAFKA_SASL_USERNAME: required .*KAFKA_SASL_PASSWORD: required/,
    );
    const kafka = { bootstrapServers: '127.0.0.1:9092', securityProtocol: 'sasl_plaintext' as const, saslMechanism: 'PLAIN' };
    expect(() => librdkafkaConnection(kafka, 'c')).toThrow(ComponentError);
    expect(() => librdkafkaConnection(kafka, 'c')).toThrow(/kafka .*KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD/);
  });

  it('produces idempotently with acks=all (invariant 3) and consumes without auto-commit', () => {
    expect(PRODUCER_PROPERTIES).toMatchObject({ 'enable.idempotence': true, acks: -1 });
    expect(consumerProperties({ groupId: 'g' })).toMatchObject({
      'group.id': 'g',
      'enable.auto.commit': false,
      'auto.offset.reset': 'earliest',
    });
  });

  it('bounds the native prefetch queue (RSS ≤ 512 MB per process) and lets a caller override it', () => {
    expect(consumerProperties({ groupId: 'g' })['queued.max.messages.kbytes']).toBe(16384);
    expect(
      consumerProperties({ groupId: 'g', extra: { 'queued.max.messages.kbytes': 1024 } })['queued.max.messages.kbytes'],
    ).toBe(1024);
  });

  it('retries a full prefetch queue within a tick, not the client default of a second', () => {
    // the default 1000 ms left job-workers idle mid-job once a burst filled the 16 MB queue
    expect(consumerProperties({ groupId: 'g' })['fetch.queue.backoff.ms']).toBeLessThanOrEqual(50);
  });
});

describe('KafkaClientLog', () => {
  it("keeps librdkafka's last connection failure as the cause and logs its lines at debug", async () => {
    const { KafkaClientLog } = await import('./kafka.js');
    const lines: [string, string][] = [];
    const log = new KafkaClientLog((level, message) => lines.push([level, message]));
    log.info('Producer connected', { name: 'p#1', fac: 'BINDING' });
    expect(log.lastFailure).toBeUndefined();
    log.error('[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)', { name: 'p#1', fac: 'FAIL' });
    expect(log.lastFailure).toBe('connection refused');
    log.error('[thrd:sasl_ssl://b:9093/bootstrap]: sasl_ssl://b:9093/bootstrap: SASL authentication error: Authentication failed (after 12ms in state AUTH_REQ)', {});
    expect(log.lastFailure).toBe('SASL authentication error: Authentication failed');
    expect(lines.every(([level]) => level === 'debug')).toBe(true);
    expect([...log.failedBootstraps]).toEqual(['127.0.0.1:1', 'b:9093']);
    log.error("[thrd:nohost:9092/bootstrap]: nohost:9092/bootstrap: Failed to resolve 'nohost:9092': Name or service not known (after 2ms in state CONNECT)");
    expect(log.lastFailure).toBe('name or service not known');
    expect(log.failedBootstraps.has('nohost:9092')).toBe(true);
  });

  it('an unreachable broker is a retriable error naming kafka, the address, the cause and the next step', async () => {
    const { kafkaUnavailable, KafkaClientLog } = await import('./kafka.js');
    const log = new KafkaClientLog(() => {});
    log.error('b:1/bootstrap: Connect to ipv4#10.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)');
    const e = kafkaUnavailable({ kafka: { bootstrapServers: 'b:1', securityProtocol: 'plaintext' } }, new Error('Local: Broker transport failure'), log);
    expect(e.message).toBe('kafka (b:1): unavailable: connection refused (is it running? `cashflow stack status`; else check KAFKA_BOOTSTRAP_SERVERS)');
    expect(e.retriable).toBe(true);
    const sasl = new KafkaClientLog(() => {});
    sasl.error('b:1/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 10ms in state AUTH_REQ)');
    // a refused login is no outage: a TransportSecurityError, not retried, naming the settings
    const refused = kafkaUnavailable({ kafka: { bootstrapServers: 'b:1', securityProtocol: 'sasl_ssl' } }, new Error('Local: Broker transport failure'), sasl);
    expect(refused).toBeInstanceOf(TransportSecurityError);
    expect(refused.retriable).toBe(false);
    expect(refused.message).toMatch(/authentication refused: .*KAFKA_SASL_PASSWORD/);
    const timedOut = kafkaUnavailable({ kafka: { bootstrapServers: 'b:1', securityProtocol: 'plaintext' } }, new Error('Local: Timed out'));
    expect(timedOut.message).toContain('unavailable: timed out (');
  });
});

describe('why a connection failed, from librdkafka\'s log', () => {
  // lines as librdkafka 2.x logged them against the secure test broker (test/secure-transport.test.ts)
  const at = 'sasl_ssl://127.0.0.1:36621/bootstrap: ';
  it('tells a refused login, an untrusted certificate and a protocol mismatch apart', () => {
    expect(securityFailure(`${at}SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 121ms in state AUTH_REQ)`)?.failure).toBe('authentication');
    expect(securityFailure(`${at}SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified (after 4ms in state SSL_HANDSHAKE)`)?.failure).toBe('tls');
    expect(securityFailure('sasl_plaintext://127.0.0.1:34065/bootstrap: Disconnected: connection closed by peer: receive 0 after POLLIN (after 2ms in state APIVERSION_QUERY)')?.failure).toBe('protocol');
    expect(securityFailure('ssl://127.0.0.1:34065/bootstrap: Disconnected: SSL connection closed by peer (after 10ms in state UP)')?.failure).toBe('protocol');
    expect(securityFailure(`${at}SASL authentication error: x`)?.hint).toMatch(/KAFKA_SASL_PASSWORD \(or _FILE\)/);
    expect(securityFailure(`${at}SSL handshake failed: x`)?.hint).toMatch(/KAFKA_SSL_CA_FILE/);
  });
  it('leaves a broker that is not there to the retriable error', () => {
    expect(securityFailure(`${at}Connect to ipv4#127.0.0.1:36621 failed: Connection refused (after 0ms in state CONNECT)`)).toBeUndefined();
    expect(securityFailure(undefined)).toBeUndefined();
  });
});
