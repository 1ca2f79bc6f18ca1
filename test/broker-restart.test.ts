// BRIEF invariants 2, 3, 5 and 6 on a broker restart: the whole pipeline (contract-ingest,
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
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson } from '../clients/http.js';
import { createAdmin, createProducer, type Admin, type Producer } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { repoFile } from '../clients/repo-file.js';
import { registerSchemas, type RegisteredSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import type { ContractRow, MarketDataRow } from '../db/database.js';
import { dropDatabase, PostgresDatabase } from '../db/postgres.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { committedOffsets, pipelineQuiet, topicEnds, waitForGroup } from '../demo/ops.js';
import { startProcessors, type RunningPipeline } from '../processors/pipeline.js';
import type { Log } from '../processors/runner.js';
import { clearState } from '../state/redis-store.js';
import { applyTopics } from '../topology/apply.js';
import { buildTopology, cdcSource, type Topology } from '../topology/topology.js';
import { testEnv } from './env/index.js';
import { sendContracts, sendMarketData } from './support/cdc-feed.js';
import { expectResultsEqualEngine } from './support/expected-results.js';
import { eventually } from './support/pipeline-env.js';
import { PrivateKafka, stackKafkaLib } from './support/private-kafka.js';
import { Cleanup } from './support/cleanup.js';

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
const logDir = join(repoFile(), '.test-logs');
const logFile = join(logDir, `broker-restart-${run}.log`);

let kafka: PrivateKafka;
let config: Config;
let topology: Topology;
let db: PostgresDatabase | undefined;
let pool: pg.Pool | undefined;
let admin: Admin | undefined;
let producer: Producer | undefined;
let pipeline: RunningPipeline | undefined;
let subjects: RegisteredSubject[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fileLog: Log = (level, message, fields) => {
  appendFileSync(logFile, `${JSON.stringify({ t: new Date().toISOString(), level, message, ...fields })}\n`);
};

const demo = demoContracts(CONTRACTS);
const market: MarketDataRow[] = demoMarketData(demo);
const firstBook: ContractRow[] = demo.map((c) => c.row);
/** Every contract's terms changed: another notional, so every schedule differs. */
const secondBook: ContractRow[] = firstBook.map((c) => {
  const terms = JSON.parse(c.terms) as Record<string, string>;
  terms.notionalPrincipal = String(Number(terms.notionalPrincipal) + 1000);
  return { ...c, terms: JSON.stringify(terms) };
});

beforeAll(async () => {
  if (!lib) return;
  await testEnv();
  mkdirSync(logDir, { recursive: true });
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
    log: fileLog,
  });
  // Market data first, ingested and indexed before any contract arrives (nothing waits).
  await sendMarketData(producer, topology, market, 1);
  const marketTopic = topology.topic('cdcMarketData').name;
  await waitForGroup(admin, topology.processor('market-ingest').consumerGroup, marketTopic, await topicEnds(admin, marketTopic), { timeoutMs: 120_000 });
  const observations = topology.topic('marketObservations').name;
  await waitForGroup(admin, topology.processor('impact').consumerGroup, observations, await topicEnds(admin, observations), { timeoutMs: 120_000 });
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
    await attempt(`subject ${s.subject}`, async () => {
      const url = `${loadConfig().schemaRegistryUrl}/subjects/${encodeURIComponent(s.subject)}`;
      await requestJson('schema-registry', 'DELETE', url, undefined, { accept: [404] });
      await requestJson('schema-registry', 'DELETE', `${url}?permanent=true`, undefined, { accept: [404] });
    });
  }
  cleanup.done();
});

async function retriesSoFar(): Promise<number> {
  return (await pipeline!.metrics.retries.get()).values.reduce((n, v) => n + v.value, 0);
}

/** The partitions where a group's committed offset is short of the end: `group topic[p] committed/end`. */
async function lagging(): Promise<string[]> {
  const out: string[] = [];
  for (const p of topology.processors.filter((p) => pipeline!.processors.includes(p.name))) {
    for (const input of p.inputs) {
      const topic = topology.topic(input).name;
      const committed = await committedOffsets(admin!, p.consumerGroup, topic);
      for (const [partition, end] of await topicEnds(admin!, topic)) {
        const c = committed.get(partition) ?? -1n;
        if (end > 0n && c < end) out.push(`${p.name} ${input}[${partition}] ${c}/${end}`);
      }
    }
  }
  return out;
}

/**
 * Feeds `book` (commit positions from `firstLsn`), restarts the broker with `signal` once a tenth
 * of the book's results are in the database, and checks the end state.
 */
async function restartMidRun(book: readonly ContractRow[], firstLsn: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const started = Date.now();
  const q = pool!;
  // results of this run: their version is at least the run's first commit position
  const done = async () => Number((await q.query('SELECT count(*) AS n FROM cashflow_versions WHERE version >= $1', [firstLsn])).rows[0].n);
  await sendContracts(producer!, topology, book, firstLsn);

  const atStop = await eventually('a tenth of the results', async () => {
    const n = await done();
    return n >= book.length / 10 ? n : undefined;
  }, 180_000, 20);
  const retriesBefore = await retriesSoFar();
  const exitMs = await kafka.stop(signal);
  const downAt = Date.now();
  await sleep(DOWN_MS);
  const atStart = await done();
  await kafka.start();
  const downMs = Date.now() - downAt;
  process.stderr.write(
    `broker restart test (${signal}): exited ${exitMs} ms after the signal with ${atStop} of ${book.length} results committed (${atStart} at restart), down ${downMs} ms\n`,
  );
  expect(atStop).toBeLessThan(book.length); // it really went down mid-run

  await eventually('every contract computed', async () => (await done()) >= book.length, 240_000, 500).catch(async (e) => {
    throw new Error(`${(e as Error).message} (${await done()} of ${book.length}); log ${logFile}\nbroker:\n${kafka.logTail()}`);
  });
  await eventually('the pipeline drained', async () => pipelineQuiet(admin!, topology), 120_000, 300).catch(async (e) => {
    throw new Error(`${(e as Error).message}; behind: ${(await lagging()).join(', ')}; log ${logFile}`);
  });
  const retries = (await retriesSoFar()) - retriesBefore;
  process.stderr.write(`broker restart test (${signal}): ${retries} retries since the stop\n`);

  // Every group committed up to the end of each of its inputs (nothing skipped, nothing left).
  for (const p of topology.processors.filter((p) => pipeline!.processors.includes(p.name))) {
    for (const input of p.inputs) {
      const topic = topology.topic(input).name;
      const committed = await committedOffsets(admin!, p.consumerGroup, topic);
      for (const [partition, end] of await topicEnds(admin!, topic)) if (end > 0n) expect(committed.get(partition), `${p.name} ${topic}[${partition}]`).toBe(end);
    }
  }
  // Still running and ready.
  expect(pipeline!.ready()).toBe(true);
  const ready = await fetch(`http://127.0.0.1:${pipeline!.port}/readyz`);
  expect(ready.status, await ready.text()).toBe(200);
  // Nothing dead-lettered: a broker fault is retried, never skipped.
  const deadLetters = [...(await topicEnds(admin!, topology.topic('deadLetter').name)).values()].reduce((a, b) => a + b, 0n);
  expect(deadLetters).toBe(0n);
  expect((await pipeline!.metrics.deadLetters.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);

  const { rows } = await expectResultsEqualEngine(q, book, market);
  process.stderr.write(`broker restart test (${signal}): ${book.length} contracts, ${rows} rows checked, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

describe.skipIf(!lib)('the broker restarted while a book is computed (private KRaft broker)', () => {
  it('SIGTERM during the first computation: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    await restartMidRun(firstBook, market.length + 1, 'SIGTERM');
  });

  it('SIGKILL during a recompute of every contract: loses nothing, duplicates nothing, dead-letters nothing', async () => {
    await restartMidRun(secondBook, SECOND_LSN, 'SIGKILL');
  });
});
