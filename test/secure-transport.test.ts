// Transport security for real (README "Secure stack"): a private single-node broker whose only
// client listener is SASL_SSL (SCRAM-SHA-512 over TLS; its CA, certificate, key store and SCRAM
// users made by stack/secure.ts, as `cashflow stack up --secure` makes them) and a private
// Kafka Connect worker over it (stack/config-files.ts connectProperties with the same
// security). A small book committed to the source tables flows through Debezium, the
// processors and the sink into the result tables, and a job goes through the API and the job
// workers, every Kafka client over SASL_SSL with the settings config/config.ts reads. Clients
// with a wrong password, without TLS, or without the CA are refused with a typed error.
// The processors' and the API's state is in a private Redis listening with TLS only
// (`rediss://`, REDIS_TLS_CA_FILE; the same CA). The schema registry (HTTP; its storage is
// PostgreSQL, it holds no Kafka client) and PostgreSQL (our own database) are the shared ones.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../api/index.js';
import { bookContract } from '../bench/engine.js';
import { ServiceUnavailableError, TransportSecurityError } from '../clients/errors.js';
import { createProducer, librdkafkaConnection, listTopicsOnce } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { overlay, type KafkaConfig } from '../config/config.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { computeTestBed } from '../engine/index.js';
import { checkRedis } from '../stack/health.js';
import { testEnv } from './env/index.js';
import { Cleanup } from './support/cleanup.js';
import { expectResultsEqualEngine, verifyBook } from './support/expected-results.js';
import { privateConnect, sharedStackLayout, type PrivateService } from './support/private-connect.js';
import { PrivateKafka, stackKafkaLib } from './support/private-kafka.js';
import { PrivateRedis } from './support/private-redis.js';
import { eventually, PipelineEnv } from './support/pipeline-env.js';

const lib = stackKafkaLib();
const KEY = 'secure-transport-test-key';
const demo = demoContracts(24);
const book = demo.map((c) => c.row);
const market = demoMarketData(demo);

let kafka: PrivateKafka;
let redis: PrivateRedis;
let connect: PrivateService;
let env: PipelineEnv;
let api: RunningApi | undefined;
let pool: pg.Pool | undefined;

beforeAll(async () => {
  if (!lib) return;
  await testEnv();
  kafka = new PrivateKafka(lib, { secure: true });
  await kafka.start();
  redis = new PrivateRedis({ persistence: false, tls: kafka.secure!.certificates });
  await redis.start();
  // in the broker's folder: removed with it
  connect = await privateConnect(join(kafka.dir, 'connect'), sharedStackLayout(), kafka.clientKafka());
  await connect.process.start(240_000);
  const redisEnv = { REDIS_URL: redis.url, REDIS_TLS_CA_FILE: kafka.secure!.certificates.caCert };
  env = new PipelineEnv('secure', { env: { ...kafka.clientEnv(), ...redisEnv, KAFKA_CONNECT_URL: connect.url, CASHFLOW_API_KEYS: KEY } });
  await env.setUp();
  await env.startProcessors();
  api = await startApi({ config: env.config, topology: env.topology, redisPrefix: env.redisPrefix, port: 0 });
  pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
});

afterAll(async () => {
  if (!lib) return;
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  await attempt('api', async () => api?.close());
  await attempt('database pool', async () => pool?.end());
  // the connector, its slot, the database, topics, groups, subjects and Redis keys
  await attempt('pipeline env', async () => env?.tearDown());
  await attempt('private connect', async () => connect?.process.stop('SIGKILL'));
  await attempt('private broker', async () => kafka?.remove());
  await attempt('private redis', async () => redis?.remove());
  cleanup.done();
});

describe.skipIf(!lib)('the pipeline over SASL_SSL (SCRAM-SHA-512 over TLS)', () => {
  it('configures every Kafka client of the pipeline for SASL_SSL with SCRAM-SHA-512 and the CA from the variables', () => {
    const props = librdkafkaConnection(env.config.kafka, 'x');
    expect(props).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'cashflow',
      'ssl.ca.location': kafka.secure!.certificates.caCert,
    });
    // the password came from KAFKA_SASL_PASSWORD_FILE
    expect(kafka.clientEnv().KAFKA_SASL_PASSWORD).toBeUndefined();
    expect(props['sasl.password']).toBe(kafka.secure!.client.password);
  });

  it('carries a book from the source tables through Debezium, the processors and the sink into the result tables', async () => {
    await env.db.upsertMarketData(market);
    await env.db.upsertContracts(book);
    await eventually(
      `all ${book.length} contracts computed`,
      async () => (await verifyBook(pool!, book, market)).counts.equal === book.length,
      240_000,
      1000,
    );
    const { rows } = await expectResultsEqualEngine(pool!, book, market);
    process.stderr.write(`secure transport test: ${book.length} contracts, ${rows} rows over SASL_SSL\n`);
  });

  it('computes a job through the API and the job workers over SASL_SSL', async () => {
    const cases: Record<string, { terms: Record<string, string> }> = {};
    for (let i = 0; i < 40; i++) cases[`s${i}`] = { terms: bookContract(i % 2 ? 'ANN' : 'PAM', i) };
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${api!.port}`;
    const submitted = await fetch(`${base}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify(cases) });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    await eventually(
      'the job completed',
      async () => ((await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as { status: string }).status === 'completed',
      120_000,
      250,
    );
    const result = await fetch(`${base}/v1/jobs/${jobId}/result`, { headers });
    expect(result.status).toBe(200);
    expect(await result.text()).toBe(JSON.stringify(computeTestBed(cases)) + '\n');
  });

  const refused: [string, (k: KafkaConfig) => KafkaConfig, string][] = [
    ['a wrong password', (k) => ({ ...k, saslPassword: 'not-the-password' }), 'authentication'],
    ['no TLS (SASL_PLAINTEXT)', (k) => ({ ...k, securityProtocol: 'sasl_plaintext' }), 'protocol'],
    ['TLS without the SASL login', (k) => ({ ...k, securityProtocol: 'ssl' }), 'protocol'],
    ["no CA file (the broker's certificate is not trusted)", (k) => ({ ...k, sslCaFile: undefined }), 'tls'],
  ];
  for (const [what, change, failure] of refused) {
    it(`refuses a client with ${what}: TransportSecurityError (${failure}), not retriable, within the request timeout`, async () => {
      const error = await listTopicsOnce({ kafka: change(kafka.clientKafka()) }, 'secure-test-refused', 5000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportSecurityError);
      expect((error as TransportSecurityError).failure).toBe(failure);
      expect((error as TransportSecurityError).retriable).toBe(false);
      expect((error as Error).message).toMatch(/KAFKA_/);
    });
  }

  it("keeps the processors' state in Redis over TLS, and refuses a client without the CA or without TLS", async () => {
    expect(env.config.redisUrl).toMatch(/^rediss:/);
    expect(await checkRedis(env.config)).toMatchObject({ healthy: true, detail: 'PONG' });
    expect(await redis.keyCount()).toBeGreaterThan(book.length); // contracts' terms, schedules, dependencies
    const noCa = await connectRedis({ redisUrl: redis.url }, { name: 'secure-test-refused' }).catch((e: unknown) => e);
    expect(noCa).toBeInstanceOf(TransportSecurityError);
    expect((noCa as TransportSecurityError).failure).toBe('tls');
    expect((noCa as Error).message).toMatch(/REDIS_TLS_CA_FILE/);
    // a plaintext client: the TLS port closes on it, never answers
    const plain = await connectRedis({ redisUrl: redis.url.replace('rediss:', 'redis:') }, { name: 'secure-test-refused' }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(ServiceUnavailableError);
    expect((await checkRedis(overlay(env.config, { redisUrl: redis.url.replace('rediss:', 'redis:') }))).healthy).toBe(false);
  });

  it('refuses a producer (what every processor opens first) with a wrong password: TransportSecurityError when connect() gives up', async () => {
    const error = await createProducer({ kafka: { ...kafka.clientKafka(), saslPassword: 'not-the-password' } }, { clientId: 'secure-test-refused' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportSecurityError);
    expect((error as TransportSecurityError).failure).toBe('authentication');
    expect((error as Error).message).toMatch(/KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD/);
  });
});
