import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configUses } from '../cli/command.js';
import { ConfigError, describeConfig, loadConfig, loadPipelineConfig, type Config } from './config.js';

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
    const c = loadConfig({ DATABASE_DIALECT: 'MSSQL', DATABASE_URL: 'mssql://sa@db:1433/books', CASHFLOW_API_KEYS: 'a, b,,c', API_PORT: '9999' });
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
    expect(loadConfig({}).pipeline).toEqual({ topicPrefix: '', redisPrefix: 'cashflow:', metricsPort: 9464, metricsHost: '127.0.0.1', metricsBasePort: 9400, processorHeapMb: 320, deadLetterMaxValueBytes: 262144, verifyRate: 2, verifyGraceSeconds: 30 });
    const c = loadConfig({ CASHFLOW_TOPIC_PREFIX: 'run7.', CASHFLOW_REDIS_PREFIX: 'r7:', CASHFLOW_METRICS_PORT: '0', CASHFLOW_METRICS_HOST: '0.0.0.0', CASHFLOW_METRICS_BASE_PORT: '9500', CASHFLOW_VERIFY_RATE: '50', CASHFLOW_VERIFY_GRACE_SECONDS: '0' });
    expect(c.pipeline).toEqual({ topicPrefix: 'run7.', redisPrefix: 'r7:', metricsPort: 0, metricsHost: '0.0.0.0', metricsBasePort: 9500, processorHeapMb: 320, deadLetterMaxValueBytes: 262144, verifyRate: 50, verifyGraceSeconds: 0 });
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

  it('every variable has its format checked, the message giving the format and the value (credentials masked)', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ KAFKA_BOOTSTRAP_SERVERS: 'localhost' }, /KAFKA_BOOTSTRAP_SERVERS: expected host:port\[,host:port…\] such as 127\.0\.0\.1:9092, got "localhost"/],
      [{ KAFKA_BOOTSTRAP_SERVERS: 'a:1,b:99999' }, /KAFKA_BOOTSTRAP_SERVERS: expected host:port/],
      [{ KAFKA_SECURITY_PROTOCOL: 'tls' }, /KAFKA_SECURITY_PROTOCOL: expected one of plaintext, ssl, sasl_plaintext, sasl_ssl, got "tls"/],
      [{ KAFKA_SASL_MECHANISM: 'MD5' }, /KAFKA_SASL_MECHANISM: expected one of PLAIN, SCRAM-SHA-256/],
      [{ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' }, /KAFKA_SASL_USERNAME: required with KAFKA_SECURITY_PROTOCOL=sasl_ssl and KAFKA_SASL_MECHANISM=SCRAM-SHA-512; KAFKA_SASL_PASSWORD: required/],
      [{ SCHEMA_REGISTRY_URL: 'ftp://x/y' }, /SCHEMA_REGISTRY_URL: expected a http:\/\/ or https:\/\/ URL, got "ftp:\/\/x\/y"/],
      [{ KAFKA_CONNECT_URL: '127.0.0.1:8083' }, /KAFKA_CONNECT_URL: expected a http:\/\/ or https:\/\/ URL/],
      [{ DATABASE_URL: 'mysql://u:hunter2@h/db' }, /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL such as postgres:\/\/postgres@127\.0\.0\.1:5432\/cashflow, got "mysql:\/\/u:\*\*\*@h\/db"/],
      [{ DATABASE_DIALECT: 'mssql' }, /DATABASE_URL: required with DATABASE_DIALECT=mssql/],
      [{ DATABASE_READ_URL: 'replica' }, /DATABASE_READ_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
      [{ REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/],
      [{ API_PORT: 'abc' }, /API_PORT: expected an integer between 1 and 65535, got "abc"/],
      [{ API_SYNC_WORKERS: '1.5' }, /API_SYNC_WORKERS: expected an integer between 0 and 64/],
      [{ STACK_KAFKA_PORT: '0x10' }, /STACK_KAFKA_PORT: expected an integer between 1 and 65535/],
      [{ CDC_SLOT_NAME: 'My-Slot' }, /CDC_SLOT_NAME: expected a replication slot name/],
      [{ CDC_PUBLICATION_NAME: '1pub' }, /CDC_PUBLICATION_NAME: expected a publication name/],
      [{ CDC_DATABASE_URL: 'nope' }, /CDC_DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
      [{ CASHFLOW_REDIS_PREFIX: 'a b' }, /CASHFLOW_REDIS_PREFIX: expected a prefix without whitespace/],
      [{ CASHFLOW_API_KEYS_FILE: '/nonexistent/keys' }, /CASHFLOW_API_KEYS_FILE: cannot read \/nonexistent\/keys/],
    ];
    for (const [env, message] of cases) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).not.toThrow(/hunter2/);
  });

  it('reports every wrong variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ API_PORT: 'abc', CASHFLOW_HORIZON: '30Y', REDIS_URL: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['API_PORT', 'CASHFLOW_HORIZON', 'REDIS_URL']);
  });

  it('only the sections a caller uses stop it: API_PORT=abc does not concern the pipeline', () => {
    const env = { API_PORT: 'abc', CASHFLOW_TOPIC_PREFIX: 't.' };
    const c = loadConfig(env, ['kafka', 'schemaRegistryUrl', 'database', 'redisUrl', 'horizon', 'pipeline', 'api.jobTtlSeconds']);
    expect(c.pipeline.topicPrefix).toBe('t.');
    expect(c.api.jobTtlSeconds).toBe(86400);
    expect(() => c.api.port).toThrow(/API_PORT: expected an integer/);
    expect(() => loadConfig(env, ['api'])).toThrow(/API_PORT/);
    expect(loadPipelineConfig(env).topicPrefix).toBe('t.');
    // a derived default is read only when used: a bad STACK_KAFKA_PORT does not matter with the brokers given
    expect(loadConfig({ STACK_KAFKA_PORT: 'x', KAFKA_BOOTSTRAP_SERVERS: 'b:9092' }, ['kafka']).kafka.bootstrapServers).toBe('b:9092');
    expect(() => loadConfig({ STACK_KAFKA_PORT: 'x' }, ['kafka'])).toThrow(/STACK_KAFKA_PORT/);
    expect(loadConfig({ STACK_KAFKA_PORT: '9500' }, ['kafka']).kafka.bootstrapServers).toBe('127.0.0.1:9500');
  });

  it('describeConfig: each value, where it came from, secrets masked by the caller, problems named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cashflow-config-'));
    try {
      writeFileSync(join(dir, 'pw'), 's3cret\n');
      const { readings, issues } = describeConfig({
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
        DATABASE_URL: 'postgres://app:pw@db:5432/books',
        API_PORT: 'abc',
      });
      const by = new Map(readings.map((r) => [r.variable, r]));
      expect(by.get('KAFKA_SASL_PASSWORD')).toMatchObject({ value: 's3cret', origin: 'file', file: join(dir, 'pw'), secret: true });
      expect(by.get('DATABASE_URL')).toMatchObject({ value: 'postgres://app:pw@db:5432/books', origin: 'environment', secret: false });
      expect(by.get('DATABASE_READ_URL')).toMatchObject({ value: 'postgres://app:pw@db:5432/books', origin: 'default', defaultFrom: 'DATABASE_URL' });
      expect(by.get('KAFKA_BOOTSTRAP_SERVERS')).toMatchObject({ value: '127.0.0.1:9092', origin: 'default', defaultFrom: 'STACK_KAFKA_PORT' });
      expect(by.get('CASHFLOW_HORIZON')).toMatchObject({ value: 'P30Y', origin: 'default' });
      expect(by.get('API_PORT')).toMatchObject({ value: 'abc', origin: 'environment', problem: expect.stringMatching(/expected an integer/) });
      expect(by.get('CASHFLOW_API_KEYS')).toMatchObject({ value: undefined, secret: true });
      expect(issues.map((i) => i.variable)).toEqual(['API_PORT']);
      // every variable of the README's tables is read (and so listed by `cashflow config`)
      for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_CONNECT_URL', 'REDIS_URL', 'CASHFLOW_STACK_DIR', 'STACK_REDIS_PORT', 'CDC_SLOT_NAME', 'CASHFLOW_VERIFY_RATE', 'API_JOB_CHUNK_MAX_EVENTS'])
        expect(by.has(name), name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the commands' sections: API_PORT stops only serve (and config); a processor's variable stops run", () => {
    const env = { API_PORT: 'abc' };
    for (const uses of [configUses.topology, configUses.pipelineClients, configUses.processors, configUses.stack, configUses.platform])
      expect(() => loadConfig(env, uses), uses.join()).not.toThrow();
    expect(() => loadConfig(env, [...configUses.processors, 'api'])).toThrow(/API_PORT/);
    expect(() => loadConfig({ API_JOB_CHUNK_MAX_EVENTS: '0' }, configUses.processors)).toThrow(/API_JOB_CHUNK_MAX_EVENTS/);
  });

  it('every variable that can hold a secret has a <NAME>_FILE form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cashflow-config-'));
    try {
      let n = 0;
      /** A file holding `value` followed by a newline, as secret mounts write them. */
      const secretFile = (value: string) => {
        const path = join(dir, `secret-${n++}`);
        writeFileSync(path, `${value}\n`);
        return path;
      };
      const cases: [string, string, (c: Config) => unknown][] = [
        ['DATABASE_URL', 'postgres://u:pw-db@db.example:5433/books', (c) => c.database.url],
        ['DATABASE_READ_URL', 'postgres://r:pw-read@replica.example/books', (c) => c.database.readUrl],
        ['REDIS_URL', 'rediss://:pw-redis@cache.example:6380', (c) => c.redisUrl],
        ['SCHEMA_REGISTRY_URL', 'https://u:pw-reg@registry.example/apis/ccompat/v7', (c) => c.schemaRegistryUrl],
        ['KAFKA_CONNECT_URL', 'https://u:pw-connect@connect.example', (c) => c.kafkaConnectUrl],
        ['KAFKA_SASL_PASSWORD', 'pw-sasl', (c) => c.kafka.saslPassword],
        ['CASHFLOW_API_KEYS', 'key-a,key-b', (c) => c.api.keys.join(',')],
        ['API_CALLBACK_SECRET', 'pw-callbacks', (c) => c.api.callbacks.secret],
        ['CDC_DATABASE_URL', 'postgres://cdc:pw-cdc@db.example/books', (c) => c.cdc.databaseUrl],
        ['CDC_DATABASE_PASSWORD', 'pw-cdc2', (c) => c.cdc.databasePassword],
      ];
      for (const [name, value, read] of cases) {
        expect(read(loadConfig({ [`${name}_FILE`]: secretFile(value) })), name).toBe(value);
        // the variable itself wins over its file
        expect(read(loadConfig({ [name]: value, [`${name}_FILE`]: secretFile('other') })), name).toBe(value);
      }
      // DATABASE_READ_URL follows DATABASE_URL_FILE when it has no value of its own
      expect(loadConfig({ DATABASE_URL_FILE: secretFile('postgres://u:pw@h/d') }).database.readUrl).toBe('postgres://u:pw@h/d');
      expect(() => loadConfig({ REDIS_URL_FILE: join(dir, 'missing') })).toThrow(/REDIS_URL_FILE: cannot read .*missing/);
      // a file's URL is checked like the variable's, its password not shown
      expect(() => loadConfig({ REDIS_URL_FILE: secretFile('http://:hunter2@cache:6379') })).toThrow(/REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
      expect(() => loadConfig({ REDIS_URL_FILE: secretFile('http://:hunter2@cache:6379') })).not.toThrow(/hunter2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rate limits: defaults, overrides, 0 turns one off', () => {
    expect(loadConfig({}).api.rateLimit).toEqual({ windowSeconds: 60, perKey: 6000, perAddress: 12000, authFailuresPerAddress: 30 });
    expect(
      loadConfig({
        API_RATE_LIMIT_WINDOW_SECONDS: '10',
        API_RATE_LIMIT_PER_KEY: '0',
        API_RATE_LIMIT_PER_ADDRESS: '50',
        API_RATE_LIMIT_AUTH_FAILURES: '3',
      }).api.rateLimit,
    ).toEqual({ windowSeconds: 10, perKey: 0, perAddress: 50, authFailuresPerAddress: 3 });
    expect(() => loadConfig({ API_RATE_LIMIT_WINDOW_SECONDS: '0' })).toThrow(/API_RATE_LIMIT_WINDOW_SECONDS/);
    expect(() => loadConfig({ API_RATE_LIMIT_PER_KEY: '-1' })).toThrow(/API_RATE_LIMIT_PER_KEY/);
  });

  it('callback networks: addresses and CIDR networks, anything else named', () => {
    expect(loadConfig({}).api.callbacks).toEqual({ allowedNetworks: [], secret: undefined });
    expect(loadConfig({ API_CALLBACK_ALLOWED_NETWORKS: '127.0.0.1, 10.20.0.0/16,fd00::/8,::1' }).api.callbacks.allowedNetworks).toEqual([
      { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
      { address: '10.20.0.0', prefix: 16, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x'])
      expect(() => loadConfig({ API_CALLBACK_ALLOWED_NETWORKS: bad }), bad).toThrow(/API_CALLBACK_ALLOWED_NETWORKS: expected IP addresses or networks/);
  });

  it('connect deadline and log level of the clients', () => {
    expect(loadConfig({}).clients.connectTimeoutMs).toBe(5000);
    expect(loadConfig({}).clients.logLevel).toBeUndefined();
    const c = loadConfig({ CASHFLOW_CONNECT_TIMEOUT_MS: '1500', CASHFLOW_LOG_LEVEL: 'DEBUG' }).clients;
    expect([c.connectTimeoutMs, c.logLevel]).toEqual([1500, 'debug']);
    expect(() => loadConfig({ CASHFLOW_CONNECT_TIMEOUT_MS: '5s' })).toThrow(/CASHFLOW_CONNECT_TIMEOUT_MS: expected an integer between 100 and 600000/);
    expect(() => loadConfig({ CASHFLOW_LOG_LEVEL: 'loud' })).toThrow(/CASHFLOW_LOG_LEVEL: expected one of error, warn, info, debug/);
  });

  it('log format, circuit breakers and the process id', () => {
    const defaults = loadConfig({});
    expect([defaults.clients.logFormat, defaults.clients.breaker, defaults.stack.monitoring.processId]).toEqual(['json', { failures: 5, halfOpenMs: 5000 }, undefined]);
    const c = loadConfig({ CASHFLOW_LOG_FORMAT: 'pretty', CASHFLOW_BREAKER_FAILURES: '2', CASHFLOW_BREAKER_HALF_OPEN_MS: '250', CASHFLOW_PROCESS_ID: 'calculator-1' });
    expect([c.clients.logFormat, c.clients.breaker, c.stack.monitoring.processId]).toEqual(['pretty', { failures: 2, halfOpenMs: 250 }, 'calculator-1']);
    expect(() => loadConfig({ CASHFLOW_LOG_FORMAT: 'xml' })).toThrow(/CASHFLOW_LOG_FORMAT: expected one of json, pretty/);
    expect(() => loadConfig({ CASHFLOW_BREAKER_FAILURES: '0' })).toThrow(/CASHFLOW_BREAKER_FAILURES: expected an integer between 1 and 1000/);
  });
});
