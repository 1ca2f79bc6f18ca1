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
});
