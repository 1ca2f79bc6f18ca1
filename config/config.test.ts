import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults point at the local stack', () => {
    const c = loadConfig({});
    expect(c.kafka.bootstrapServers).toBe('127.0.0.1:9092');
    expect(c.schemaRegistryUrl).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(c.kafkaConnectUrl).toBe('http://127.0.0.1:8083');
    expect(c.database).toEqual({
      dialect: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/cashflow',
      readUrl: 'postgres://postgres@127.0.0.1:5432/cashflow',
    });
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.api).toMatchObject({ port: 8090, keys: [], syncMaxContracts: 1000, maxConcurrentJobsPerClient: 4, cacheTtlSeconds: 3600 });
  });

  it('reads overrides and splits API keys', () => {
    const c = loadConfig({ DATABASE_DIALECT: 'MSSQL', CASHFLOW_API_KEYS: 'a, b,,c', API_PORT: '9999' });
    expect(c.database.dialect).toBe('mssql');
    expect(c.api.keys).toEqual(['a', 'b', 'c']);
    expect(c.api.port).toBe(9999);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_DIALECT: 'oracle' })).toThrow(/DATABASE_DIALECT/);
    expect(() => loadConfig({ SCHEMA_REGISTRY_URL: 'not a url' })).toThrow(/SCHEMA_REGISTRY_URL/);
  });

  it('CASHFLOW_HORIZON: an ISO 8601 period, refused otherwise (a bad one would drop the projection cap)', () => {
    expect(loadConfig({}).horizon).toBe('P30Y');
    expect(loadConfig({ CASHFLOW_HORIZON: ' P40Y ' }).horizon).toBe('P40Y');
    expect(loadConfig({ CASHFLOW_HORIZON: 'P360M' }).horizon).toBe('P360M');
    for (const bad of ['garbage', '30Y', 'P0Y', 'P30', 'P-1Y'])
      expect(() => loadConfig({ CASHFLOW_HORIZON: bad }), bad).toThrow(/CASHFLOW_HORIZON: expected an ISO 8601 period such as P30Y/);
  });

  it('pipeline settings: defaults, overrides, validation', () => {
    expect(loadConfig({}).pipeline).toEqual({ topicPrefix: '', redisPrefix: 'cashflow:', metricsPort: 9464, metricsBasePort: 9400, processorHeapMb: 320, deadLetterMaxValueBytes: 262144, verifyRate: 2, verifyGraceSeconds: 30 });
    const c = loadConfig({ CASHFLOW_TOPIC_PREFIX: 'run7.', CASHFLOW_REDIS_PREFIX: 'r7:', CASHFLOW_METRICS_PORT: '0', CASHFLOW_METRICS_BASE_PORT: '9500', CASHFLOW_VERIFY_RATE: '50', CASHFLOW_VERIFY_GRACE_SECONDS: '0' });
    expect(c.pipeline).toEqual({ topicPrefix: 'run7.', redisPrefix: 'r7:', metricsPort: 0, metricsBasePort: 9500, processorHeapMb: 320, deadLetterMaxValueBytes: 262144, verifyRate: 50, verifyGraceSeconds: 0 });
    expect(() => loadConfig({ CASHFLOW_VERIFY_RATE: '0' })).toThrow(/CASHFLOW_VERIFY_RATE/);
    expect(() => loadConfig({ CASHFLOW_VERIFY_GRACE_SECONDS: '-1' })).toThrow(/CASHFLOW_VERIFY_GRACE_SECONDS/);
    expect(loadConfig({ CASHFLOW_REDIS_PREFIX: '' }).pipeline.redisPrefix).toBe('cashflow:');
    expect(() => loadConfig({ CASHFLOW_METRICS_PORT: '70000' })).toThrow(/CASHFLOW_METRICS_PORT/);
    expect(() => loadConfig({ CASHFLOW_METRICS_PORT: 'x' })).toThrow(/CASHFLOW_METRICS_PORT/);
    expect(() => loadConfig({ CASHFLOW_METRICS_BASE_PORT: '0' })).toThrow(/CASHFLOW_METRICS_BASE_PORT/);
    expect(() => loadConfig({ CASHFLOW_TOPIC_PREFIX: 'a b' })).toThrow(/CASHFLOW_TOPIC_PREFIX/);
  });

  it('API host and CDC connector settings', () => {
    expect(loadConfig({}).api.host).toBe('127.0.0.1');
    expect(loadConfig({ API_HOST: '0.0.0.0' }).api.host).toBe('0.0.0.0');
    expect(loadConfig({}).cdc).toEqual({
      connectorName: undefined,
      slotName: undefined,
      publicationName: undefined,
      databaseUrl: undefined,
      databasePassword: undefined,
    });
    const c = loadConfig({ CDC_CONNECTOR_NAME: 'src', CDC_SLOT_NAME: 's', CDC_PUBLICATION_NAME: '', CDC_DATABASE_PASSWORD: 'pw' });
    expect(c.cdc).toMatchObject({ connectorName: 'src', slotName: 's', publicationName: undefined, databasePassword: 'pw' });
  });
});
