// Issue 6, done-when 5: two calculator processes (`cashflow run calculator`, child processes)
// in one consumer group split the partitions; SIGKILL of one of them mid-run loses nothing and
// duplicates nothing in the result tables. Every contract's rows equal a direct engine
// computation, seq runs 0..n-1 once per contract, and cashflow_versions agrees with the rows.
// The other processors run in this process. Unique database, topic prefix, consumer groups,
// connector, slot, publication and Redis prefix; all removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectClient } from '../clients/connect.js';
import { requestJson } from '../clients/http.js';
import { createAdmin, deleteConsumerGroups, deleteTopics, type Admin } from '../clients/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { repoFile } from '../clients/repo-file.js';
import { registerSchemas, type RegisteredSubject } from '../clients/schema-registry.js';
import { loadConfig, type Config } from '../config/config.js';
import { postgresConnector } from '../connectors/debezium.js';
import { dropDatabase, dropReplicationSlot, PostgresDatabase } from '../db/postgres.js';
import { demoContracts, demoMarketData } from '../demo/book.js';
import { committedOffsets, pipelineQuiet, topicEnds } from '../demo/ops.js';
import { computeEvents, contractTypeOf, eventsToJson, parseDateTime, TimeSeriesObserver } from '../engine/index.js';
import type { RunningPipeline } from '../processors/pipeline.js';
import { clearState } from '../state/redis-store.js';
import { applyTopics } from '../topology/apply.js';
import { buildTopology, cdcSource, type Topology } from '../topology/topology.js';
import { testEnv } from './env/index.js';
import { eventually } from './support/pipeline-env.js';

const run = randomBytes(4).toString('hex');
const server = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `cashflow_kill_${run}`;
const prefix = `kill${run}.`;
const redisPrefix = `cashflow-kill-${run}:`;
const CONTRACTS = Number(process.env.KILL_TEST_CONTRACTS ?? 3000);

let config: Config;
let topology: Topology;
let db: PostgresDatabase;
let pool: import('pg').Pool;
let admin: Admin | undefined;
let pipeline: RunningPipeline | undefined;
let subjects: RegisteredSubject[] = [];
const children: ChildProcess[] = [];
const connectorName = `cashflow-kill-${run}`;
const slot = `cashflow_kill_${run}`;
const logDir = join(repoFile(), '.test-logs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared poller with this file's longer default wait (jobs and kills take minutes under load). */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000, pollMs = 200): Promise<T> =>
  eventually(what, probe, timeoutMs, pollMs);

function startCalculator(n: number): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `kill-${run}-calculator-${n}.log`), 'a');
  const child = spawn(process.execPath, [repoFile('bin', 'cashflow.js'), 'run', 'calculator'], {
    cwd: repoFile(),
    env: {
      ...process.env,
      DATABASE_URL: config.database.url,
      CASHFLOW_TOPIC_PREFIX: prefix,
      CASHFLOW_REDIS_PREFIX: redisPrefix,
      CASHFLOW_METRICS_PORT: '0',
    },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  return child;
}

function logOf(n: number): string {
  const f = join(logDir, `kill-${run}-calculator-${n}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-15).join('\n') : '';
}

beforeAll(async () => {
  await testEnv();
  config = loadConfig({
    ...process.env,
    DATABASE_DIALECT: 'postgres',
    DATABASE_URL: Object.assign(new URL(server), { pathname: `/${dbName}` }).toString(),
  });
  topology = buildTopology({ ...cdcSource(config), prefix });
  db = new PostgresDatabase(config.database.url);
  await db.migrate({ publication: slot });
  pool = new (await import('pg')).default.Pool({ connectionString: config.database.url, max: 2 });
  admin = await createAdmin(config);
  await applyTopics(admin, topology, config);
  subjects = await registerSchemas(config, topology);
  const connector = postgresConnector(config, topology, { name: connectorName, slotName: slot, publicationName: slot });
  const connect = createConnectClient(config);
  await connect.putConnectorConfig(connector.name, connector.config);
  await connect.waitForRunning(connector.name, 120_000);
  // ingest, impact and sink in this process; the calculators are the children under test
  const { startProcessors } = await import('../processors/pipeline.js');
  pipeline = await startProcessors({
    config,
    topology,
    processors: ['contract-ingest', 'market-ingest', 'impact', 'sink'],
    redisPrefix,
    metricsPort: null,
  });
});

afterAll(async () => {
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await attempt('calculator exit', () => Promise.race([new Promise((r) => c.once('exit', r)), sleep(20_000).then(() => c.kill('SIGKILL'))]));
    }
  }
  await attempt('pipeline', async () => pipeline?.stop());
  await attempt('connector', () => createConnectClient(config).deleteConnector(connectorName));
  await attempt('slot', () => dropReplicationSlot(server, slot));
  await attempt('database client', () => db.close());
  await attempt('database pool', async () => pool?.end());
  await attempt('database', () => dropDatabase(server, dbName));
  await attempt('topics', async () => {
    admin ??= await createAdmin(config);
    await deleteTopics(admin, (t) => t.startsWith(prefix));
  });
  await attempt('consumer groups', async () => {
    admin ??= await createAdmin(config);
    await deleteConsumerGroups(admin, (g) => g.startsWith(prefix));
  });
  await attempt('admin', async () => admin?.disconnect());
  await attempt('redis', async () => {
    const redis = await connectRedis(config, { name: 'kill-test-cleanup' });
    try {
      await clearState(redis, redisPrefix);
    } finally {
      redis.disconnect();
    }
  });
  for (const s of subjects) {
    await attempt(`subject ${s.subject}`, async () => {
      const url = `${config.schemaRegistryUrl}/subjects/${encodeURIComponent(s.subject)}`;
      await requestJson('schema-registry', 'DELETE', url, undefined, { accept: [404] });
      await requestJson('schema-registry', 'DELETE', `${url}?permanent=true`, undefined, { accept: [404] });
    });
  }
  if (problems.length) throw new Error(`cleanup incomplete:\n${problems.join('\n')}`);
});

describe('two calculators in one group, one killed mid-run', () => {
  it('loses nothing and duplicates nothing in the result tables', async () => {
    const calculatorGroup = topology.processor('calculator').consumerGroup;
    const requests = topology.topic('recalcRequests').name;
    const a = startCalculator(1);
    const b = startCalculator(2);
    // Both members joined and each holds some of the partitions.
    await until(
      'two calculator members with partitions',
      async () => {
        const d = (await admin!.describeGroups([calculatorGroup])).groups[0];
        const owned = (d?.members ?? []).map((m) => (m.assignment?.topicPartitions ?? []).filter((tp) => tp.topic === requests).length);
        return owned.length === 2 && owned.every((n) => n > 0) && owned.reduce((x, y) => x + y, 0) === topology.topic('recalcRequests').partitions;
      },
      90_000,
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\ncalculator 1:\n${logOf(1)}\ncalculator 2:\n${logOf(2)}`);
    });

    // The book: market data first (so nothing waits), then the contracts.
    const book = demoContracts(CONTRACTS);
    const market = demoMarketData(book);
    await db.upsertMarketData(market);
    for (let i = 0; i < book.length; i += 1000) await db.upsertContracts(book.slice(i, i + 1000).map((c) => c.row));
    const ids = book.map((c) => c.row.contractId);
    const counted = async () =>
      Number((await pool.query('SELECT count(*) AS n FROM cashflow_versions')).rows[0].n);

    // Kill calculator 1 while the book is being computed: a tenth of the results are in, not all.
    const atKill = await until('a tenth of the results', async () => {
      const n = await counted();
      return n >= ids.length / 10 ? n : undefined;
    }, 180_000, 20);
    a.kill('SIGKILL');
    await new Promise((r) => (a.exitCode !== null || a.signalCode !== null ? r(null) : a.once('exit', r)));
    expect(a.signalCode).toBe('SIGKILL');
    expect(atKill).toBeLessThan(ids.length); // it really died mid-run
    process.stderr.write(`kill test: calculator 1 killed with ${atKill} of ${ids.length} results committed\n`);

    // The survivor takes over the killed one's partitions and finishes the book.
    await until('every contract computed', async () => (await counted()) >= ids.length, 240_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message} (${await counted()} of ${ids.length})\ncalculator 2:\n${logOf(2)}`);
    });
    await until('the pipeline drained', async () => pipelineQuiet(admin!, topology), 120_000, 300);
    expect(b.exitCode).toBeNull(); // the survivor is still running
    const ends = await topicEnds(admin!, requests);
    const committed = await committedOffsets(admin!, calculatorGroup, requests);
    for (const [p, end] of ends) expect(committed.get(p), `partition ${p}`).toBe(end);

    // Result tables against a direct engine computation with the same market data.
    const series = new Map<string, { time: number; value: number }[]>();
    for (const m of market) {
      const list = series.get(m.marketObjectCode) ?? [];
      list.push({ time: parseDateTime(m.observedAt)!, value: m.value });
      series.set(m.marketObjectCode, list);
    }
    const observer = new TimeSeriesObserver(series);
    const rows = (
      await pool.query<{ contract_id: string; seq: number; event_date: string; event_type: string; payoff: number; notional_principal: number | null; version: string }>(
        `SELECT contract_id, seq, to_char(event_date, 'YYYY-MM-DD"T"HH24:MI:SS') AS event_date, event_type, payoff, notional_principal, version
         FROM contract_cashflows ORDER BY contract_id, seq`,
      )
    ).rows;
    const versions = new Map(
      (await pool.query<{ contract_id: string; version: string; event_count: number; status: string }>('SELECT contract_id, version, event_count, status FROM cashflow_versions')).rows.map((r) => [r.contract_id, r]),
    );
    const byContract = new Map<string, typeof rows>();
    for (const r of rows) {
      const list = byContract.get(r.contract_id) ?? [];
      list.push(r);
      byContract.set(r.contract_id, list);
    }
    expect(versions.size).toBe(ids.length);
    expect([...byContract.keys()].sort()).toEqual([...ids].sort());
    let compared = 0;
    for (const c of book) {
      const id = c.row.contractId;
      const terms = JSON.parse(c.row.terms) as Record<string, string>;
      const expected = eventsToJson(computeEvents(terms, { observer }), contractTypeOf(c.row.contractType)!.reportedStates);
      const got = byContract.get(id)!;
      const v = versions.get(id)!;
      expect(v.status, id).toBe('computed');
      expect(got.map((r) => r.seq), id).toEqual(expected.map((_, i) => i)); // seq 0..n-1, each once
      expect(v.event_count, id).toBe(got.length);
      expect(new Set(got.map((r) => r.version)), id).toEqual(new Set([v.version])); // one version per contract
      for (let i = 0; i < expected.length; i++) {
        expect(got[i].event_date, `${id} #${i}`).toBe(expected[i].eventDate);
        expect(got[i].event_type, `${id} #${i}`).toBe(expected[i].eventType);
        expect(got[i].payoff, `${id} #${i}`).toBeCloseTo(expected[i].payoff, 6);
      }
      compared += expected.length;
    }
    expect(compared).toBe(rows.length); // no row beyond the engine's events
  });
});
