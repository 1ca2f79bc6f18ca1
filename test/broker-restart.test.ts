// Invariants 2, 3, 5 and 6 (docs/architecture.md) on a broker restart: the whole pipeline (contract-ingest,
// market-ingest, impact, calculator, sink, in this process) runs against a private single-node
// KRaft broker (test/support/private-kafka.ts: the stack's jars and config functions, other
// ports, a temp folder; the shared broker is never restarted). Without Connect on that broker,
// the contracts and market_data change events are produced as Debezium's connector writes them
// (test/support/cdc-feed.ts). While a book of a few thousand contracts is being computed the
// broker is stopped, stays down a few seconds and starts again on the same ports and log dirs:
//   1. SIGTERM (controlled shutdown) while the book's first results are written;
//   2. SIGKILL while every contract's terms change (a recompute of the whole book).
// Afterwards every contract's rows equal a direct engine computation of its latest terms, each
// seq once, cashflow_versions agrees, every group has committed up to the end of its inputs,
// nothing went to the dead letter topic, and the processors are still running and ready.
// Schema registry, PostgreSQL (our own database) and Redis (our own key prefix) are shared.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAdmin, createProducer, type Admin, type Producer } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { deleteSubject, registerSchemas, type RegisteredSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { dropDatabase, PostgresDatabase } from '../db/postgres/index.js';
import { startProcessors, type RunningPipeline } from '../processors/pipeline.js';
import { clearState } from '../state/redis-store.js';
import { applyTopics } from '../platform/topics.js';
import { buildTopology, cdcSource, type Topology } from '../topology/topology.js';
import { testEnv } from './env/index.js';
import { feedMarketData } from './support/cdc-feed.js';
import { PrivateKafka, stackKafkaLib } from './support/private-kafka.js';
import { Cleanup } from './support/cleanup.js';
import { faultBooks, restartMidRun, type Fault, type MidRunPipeline } from './support/restart-mid-run.js';
import { TestLog } from './support/test-log.js';

const CONTRACTS = Number(process.env.BROKER_RESTART_TEST_CONTRACTS ?? 3000);
/** How long the broker stays down: several backoff rounds, and librdkafka's reconnect backoff. */
const DOWN_MS = 4000;
/** Commit positions of the second run's changes start here (above every position of the first). */
const SECOND_LSN = 10_000_000;

const lib = stackKafkaLib();
const run = randomBytes(4).toString('hex');
const server = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `cashflow_brokerrestart_${run}`;
const prefix = `brokerrestart${run}.`;
const redisPrefix = `brokerrestart${run}:`;
const log = new TestLog(`broker-restart-${run}`);

let kafka: PrivateKafka;
let config: Config;
let topology: Topology;
let db: PostgresDatabase | undefined;
let pool: pg.Pool | undefined;
let admin: Admin | undefined;
let producer: Producer | undefined;
let pipeline: RunningPipeline | undefined;
let subjects: RegisteredSubject[] = [];

const { market, firstBook, secondBook } = faultBooks(CONTRACTS);

beforeAll(async () => {
  if (!lib) return;
  await testEnv();
  kafka = new PrivateKafka(lib);
  await kafka.start();
  config = loadConfig({
    ...process.env,
    KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
    KAFKA_SECURITY_PROTOCOL: 'plaintext',
    DATABASE_DIALECT: 'postgres',
    DATABASE_URL: Object.assign(new URL(server), { pathname: `/${dbName}` }).toString(),
  });
  topology = buildTopology({ ...cdcSource(config), prefix });
  db = new PostgresDatabase(config.database.url);
  await db.migrate({ publication: `cashflow_brokerrestart_${run}` });
  pool = new pg.Pool({ connectionString: config.database.url, max: 2 });
  admin = await createAdmin(config);
  await applyTopics(admin, topology, config);
  subjects = await registerSchemas(config, topology);
  producer = await createProducer(config, { clientId: 'broker-restart-test' });
  pipeline = await startProcessors({
    config,
    topology,
    processors: ['contract-ingest', 'market-ingest', 'impact', 'calculator', 'sink'],
    redisPrefix,
    metricsPort: 0,
    backoff: { initialMs: 50, maxMs: 1000 },
    log: log.log,
  });
  await feedMarketData(producer, admin, topology, market, 1);
});

afterAll(async () => {
  if (!lib) return;
  const cleanup = new Cleanup();
  const attempt = (what: string, step: () => Promise<unknown>) => cleanup.attempt(what, step);
  await attempt('pipeline', async () => pipeline?.stop());
  await attempt('producer', async () => producer?.disconnect());
  await attempt('admin', async () => admin?.disconnect());
  // topics and consumer groups go with the private broker's folder
  await attempt('private broker', async () => kafka?.remove());
  await attempt('database pool', async () => pool?.end());
  await attempt('database client', async () => db?.close());
  await attempt('database', () => dropDatabase(server, dbName));
  await attempt('redis', async () => {
    const redis = await connectRedis(loadConfig(), { name: 'broker-restart-test-cleanup' });
    try {
      await clearState(redis, redisPrefix);
    } finally {
      redis.disconnect();
    }
  });
  for (const s of subjects) {
    await attempt(`subject ${s.subject}`, () => deleteSubject(loadConfig(), s.subject));
  }
  cleanup.done();
});

/** Stops the private broker with `signal` mid-run and starts it again on the same ports and log dirs. */
function brokerRestart(signal: 'SIGTERM' | 'SIGKILL'): Fault {
  return {
    label: `broker restart test (${signal})`,
    stop: async () => `exited ${await kafka.stop(signal)} ms after the signal`,
    start: () => kafka.start(),
    downMs: DOWN_MS,
    logTail: () => `broker:\n${kafka.logTail()}`,
  };
}

const running = (): MidRunPipeline => ({ admin: admin!, topology, pipeline: pipeline!, producer: producer!, pool: pool!, market, logFile: log.file });

describe.skipIf(!lib)('the broker restarted while a book is computed (private KRaft broker)', () => {
  it('SIGTERM during the first computation: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    await restartMidRun(running(), firstBook, market.length + 1, brokerRestart('SIGTERM'));
  });

  it('SIGKILL during a recompute of every contract: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    await restartMidRun(running(), secondBook, SECOND_LSN, brokerRestart('SIGKILL'));
  });
});
